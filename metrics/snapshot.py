"""Everything the pages show for one cut-off date, computed once and shared by every page."""
from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date

import pandas as pd

from metrics import plan as plan_mod
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
    counts: pd.DataFrame | None = None   # per indicator, periods in each reporting state (`reporting` sums them)
    last_measurement: int = 0       # the newest value row read: `update` recomputes the indicators written after
    plan_version: int = -1          # plan.version at the cut-off when computed: `update` needs the same plan
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


def indicator_scores(store: Store, plan: Plan, as_of: date) -> pd.DataFrame:
    """Per-indicator scores at a cut-off (what the score history needs, without the rest)."""
    yearly = values.yearly_results(store, as_of)
    owed = values.owed_years(store, as_of, plan.settings.grace_days, plan.indicators)
    return scoring.indicator_scores(plan.indicators, yearly, plan.targets, plan.settings, owed)


@dataclass
class _IndicatorParts:
    """What a snapshot computes indicator by indicator (for all of them, or for those a write changed);
    everything else is rolled up from these."""
    scores: pd.DataFrame
    progress: dict[bool, pd.DataFrame]   # vision (True) and plan in force (False): progress per indicator
    owed_periods: pd.DataFrame
    counts: pd.DataFrame


# The reads of a snapshot that do not depend on each other run side by side: DuckDB works outside the GIL,
# so the reporting states and the plans' yearly results are read while pandas scores the indicators.
_READS = ThreadPoolExecutor(max_workers=4, thread_name_prefix="lecturas-instantanea")


def _plans(plan: Plan, as_of: date) -> dict[bool, pd.Series]:
    """The vision's plan (True) and the plan in force (False), those that exist at the cut-off."""
    rows = ((True, plan.vision_plan()), (False, plan.plan_on(as_of)))
    return {vision: row for vision, row in rows if row is not None}


def _first_plan(plan: Plan) -> pd.Series | None:
    return plan.plans.sort_values("start_date").iloc[0] if not plan.plans.empty else None


def _indicator_parts(store: Store, plan: Plan, as_of: date, rows: dict[bool, pd.Series], indicators: pd.DataFrame,
                     codes: list[str] | None = None) -> _IndicatorParts:
    """The per-indicator parts for `indicators` (the plan's, or the subset whose `codes` are given);
    `rows`: `_plans(plan, as_of)`."""
    settings, first = plan.settings, _first_plan(plan)
    since = pd.Timestamp(first["start_date"]).date() if first is not None else as_of
    # every period since the first plan (320,000 rows on a large plan) is reduced in DuckDB to what pages
    # show: the periods still owed and the counts per indicator, so a cached snapshot stays small
    periods = _READS.submit(values.period_summary, store, as_of, since, settings.grace_days, indicators,
                           codes is not None)
    in_plan = {vision: _READS.submit(values.yearly_results, store, as_of, *scoring.plan_span(row, vision), codes)
               for vision, row in rows.items()}
    yearly = values.yearly_results(store, as_of, codes=codes)
    owed = values.owed_years(store, as_of, settings.grace_days, indicators)
    scores = scoring.indicator_scores(indicators, yearly, plan.targets, settings, owed)
    progress = {vision: scoring.progress_by_indicator(row, as_of, indicators, in_plan[vision].result(), yearly,
                                                      plan.targets, owed, vision)
                for vision, row in rows.items()}
    owed_periods, counts = periods.result()
    return _IndicatorParts(scores, progress, owed_periods, counts)


def _assemble(plan: Plan, as_of: date, rows: dict[bool, pd.Series], parts: _IndicatorParts,
              last_measurement: int, plan_version: int) -> Snapshot:
    """The snapshot from its per-indicator parts: objectives, processes, policy, plans and the
    reporting counts rolled up."""
    settings, scores = plan.settings, parts.scores
    objectives, inputs, policy = objective_scores(plan, scores)
    processes = plan.processes.merge(
        scoring.weighted(scores, "process", "attainment", "weight"),
        left_on="code", right_on="process", how="left").drop(columns="process")
    processes = scoring.with_status(processes, settings)
    progress = {vision: scoring.plan_state(row, as_of, parts.progress[vision], plan.links, plan.policy_objectives,
                                           settings, vision)
                for vision, row in rows.items()}
    return Snapshot(
        as_of=as_of, indicators=scores, objectives=objectives, objective_inputs=inputs,
        processes=processes, policy=policy,
        policy_status=scoring.status(None if policy is None else policy * 100,
                                     settings.red_below, settings.green_from),
        vision=progress.get(True), plan=progress.get(False),
        owed=timeliness.owed(parts.owed_periods).reset_index(drop=True),
        reporting=timeliness.reporting_counts(parts.counts), first_plan=_first_plan(plan),
        counts=parts.counts, last_measurement=last_measurement, plan_version=plan_version,
    )


