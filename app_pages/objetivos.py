"""Objetivos y visión: each objective over time, its indicators, the projection and the why."""
import pandas as pd
import streamlit as st

from metrics import charts, final_evaluation, fmt, next_plan, policy_model
from metrics.scoring import vision_rule
from metrics.vocabulary import ELEMENT_KINDS, OBJECTIVE_KINDS, POLICY_MODELS, VISION_LABELS
from ui import briefing, state, views
from ui.charts import show_chart
from ui.widgets import stale_note, status_column, status_text, url_selectbox, vigencias

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
show_chart(views.once(snap, "objetivos", lambda: charts.frame(
    charts.score_bars(bars, "label", s.red_below, s.green_from), "Puntaje por objetivo", snap.as_of, entity,
    plan.is_demo, 420)), "objetivos")
show_chart(views.once(snap, "historia-objetivos", lambda: charts.frame(
    charts.score_history(state.history()), "Puntaje por objetivo frente al tiempo transcurrido del plan",
    snap.as_of, entity, plan.is_demo, 460)), "historia-objetivos")

objectives = snap.objectives[snap.objectives["kind"] != "general"]
labels = {o.code: f"{o.code} · {o.text}" for o in objectives.itertuples()}


def contributions(inputs: pd.DataFrame) -> pd.DataFrame:
    return pd.DataFrame({
        "Indicador": inputs["indicator"] + " · " + inputs["name"],
        "Vigencia": vigencias(inputs),
        "Resultado": fmt.values(inputs["result"], inputs["unit"]),
        "Meta": fmt.values(inputs["target"], inputs["unit"]),
        "Cumplimiento (topado en 100 %)": fmt.percents(inputs["attainment"]),
        "Semáforo": status_column(inputs["status"]),
        "Peso": fmt.numbers(inputs["weight"], 0),
        "Aporte": fmt.numbers(inputs["contribution"], 3),
    })


def outlook_table(outlook, codes: pd.Series) -> pd.DataFrame:
    """The projection (or, past the horizon, the result) of an objective's indicators."""
    proj = outlook.indicators[outlook.indicators["code"].isin(codes)]
    table = {
        "Indicador": proj["code"] + " · " + proj["name"],
        "Línea base del plan": fmt.values(proj["baseline"], proj["unit"]),
        "Actual": fmt.values(proj["current"], proj["unit"]),
        f"Meta {outlook.target_year}": fmt.values(proj["target"], proj["unit"]),
    }
    reaches = proj["reaches"].map({True: "✔ Sí", False: "✖ No"}).fillna("—")
    if outlook.judged:
        table["¿Cumplió la meta?"] = reaches
    else:
        table["Proyección"] = fmt.values(proj["projected"], proj["unit"])
        table["¿Alcanza la meta?"] = reaches
        table["Ritmo anual necesario"] = fmt.values(proj["needed_per_year"], proj["unit"], " por año")
    return pd.DataFrame(table)


@st.fragment
def objective_section() -> None:
    """The chosen objective and why it scores what it does; choosing another reruns this alone."""
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
        f"Promedio ponderado del cumplimiento (topado en 100 %) de {fmt.count(len(with_data), 'indicador')} con dato "
        f"vigente: Σ(peso × cumplimiento) = {fmt.number(with_data['contribution'].sum(), 3)} ÷ "
        f"Σ(pesos) = {fmt.number(with_data['weight'].sum(), 1)} → **{fmt.percent(obj['score'])}**. "
        f"Los indicadores sin dato o desactualizados no cuentan (tampoco como cero). Si a menor valor es mejor, "
        f"un resultado igual o por debajo de la meta cumple el 100 %.")
    st.dataframe(views.once(snap, "objetivos-aportes", lambda: contributions(inputs), chosen), hide_index=True)
    stale_note(inputs, "indicator")
    briefing.section(snap, inputs["indicator"], inputs["name"], key="objetivos_analisis")

    for outlook in (snap.vision, snap.plan):
        if outlook is None:
            continue
        whose = "de la visión" if outlook is snap.vision else "del plan vigente"
        st.markdown(f"#### {'Resultado' if outlook.judged else 'Proyección'} al horizonte {whose} "
                    f"({fmt.short_date(outlook.horizon)}, metas {outlook.target_year})")
        if outlook.judged:
            st.caption("El horizonte ya llegó: cada indicador se juzga con su resultado real, no con la proyección.")
        table = views.once(snap, "objetivos-horizonte", lambda: outlook_table(outlook, inputs["indicator"]),
                           chosen, whose)
        st.dataframe(table, hide_index=True, key=f"horizonte-{whose}")  # the two tables may hold the same


objective_section()


def element_section() -> tuple[str, pd.DataFrame] | None:
    """The scores by element of the policy model in force at the cut-off (FURAG asks by element)."""
    by_element = policy_model.element_scores(state.store(), plan, snap.indicators, snap.as_of)
    if by_element.empty:
        return None
    model = by_element["model"].iloc[0]
    return POLICY_MODELS.get(model, model), pd.DataFrame({
        "Tipo": by_element["kind"].map(ELEMENT_KINDS), "Elemento": by_element["name"],
        "Puntaje": fmt.percents(by_element["score"]),
        "Semáforo": status_column(by_element["status"]),
        "Indicadores con dato": [f"{int(d)} de {int(n)}" if pd.notna(n) else "0 de 0"
                                 for d, n in zip(by_element["n_data"], by_element["n"])]})


def final_section() -> tuple[pd.Series, int, pd.DataFrame] | None:
    """A plan that closed by the cut-off: its final evaluation (each indicator's last result against its target)."""
    last_closed = final_evaluation.last_closed(plan, snap.as_of)
    if last_closed is None:
        return None
    final = next_plan.final_evaluation(state.store(), plan, last_closed, snap.as_of)
    return last_closed, int(final["target_year"].iloc[0]), pd.DataFrame({
        "Indicador": final["code"] + " · " + final["name"],
        "Último resultado": fmt.values(final["result"], final["unit"]),
        "Vigencia": final["year"].map(lambda y: "—" if pd.isna(y) else str(int(y))),
        "Meta del plan": fmt.values(final["target"], final["unit"]),
        "Cumplimiento": fmt.percents(final["attainment"]),
        "Semáforo": status_column(final["status"])})


elements = views.once(snap, "objetivos-elementos", element_section)
if elements is not None:
    model_name, table = elements
    st.markdown(f"#### Puntaje por elemento de la política · {model_name}")
    st.caption("El modelo es el que sigue el plan estratégico vigente a la fecha de corte; cada indicador "
               "aporta a un elemento de cada modelo.")
    st.dataframe(table, hide_index=True)

final = views.once(snap, "objetivos-evaluacion-final", final_section)
if final is not None:
    last_closed, target_year, table = final
    st.markdown(f"#### Evaluación final de {last_closed['name']}")
    st.caption(f"Último resultado de cada indicador dentro del plan frente a su meta de "
               f"{target_year}; la visión se juzga arriba con los resultados reales.")
    st.dataframe(table, hide_index=True)
