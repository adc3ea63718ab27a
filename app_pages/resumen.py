"""Resumen: where the policy stands on the fecha de corte, what moved, what is late."""
import pandas as pd
import streamlit as st

from metrics import charts, fmt
from metrics.scoring import vision_rule
from metrics.snapshot import compare
from metrics.vocabulary import STATUS_ICONS, STATUS_LABELS
from ui import state, timeliness, views
from ui.charts import show_chart
from ui.widgets import comparison_input, late_table, status_column, status_text, vision_text

plan = state.plan()
snap = state.snapshot()
entity = plan.entity["name"]
s = plan.settings

st.title("¿Cómo vamos con la Política de Gobierno Digital?")
st.caption(f"{plan.entity['policy_code']} · Cifras al {fmt.long_date(snap.as_of)}")
state.demo_banner()
state.no_plan_notice(snap)

c1, c2, c3 = st.columns(3)
c1.metric("Puntaje de la política", fmt.percent(snap.policy), help="Promedio ponderado del cumplimiento "
          "de los objetivos específicos de la política, con el cumplimiento de cada indicador topado en 100 %. "
          "Los indicadores sin dato o desactualizados no cuentan.")
c1.markdown(status_text(snap.policy_status))
rule = vision_rule(s)
if snap.vision is not None:
    c2.metric(f"Visión {snap.vision.horizon.year}", fmt.percent(snap.vision.score),
              help="Avance desde la línea base hacia las metas del horizonte de la visión. " + rule)
    c2.markdown(vision_text(snap.vision))
if snap.plan is not None:
    c3.metric(f"Plan vigente ({snap.plan.code})", fmt.percent(snap.plan.score),
              help="Avance con los periodos cerrados dentro del plan, frente a su propio tiempo. " + rule)
    c3.markdown(vision_text(snap.plan))
st.caption(f"Estado de la visión y del plan: {rule[0].lower()}{rule[1:]}")

items = [(f"Visión {p.horizon.year}" if p is snap.vision else p.name, p.score, p.elapsed)
         for p in (snap.vision, snap.plan) if p is not None]
if items:
    show_chart(views.once(snap, "avance-tiempo", lambda: charts.frame(
        charts.progress_vs_time(items), "Avance frente al tiempo transcurrido", snap.as_of, entity, plan.is_demo,
        380)), "avance-tiempo")

st.subheader("Objetivos")
objectives = snap.objectives[snap.objectives["kind"] != "general"]
for row_start in range(0, len(objectives), 4):
    cols = st.columns(4)
    for col, o in zip(cols, objectives.iloc[row_start:row_start + 4].itertuples()):
        with col.container(border=True):
            st.markdown(f"**{o.code}** · {o.text}")
            st.markdown(f"### {fmt.percent(o.score)}")
            st.markdown(status_text(o.status))
            st.caption(f"{o.n_data:.0f} de {fmt.count(int(o.n), 'indicador')} con dato vigente")
st.page_link("app_pages/objetivos.py", label="Ver objetivos, visión y el porqué de cada puntaje", icon=":material/flag:")

st.subheader("Indicadores por semáforo")
counts = snap.status_counts()
left, right = st.columns([2, 3])
left.markdown("\n".join(f"- {STATUS_ICONS[k]} **{STATUS_LABELS[k]}**: {v}" for k, v in counts.items()))
left.caption("Desactualizado: su último resultado es de una vigencia anterior a la que ya debía reportar; "
             "se muestra con su vigencia y no cuenta en los puntajes.")
with right:
    show_chart(views.once(snap, "semaforo", lambda: charts.frame(
        charts.status_counts(counts), "Indicadores por estado del semáforo", snap.as_of, entity, plan.is_demo,
        360)), "semaforo")


def moved_indicators(before, since) -> pd.DataFrame:
    """The indicators whose attainment or semáforo moved since the comparison date, largest change first."""
    changed = compare(before, snap)
    moved = changed[(changed["kind"] == "indicador") & changed["moved"]]
    moved = moved.sort_values("change_pp", key=lambda c: -c.abs().fillna(100.0))
    return pd.DataFrame({
        "Código": moved["code"], "Indicador": moved["name"], "Proceso": moved["process"],
        "Antes": status_column(moved["status_before"]), "Ahora": status_column(moved["status_after"]),
        "Cambio": fmt.numbers(moved["change_pp"], suffix=" pts"),
    })


@st.fragment
def what_changed() -> None:
    """Changing the comparison date reruns this section alone."""
    st.subheader("¿Qué cambió?")
    since = comparison_input("Comparar con la fecha de corte", "resumen_desde", snap.as_of,
                             help="Por defecto, el último cierre de trimestre antes de la fecha de corte (el comité "
                                  "anterior).")
    before = state.snapshot(since)
    delta = None if snap.policy is None or before.policy is None else snap.policy - before.policy
    st.metric(f"Puntaje de la política frente al {fmt.short_date(since)}", fmt.percent(snap.policy),
              delta=None if delta is None else f"{fmt.number(delta * 100)} puntos")
    moved = views.once(snap, "resumen-cambios", lambda: moved_indicators(before, since), since)
    if moved.empty:
        st.info("Ningún indicador cambió de cumplimiento ni de semáforo entre las dos fechas.")
    else:
        st.dataframe(moved, hide_index=True)


what_changed()

st.subheader("Procesos")


def process_links(processes: pd.DataFrame) -> list[tuple[str, str]]:
    """(code, link text) of the processes with indicators, the lowest score first."""
    rows = processes[processes["n"].fillna(0) > 0].sort_values("score", na_position="first")
    return list(zip(rows["code"], status_column(rows["status"]) + " " + fmt.percents(rows["score"]) + " · "
                    + rows["name"]))


cols = st.columns(2)
for i, (code, label) in enumerate(views.once(snap, "resumen-procesos", lambda: process_links(snap.processes))):
    cols[i % 2].page_link("app_pages/procesos.py", query_params={"proceso": code}, icon=":material/account_tree:",
                          label=label)

st.subheader("Reportes atrasados")
late_table(snap, plan)

timeliness.section(snap)
