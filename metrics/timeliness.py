"""Timeliness of reporting: each period's state (on time, late, owed), what a process owes, and
the counts per process and leader. The states themselves come from values.period_states."""
from __future__ import annotations

from datetime import date

import pandas as pd

from metrics import values
from metrics.periods import period_label
from metrics.store import Store
from metrics.vocabulary import TIMELINESS
from metrics.writes import settings_of


def period_states(store: Store, as_of: date, since: date, process: str | None = None,
                  grace_days: int | None = None) -> pd.DataFrame:
    """values.period_states with the entity's grace days and a Spanish label per period."""
    grace = settings_of(store).grace_days if grace_days is None else grace_days
    df = values.period_states(store, as_of, since, grace, process)
    df["label"] = [period_label(int(y), f, int(p)) for y, f, p in zip(df["year"], df["frequency"], df["period"])]
    return df


def owed(states: pd.DataFrame) -> pd.DataFrame:
    """Periods with no value in force, late ones (oldest first) before those still within the grace days."""
    df = states[states["state"].isin(values.OWED_STATES)]
    return df.sort_values(["state", "period_end", "indicator"])  # "faltante" sorts before "pendiente"


def due_periods(store: Store, process: str | None, today: date, since: date) -> pd.DataFrame:
    return owed(period_states(store, today, since, process))


def reporting_counts(states: pd.DataFrame) -> pd.DataFrame:
    """Per process with periods, how many are in each reporting state (one column per state); from
    period rows, or from rows that count `n` periods each (values.period_summary)."""
    states = states if "n" in states else states.assign(n=1)
    counts = states.pivot_table(index="process", columns="state", values="n", aggfunc="sum", fill_value=0)
    return counts.reindex(columns=list(TIMELINESS), fill_value=0).reset_index().rename_axis(columns=None)


def timeliness(store: Store, as_of: date, since: date, counts: pd.DataFrame | None = None) -> pd.DataFrame:
    """Per process: its leader's cargo and accounts, and how many periods are on time, late or missing
    (from `counts`, the `reporting_counts` already computed for this cut-off, when given)."""
    if counts is None:
        counts = reporting_counts(values.period_states(store, as_of, since, settings_of(store).grace_days))
    processes = store.query("SELECT code AS process, name, leader_role FROM process")
    leaders = store.query("SELECT process, string_agg(full_name, ', ' ORDER BY full_name) AS leaders "
                          "FROM app_user WHERE role = 'lider' AND active GROUP BY process")
    out = processes.merge(counts, on="process").merge(leaders, on="process", how="left")
    return out.sort_values(["faltante", "tarde"], ascending=False)
