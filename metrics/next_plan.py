"""Opening the institutional plan that follows the current one (issue 11, point 3).

The next plan starts the day after the current one ends (1 March, from the Personero's term: Ley
1551, art. 35) and ends with that term. Opening it is one plan change, effective from its start,
through plan_changes (same permission, validation, history and audit as any plan change): the plan
row, the indicators that carry on with their new baselines (by default the closing plan's last
result), their targets for the new vigencias (by default the closing plan's last target), and the
indicators that do not carry on retired from that day (their history and past scores stay).
"""
from __future__ import annotations

from datetime import date, datetime, timedelta

import pandas as pd

from metrics import plan as plan_mod
from metrics import plan_changes, plan_rules, scoring, values
from metrics.accounts import Rejected
from metrics.periods import term_end
from metrics.store import Store


def closing_plan(store: Store, on: date | None = None) -> pd.Series:
    """The last plan of the database (the one the next plan follows)."""
    plans = plan_mod.frame(store, "plan", on or date.max)
    if plans.empty:
        raise Rejected("No hay un plan estratégico que cerrar: cargue primero el plan.")
    return plans.sort_values("start_date").iloc[-1]


def next_start(closing: pd.Series) -> date:
    return pd.Timestamp(closing["end_date"]).date() + timedelta(days=1)


def last_results(store: Store, closing: pd.Series, indicators: pd.DataFrame, known_on: date,
                 until: date | None = None) -> pd.DataFrame:
    """Each indicator's last vigencia result inside the closing plan (or up to `until`), as known on
    `known_on`: indicator, year, result."""
    start, end = scoring.plan_span(closing)
    end = min(end, until or end)
    yearly = values.yearly_results(store, known_on, since=start, until=end)
    yearly = yearly.merge(indicators[["code", "accumulation"]], left_on="indicator", right_on="code")
    yearly["result"] = scoring.year_result(yearly["accumulation"], yearly["total"], yearly["last_value"])
    return yearly.sort_values("year").groupby("indicator").tail(1)[["indicator", "year", "result"]]


def open_next(store: Store, username, reason: str, carry: list[str] | None = None,
              baselines: dict[str, float] | None = None, targets: dict[tuple[str, int], float] | None = None,
              vision_horizon: date | None = None, name: str | None = None, now: datetime | None = None) -> str:
    """Open the plan after the last one; returns its code. `carry` (default: every indicator in force
    at the closing plan's end) are the indicators that go on; `baselines` and `targets` override the
    defaults per indicator and per (indicator, year)."""
    now = now or datetime.now()
    closing = closing_plan(store)
    start = next_start(closing)
    end = term_end(start.year)
    code = f"PEI-{start.year}"
    frames = plan_mod.frames(store, start - timedelta(days=1))
    indicators = frames["indicator"]
    carry = list(indicators["code"]) if carry is None else [str(c) for c in carry]
    unknown = sorted(set(carry) - set(indicators["code"]))
    if unknown:
        raise Rejected(f"Indicadores que no existen en el plan que cierra: {', '.join(unknown)}.")
    kept = indicators[indicators["code"].isin(carry)].copy()
    last = last_results(store, closing, kept, now.date()).set_index("indicator")
    given = baselines or {}
    for i, row in kept.iterrows():
        if row["code"] in given:
            kept.at[i, "baseline"], kept.at[i, "baseline_year"] = float(given[row["code"]]), start.year - 1
        elif row["code"] in last.index:
            kept.at[i, "baseline"] = float(last.at[row["code"], "result"])
            kept.at[i, "baseline_year"] = int(last.at[row["code"], "year"])
    old_targets = frames["target"][frames["target"]["indicator"].isin(carry)]
    last_target = old_targets.sort_values("year").groupby("indicator").tail(1).set_index("indicator")["target"]
    new_targets = [{"indicator": c, "year": y, "target": float((targets or {}).get((c, y), last_target.get(c)))}
                   for c in carry for y in range(start.year, end.year + 1)
                   if (targets or {}).get((c, y)) is not None or c in last_target.index]
    kept_targets = old_targets[old_targets["year"] < start.year]
    plan_row = {"code": code, "name": name or f"Plan Estratégico Institucional {start.year}–{end.year}",
                "start_date": start, "end_date": end, "vision_horizon": vision_horizon,
                "policy_model": closing.get("policy_model")}
    changed = {
        "plan": pd.concat([frames["plan"], pd.DataFrame([plan_row])], ignore_index=True),
        "indicator": kept,
        "target": pd.concat([kept_targets, pd.DataFrame(new_targets)], ignore_index=True),
        "indicator_objective": frames["indicator_objective"][frames["indicator_objective"]["indicator"].isin(carry)],
        "indicator_element": frames["indicator_element"][frames["indicator_element"]["indicator"].isin(carry)],
    }
    # A last result that is not a valid baseline under the plan's rules (0 for an indicator whose target
    # is zero) keeps the closing plan's baseline rather than blocking the opening.
    defaulted = set(kept["code"]) - set(given)
    refused = {p.key.split(plan_mod.KEY_SEPARATOR)[0] for p in plan_rules.validate(frames | changed)
               if p.table in ("indicator", "target")} & defaulted
    if refused:
        original = indicators.set_index("code")
        for i, row in kept[kept["code"].isin(refused)].iterrows():
            kept.at[i, "baseline"] = original.at[row["code"], "baseline"]
            kept.at[i, "baseline_year"] = original.at[row["code"], "baseline_year"]
    plan_changes.save_plan(store, username, changed, reason, start, now=now)
    return code


def last_vigencia(plan_row: pd.Series) -> int:
    """A plan's last vigencia: its end year, or the year before when it ends before 31 December
    (a term that ends on the last day of February)."""
    end = pd.Timestamp(plan_row["end_date"]).date()
    return end.year if (end.month, end.day) == (12, 31) else end.year - 1


def final_evaluation(store: Store, plan: plan_mod.Plan, closing: pd.Series, known_on: date) -> pd.DataFrame:
    """A closed plan's final evaluation: each indicator's last result inside the plan against its
    target for the plan's last vigencia, with attainment and semáforo by the engine's own rule."""
    indicators = plan.indicators
    year = last_vigencia(closing)
    last = last_results(store, closing, indicators, known_on, until=date(year, 12, 31))
    targets = plan.targets[plan.targets["year"] == year][["indicator", "target"]]
    out = indicators[["code", "name", "unit", "polarity", "baseline", "red_below", "green_from", "process"]].merge(
        last.rename(columns={"indicator": "code"}), on="code", how="left").merge(
        targets.rename(columns={"indicator": "code"}), on="code", how="left")
    judged = [scoring.judge(r, t, f, plan.settings) if pd.notna(r) and pd.notna(t) else (None, "sin_dato")
              for r, t, f in zip(out["result"], out["target"], out.to_dict("records"))]
    out["attainment"] = [j[0] for j in judged]
    out["status"] = [j[1] for j in judged]
    out["target_year"] = year
    return out
