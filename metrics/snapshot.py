"""Everything the pages show for one cut-off date, computed once and shared by every page."""
from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date

import pandas as pd

from metrics import scoring, timeliness, values
from metrics.periods import elapsed_share
from metrics.plan import Plan
from metrics.scoring import PlanProgress
from metrics.store import Store
from metrics.vocabulary import STATUSES


@dataclass
class Snapshot:
    as_of: date
    indicators: pd.DataFrame        # one row per indicator: ficha, result, target, attainment, semáforo
    objectives: pd.DataFrame        # every objective with its score, coverage and semáforo
    objective_inputs: pd.DataFrame  # the indicator contributions behind each objective
    processes: pd.DataFrame
    policy: float | None
    policy_status: str
    vision: PlanProgress | None     # None when the plan has no vision horizon
    plan: PlanProgress | None       # None before the first plan starts
    owed: pd.DataFrame              # the periods due since the first plan began still owed (faltante, pendiente)
    reporting: pd.DataFrame         # per process, how many of those periods are in each reporting state
    first_plan: pd.Series | None = None  # the first plan, to say when it starts when none is in force yet
    late: pd.DataFrame = field(init=False)  # the late reports, picked once from `owed`

    def __post_init__(self) -> None:
        """Periods past their deadline with no value in force and not locked: the late reports. They
        stay on the list across a plan change until reported or locked."""
        late = (self.owed["state"] == "faltante") & ~self.owed["locked"].astype(bool)
        self.late = self.owed[late].reset_index(drop=True)

    def status_counts(self) -> dict[str, int]:
        """Indicators per semáforo state; out-of-date ones are counted apart, never as current."""
        counts = self.indicators["status"].value_counts()
        return {s: int(counts.get(s, 0)) for s in STATUSES}


def objective_scores(plan: Plan, scores: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame, float | None]:
    """(objectives with score and semáforo, the indicator inputs behind them, the policy score)."""
    inputs = scoring.objective_inputs(scores, plan.links)
    objectives = plan.objectives.merge(
        scoring.weighted(inputs, "objective", "attainment", "weight"),
        left_on="code", right_on="objective", how="left").drop(columns="objective")
    objectives = scoring.with_status(objectives, plan.settings)
    return objectives, inputs, scoring.policy_score(objectives[objectives["kind"] == "especifico"])


def indicator_scores(store: Store, plan: Plan, as_of: date) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """(per-indicator scores, yearly results, vigencia owed per indicator) at a cut-off."""
    yearly = values.yearly_results(store, as_of)
    owed = values.owed_years(store, as_of, plan.settings.grace_days, plan.indicators)
    return scoring.indicator_scores(plan.indicators, yearly, plan.targets, plan.settings, owed), yearly, owed


def _progress(plan: Plan, row: pd.Series, as_of: date, in_plan: pd.DataFrame, yearly: pd.DataFrame,
              owed: pd.DataFrame, vision: bool) -> PlanProgress:
    return scoring.plan_progress(row, as_of, plan.indicators, in_plan, yearly, plan.targets, plan.links,
                                 plan.policy_objectives, plan.settings, owed, vision=vision)


# The reads of a snapshot that do not depend on each other run side by side: DuckDB works outside the GIL,
# so the reporting states and the plans' yearly results are read while pandas scores the indicators.
_READS = ThreadPoolExecutor(max_workers=4, thread_name_prefix="lecturas-instantanea")


