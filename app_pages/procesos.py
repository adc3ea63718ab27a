"""Procesos: pick a process (deep link ?proceso=TI) and drill into its indicators and late reports."""
import pandas as pd
import streamlit as st

from metrics import charts, fmt, values
from metrics.scoring import period_attainment
from metrics.vocabulary import PROCESS_TYPES
from ui import briefing, state, timeliness
from ui.charts import show_chart
from ui.widgets import late_table, stale_note, status_text, url_selectbox, vigencias

MAX_LINES = 12  # more lines than this cannot be told apart on one chart

plan = state.plan()
snap = state.snapshot()
s = plan.settings

st.title("Procesos")
state.demo_banner()
state.no_plan_notice(snap)

processes = snap.processes
labels = {p.code: f"{p.name} ({PROCESS_TYPES[p.type]})" for p in processes.itertuples()}
code = url_selectbox("Proceso", labels, "proceso")
proc = processes[processes["code"] == code].iloc[0]

st.subheader(proc["name"])
st.caption(f"Proceso {PROCESS_TYPES[proc['type']].lower()} · Líder: {proc['leader_role']}")
indicators = snap.indicators[snap.indicators["process"] == code]
if indicators.empty:
    st.info("Este proceso no tiene indicadores de la Política de Gobierno Digital a su cargo.")
else:
    st.markdown(f"Puntaje del proceso: **{fmt.percent(proc['score'])}** {status_text(proc['status'])} · "
                f"{len(indicators)} indicadores")
    st.dataframe(pd.DataFrame({
        "Indicador": indicators["code"] + " · " + indicators["name"],
        "Vigencia": vigencias(indicators),
        "Resultado": [fmt.value(v, u) for v, u in zip(indicators["result"], indicators["unit"])],
        "Meta a la fecha": [fmt.value(v, u) for v, u in zip(indicators["target"], indicators["unit"])],
        "Cumplimiento": indicators["attainment_raw"].map(fmt.percent),
        "Semáforo": [status_text(x, short=True) for x in indicators["status"]],
    }), hide_index=True)
    stale_note(indicators)
    briefing.section(indicators["code"], indicators["name"])
    st.caption("Los indicadores desactualizados o sin dato no cuentan en el puntaje del proceso.")

    st.markdown("#### Tendencia frente a la meta")
    shown = indicators.sort_values("attainment", na_position="last").head(MAX_LINES)
    periods = period_attainment(values.current_values(state.store(), snap.as_of, codes=list(shown["code"])),
                                plan.indicators, plan.targets)
    labels = dict(zip(shown["code"], shown["code"] + " · " + shown["name"].str.slice(0, 40)))
    fig = charts.process_trends(periods, labels, s.red_below, s.green_from)
    show_chart(charts.frame(fig, f"Cumplimiento por periodo · {proc['name']}", snap.as_of, plan.entity["name"],
                            plan.is_demo, 480), f"tendencia-{code}")
    st.caption("Franjas con los umbrales de la entidad; algunos indicadores tienen umbrales propios en su ficha."
               + (f" Se muestran los {MAX_LINES} indicadores con menor cumplimiento de {len(indicators)}."
                  if len(indicators) > MAX_LINES else ""))
    names = dict(zip(indicators["code"], indicators["code"] + " · " + indicators["name"]))
    pick = st.selectbox("Ver la ficha y los valores de", list(names), format_func=names.get, key=f"proceso_indicador_{code}")
    st.page_link("app_pages/indicador.py", label=f"Abrir {names[pick]}", icon=":material/monitoring:",
                 query_params={"indicador": pick})

st.markdown("#### Reportes atrasados del proceso")
late_table(snap.late, plan, process=code)

timeliness.section(code)
