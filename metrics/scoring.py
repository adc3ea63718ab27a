"""The scoring rules, everything as of a cut-off date.

- Attainment of a value: value ÷ target when higher is better, target ÷ value when lower is better;
  kept raw for display and capped at 100 % for every roll-up.
- Yearly result per accumulation type: flujo adds the periods reported (and its target is prorated
  to the periods reported, so a partial year is judged on the periods it has); stock and acumulado
  take the latest value.
- Semáforo from the indicator's thresholds, else the entity's; "sin dato" is a state of its own and
  never enters a roll-up as zero.
- Roll-ups are weighted means of capped attainment over the inputs that have data; each comes with
  the table of inputs that produced it, so a page can answer "¿por qué este valor?".
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd

from metrics.periods import PERIODS_PER_YEAR, elapsed_share

RAW_CEILING = 2.0  # a lower-is-better value of zero against a positive target: "twice as good"
STATUSES = ("verde", "amarillo", "rojo", "sin_dato")
STATUS_LABELS = {"verde": "Cumple", "amarillo": "En riesgo", "rojo": "Crítico", "sin_dato": "Sin dato"}
STATUS_ICONS = {"verde": "✔", "amarillo": "▲", "rojo": "✖", "sin_dato": "○"}


@dataclass(frozen=True)
class Settings:
    """The entity's defaults; each indicator's ficha may override the thresholds."""
    red_below: float = 60.0
    green_from: float = 80.0
    grace_days: int = 10
    on_track_tolerance: float = 10.0

    @classmethod
    def from_rows(cls, rows: dict[str, str]) -> "Settings":
        return cls(**{f: type(getattr(cls, f))(rows[f]) for f in cls.__dataclass_fields__ if f in rows})


def is_missing(x) -> bool:
    return x is None or bool(pd.isna(x))


def attainment(value, target, polarity: str, baseline=None) -> float | None:
    """Raw attainment as a fraction (1.0 = target met); None when there is no value or target."""
    if is_missing(value) or is_missing(target):
        return None
    if polarity == "up":
        return value / target if target > 0 else 1.0
    if target > 0:
        return target / value if value > 0 else RAW_CEILING
    if value <= 0:
        return 1.0
    if not is_missing(baseline) and baseline > 0:  # target zero: share of the way from baseline to zero
        return max(0.0, (baseline - value) / baseline)
    return 0.0


def capped(raw: float | None) -> float | None:
    return None if raw is None else min(raw, 1.0)


def status(pct: float | None, red_below: float, green_from: float) -> str:
    """Semáforo of a capped attainment in percent."""
    if is_missing(pct):
        return "sin_dato"
    pct = round(pct, 1)  # judge the figure people read: 79,97 % shows as 80,0 % and is green
    if pct < red_below:
        return "rojo"
    return "amarillo" if pct < green_from else "verde"


def thresholds(ficha, settings: Settings) -> tuple[float, float]:
    """(red below, green from) in % of attainment: the ficha's own, else the entity's."""
    red, green = ficha.get("red_below"), ficha.get("green_from")
    return (settings.red_below if is_missing(red) else float(red),
            settings.green_from if is_missing(green) else float(green))


def judge(value, target, ficha, settings: Settings) -> tuple[float | None, str]:
    """(raw attainment, semáforo) of one value against one target under the ficha's rules."""
    raw = attainment(value, target, ficha["polarity"], ficha.get("baseline"))
    pct = capped(raw)
    return raw, status(None if pct is None else pct * 100, *thresholds(ficha, settings))


def period_share(accumulation: str, n: int) -> float:
    """What one period should reach, as a share of the year's target: flujo a 1/n part of it,
    stock and acumulado the year's level itself (their yearly result is the latest value)."""
    return 1 / n if accumulation == "flujo" else 1.0


def progress_from_baseline(result, baseline, target, polarity: str) -> float | None:
    """Share of the way travelled from the baseline to the target, clipped to 0..1."""
    if is_missing(result) or is_missing(target):
        return None
    if result >= target if polarity == "up" else result <= target:
        return 1.0
    if is_missing(baseline) or baseline == target:
        return 0.0
    return float(min(1.0, max(0.0, (result - baseline) / (target - baseline))))


