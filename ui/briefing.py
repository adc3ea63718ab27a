"""The briefing column: beside the indicators of a page, each one's latest analysis and open actions."""
from __future__ import annotations

import pandas as pd
import streamlit as st

from metrics import fmt
from metrics.briefing import briefing
from metrics.vocabulary import ACTION_STATUSES
from ui import state


def section(codes: pd.Series, names: pd.Series) -> None:
    """One expander for the indicators shown: analysis of the value in force at the cut-off and the
    open improvement actions (owner, due date), read for the whole page at once."""
    plan, as_of = state.plan(), state.cut_off()
    notes = briefing(state.store(), as_of, plan.indicators[plan.indicators["code"].isin(list(codes))])
    n_actions = sum(len(notes[c]["actions"]) for c in codes if c in notes)
    label = ("Análisis y acciones de mejora · " +
             ("sin acciones abiertas" if n_actions == 0 else
              f"{n_actions} {'acción abierta' if n_actions == 1 else 'acciones abiertas'}"))
    with st.expander(label, icon=":material/comment:"):
        for code, name in zip(codes, names):
            note = notes.get(code, {"period": None, "analysis": None, "actions": pd.DataFrame()})
            st.markdown(f"**{code} · {name}**")
            if note["period"] is None:
                st.caption("Sin valor reportado a la fecha de corte.")
            else:
                analysis = note["analysis"] or "sin análisis registrado."
                st.caption(f"Análisis del valor de {note['period']}: {analysis}")
            for a in note["actions"].itertuples():
                late = " · **vencida**" if a.overdue else ""
                st.markdown(f"- {a.action} — responsable: {a.responsible}; vence el {fmt.short_date(a.due_date)} "
                            f"({ACTION_STATUSES.get(a.status, a.status).lower()}){late}")
