"""Objetivos y visión: each objective over time, its indicators, the projection and the why."""
import pandas as pd
import streamlit as st

from metrics import charts, fmt
from metrics.scoring import vision_rule
from metrics.vocabulary import OBJECTIVE_KINDS, VISION_LABELS
from ui import briefing, state
from ui.charts import show_chart
from ui.widgets import stale_note, status_text, url_selectbox, vigencias

plan = state.plan()
snap = state.snapshot()
entity = plan.entity["name"]
s = plan.settings

st.title("Objetivos y visión")
state.demo_banner()
state.no_plan_notice(snap)

with st.container(border=True):
    horizon = snap.vision.horizon.year if snap.vision is not None else ""
    st.markdown(f"**Visión {horizon}.** {plan.entity['vision']}")
    st.markdown(f"**Misión.** {plan.entity['mission']}")
    parts = []
    if snap.vision is not None:
        parts.append(f"Avance hacia la visión: **{fmt.percent(snap.vision.score)}** · estado "
                     f"**{VISION_LABELS[snap.vision.status]}** · horizonte {fmt.long_date(snap.vision.horizon)}")
    if snap.plan is not None:
        parts.append(f"plan vigente {snap.plan.name}: **{fmt.percent(snap.plan.score)}** "
                     f"({VISION_LABELS[snap.plan.status]}, {fmt.percent(snap.plan.elapsed, 0)} de su tiempo)")
    st.markdown("; ".join(parts) + ".")
    st.caption(vision_rule(s))

bars = snap.objectives[snap.objectives["kind"] != "general"].assign(
    label=lambda d: d["code"] + " · " + d["text"])  # wrapped by the chart, never truncated
show_chart(charts.frame(charts.score_bars(bars, "label", s.red_below, s.green_from),
                        "Puntaje por objetivo", snap.as_of, entity, plan.is_demo, 420), "objetivos")

history = state.history()
fig = charts.score_history(history)
show_chart(charts.frame(fig, "Puntaje por objetivo frente al tiempo transcurrido del plan", snap.as_of, entity,
                        plan.is_demo, 460), "historia-objetivos")

objectives = snap.objectives[snap.objectives["kind"] != "general"]
labels = {o.code: f"{o.code} · {o.text}" for o in objectives.itertuples()}
chosen = url_selectbox("Objetivo", labels, "objetivo")
obj = objectives[objectives["code"] == chosen].iloc[0]
st.subheader(labels[chosen])
st.caption(OBJECTIVE_KINDS[obj["kind"]])
st.markdown(f"Puntaje **{fmt.percent(obj['score'])}** {status_text(obj['status'])} · "
            f"cobertura de datos {fmt.percent(obj['coverage'], 0)}")

st.markdown("#### ¿Por qué este valor?")
inputs = snap.objective_inputs[snap.objective_inputs["objective"] == chosen]
with_data = inputs[inputs["attainment"].notna()]
st.markdown(
    f"Promedio ponderado del cumplimiento (topado en 100 %) de {fmt.count(len(with_data), 'indicador')} con dato vigente: "
    f"Σ(peso × cumplimiento) = {fmt.number(with_data['contribution'].sum(), 3)} ÷ "
    f"Σ(pesos) = {fmt.number(with_data['weight'].sum(), 1)} → **{fmt.percent(obj['score'])}**. "
    f"Los indicadores sin dato o desactualizados no cuentan (tampoco como cero). Si a menor valor es mejor, "
    f"un resultado igual o por debajo de la meta cumple el 100 %.")
st.dataframe(pd.DataFrame({
    "Indicador": inputs["indicator"] + " · " + inputs["name"],
    "Vigencia": vigencias(inputs),
    "Resultado": [fmt.value(v, u) for v, u in zip(inputs["result"], inputs["unit"])],
    "Meta": [fmt.value(v, u) for v, u in zip(inputs["target"], inputs["unit"])],
    "Cumplimiento (topado en 100 %)": inputs["attainment"].map(fmt.percent),
    "Semáforo": [status_text(x, short=True) for x in inputs["status"]],
    "Peso": inputs["weight"].map(lambda w: fmt.number(w, 0)),
    "Aporte": inputs["contribution"].map(lambda c: fmt.number(c, 3)),
}), hide_index=True)
stale_note(inputs, "indicator")
briefing.section(inputs["indicator"], inputs["name"])

