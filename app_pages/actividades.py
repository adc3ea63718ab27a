"""Actividades: the six activities of the policy, their progress and responsible process."""
import pandas as pd
import streamlit as st

from metrics import charts, fmt
from metrics.plan import activity_progress
from ui import state
from ui.charts import show_chart

plan = state.plan()
as_of = state.cut_off()

st.title("Actividades de la política")
state.demo_banner()
st.caption("Las seis actividades que DE-P-007 define para implementar la política, con su proceso responsable.")

progress = activity_progress(state.store(), as_of)
latest = progress.groupby("activity").tail(1).set_index("activity")
for a in plan.activities.itertuples():
    with st.container(border=True):
        st.markdown(f"**{a.code}.** {a.text}")
        st.caption(f"Responsable: {a.process_name}")
        if a.code in latest.index:
            row = latest.loc[a.code]
            st.progress(min(int(row["progress"]), 100), text=f"Avance {fmt.number(row['progress'], 0)} % "
                        f"al {fmt.short_date(row['as_of'])} · {row['note']}")
        else:
            st.caption("Sin avance registrado a esta fecha de corte.")

if not progress.empty:
    labels = {a.code: f"{a.code} · {a.text[:45]}" for a in plan.activities.itertuples()}
    show_chart(charts.frame(charts.activity_progress(progress, labels), "Avance de las actividades", as_of,
                            plan.entity["name"], plan.is_demo, 440), "actividades")

st.markdown("#### Responsables de la política")
st.markdown("\n".join(f"- {r}" for r in plan.roles))
st.dataframe(pd.DataFrame({"Actividad": plan.activities["code"], "Proceso": plan.activities["process_name"]}),
             hide_index=True)
