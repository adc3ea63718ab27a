"""Procesos: pick a process (deep link ?proceso=TI) and drill into its indicators and late reports."""
import pandas as pd
import streamlit as st

from metrics import charts, fmt, values
from metrics.scoring import period_attainment
from metrics.vocabulary import PROCESS_TYPES
from ui import briefing, state, timeliness, views
from ui.charts import show_chart
from ui.widgets import late_table, stale_note, status_column, status_text, url_selectbox, vigencias

plan = state.plan()
snap = state.snapshot()
s = plan.settings

st.title("Procesos")
state.demo_banner()
state.no_plan_notice(snap)

processes = snap.processes
# The chooser offers the processes with indicators; another one still opens from its link (?proceso=…).
offered = processes[processes["n"].fillna(0) > 0]
asked = st.query_params.get("proceso")
if asked in set(processes["code"]) - set(offered["code"]):
    offered = processes[processes["code"].isin(set(offered["code"]) | {asked})]
labels = {p.code: f"{p.name} ({PROCESS_TYPES[p.type]})" for p in offered.itertuples()}


def indicator_table(indicators: pd.DataFrame) -> pd.DataFrame:
    """The process's indicators as the table shows them."""
    return pd.DataFrame({
        "Indicador": indicators["code"] + " · " + indicators["name"],
        "Vigencia": vigencias(indicators),
        "Resultado": fmt.values(indicators["result"], indicators["unit"]),
        "Meta a la fecha": fmt.values(indicators["target"], indicators["unit"]),
        "Cumplimiento": fmt.percents(indicators["attainment_raw"]),
        "Semáforo": status_column(indicators["status"]),
    })


def trend_figure(code: str, proc: pd.Series, codes: list[str], names: dict[str, str], pick: str):
    """Attainment per period of the process's indicators, `pick` highlighted (the periods kept per process)."""
    periods = views.once(snap, "procesos-periodos", lambda: period_attainment(
        values.current_values(state.store(), snap.as_of, codes=codes), plan.indicators, plan.targets), code)
    fig = charts.process_trends(periods, names, s.red_below, s.green_from, highlight=pick)
    return charts.frame(fig, f"Cumplimiento por periodo · {proc['name']}", snap.as_of, plan.entity["name"],
                        plan.is_demo, 480)


@st.fragment
def trend(code: str, proc: pd.Series, indicators: pd.DataFrame) -> None:
    """The chosen indicator over the others of the process; choosing another reruns this alone."""
    st.markdown("#### Tendencia frente a la meta")
    names = dict(zip(indicators["code"], indicators["code"] + " · " + indicators["name"]))
    worst_first = list(indicators.sort_values("attainment", na_position="last")["code"])
    pick = st.selectbox("Indicador resaltado (ver su ficha y sus valores)", worst_first, format_func=names.get,
                        key=f"proceso_indicador_{code}")
    fig = views.once(snap, "procesos-tendencia", lambda: trend_figure(code, proc, worst_first, names, pick), code, pick)
    show_chart(fig, f"tendencia-{code}")
    st.caption("El indicador elegido se resalta; los demás del proceso van en gris. Franjas con los umbrales de la "
               "entidad; algunos indicadores tienen umbrales propios en su ficha.")
    st.page_link("app_pages/indicador.py", label=f"Abrir {names[pick]}", icon=":material/monitoring:",
                 query_params={"indicador": pick})


@st.fragment
def process_section() -> None:
    """Everything about the chosen process; choosing another reruns this alone, not the page."""
    code = url_selectbox("Proceso", labels, "proceso")
    proc = processes[processes["code"] == code].iloc[0]
    st.subheader(proc["name"])
    st.caption(f"Procesos {PROCESS_TYPES[proc['type']].lower()} · Líder: {proc['leader_role']}")
    indicators = views.once(snap, "procesos-indicadores", lambda: snap.indicators[snap.indicators["process"] == code],
                            code)
    if indicators.empty:
        st.info("Este proceso no tiene indicadores de la Política de Gobierno Digital a su cargo.")
    else:
        st.markdown(f"Puntaje del proceso: **{fmt.percent(proc['score'])}** {status_text(proc['status'])} · "
                    f"{fmt.count(len(indicators), 'indicador')}")
        st.dataframe(views.once(snap, "procesos-tabla", lambda: indicator_table(indicators), code), hide_index=True)
        stale_note(indicators)
        briefing.section(snap, indicators["code"], indicators["name"], key="procesos_analisis")
        st.caption("Los indicadores desactualizados o sin dato no cuentan en el puntaje del proceso.")
        trend(code, proc, indicators)

    st.markdown("#### Reportes atrasados del proceso")
    late_table(snap, plan, process=code)

    timeliness.section(snap, code)


process_section()