def indicator_scores(indicators: pd.DataFrame, yearly: pd.DataFrame, targets: pd.DataFrame,
                     settings: Settings) -> pd.DataFrame:
    """One row per indicator: its latest vigencia with data, result, target, attainment, semáforo."""
    latest = yearly.sort_values("year").groupby("indicator").tail(1)
    df = indicators.merge(latest, left_on="code", right_on="indicator", how="left")
    df = df.merge(targets.rename(columns={"indicator": "code", "target": "year_target"}),
                  on=["code", "year"], how="left")
    n = df["frequency"].map(PERIODS_PER_YEAR).astype("float64")
    is_flujo = df["accumulation"].eq("flujo")
    df["result"] = np.where(is_flujo, df["total"], df["last_value"])
    df["target"] = np.where(is_flujo, df["year_target"] * df["n_reported"] / n, df["year_target"])
    df["attainment_raw"] = [attainment(r.result, r.target, r.polarity, r.baseline) for r in df.itertuples()]
    df["attainment"] = df["attainment_raw"].map(capped)
    red = df["red_below"].fillna(settings.red_below)
    green = df["green_from"].fillna(settings.green_from)
    df["status"] = [status(None if a is None else a * 100, r, g)
                    for a, r, g in zip(df["attainment"], red, green)]
    return df.drop(columns=["indicator"])


def weighted(inputs: pd.DataFrame, key: str, value: str, weight: str) -> pd.DataFrame:
    """Weighted mean of `value` per `key` over rows with data, with the coverage of the weights."""
    has = inputs[value].notna()
    w = inputs[weight].astype(float)
    frame = pd.DataFrame({key: inputs[key], "wv": np.where(has, w * inputs[value].astype(float), 0.0),
                          "w_data": np.where(has, w, 0.0), "w_all": w, "n": 1, "n_data": has.astype(int)})
    g = frame.groupby(key, sort=False).sum()
    g["score"] = np.where(g["w_data"] > 0, g["wv"] / g["w_data"].where(g["w_data"] > 0, 1), np.nan)
    g["coverage"] = g["w_data"] / g["w_all"]
    return g[["score", "coverage", "n", "n_data"]].reset_index()


def with_status(frame: pd.DataFrame, settings: Settings) -> pd.DataFrame:
    frame["score"] = frame["score"].astype(float)
    frame["status"] = [status(None if pd.isna(s) else s * 100, settings.red_below, settings.green_from)
                       for s in frame["score"]]
    return frame


def objective_inputs(scores: pd.DataFrame, links: pd.DataFrame) -> pd.DataFrame:
    """The indicators behind each objective with their weight and contribution."""
    cols = ["code", "name", "process", "result", "target", "attainment", "status", "unit"]
    df = links.merge(scores[cols], left_on="indicator", right_on="code").drop(columns="code")
    df["contribution"] = df["weight"] * df["attainment"].astype(float)
    return df


@dataclass
class PlanProgress:
    """Where a plan (or the vision) stands: progress from baseline against time elapsed."""
    code: str
    name: str
    start: date
    horizon: date
    target_year: int
    elapsed: float
    score: float | None
    status: str
    indicators: pd.DataFrame
    objectives: pd.DataFrame


def plan_span(plan: pd.Series) -> tuple[date, date]:
    """A plan's start and horizon: its vision date when it has one, else the end of the term."""
    horizon = plan["vision_horizon"] if not is_missing(plan.get("vision_horizon")) else plan["end_date"]
    return pd.Timestamp(plan["start_date"]).date(), pd.Timestamp(horizon).date()


