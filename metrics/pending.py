"""What each person has to act on, as data: the periods a leader's process owes (by due date), and
what needs the Personero's attention (indicators in red or out of date, late reports, overdue
improvement actions, what moved since the previous committee). The page «Mis pendientes» and the
email reminders (metrics/recordatorios.py) both read it from here."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pandas as pd

from metrics import actions, periods, timeliness
from metrics import plan as plan_mod
from metrics import snapshot as snapshot_mod
from metrics.store import Store


def reporting_since(plan: plan_mod.Plan, today: date) -> date:
    """The first day whose periods a process still owes: the start of the plan in force (of the first
    plan before any is in force)."""
    current = plan.plan_on(today)
    start = current["start_date"] if current is not None else plan.plans["start_date"].min()
    return pd.Timestamp(start).date()


def owed(store: Store, today: date, process: str | None = None, within_days: int | None = None,
         plan: plan_mod.Plan | None = None) -> pd.DataFrame:
    """The periods owed (no value in force and not locked), by deadline: the late ones and those still
    in their window; with `within_days`, only windows that close by today + within_days. Columns of
    timeliness.period_states plus days_left (negative when late)."""
    plan = plan or plan_mod.load(store, today)
    states = timeliness.period_states(store, today, reporting_since(plan, today), process,
                                      plan.settings.grace_days)
    due = timeliness.owed(states)
    due = due[~due["locked"].astype(bool)].copy()
    due["days_left"] = [(pd.Timestamp(d).date() - today).days for d in due["deadline"]]
    if within_days is not None:
        due = due[due["days_left"] <= within_days]
    return due.sort_values(["deadline", "indicator", "year", "period"]).reset_index(drop=True)


@dataclass
class Attention:
    """What needs the Personero's attention at a cut-off."""
    snapshot: snapshot_mod.Snapshot
    red: pd.DataFrame              # indicators in red, lowest attainment first
    stale: pd.DataFrame            # indicators whose latest result is out of date (desactualizado)
    late: pd.DataFrame             # late reports, oldest deadline first
    overdue_actions: pd.DataFrame  # improvement actions past their due date and not closed
    comparison: date               # the previous committee's cut-off
    moved: pd.DataFrame            # indicators whose score or semáforo moved since then, worst first

    @property
    def empty(self) -> bool:
        return all(df.empty for df in (self.red, self.stale, self.late, self.overdue_actions))


def attention(store: Store, today: date, snap: snapshot_mod.Snapshot | None = None,
              before: snapshot_mod.Snapshot | None = None) -> Attention:
    """Red, stale, late and overdue at `today`, and the indicators that moved since the comparison
    date (periods.comparison_date). The snapshots may come from a page's cache."""
    snap = snap or snapshot_mod.compute(store, plan_mod.load(store, today), today)
    comparison = periods.comparison_date(today)
    before = before or snapshot_mod.compute(store, plan_mod.load(store, comparison), comparison)
    ind = snap.indicators
    changes = snapshot_mod.compare(before, snap)
    moved = changes[(changes["kind"] == "indicador") & changes["moved"]].sort_values("change_pp")
    return Attention(
        snapshot=snap,
        red=ind[ind["status"] == "rojo"].sort_values("attainment"),
        stale=ind[ind["status"] == "desactualizado"].sort_values("code"),
        late=snap.late.sort_values(["deadline", "indicator"]).reset_index(drop=True),
        overdue_actions=actions.overdue_actions(store, today),
        comparison=comparison,
        moved=moved.reset_index(drop=True))