def _last_measurement(store: Store) -> int:
    """Read before the figures: a value written meanwhile is at most recomputed again by `update`."""
    return int(store.scalar("SELECT coalesce(max(id), 0) FROM measurement"))


def compute(store: Store, plan: Plan, as_of: date) -> Snapshot:
    last, rows = _last_measurement(store), _plans(plan, as_of)
    return _assemble(plan, as_of, rows, _indicator_parts(store, plan, as_of, rows, plan.indicators), last,
                     plan_mod.version(store, as_of))


def update(old: Snapshot, store: Store, plan: Plan, as_of: date) -> Snapshot:
    """The snapshot of a cut-off from `old`, a snapshot of the same plan at this cut-off or another one,
    perhaps from before new values were written: only the indicators whose figures can differ are
    computed again (a value row written after `old`, or seen at one cut-off and not at the other; a
    period that closes or falls due between the two cut-offs), and everything is rolled up again from
    them and `old`'s other rows. Equal to `compute` (tests/test_snapshot_update.py), which it falls
    back on when the two cut-offs do not share the plan, the plan in force, the side of a horizon, or
    the period locks."""
    version, rows = plan_mod.version(store, as_of), _plans(plan, as_of)
    lo, hi = sorted((old.as_of, as_of))
    if not _comparable(old, store, rows, as_of, version, lo, hi):
        return compute(store, plan, as_of)
    last = _last_measurement(store)
    changed = set(values.written_between(store, lo, hi, old.last_measurement, last))
    if lo != hi:
        changed |= set(values.due_between(_calendar(store, plan, lo, hi), plan.indicators, lo, hi))
    indicators = plan.indicators[plan.indicators["code"].isin(changed)]
    if indicators.empty and as_of == old.as_of:
        return old
    codes = indicators["code"].tolist()
    progress = {vision: _progress_of(old, vision).indicators for vision in rows}
    if indicators.empty:   # nothing to compute again: only what counts days moves with the cut-off
        new = _IndicatorParts(old.indicators.iloc[:0], {v: f.iloc[:0] for v, f in progress.items()},
                              old.owed.iloc[:0], old.counts.iloc[:0])
    else:
        new = _indicator_parts(store, plan, as_of, rows, indicators, codes)
    order = plan.indicators["code"]
    parts = _IndicatorParts(
        scores=_splice(old.indicators, new.scores, "code", codes, order),
        progress={vision: _splice(frame, new.progress[vision], "code", codes, order) for vision, frame in progress.items()},
        owed_periods=_splice(values.with_days(old.owed, as_of), new.owed_periods, "indicator", codes),
        counts=_splice(old.counts, new.counts, "indicator", codes))
    return _assemble(plan, as_of, rows, parts, last, version)


def _calendar(store: Store, plan: Plan, lo: date, hi: date) -> pd.DataFrame:
    """The plan's periods and deadlines `due_between` needs, kept with the plan object: one table
    whose vigencias grow to cover every pair of cut-offs asked (extra vigencias change nothing)."""
    first, last = values.calendar_years(lo, hi)
    kept = plan.derived.get("calendario")
    if kept is None or first < kept[0] or last > kept[1]:
        if kept is not None:
            first, last = min(first, kept[0]), max(last, kept[1])
        kept = plan.derived["calendario"] = (first, last, values.calendar(store, first, last, plan.settings.grace_days,
                                                                          plan.indicators))
    return kept[2]


def _comparable(old: Snapshot, store: Store, rows: dict[bool, pd.Series], as_of: date, version: int, lo: date,
                hi: date) -> bool:
    """Whether `update` may start from `old`: the same plan version at both cut-offs (and no plan change
    written since `old`), the same plans in force each on the same side of its horizon, and no period
    lock made between the two cut-offs (a lock counts from the day after it is made)."""
    if not old.plan_version == version == plan_mod.version(store, old.as_of):
        return False
    if set(rows) != {vision for vision in (True, False) if _progress_of(old, vision) is not None}:
        return False
    for vision, row in rows.items():
        before = _progress_of(old, vision)
        if before.code != row["code"] or before.judged != (as_of >= scoring.plan_span(row, vision)[1]):
            return False
    return values.locks_made_between(store, lo, hi) == 0


def _progress_of(snap: Snapshot, vision: bool) -> PlanProgress | None:
    return snap.vision if vision else snap.plan


def _splice(old: pd.DataFrame, new: pd.DataFrame, key: str, codes: list[str],
            order: pd.Series | None = None) -> pd.DataFrame:
    """`old` with the rows of `codes` replaced by `new`'s, in the plan's order of indicators when given."""
    out = pd.concat([old[~old[key].isin(codes)], new[old.columns]], ignore_index=True)
    if order is None:
        return out
    return out.iloc[pd.Index(out[key]).get_indexer(order)].reset_index(drop=True)


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
        scores = indicator_scores(store, plan, as_of)
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