for outlook in (snap.vision, snap.plan):
    if outlook is None:
        continue
    whose = "de la visión" if outlook is snap.vision else "del plan vigente"
    judged = outlook.judged
    st.markdown(f"#### {'Resultado' if judged else 'Proyección'} al horizonte {whose} "
                f"({fmt.short_date(outlook.horizon)}, metas {outlook.target_year})")
    if judged:
        st.caption("El horizonte ya llegó: cada indicador se juzga con su resultado real, no con la proyección.")
    proj = outlook.indicators[outlook.indicators["code"].isin(inputs["indicator"])]
    table = {
        "Indicador": proj["code"] + " · " + proj["name"],
        "Línea base del plan": [fmt.value(v, u) for v, u in zip(proj["baseline"], proj["unit"])],
        "Actual": [fmt.value(v, u) for v, u in zip(proj["current"], proj["unit"])],
        f"Meta {outlook.target_year}": [fmt.value(v, u) for v, u in zip(proj["target"], proj["unit"])],
    }
    if judged:
        table["¿Cumplió la meta?"] = proj["reaches"].map({True: "✔ Sí", False: "✖ No"}).fillna("—")
    else:
        table["Proyección"] = [fmt.value(v, u) for v, u in zip(proj["projected"], proj["unit"])]
        table["¿Alcanza la meta?"] = proj["reaches"].map({True: "✔ Sí", False: "✖ No"}).fillna("—")
        table["Ritmo anual necesario"] = [f"{fmt.value(v, u)} por año" if pd.notna(v) else "—"
                                          for v, u in zip(proj["needed_per_year"], proj["unit"])]
    st.dataframe(pd.DataFrame(table), hide_index=True, key=f"horizonte-{whose}")  # the two tables may hold the same

# The scores by element of the policy model in force at the cut-off (FURAG asks by element).
from metrics import policy_model  # noqa: E402
from metrics.vocabulary import ELEMENT_KINDS, POLICY_MODELS  # noqa: E402

by_element = policy_model.element_scores(state.store(), plan, snap.indicators, snap.as_of)
if not by_element.empty:
    model = by_element["model"].iloc[0]
    st.markdown(f"#### Puntaje por elemento de la política · {POLICY_MODELS.get(model, model)}")
    st.caption("El modelo es el que sigue el plan estratégico vigente a la fecha de corte; cada indicador "
               "aporta a un elemento de cada modelo.")
    st.dataframe(pd.DataFrame({
        "Tipo": by_element["kind"].map(ELEMENT_KINDS), "Elemento": by_element["name"],
        "Puntaje": by_element["score"].map(fmt.percent),
        "Semáforo": [status_text(x, short=True) for x in by_element["status"]],
        "Indicadores con dato": [f"{int(d)} de {int(n)}" if pd.notna(n) else "0 de 0"
                                 for d, n in zip(by_element["n_data"], by_element["n"])]}), hide_index=True)

# A plan that closed by the cut-off: its final evaluation (each indicator's last result against its target).
from metrics import next_plan  # noqa: E402

closed = plan.plans[plan.plans["end_date"].dt.date < snap.as_of]
if not closed.empty:
    last_closed = closed.sort_values("end_date").iloc[-1]
    final = next_plan.final_evaluation(state.store(), plan, last_closed, snap.as_of)
    st.markdown(f"#### Evaluación final de {last_closed['name']}")
    st.caption(f"Último resultado de cada indicador dentro del plan frente a su meta de "
               f"{int(final['target_year'].iloc[0])}; la visión se juzga arriba con los resultados reales.")
    st.dataframe(pd.DataFrame({
        "Indicador": final["code"] + " · " + final["name"],
        "Último resultado": [fmt.value(v, u) if pd.notna(v) else "—"
                             for v, u in zip(final["result"], final["unit"])],
        "Vigencia": final["year"].map(lambda y: "—" if pd.isna(y) else str(int(y))),
        "Meta del plan": [fmt.value(v, u) if pd.notna(v) else "—" for v, u in zip(final["target"], final["unit"])],
        "Cumplimiento": final["attainment"].map(lambda a: "—" if a is None or pd.isna(a) else fmt.percent(a)),
        "Semáforo": [status_text(x, short=True) for x in final["status"]]}), hide_index=True)
