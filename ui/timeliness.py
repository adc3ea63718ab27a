"""Who owes what (on time, late, missing) by process and leader, and the overdue improvement actions.

Called from the Resumen and Procesos pages; everything is computed as of the fecha de corte.
"""
from __future__ import annotations

import pandas as pd
import streamlit as st

from metrics import actions, fmt, timeliness
from metrics.periods import period_label
from metrics.vocabulary import ACTION_STATUSES, TIMELINESS
from ui import state, views


def owed(snap, process: str | None = None) -> None:
    """Reporting timeliness per process (or, for one process, per indicator-period still owed), at the
    page's snapshot."""
    st.markdown("#### Oportunidad del reporte: quién debe qué")
    if snap.reporting.empty:
        st.info("Aún no hay periodos que reportar a esta fecha de corte.")
        return
    since = pd.Timestamp(snap.first_plan["start_date"]).date()
    st.caption(views.once(snap, "oportunidad-nota", lambda: (
        f"Periodos cerrados desde el {fmt.long_date(since)} (inicio del primer plan) hasta la fecha de "
        f"corte: lo que se debe no desaparece al cambiar de plan, hasta que se reporte o se cierre el "
        f"periodo. Plazo: el de la ficha de cada indicador (los índices FURAG y el ITA tienen fecha fija en "
        f"el año siguiente) o, si no tiene, {state.plan(snap.as_of).settings.grace_days} días después del cierre.")))
    if process is None:
        st.dataframe(views.once(snap, "oportunidad", lambda: _by_process(snap, since)), hide_index=True)
        return
    counts, owing = views.once(snap, "oportunidad", lambda: _owed_by(snap, process), process)
    for col, key in zip(st.columns(4), ("faltante", "pendiente", "tarde", "a_tiempo")):
        col.metric(TIMELINESS[key], counts[key])
    if owing.empty:
        st.success("El proceso no debe reportes a esta fecha de corte.")
        return
    st.dataframe(owing, hide_index=True)


def _by_process(snap, since) -> pd.DataFrame:
    table = timeliness.timeliness(state.store(), snap.as_of, since, snap.reporting)
    return pd.DataFrame({
        "Proceso": table["process"] + " · " + table["name"],
        "Líder (cargo)": table["leader_role"],
        "Cuentas de líder": table["leaders"].fillna("—"),
        **{TIMELINESS[k]: table[k] for k in ("faltante", "pendiente", "tarde", "a_tiempo")},
    })


def _owed_by(snap, process: str) -> tuple[dict[str, int], pd.DataFrame]:
    """A process's periods per reporting state, and those it still owes as a table."""
    counts = snap.reporting.set_index("process").reindex([process], fill_value=0).iloc[0]
    owing = snap.owed[snap.owed["process"] == process].sort_values(["state", "period_end"])
    return {k: int(counts[k]) for k in TIMELINESS}, pd.DataFrame({
        "Indicador": owing["indicator"] + " · " + owing["name"],
        "Periodo": [period_label(int(y), f, int(p)) for y, f, p in
                    zip(owing["year"], owing["frequency"], owing["period"])],
        "Plazo": fmt.short_dates(owing["deadline"]),
        "Estado": owing["state"].map(TIMELINESS),
        "Días de atraso": owing["days_late"],
    })


def overdue_actions(snap, process: str | None = None) -> None:
    """Improvement actions past their date and not closed at the page's cut-off, oldest first."""
    table = views.once(snap, "acciones-vencidas", lambda: _overdue(snap.as_of, process), process)
    st.markdown("#### Acciones de mejora vencidas")
    if table.empty:
        st.success("No hay acciones de mejora vencidas a esta fecha de corte.")
        return
    st.dataframe(table, hide_index=True)


def _overdue(as_of, process: str | None) -> pd.DataFrame:
    df = actions.overdue_actions(state.store(), as_of)
    if process:
        df = df[df["process"] == process]
    return pd.DataFrame({
        "Indicador": df["indicator"] + " · " + df["indicator_name"],
        "Proceso": df["process"],
        "Acción": df["action"],
        "Responsable": df["responsible"],
        "Fecha límite": fmt.short_dates(df["due_date"]),
        "Días vencida": (pd.Timestamp(as_of) - pd.to_datetime(df["due_date"])).dt.days,
        "Estado": df["status"].map(ACTION_STATUSES),
    })


def section(snap, process: str | None = None) -> None:
    """Both parts, for one call at the end of a page."""
    owed(snap, process)
    overdue_actions(snap, process)
