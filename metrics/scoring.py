"""The scoring rules, everything as of a cut-off date.

- Attainment of a value: value ÷ target when higher is better; when lower is better, 100 % at or
  below the target and target ÷ value above it. Kept raw for display, capped at 100 % for roll-ups.
- Yearly result per accumulation type: flujo adds the periods reported (and its target is prorated
  to the periods reported, so a partial year is judged on the periods it has); stock and acumulado
  take the latest value.
- Staleness: the result counts when it belongs to the vigencia of the latest period already due (its
  reporting window passed) or a later one; an older result is "desactualizado": shown with its
  vigencia, never counted in a roll-up.
- Semáforo from the indicator's thresholds, else the entity's; "sin dato" and "desactualizado" are
  states of their own and never enter a roll-up (not even as zero).
- Roll-ups are weighted means of capped attainment over the inputs that have data; each comes with
  the table of inputs that produced it, so a page can answer "¿por qué este valor?".
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd

from metrics.periods import PERIODS_PER_YEAR, elapsed_share
from metrics.vocabulary import STATUS_ICONS, STATUS_LABELS, STATUSES  # noqa: F401  (re-exported)


@dataclass(frozen=True)
class Settings:
    """The entity's defaults; each indicator's ficha may override the thresholds."""
    red_below: float = 60.0
    green_from: float = 80.0
    grace_days: int = 10
    on_track_tolerance: float = 10.0   # points progress may trail time elapsed and still be "en ruta"
    met_from: float = 80.0             # % of progress at the horizon for the vision (or a plan) to be "cumplida"

    @classmethod
    def from_rows(cls, rows: dict[str, str]) -> "Settings":
        return cls(**{f: type(getattr(cls, f))(str(rows[f]).replace(",", "."))
                      for f in cls.__dataclass_fields__ if f in rows})


def is_missing(x) -> bool:
    return x is None or bool(pd.isna(x))


def attainment(value, target, polarity: str, baseline=None) -> float | None:
    """Raw attainment as a fraction (1.0 = target met); None when there is no value or target."""
    raw = attainments([value], [target], [polarity], [baseline])[0]
    return None if np.isnan(raw) else float(raw)


def attainments(value, target, polarity, baseline) -> np.ndarray:
    """The attainment rule over aligned arrays (NaN where there is no value or target): value ÷ target
    when higher is better (1 when the target is not positive); lower is better: 1 at or below the
    target, target ÷ value above it, and with a target of zero the share of the way from the baseline
    to zero."""
    v, t, b = (np.asarray(pd.to_numeric(pd.Series(x, dtype=object)), dtype="float64")
               for x in (value, target, baseline))
    with np.errstate(divide="ignore", invalid="ignore"):
        up = np.where(t > 0, v / t, 1.0)
        from_baseline = np.where(b > 0, np.maximum(0.0, (b - v) / b), 0.0)
        down = np.where(v <= t, 1.0, np.where(t > 0, t / v, from_baseline))
    out = np.where(np.asarray(polarity, dtype=object) == "up", up, down)
    return np.where(np.isnan(v) | np.isnan(t), np.nan, out)


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
    share = progress_from_baselines([result], [baseline], [target], [polarity])[0]
    return None if np.isnan(share) else float(share)


def progress_from_baselines(result, baseline, target, polarity) -> np.ndarray:
    """The progress rule over aligned arrays (NaN without a result or a target): 1 once the target is
    reached, 0 without a baseline (or one equal to the target), else the share of the way travelled."""
    r, b, t = (np.asarray(pd.to_numeric(pd.Series(x, dtype=object)), dtype="float64")
               for x in (result, baseline, target))
    up = np.asarray(polarity, dtype=object) == "up"
    with np.errstate(divide="ignore", invalid="ignore"):
        share = np.clip((r - b) / (t - b), 0.0, 1.0)
    out = np.where(np.where(up, r >= t, r <= t), 1.0, np.where(np.isnan(b) | (b == t), 0.0, share))
    return np.where(np.isnan(r) | np.isnan(t), np.nan, out)


def year_result(accumulation, total, last_value):
    """A vigencia's result: flujo adds its periods, stock and acumulado take the latest value
    (scalars or aligned arrays)."""
    return np.where(np.asarray(accumulation) == "flujo", total, last_value)


def year_target(accumulation, year_target_, n_reported, frequency):
    """The target a vigencia's result is judged against: flujo's yearly total prorated to the periods
    reported (n_reported × period_share), the year's level for stock and acumulado."""
    n = pd.Series(np.atleast_1d(frequency)).map(PERIODS_PER_YEAR).to_numpy(dtype="float64")
    shares = np.array([period_share(a, k) for a, k in zip(np.atleast_1d(accumulation), n)], dtype="float64")
    is_flujo = np.asarray(accumulation) == "flujo"
    out = np.where(is_flujo, np.asarray(year_target_, dtype="float64") * np.asarray(n_reported, dtype="float64")
                   * shares, year_target_)
    return out if np.ndim(accumulation) else out[0]