def plan_progress(plan: pd.Series, as_of: date, indicators: pd.DataFrame, yearly: pd.DataFrame,
                  targets: pd.DataFrame, links: pd.DataFrame, policy_objectives: pd.DataFrame,
                  settings: Settings) -> PlanProgress:
    """Progress towards a plan's horizon, its status and a projection of each indicator."""
    start, horizon = plan_span(plan)
    target_year = horizon.year
    elapsed = elapsed_share(start, horizon, as_of)
    annual = yearly.merge(indicators[["code", "frequency", "accumulation"]], left_on="indicator", right_on="code")
    n = annual["frequency"].map(PERIODS_PER_YEAR).astype("float64")
    annual["annual"] = np.where(annual["accumulation"].eq("flujo"), annual["total"] * n / annual["n_reported"],
                                annual["last_value"])
    annual = annual[(annual["year"] <= target_year) & annual["annual"].notna()].sort_values(["indicator", "year"])
    before = annual[annual["year"] < start.year].groupby("indicator")["annual"].last()
    current = annual[annual["year"] >= start.year]
    latest = current.groupby("indicator").agg(current=("annual", "last"), last_year=("year", "last"))
    df = indicators[["code", "name", "process", "unit", "polarity", "weight", "baseline", "baseline_year",
                     "valid_min", "valid_max"]].copy()
    df = df.join(latest, on="code").join(projections(current, target_year).rename("projected"), on="code")
    df["projected"] = df["projected"].clip(lower=df["valid_min"], upper=df["valid_max"])  # no 105 % availability
    carried = df["code"].map(before)
    df["baseline"] = np.where((start.year > df["baseline_year"].fillna(0) + 1) & carried.notna(), carried,
                              df["baseline"])
    df["target"] = df["code"].map(targets[targets["year"] == target_year].set_index("indicator")["target"])
    df["progress"] = [progress_from_baseline(r, b, t, p) for r, b, t, p in
                      zip(df["current"], df["baseline"], df["target"], df["polarity"])]
    meets = np.where(df["polarity"].eq("up"), df["projected"] >= df["target"], df["projected"] <= df["target"])
    df["reaches"] = pd.Series(meets, index=df.index, dtype=object).where(df["projected"].notna() & df["target"].notna())
    years_left = (target_year - df["last_year"].fillna(start.year)).clip(lower=1)
    df["needed_per_year"] = (df["target"] - df["current"]) / years_left
    per_indicator = df.drop(columns=["baseline_year", "last_year", "valid_min", "valid_max"])
    inputs = links.merge(per_indicator[["code", "progress"]], left_on="indicator", right_on="code")
    objectives = weighted(inputs, "objective", "progress", "weight")
    objectives = objectives.merge(policy_objectives[["code", "weight"]], left_on="objective", right_on="code",
                                  how="inner", suffixes=("", "_policy"))
    score = _weighted_score(objectives["score"], objectives["weight"])
    if score is None:
        state = "sin_dato"
    elif as_of > horizon:
        state = "cumplida" if score * 100 >= settings.green_from else "no cumplida"
    else:
        state = "en ruta" if score * 100 >= elapsed * 100 - settings.on_track_tolerance else "rezagado"
    return PlanProgress(plan["code"], plan["name"], start, horizon, target_year, elapsed, score, state,
                        per_indicator, objectives)


def projections(series: pd.DataFrame, target_year: int) -> pd.Series:
    """Least-squares line through each indicator's yearly results (columns indicator, year, annual),
    evaluated at the target year; the latest value where there is a single year."""
    x, y = series["year"].astype(float), series["annual"].astype(float)
    g = pd.DataFrame({"indicator": series["indicator"], "x": x, "y": y, "xx": x * x, "xy": x * y}) \
        .groupby("indicator").agg(n=("x", "size"), sx=("x", "sum"), sy=("y", "sum"), sxx=("xx", "sum"),
                                  sxy=("xy", "sum"), last=("y", "last"))
    denominator = g["n"] * g["sxx"] - g["sx"] ** 2
    slope = (g["n"] * g["sxy"] - g["sx"] * g["sy"]) / denominator.where(denominator != 0)
    intercept = (g["sy"] - slope * g["sx"]) / g["n"]
    return (slope * target_year + intercept).fillna(g["last"])


def _weighted_score(scores: pd.Series, weights: pd.Series) -> float | None:
    has = scores.notna()
    total = weights[has].astype(float).sum()
    return float((scores[has].astype(float) * weights[has].astype(float)).sum() / total) if total > 0 else None


def policy_score(objectives: pd.DataFrame) -> float | None:
    """The policy's score: weighted mean of its specific objectives' scores."""
    return _weighted_score(objectives["score"], objectives["weight"])


def period_attainment(current: pd.DataFrame, indicators: pd.DataFrame, targets: pd.DataFrame) -> pd.DataFrame:
    """Each reported period against its own target (a share of the year's for flujo), capped at 100 %."""
    df = current.merge(indicators[["code", "polarity", "accumulation", "frequency", "baseline"]],
                       left_on="indicator", right_on="code").merge(targets, on=["indicator", "year"], how="left")
    shares = [period_share(a, PERIODS_PER_YEAR[f]) for a, f in zip(df["accumulation"], df["frequency"])]
    df["period_target"] = df["target"] * shares
    df["attainment"] = [capped(attainment(v, t, p, b)) for v, t, p, b in
                        zip(df["value"], df["period_target"], df["polarity"], df["baseline"])]
    return df
