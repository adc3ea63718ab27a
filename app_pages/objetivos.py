"""Objetivos y visión: each objective over time, its indicators, the projection and the why."""
import pandas as pd
import streamlit as st

from metrics import charts, fmt
from metrics.plan import OBJECTIVE_KINDS
from ui import state
from ui.charts import show_chart
from ui.widgets import status_text, url_selectbox

plan = state.plan()
snap = state.snapshot()
entity = plan.entity["name"]

st.title("Objetivos y visión")
state.demo_banner()

with st.container(border=True):
    st.markdown(f"**Visión {snap.vision.horizon.year}.** {plan.entity['vision']}")
    st.markdown(f"**Misión.** {plan.entity['mission']}")
    st.markdown(f"Avance hacia la visión: **{fmt.percent(snap.vision.score)}** · estado **{snap.vision.status}** · "
                f"horizonte {fmt.long_date(snap.vision.horizon)}; plan vigente {snap.plan.name}: "
                f"**{fmt.percent(snap.plan.score)}** ({snap.plan.status}).")

bars = snap.objectives[snap.objectives["kind"] != "general"].assign(
    label=lambda d: d["code"] + " · " + d["text"].str.slice(0, 48))
show_chart(charts.frame(charts.score_bars(bars, "label", plan.settings.red_below, plan.settings.green_from),
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
    f"Promedio ponderado del cumplimiento (topado en 100 %) de {len(with_data)} indicadores con dato: "
    f"Σ(peso × cumplimiento) = {fmt.number(with_data['contribution'].sum(), 3)} ÷ "
    f"Σ(pesos) = {fmt.number(with_data['weight'].sum(), 1)} → **{fmt.percent(obj['score'])}**. "
    f"Los indicadores sin dato no cuentan como cero.")
st.dataframe(pd.DataFrame({
    "Indicador": inputs["indicator"] + " · " + inputs["name"],
    "Resultado": [fmt.value(v, u) for v, u in zip(inputs["result"], inputs["unit"])],
    "Meta": [fmt.value(v, u) for v, u in zip(inputs["target"], inputs["unit"])],
    "Cumplimiento (topado en 100 %)": inputs["attainment"].map(fmt.percent),
    "Semáforo": [status_text(x, short=True) for x in inputs["status"]],
    "Peso": inputs["weight"].map(lambda w: fmt.number(w, 0)),
    "Aporte": inputs["contribution"].map(lambda c: fmt.number(c, 3)),
}), hide_index=True)

st.markdown(f"#### Proyección al horizonte del plan vigente ({snap.plan.target_year})")
proj = snap.plan.indicators[snap.plan.indicators["code"].isin(inputs["indicator"])]
st.dataframe(pd.DataFrame({
    "Indicador": proj["code"] + " · " + proj["name"],
    "Línea base del plan": [fmt.value(v, u) for v, u in zip(proj["baseline"], proj["unit"])],
    "Actual": [fmt.value(v, u) for v, u in zip(proj["current"], proj["unit"])],
    f"Meta {snap.plan.target_year}": [fmt.value(v, u) for v, u in zip(proj["target"], proj["unit"])],
    "Proyección": [fmt.value(v, u) for v, u in zip(proj["projected"], proj["unit"])],
    "¿Alcanza la meta?": proj["reaches"].map({True: "✔ Sí", False: "✖ No"}).fillna("Sin dato"),
    "Ritmo anual necesario": [fmt.number(v) for v in proj["needed_per_year"]],
}), hide_index=True)
