"""The briefing column: beside the indicators of a page, each one's latest analysis and open actions."""
from __future__ import annotations

import pandas as pd
import streamlit as st

from metrics import fmt
from metrics.briefing import briefing
from metrics.vocabulary import ACTION_STATUSES
from ui import state, views


def section(snap, codes: pd.Series, names: pd.Series, key: str) -> None:
    """One expander for the indicators shown: analysis of the value in force at the cut-off and the
    open improvement actions (owner, due date), read for the whole page at once and kept with the
    snapshot (the page's) for these indicators. Its content is drawn only while it is open (a large
    process has hundreds of indicators); opening it reruns the page's fragment."""
    label, notes = views.once(snap, "briefing", lambda: _notes(snap.as_of, codes, names), tuple(codes))
    box = st.expander(label, icon=":material/comment:", key=key, on_change="rerun")
    if not box.open:
        return
    with box:
        for heading, analysis, action_lines in notes:
            st.markdown(heading)
            st.caption(analysis)
            for line in action_lines:
                st.markdown(line)


def _notes(as_of, codes: pd.Series, names: pd.Series) -> tuple[str, list[tuple[str, str, list[str]]]]:
    """The expander's label, and per indicator its heading, its analysis line and its open actions."""
    plan = state.plan()
    found = briefing(state.store(), as_of, plan.indicators[plan.indicators["code"].isin(list(codes))])
    n_actions = sum(len(found[c]["actions"]) for c in codes if c in found)
    label = ("Análisis y acciones de mejora · " +
             ("sin acciones abiertas" if n_actions == 0 else
              f"{n_actions} {'acción abierta' if n_actions == 1 else 'acciones abiertas'}"))
    notes = []
    for code, name in zip(codes, names):
        note = found.get(code, {"period": None, "analysis": None, "actions": pd.DataFrame()})
        if note["period"] is None:
            analysis = "Sin valor reportado a la fecha de corte."
        else:
            analysis = f"Análisis del valor de {note['period']}: {note['analysis'] or 'sin análisis registrado.'}"
        lines = [f"- {a.action} — responsable: {a.responsible}; vence el {fmt.short_date(a.due_date)} "
                 f"({ACTION_STATUSES.get(a.status, a.status).lower()}){' · **vencida**' if a.overdue else ''}"
                 for a in note["actions"].itertuples()]
        notes.append((f"**{code} · {name}**", analysis, lines))
    return label, notes