def indicator_scores(indicators: pd.DataFrame, yearly: pd.DataFrame, targets: pd.DataFrame,
                     settings: Settings, owed: pd.DataFrame | None = None) -> pd.DataFrame:
    """One row per indicator: its latest vigencia with data, result, target, raw attainment and
    semáforo; `attainment` (capped) is what roll-ups use and is empty when the result is out of date
    (`owed`: per indicator the vigencia of its latest period already due, from values.owed_years)."""
    latest = yearly.sort_values("year").groupby("indicator").tail(1)
    df = indicators.merge(latest, left_on="code", right_on="indicator", how="left")
    df = df.merge(targets.rename(columns={"indicator": "code", "target": "year_target"}),
                  on=["code", "year"], how="left")
    df["result"] = year_result(df["accumulation"], df["total"], df["last_value"])
    df["target"] = year_target(df["accumulation"].to_numpy(), df["year_target"].to_numpy(),
                               df["n_reported"].to_numpy(), df["frequency"].to_numpy())
    owed_year = by_indicator(owed, "owed_year", df["code"])
    df["owed_year"] = owed_year
    df["stale"] = df["year"].notna() & owed_year.notna() & (df["year"] < owed_year)
    raw = attainments(df["result"], df["target"], df["polarity"], df["baseline"])
    df["attainment_raw"] = pd.Series(raw, index=df.index, dtype=object).where(~np.isnan(raw), None)
    df["attainment"] = pd.Series(np.minimum(raw, 1.0), index=df.index, dtype=object) \
        .where(~np.isnan(raw) & ~df["stale"].to_numpy(dtype=bool), None)
    red = df["red_below"].fillna(settings.red_below)
    green = df["green_from"].fillna(settings.green_from)
    df["status"] = ["desactualizado" if stale else status(None if is_missing(a) else capped(a) * 100, r, g)
                    for a, stale, r, g in zip(df["attainment_raw"], df["stale"], red, green)]
    return df.drop(columns=["indicator"])


def by_indicator(frame: pd.DataFrame | None, column: str, codes: pd.Series) -> pd.Series:
    """`column` of a frame with one row per indicator, aligned to `codes` (NaN where absent): an index
    lookup, not a map over the text keys."""
    if frame is None or frame.empty:
        return pd.Series(np.nan, index=codes.index)
    return pd.Series(frame.set_index("indicator")[column].reindex(codes).to_numpy(), index=codes.index)


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
    cols = ["code", "name", "process", "result", "target", "attainment", "status", "unit", "year", "frequency",
            "last_period", "last_end", "stale"]
    df = links.merge(scores[cols], left_on="indicator", right_on="code").drop(columns="code")
    df["contribution"] = df["weight"] * df["attainment"].astype(float)
    return df


