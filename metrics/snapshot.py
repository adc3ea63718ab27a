"""Everything the pages show for one cut-off date, computed once and shared by every page."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pandas as pd

from metrics import scoring, values
from metrics.periods import elapsed_share
from metrics.plan import Plan
from metrics.scoring import PlanProgress
from metrics.store import Store


@dataclass
class Snapshot:
    as_of: date
    indicators: pd.DataFrame        # one row per indicator: ficha, result, target, attainment, semáforo
    objectives: pd.DataFrame        # every objective with its score, coverage and semáforo
    objective_inputs: pd.DataFrame  # the indicator contributions behind each objective
    processes: pd.DataFrame
    policy: float | None
    policy_status: str
    vision: PlanProgress
    plan: PlanProgress
    periods: pd.DataFrame           # every period due since the current plan began, with its reporting state

    @property
    def late(self) -> pd.DataFrame:
        """Periods past their deadline with no value in force: the late reports."""
        return self.periods[self.periods["state"] == "faltante"].reset_index(drop=True)

    def status_counts(self) -> dict[str, int]:
        counts = self.indicators["status"].value_counts()
        return {s: int(counts.get(s, 0)) for s in scoring.STATUSES}


def objective_scores(plan: Plan, scores: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame, float | None]:
    """(objectives with score and semáforo, the indicator inputs behind them, the policy score)."""
    inputs = scoring.objective_inputs(scores, plan.links)
    objectives = plan.objectives.merge(
        scoring.weighted(inputs, "objective", "attainment", "weight"),
        left_on="code", right_on="objective", how="left").drop(columns="objective")
    objectives = scoring.with_status(objectives, plan.settings)
    return objectives, inputs, scoring.policy_score(objectives[objectives["kind"] == "especifico"])


def compute(store: Store, plan: Plan, as_of: date) -> Snapshot:
    yearly = values.yearly_results(store, as_of)
    settings = plan.settings
    scores = scoring.indicator_scores(plan.indicators, yearly, plan.targets, settings)
    objectives, inputs, policy = objective_scores(plan, scores)
    processes = plan.processes.merge(
        scoring.weighted(scores, "process", "attainment", "weight"),
        left_on="code", right_on="process", how="left").drop(columns="process")
    processes = scoring.with_status(processes, settings)
    current_plan = plan.plan_on(as_of)
    periods = values.period_states(store, as_of, pd.Timestamp(current_plan["start_date"]).date(),
                                   settings.grace_days)
    progress = [scoring.plan_progress(p, as_of, plan.indicators, yearly, plan.targets, plan.links,
                                      plan.policy_objectives, settings)
                for p in (plan.vision_plan(), current_plan)]
    return Snapshot(
        as_of=as_of, indicators=scores, objectives=objectives, objective_inputs=inputs,
        processes=processes, policy=policy,
        policy_status=scoring.status(None if policy is None else policy * 100,
                                     settings.red_below, settings.green_from),
        vision=progress[0], plan=progress[1], periods=periods,
    )


def changes(before: Snapshot, after: Snapshot) -> pd.DataFrame:
    """Indicators whose semáforo or attainment moved between two cut-offs, biggest move first."""
    cols = ["code", "name", "process", "attainment", "status"]
    df = before.indicators[cols].merge(after.indicators[cols], on=["code", "name", "process"],
                                       suffixes=("_before", "_after"))
    df["delta"] = df["attainment_after"].astype(float) - df["attainment_before"].astype(float)
    moved = (df["status_before"] != df["status_after"]) | (df["delta"].abs() > 1e-9)
    return df[moved].sort_values("delta", key=lambda s: -s.abs().fillna(1.0))


def history(store: Store, plan: Plan, dates: list[date]) -> pd.DataFrame:
    """Objective and policy scores at several cut-offs, with the current plan's time elapsed."""
    rows = []
    for as_of in dates:
        scores = scoring.indicator_scores(plan.indicators, values.yearly_results(store, as_of), plan.targets,
                                          plan.settings)
        objectives, _, policy = objective_scores(plan, scores)
        elapsed = elapsed_share(*scoring.plan_span(plan.plan_on(as_of)), as_of)
        rows.append({"as_of": as_of, "code": "POL", "label": "Política (puntaje total)", "score": policy,
                     "elapsed": elapsed})
        for o in objectives[objectives["kind"] != "general"].itertuples():
            rows.append({"as_of": as_of, "code": o.code, "label": f"{o.code} · {o.text[:40]}",
                         "score": o.score, "elapsed": elapsed})
    return pd.DataFrame(rows)
