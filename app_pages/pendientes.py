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
from ui import auth, state, views
from ui.widgets import status_column

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
    owed = views.once(plan, "pendientes-lider", lambda: pending.owed(store, today, process, plan=plan), process)
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


def attention_lists(snap) -> tuple[date, list[tuple[str, int, str, pd.DataFrame]]]:
    """The comparison date, and each list needing attention: title, count, what to say when it is
    empty, its table. Plain values only: kept beside the snapshot, they must not hold it."""
    found = pending.attention(store, today, snap, state.snapshot(comparison_date(today)))
    red, stale, late, acts = found.red, found.stale, found.late, found.overdue_actions
    return found.comparison, [
        ("Indicadores en rojo", len(red), "Ningún indicador está en rojo.", pd.DataFrame({
            "Indicador": red["code"] + " · " + red["name"], "Proceso": red["process"],
            "Cumplimiento": fmt.percents(red["attainment"]), "Semáforo": status_column(red["status"])})),
        ("Indicadores desactualizados", len(stale), "Ningún indicador está desactualizado.", pd.DataFrame({
            "Indicador": stale["code"] + " · " + stale["name"], "Proceso": stale["process"],
            "Último periodo reportado": stale["year"].map(lambda y: "—" if pd.isna(y) else str(int(y)))})),
        ("Reportes atrasados", len(late), "No hay reportes atrasados.", pd.DataFrame({
            "Indicador": late["indicator"] + " · " + late["name"], "Proceso": late["process"],
            "Plazo": fmt.short_dates(late["deadline"]), "Días de atraso": late["days_late"]})),
        ("Acciones de mejora vencidas", len(acts), "Ninguna acción de mejora está vencida.", pd.DataFrame({
            "Indicador": acts["indicator"], "Acción": acts["action"], "Responsable": acts["responsible"],
            "Fecha límite": fmt.short_dates(acts["due_date"]), "Estado": acts["status"].map(ACTION_STATUSES)})),
    ]


def attention_view() -> None:
    snap = state.snapshot(today)
    comparison, lists = views.once(snap, "pendientes-atencion", lambda: attention_lists(snap))
    st.caption(f"Al {fmt.long_date(today)} · cambios desde el {fmt.long_date(comparison)} (corte del "
               "comité anterior)")
    for col, label, (_, n, _, _) in zip(st.columns(4), ("En rojo", "Desactualizados", "Reportes atrasados",
                                                        "Acciones vencidas"), lists):
        col.metric(label, n)
    if not any(n for _, n, _, _ in lists):
        st.success("Nada requiere su atención: ningún indicador en rojo ni desactualizado, ningún reporte "
                   "atrasado y ninguna acción de mejora vencida.")
    for title, n, empty, table in lists:   # each list, or one sentence when it is empty
        st.markdown(f"#### {title}")
        if n == 0:
            st.caption(empty)
        else:
            st.dataframe(table, hide_index=True)


if user.role == "lider" and user.process:
    leader_view(user.process)
else:
    attention_view()