@dataclass
class PlanProgress:
    """Where a plan (or the vision) stands: progress from baseline against time elapsed; from its
    horizon on (`judged`), cumplida or no cumplida on actual results."""
    code: str
    name: str
    start: date
    horizon: date
    target_year: int
    elapsed: float
    score: float | None
    status: str
    judged: bool
    indicators: pd.DataFrame
    objectives: pd.DataFrame


def vision_rule(settings: Settings) -> str:
    """The rule that names the state of the vision or a plan, in Spanish, with the entity's thresholds:
    the pages and the PDF print it next to the state."""
    return (f"En ruta si el avance no va más de {settings.on_track_tolerance:.0f} puntos detrás del tiempo "
            f"transcurrido; desde el día del horizonte se juzga con los resultados reales (nunca con la "
            f"proyección): cumplida si el avance llega al {settings.met_from:.0f} %, si no, no cumplida.")


def plan_span(plan: pd.Series, vision: bool = False) -> tuple[date, date]:
    """A plan's own start and end; for the vision, the start and the vision's horizon."""
    end = plan["vision_horizon"] if vision else plan["end_date"]
    return pd.Timestamp(plan["start_date"]).date(), pd.Timestamp(end).date()


def annualised(yearly: pd.DataFrame, indicators: pd.DataFrame) -> pd.DataFrame:
    """Each vigencia's result on a yearly scale (flujo's partial total extrapolated to the year), for
    the indicators of the plan; the ficha is looked up by position, not merged over the text keys."""
    pos = pd.Index(indicators["code"]).get_indexer(yearly["indicator"])
    n = indicators["frequency"].map(PERIODS_PER_YEAR).to_numpy(dtype="float64")[pos]
    flujo = indicators["accumulation"].eq("flujo").to_numpy(dtype=bool)[pos]
    with np.errstate(divide="ignore", invalid="ignore"):
        annual = np.where(flujo, yearly["total"].to_numpy(dtype="float64") * n
                          / yearly["n_reported"].to_numpy(dtype="float64"), yearly["last_value"].to_numpy(dtype="float64"))
    out = yearly.assign(annual=annual)[(pos >= 0) & ~np.isnan(annual)]
    return out.sort_values(["indicator", "year"])


def progress_by_indicator(plan: pd.Series, as_of: date, indicators: pd.DataFrame, in_plan: pd.DataFrame,
                          yearly: pd.DataFrame, targets: pd.DataFrame, owed: pd.DataFrame,
                          vision: bool = False) -> pd.DataFrame:
    """Each indicator's progress towards a plan's end (or the vision's horizon), and its outlook; one
    row per indicator given, each computed from its own results only (a snapshot recomputes just the
    indicators a write changed).

    `in_plan` holds the yearly results of the periods that end inside the plan only; `yearly` all of
    them (the last result before the plan is its baseline). A result out of date at the cut-off
    (older than the vigencia owed, capped at the target year) does not count. From the horizon on,
    each indicator is judged on actual results, never on a projection.
    """
    start, horizon = plan_span(plan, vision)
    target_year = horizon.year
    judged = as_of >= horizon
    annual = annualised(in_plan, indicators)
    annual = annual[annual["year"] <= target_year]
    before = annualised(yearly[yearly["year"] < start.year], indicators).groupby("indicator")["annual"].last()
    latest = annual.groupby("indicator").agg(current=("annual", "last"), last_year=("year", "last"))
    df = indicators[["code", "name", "process", "unit", "polarity", "weight", "baseline", "baseline_year",
                     "valid_min", "valid_max"]].copy()
    df = df.join(latest, on="code").join(projections(annual, target_year).rename("projected"), on="code")
    owed_year = by_indicator(owed, "owed_year", df["code"])
    df["stale"] = df["last_year"].notna() & (df["last_year"] < owed_year.clip(upper=target_year))
    df.loc[df["stale"], ["current", "projected"]] = np.nan
    df["projected"] = df["projected"].clip(lower=df["valid_min"], upper=df["valid_max"])  # no 105 % availability
    carried = pd.Series(before.reindex(df["code"]).to_numpy(), index=df.index)
    df["baseline"] = np.where((start.year > df["baseline_year"].fillna(0) + 1) & carried.notna(), carried,
                              df["baseline"])
    df["target"] = by_indicator(targets[targets["year"] == target_year], "target", df["code"])
    df["progress"] = progress_from_baselines(df["current"], df["baseline"], df["target"], df["polarity"])
    judged_value = df["current"] if judged else df["projected"]
    meets = np.where(df["polarity"].eq("up"), judged_value >= df["target"], judged_value <= df["target"])
    df["reaches"] = pd.Series(meets, index=df.index, dtype=object).where(judged_value.notna() & df["target"].notna())
    years_left = (target_year - df["last_year"].fillna(start.year)).clip(lower=1)
    met_now = np.where(df["polarity"].eq("up"), df["current"] >= df["target"], df["current"] <= df["target"])
    needed = ((df["target"] - df["current"]) / years_left).where(~met_now, 0.0)  # already there: nothing more
    df["needed_per_year"] = needed.where(df["current"].notna() & df["target"].notna() & (not judged))
    return df.drop(columns=["baseline_year", "valid_min", "valid_max"])