def compute(store: Store, plan: Plan, as_of: date) -> Snapshot:
    settings = plan.settings
    first = plan.plans.sort_values("start_date").iloc[0] if not plan.plans.empty else None
    since = pd.Timestamp(first["start_date"]).date() if first is not None else as_of
    # every period since the first plan (320,000 rows on a large plan) is reduced in DuckDB to what pages
    # show: the periods still owed and the counts per process, so a cached snapshot stays small
    periods = _READS.submit(values.period_summary, store, as_of, since, settings.grace_days, plan.indicators)
    in_force, vision_row = plan.plan_on(as_of), plan.vision_plan()
    rows = {vision: row for vision, row in ((True, vision_row), (False, in_force)) if row is not None}
    in_plan = {vision: _READS.submit(values.yearly_results, store, as_of, *scoring.plan_span(row, vision))
               for vision, row in rows.items()}
    scores, yearly, owed = indicator_scores(store, plan, as_of)
    objectives, inputs, policy = objective_scores(plan, scores)
    processes = plan.processes.merge(
        scoring.weighted(scores, "process", "attainment", "weight"),
        left_on="code", right_on="process", how="left").drop(columns="process")
    processes = scoring.with_status(processes, settings)
    progress = {vision: _progress(plan, row, as_of, in_plan[vision].result(), yearly, owed, vision)
                for vision, row in rows.items()}
    owed_periods, counts = periods.result()
    return Snapshot(
        as_of=as_of, indicators=scores, objectives=objectives, objective_inputs=inputs,
        processes=processes, policy=policy,
        policy_status=scoring.status(None if policy is None else policy * 100,
                                     settings.red_below, settings.green_from),
        vision=progress.get(True), plan=progress.get(False),
        owed=timeliness.owed(owed_periods).reset_index(drop=True), reporting=timeliness.reporting_counts(counts),
        first_plan=first,
    )


def compare(before: Snapshot, after: Snapshot) -> pd.DataFrame:
    """What changed between two cut-offs, the one comparison every page and report uses: objectives,
    processes and indicators with their score (attainment for indicators, capped, 0..1) and semáforo
    at each date, the change in percentage points, and whether anything moved. Rows: kind
    ('objetivo', 'proceso', 'indicador'), code, name, process, before, after, status_before,
    status_after, change_pp, status_changed, moved."""
    parts = []
    for kind, b, a, score, label in (
            ("objetivo", before.objectives, after.objectives, "score", "text"),
            ("proceso", before.processes, after.processes, "score", "name"),
            ("indicador", before.indicators, after.indicators, "attainment", "name")):
        process = a["process"] if "process" in a else a["code"]
        merged = a.assign(_process=process)[["code", label, "_process", score, "status"]].merge(
            b[["code", score, "status"]], on="code", suffixes=("", "_before"))
        parts.append(pd.DataFrame({
            "kind": kind, "code": merged["code"], "name": merged[label], "process": merged["_process"],
            "before": merged[f"{score}_before"].astype(float), "after": merged[score].astype(float),
            "status_before": merged["status_before"], "status_after": merged["status"]}))
    out = pd.concat(parts, ignore_index=True)
    out["change_pp"] = (out["after"] - out["before"]) * 100
    out["status_changed"] = out["status_before"] != out["status_after"]
    # moved: a new semáforo, or a change that shows at one decimal (0,05 points or more)
    out["moved"] = out["status_changed"] | (out["change_pp"].abs() >= 0.05)
    return out


def history(store: Store, plans: Callable[[date], Plan], dates: list[date]) -> pd.DataFrame:
    """Objective and policy scores at several cut-offs, each judged on the plan as it stood on that
    date (`plans(as_of)`), with the time elapsed of the plan in force (empty before the first one)."""
    return join_history([history_rows(store, plans(as_of), as_of) for as_of in dates])


def history_rows(store: Store, plan: Plan, as_of: date, snap: Snapshot | None = None) -> pd.DataFrame:
    """The rows of `history` for one cut-off; taken from its snapshot when one is at hand (a shared
    cache), else only the scores are computed, not the whole snapshot."""
    if snap is None:
        scores, _, _ = indicator_scores(store, plan, as_of)
        objectives, _, policy = objective_scores(plan, scores)
    else:
        objectives, policy = snap.objectives, snap.policy
    in_force = plan.plan_on(as_of)
    elapsed = None if in_force is None else elapsed_share(*scoring.plan_span(in_force), as_of)
    rows = [{"as_of": as_of, "code": "POL", "label": "Política (puntaje total)", "score": policy,
             "elapsed": elapsed}]
    for o in objectives[objectives["kind"] != "general"].itertuples():
        rows.append({"as_of": as_of, "code": o.code, "label": f"{o.code} · {o.text[:40]}",
                     "score": o.score, "elapsed": elapsed})
    return pd.DataFrame(rows)


def join_history(parts: list[pd.DataFrame]) -> pd.DataFrame:
    """The rows of several cut-offs as one `history` frame, in the order given."""
    return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()
