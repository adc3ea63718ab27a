"""The policy model in force: each strategic plan names the model its policy elements follow (the
2018 model of Decreto 1008 de 2018, or the model of Decreto 767 de 2022), and every indicator has an
element in each model, so the scores can be grouped by the elements of the model in force at a
cut-off — the way FURAG asks about the policy."""
from __future__ import annotations

from datetime import date

import pandas as pd

from metrics import plan as plan_mod
from metrics import scoring
from metrics.plan import Plan


def model_on(plan: Plan, as_of: date) -> str | None:
    """The policy model of the strategic plan in force on a date (None: no plan, or it names none)."""
    in_force = plan.plan_on(as_of)
    if in_force is None or "policy_model" not in in_force or pd.isna(in_force["policy_model"]):
        return None
    return str(in_force["policy_model"])


def element_scores(store, plan: Plan, indicators: pd.DataFrame, as_of: date) -> pd.DataFrame:
    """Per element of the model in force at the cut-off: kind, name, score (weighted attainment of its
    indicators, by their weight in the process), coverage, counts and semáforo. Empty without a model."""
    model = model_on(plan, as_of)
    columns = ["code", "kind", "name", "score", "coverage", "n", "n_data", "status"]
    if model is None:
        return pd.DataFrame(columns=columns)
    elements = plan_mod.frame(store, "policy_element", as_of)
    elements = elements[elements["model"] == model]
    mapping = plan_mod.frame(store, "indicator_element", as_of)
    mapping = mapping[mapping["model"] == model]
    inputs = mapping.merge(indicators[["code", "attainment", "weight"]], left_on="indicator", right_on="code")
    scores = scoring.weighted(inputs, "element", "attainment", "weight")
    out = elements.merge(scores, left_on="code", right_on="element", how="left").drop(columns="element")
    return scoring.with_status(out, plan.settings)[["model", "position", *columns]].sort_values("position")
