"""The briefing book: per indicator, its latest analysis and its open improvement actions.

One home for what the Procesos and Objetivos pages show beside each indicator and what the PDF
report prints for every indicator not in green: two queries for all indicators at once (the values
in force at the cut-off and the improvement actions), never one per indicator.
"""
from __future__ import annotations

from datetime import date

import pandas as pd

from metrics import actions as actions_mod
from metrics import values
from metrics.periods import period_label
from metrics.store import Store


def latest_analyses(store: Store, as_of: date, frequencies: pd.Series) -> pd.DataFrame:
    """Per indicator (the index of `frequencies`), the analysis of its latest value in force at the
    cut-off: indicator, period (label), period_end, analysis (None when the value came without one)."""
    current = values.current_values(store, as_of, codes=list(frequencies.index))
    if current.empty:
        return pd.DataFrame(columns=["indicator", "period", "period_end", "analysis"])
    latest = current.sort_values(["indicator", "period_end"]).groupby("indicator", as_index=False).tail(1)
    analysis = latest["analysis"].where(latest["analysis"].fillna("").str.strip() != "", None)
    return pd.DataFrame({
        "indicator": latest["indicator"].to_numpy(),
        "period": [period_label(int(y), frequencies.get(i, "A"), int(p))
                   for i, y, p in zip(latest["indicator"], latest["year"], latest["period"])],
        "period_end": pd.to_datetime(latest["period_end"]).dt.date.to_numpy(),
        "analysis": analysis.to_numpy(),
    })


def open_actions(store: Store, as_of: date) -> pd.DataFrame:
    """Improvement actions recorded by the cut-off and not closed, soonest due first."""
    df = actions_mod.actions(store, as_of)
    return df[df["status"] != "cerrada"].reset_index(drop=True)


def briefing(store: Store, as_of: date, indicators: pd.DataFrame) -> dict[str, dict]:
    """{code: {"period", "analysis", "actions"}} for every indicator of the plan, where "actions" is a
    frame of its open improvement actions (action, responsible, due_date, status, overdue)."""
    analyses = latest_analyses(store, as_of, indicators.set_index("code")["frequency"]).set_index("indicator")
    acts = open_actions(store, as_of)
    out = {}
    for code in indicators["code"]:
        found = analyses.loc[code] if code in analyses.index else None
        out[code] = {
            "period": None if found is None else found["period"],
            "analysis": None if found is None else found["analysis"],
            "actions": acts[acts["indicator"] == code][["id", "action", "responsible", "due_date", "status",
                                                         "overdue"]].reset_index(drop=True),
        }
    return out
