"""Resumen: where the policy stands on the fecha de corte, what moved, what is late."""
from datetime import timedelta

import streamlit as st

from metrics import charts, fmt
from metrics.scoring import STATUS_ICONS, STATUS_LABELS
from metrics.snapshot import changes
from ui import state, timeliness
from ui.charts import show_chart
from ui.widgets import late_table, status_text

plan = state.plan()
snap = state.snapshot()
entity = plan.entity["name"]

st.title("¿Cómo vamos con la Política de Gobierno Digital?")
st.caption(f"{plan.entity['policy_code']} · Cifras al {fmt.long_date(snap.as_of)}")
state.demo_banner()

c1, c2, c3 = st.columns(3)
c1.metric("Puntaje de la política", fmt.percent(snap.policy), help="Promedio ponderado del cumplimiento "
          "de los objetivos específicos de la política, con el cumplimiento de cada indicador topado en 100 %.")
c1.markdown(status_text(snap.policy_status))
c2.metric(f"Visión {snap.vision.horizon.year}", fmt.percent(snap.vision.score),
          help="Avance desde la línea base hacia las metas del horizonte de la visión.")
c2.markdown(f"**{snap.vision.status.capitalize()}** · {fmt.percent(snap.vision.elapsed, 0)} del tiempo transcurrido")
c3.metric(f"Plan vigente ({snap.plan.code})", fmt.percent(snap.plan.score))
c3.markdown(f"**{snap.plan.status.capitalize()}** · {fmt.percent(snap.plan.elapsed, 0)} del tiempo transcurrido")

fig = charts.progress_vs_time([(f"Visión {snap.vision.horizon.year}", snap.vision.score, snap.vision.elapsed),
                               (snap.plan.name, snap.plan.score, snap.plan.elapsed)])
show_chart(charts.frame(fig, "Avance frente al tiempo transcurrido", snap.as_of, entity, plan.is_demo, 300),
           "avance-tiempo")

st.subheader("Objetivos")
objectives = snap.objectives[snap.objectives["kind"] != "general"]
for row_start in range(0, len(objectives), 4):
    cols = st.columns(4)
    for col, o in zip(cols, objectives.iloc[row_start:row_start + 4].itertuples()):
        with col.container(border=True):
            st.markdown(f"**{o.code}** · {o.text}")
            st.markdown(f"### {fmt.percent(o.score)}")
            st.markdown(status_text(o.status))
            st.caption(f"{o.n_data:.0f} de {o.n:.0f} indicadores con dato")
st.page_link("app_pages/objetivos.py", label="Ver objetivos, visión y el porqué de cada puntaje", icon=":material/flag:")

st.subheader("Indicadores por semáforo")
counts = snap.status_counts()
left, right = st.columns([2, 3])
left.markdown("\n".join(f"- {STATUS_ICONS[k]} **{STATUS_LABELS[k]}**: {v}" for k, v in counts.items()))
with right:
    show_chart(charts.frame(charts.status_counts(counts), "Indicadores por estado del semáforo", snap.as_of,
                            entity, plan.is_demo, 320), "semaforo")

st.subheader("¿Qué cambió?")
since = st.date_input("Comparar con la fecha de corte", value=snap.as_of - timedelta(days=90),
                      max_value=snap.as_of, min_value=state.EARLIEST, format="DD/MM/YYYY", key="resumen_desde")
before = state.snapshot(since)
delta = None if snap.policy is None or before.policy is None else snap.policy - before.policy
st.metric(f"Puntaje de la política frente al {fmt.short_date(since)}", fmt.percent(snap.policy),
          delta=None if delta is None else f"{fmt.number(delta * 100)} puntos")
moved = changes(before, snap)
if moved.empty:
    st.info("Ningún indicador cambió de cumplimiento ni de semáforo entre las dos fechas.")
else:
    st.dataframe(moved.assign(
        antes=[status_text(x, short=True) for x in moved["status_before"]],
        ahora=[status_text(x, short=True) for x in moved["status_after"]],
        cambio=[fmt.number(d * 100) + " pts" if d == d else "—" for d in moved["delta"]],
    )[["code", "name", "process", "antes", "ahora", "cambio"]].rename(columns={
        "code": "Código", "name": "Indicador", "process": "Proceso", "antes": "Antes", "ahora": "Ahora",
        "cambio": "Cambio"}), hide_index=True)

st.subheader("Procesos")
with_indicators = snap.processes[snap.processes["n"].fillna(0) > 0]
cols = st.columns(2)
for i, p in enumerate(with_indicators.sort_values("score", na_position="first").itertuples()):
    cols[i % 2].page_link("app_pages/procesos.py", query_params={"proceso": p.code}, icon=":material/account_tree:",
                          label=f"{status_text(p.status, short=True)} {fmt.percent(p.score)} · {p.name}")

st.subheader("Reportes atrasados")
late_table(snap.late, plan)

timeliness.section()
