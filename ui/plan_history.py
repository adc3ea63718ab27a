"""The versions of plan rows (who, when, why, from when), shown like the versions of a value."""
from __future__ import annotations

import pandas as pd
import streamlit as st

from metrics import fmt, plan_changes
from metrics.store import Store


def _table(versions: pd.DataFrame, what: bool) -> None:
    shown = pd.DataFrame({
        "Rige desde": [fmt.short_date(d) if d is not None and pd.notna(d) else "Plan inicial"
                       for d in versions["effective_from"]],
        "Cambio": versions["change"],
        "Registrado": [t.strftime("%d/%m/%Y %H:%M") if t is not None and pd.notna(t) else "—"
                       for t in versions["recorded_at"]],
        "Por": versions["recorded_by"].fillna("—"),
        "Motivo": versions["reason"],
    })
    if what:
        shown.insert(0, "Qué", versions["what"])
    st.dataframe(shown, hide_index=True)


def indicator_versions(store: Store, code: str) -> None:
    """The versions of an indicator's ficha, targets and objective links (Indicador and Plan pages)."""
    st.markdown("#### Versiones de la ficha y las metas")
    versions = plan_changes.indicator_versions(store, code)
    if versions.empty:
        st.caption("La ficha, las metas y los aportes de este indicador no han cambiado desde que se cargó el plan.")
        return
    st.caption("Cada cambio rige desde su fecha: una fecha de corte anterior usa la versión de entonces.")
    _table(versions, what=True)


def row_versions(store: Store, item: str, key: str) -> None:
    """The versions of one plan row (a process, an activity, an objective) on the Plan page."""
    versions = plan_changes.versions(store, item, key)
    if len(versions) <= 1 and (versions.empty or versions.iloc[0]["effective_from"] is None):
        st.caption("Sin cambios desde que se cargó el plan.")
        return
    _table(versions, what=False)
