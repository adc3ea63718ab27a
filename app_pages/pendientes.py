"""Mis pendientes: the landing page of a signed-in person. A leader sees what their process owes, by
due date, each period one click from its report form; the Personero (and any other role) sees what
needs attention: indicators in red or out of date, late reports, overdue improvement actions. The
lists come from metrics/pending.py, the same data the email reminders send."""
from datetime import date

import pandas as pd
import streamlit as st

from metrics import fmt, pending
from metrics.periods import comparison_date
from metrics.vocabulary import ACTION_STATUSES, TIMELINESS
from ui import auth, state
from ui.widgets import status_text

st.title("Mis pendientes")
user = auth.require("read")
store = state.store()
today = date.today()
state.demo_banner()


def days_text(days_left: int) -> str:
    """'vence hoy', 'vence en 3 días', '12 días de atraso'."""
    if days_left < 0:
        return f"{-days_left} día{'s' if days_left != -1 else ''} de atraso"
    if days_left == 0:
        return "vence hoy"
    return f"vence en {days_left} día{'s' if days_left != 1 else ''}"


def leader_view(process: str) -> None:
    plan = state.plan(today)
    names = dict(zip(plan.processes["code"], plan.processes["name"]))
    st.caption(f"Proceso **{process} · {names.get(process, '')}** · al {fmt.long_date(today)}")
    owed = pending.owed(store, today, process, plan=plan)
    if owed.empty:
        st.success("Su proceso está al día: no debe reportes.")
        return
    late = int((owed["state"] == "faltante").sum())
    st.markdown(f"Su proceso debe **{len(owed)}** reporte{'s' if len(owed) != 1 else ''}"
                + (f", **{late}** atrasado{'s' if late != 1 else ''}." if late else ", todos en plazo."))
    for i, row in owed.iterrows():
        c1, c2 = st.columns([4, 1], vertical_alignment="center")
        c1.markdown(f"**{row['indicator']} · {row['name']}** — periodo {row['label']} · "
                    f"plazo {fmt.short_date(row['deadline'])} ({days_text(int(row['days_left']))}) · "
                    f"{TIMELINESS[row['state']]}")
        c2.page_link("app_pages/reportar.py", label=f"Reportar {row['label']}", icon=":material/edit_note:",
                     query_params={"indicador": row["indicator"], "anio": str(row["year"]),
                                   "periodo": str(row["period"])})


def attention_view() -> None:
    snap = state.snapshot(today)
    found = pending.attention(store, today, snap, state.snapshot(comparison_date(today)))
    st.caption(f"Al {fmt.long_date(today)} · cambios desde el {fmt.long_date(found.comparison)} (corte del "
               "comité anterior)")
    c1, c2, c3, c4 = st.columns(4)
    c1.metric("En rojo", len(found.red))
    c2.metric("Desactualizados", len(found.stale))
    c3.metric("Reportes atrasados", len(found.late))
    c4.metric("Acciones vencidas", len(found.overdue_actions))
    if found.empty:
        st.success("Nada requiere su atención: ningún indicador en rojo ni desactualizado, ningún reporte "
                   "atrasado y ninguna acción de mejora vencida.")
    red, stale, late, acts = found.red, found.stale, found.late, found.overdue_actions
    sections = [
        ("Indicadores en rojo", red, "Ningún indicador está en rojo.", lambda: {
            "Indicador": red["code"] + " · " + red["name"], "Proceso": red["process"],
            "Cumplimiento": red["attainment"].map(fmt.percent),
            "Semáforo": [status_text(s, short=True) for s in red["status"]]}),
        ("Indicadores desactualizados", stale, "Ningún indicador está desactualizado.", lambda: {
            "Indicador": stale["code"] + " · " + stale["name"], "Proceso": stale["process"],
            "Último periodo reportado": stale["year"].map(lambda y: "—" if pd.isna(y) else str(int(y)))}),
        ("Reportes atrasados", late, "No hay reportes atrasados.", lambda: {
            "Indicador": late["indicator"] + " · " + late["name"], "Proceso": late["process"],
            "Plazo": late["deadline"].map(fmt.short_date), "Días de atraso": late["days_late"]}),
        ("Acciones de mejora vencidas", acts, "Ninguna acción de mejora está vencida.", lambda: {
            "Indicador": acts["indicator"], "Acción": acts["action"], "Responsable": acts["responsible"],
            "Fecha límite": acts["due_date"].map(fmt.short_date), "Estado": acts["status"].map(ACTION_STATUSES)}),
    ]
    for title, rows, empty, columns in sections:   # each list, or one sentence when it is empty
        st.markdown(f"#### {title}")
        if rows.empty:
            st.caption(empty)
        else:
            st.dataframe(pd.DataFrame(columns()), hide_index=True)


if user.role == "lider" and user.process:
    leader_view(user.process)
else:
    attention_view()
