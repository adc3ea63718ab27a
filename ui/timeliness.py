"""Who owes what (on time, late, missing) by process and leader, and the overdue improvement actions.

Called from the Resumen and Procesos pages; everything is computed as of the fecha de corte.
"""
from __future__ import annotations

import pandas as pd
import streamlit as st

from metrics import actions, fmt, timeliness
from metrics.periods import period_label
from metrics.vocabulary import ACTION_STATUSES, TIMELINESS
from ui import state


def owed(process: str | None = None) -> None:
    """Reporting timeliness per process (or, for one process, per indicator-period still owed)."""
    snap = state.snapshot()
    st.markdown("#### Oportunidad del reporte: quién debe qué")
    if snap.reporting.empty:
        st.info("Aún no hay periodos que reportar a esta fecha de corte.")
        return
    since = pd.Timestamp(snap.first_plan["start_date"]).date()
    st.caption(f"Periodos cerrados desde el {fmt.long_date(since)} (inicio del primer plan) hasta la fecha de "
               f"corte: lo que se debe no desaparece al cambiar de plan, hasta que se reporte o se cierre el "
               f"periodo. Plazo: el de la ficha de cada indicador (los índices FURAG y el ITA tienen fecha fija en "
               f"el año siguiente) o, si no tiene, {state.plan().settings.grace_days} días después del cierre.")
    if process is None:
        table = timeliness.timeliness(state.store(), snap.as_of, since, snap.reporting)
        st.dataframe(pd.DataFrame({
            "Proceso": table["process"] + " · " + table["name"],
            "Líder (cargo)": table["leader_role"],
            "Cuentas de líder": table["leaders"].fillna("—"),
            **{TIMELINESS[k]: table[k] for k in ("faltante", "pendiente", "tarde", "a_tiempo")},
        }), hide_index=True)
        return
    counts = snap.reporting.set_index("process").reindex([process], fill_value=0).iloc[0]
    cols = st.columns(4)
    for col, key in zip(cols, ("faltante", "pendiente", "tarde", "a_tiempo")):
        col.metric(TIMELINESS[key], int(counts[key]))
    owing = snap.owed[snap.owed["process"] == process].sort_values(["state", "period_end"])
    if owing.empty:
        st.success("El proceso no debe reportes a esta fecha de corte.")
        return
    st.dataframe(pd.DataFrame({
        "Indicador": owing["indicator"] + " · " + owing["name"],
        "Periodo": [period_label(int(y), f, int(p)) for y, f, p in
                    zip(owing["year"], owing["frequency"], owing["period"])],
        "Plazo": owing["deadline"].map(fmt.short_date),
        "Estado": owing["state"].map(TIMELINESS),
        "Días de atraso": owing["days_late"],
    }), hide_index=True)


def overdue_actions(process: str | None = None) -> None:
    """Improvement actions past their date and not closed, oldest first."""
    as_of = state.cut_off()
    df = actions.overdue_actions(state.store(), as_of)
    if process:
        df = df[df["process"] == process]
    st.markdown("#### Acciones de mejora vencidas")
    if df.empty:
        st.success("No hay acciones de mejora vencidas a esta fecha de corte.")
        return
    st.dataframe(pd.DataFrame({
        "Indicador": df["indicator"] + " · " + df["indicator_name"],
        "Proceso": df["process"],
        "Acción": df["action"],
        "Responsable": df["responsible"],
        "Fecha límite": df["due_date"].map(fmt.short_date),
        "Días vencida": [(as_of - pd.Timestamp(d).date()).days for d in df["due_date"]],
        "Estado": df["status"].map(ACTION_STATUSES),
    }), hide_index=True)


def section(process: str | None = None) -> None:
    """Both parts, for one call at the end of a page."""
    owed(process)
    overdue_actions(process)