def plan_state(plan: pd.Series, as_of: date, per_indicator: pd.DataFrame, links: pd.DataFrame,
               policy_objectives: pd.DataFrame, settings: Settings, vision: bool = False) -> PlanProgress:
    """A plan's (or the vision's) score from its indicators' progress, weighted by objective and then by
    the policy's objectives, and its state: en ruta or rezagado against the time elapsed; from its
    horizon on, cumplida or no cumplida on actual results."""
    start, horizon = plan_span(plan, vision)
    elapsed = elapsed_share(start, horizon, as_of)
    judged = as_of >= horizon
    inputs = links.merge(per_indicator[["code", "progress"]], left_on="indicator", right_on="code")
    objectives = weighted(inputs, "objective", "progress", "weight")
    objectives = objectives.merge(policy_objectives[["code", "weight"]], left_on="objective", right_on="code",
                                  how="inner", suffixes=("", "_policy"))
    score = _weighted_score(objectives["score"], objectives["weight"])
    if score is None:
        state = "sin_dato"
    elif judged:
        state = "cumplida" if round(score * 100, 1) >= settings.met_from else "no cumplida"
    else:
        state = "en ruta" if score * 100 >= elapsed * 100 - settings.on_track_tolerance else "rezagado"
    return PlanProgress(plan["code"], plan["name"], start, horizon, horizon.year, elapsed, score, state, judged,
                        per_indicator, objectives)


def projections(series: pd.DataFrame, target_year: int) -> pd.Series:
    """Least-squares line through each indicator's yearly results (columns indicator, year, annual),
    evaluated at the target year; the latest value where there is a single year."""
    group, names = pd.factorize(series["indicator"])
    x, y = series["year"].to_numpy(dtype="float64"), series["annual"].to_numpy(dtype="float64")
    k = len(names)
    n, sx, sy = (np.bincount(group, w, minlength=k) for w in (None, x, y))
    sxx, sxy = np.bincount(group, x * x, minlength=k), np.bincount(group, x * y, minlength=k)
    last_row = np.zeros(k, dtype="int64")
    np.maximum.at(last_row, group, np.arange(len(group)))
    denominator = n * sxx - sx ** 2
    with np.errstate(divide="ignore", invalid="ignore"):
        slope = np.where(denominator != 0, (n * sxy - sx * sy) / denominator, np.nan)
        line = slope * target_year + (sy - slope * sx) / n
    return pd.Series(np.where(np.isnan(line), y[last_row], line), index=pd.Index(names, name="indicator"))


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
    raw = attainments(df["value"], df["period_target"], df["polarity"], df["baseline"])
    df["attainment"] = pd.Series(np.minimum(raw, 1.0), index=df.index, dtype=object).where(~np.isnan(raw), None)
    return df
