"""Deterministic demo measurements that tell a plausible story.

Each indicator follows the scenario given in data/seed/demo_scenarios.csv (on target, behind,
critical, never reported, stopped reporting in mid-2024); values are seeded by indicator and
period, so the same day always yields the same database. The values are illustrative [ILU].
"""
from __future__ import annotations

import random
from datetime import date, datetime, time, timedelta

import pandas as pd

from metrics.periods import PERIODS_PER_YEAR, period_end
from metrics.scoring import period_share

FACTORS = {"on_target": 1.02, "behind": 0.72, "critical": 0.45, "stopped_reporting": 0.85}
STOPPED_AFTER = date(2024, 6, 30)
DEMO_USER = "demo"
ANALYSES = {
    True: "Resultado dentro de lo esperado para el periodo; se mantienen las acciones del plan de acción.",
    False: "El resultado quedó por debajo de la meta del periodo por demoras en la ejecución; "
           "el proceso revisa causas y acciones con la Oficina de Planeación.",
}
EVIDENCE = "https://intranet.personeria.example/evidencias/{code}/{year}-{period}"


def generate(indicators: pd.DataFrame, targets: pd.DataFrame, scenarios: pd.DataFrame,
             corrections: pd.DataFrame, today: date) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(values, corrections) for every period that ended and was reported before `today`."""
    target_of = {(r.indicator, int(r.year)): float(r.target) for r in targets.itertuples()}
    scenario_of = {r.indicator_code: (r.scenario, float(r.noise)) for r in scenarios.itertuples()}
    rows = []
    for ind in indicators.itertuples():
        scenario, noise = scenario_of.get(ind.code, ("on_target", 0.04))
        if scenario == "never_reported":
            continue
        for year in range(int(ind.start_year), today.year + 1):
            target = target_of.get((ind.code, year))
            n = PERIODS_PER_YEAR[ind.frequency]
            for period in range(1, n + 1):
                end = period_end(year, ind.frequency, period)
                if target is None or (scenario == "stopped_reporting" and end > STOPPED_AFTER):
                    continue
                rng = random.Random(f"{ind.code}-{year}-{period}")
                recorded = datetime.combine(end + timedelta(days=rng.randint(2, 9)), time(9 + rng.randint(0, 8)))
                if recorded.date() >= today:
                    continue
                value = _value(ind, scenario, noise, target, period, n, rng)
                met = _meets(ind.polarity, value, target * period_share(ind.accumulation, n))
                rows.append({
                    "indicator": ind.code, "year": year, "period": period, "period_end": end,
                    "value": value, "analysis": ANALYSES[met],
                    "evidence_url": EVIDENCE.format(code=ind.code, year=year, period=period),
                    "recorded_at": recorded, "recorded_by": DEMO_USER,
                })
    values = pd.DataFrame(rows)
    return values, _corrections(values, corrections, today)


def _meets(polarity: str, value: float, target: float) -> bool:
    if polarity == "up":
        return value >= 0.8 * target
    return value <= target * 1.25 if target > 0 else value == 0


def _value(ind, scenario: str, noise: float, target: float, period: int, n: int, rng: random.Random) -> float:
    factor = FACTORS[scenario] * (1 + rng.gauss(0, noise))
    level = target * period_share(ind.accumulation, n)
    if ind.accumulation == "acumulado":
        level = target * period / n
    if ind.polarity == "down":
        value = level / factor if level > 0 else max(0.0, round(rng.gauss(1 - factor, 0.6)))
    else:
        value = level * factor
    low = ind.valid_min if pd.notna(ind.valid_min) else 0.0
    high = ind.valid_max if pd.notna(ind.valid_max) else float("inf")
    value = min(max(value, low), high)
    return float(round(value)) if ind.unit in ("#", "personas") else round(value, 1)


def _corrections(values: pd.DataFrame, corrections: pd.DataFrame, today: date) -> pd.DataFrame:
    """Later versions of some values, recorded after the cut-off that first showed them."""
    rows = []
    for fix in corrections.itertuples():
        corrected_on = date.fromisoformat(str(fix.corrected_on))
        original = values[(values.indicator == fix.indicator_code) & (values.year == fix.year)
                          & (values.period == fix.period)]
        if corrected_on >= today or original.empty:
            continue
        rows.append({**original.iloc[0].to_dict(), "value": float(fix.corrected_value),
                     "recorded_at": datetime.combine(corrected_on, time(10)), "reason": fix.reason})
    return pd.DataFrame(rows, columns=[*values.columns, "reason"])


# -- the Plan de Acción ------------------------------------------------------------------------
ACTION_PACE = {"on_time": 1.0, "early": 1.6, "late": 0.55}
ACTION_NOTES = {
    "on_time": "Avance conforme a lo programado; evidencias en la carpeta del proceso.",
    "early": "La acción avanzó más rápido de lo programado.",
    "late": "La acción va atrasada por demoras en la contratación; el proceso acordó un plan de choque "
            "con la Oficina de Planeación.",
}


def action_progress(actions: pd.DataFrame, scenarios: pd.DataFrame, today: date) -> pd.DataFrame:
    """Deterministic demo progress of the Plan de Acción: a report at each quarterly cut-off after an
    action starts, recorded that day; an action that reaches 100 % reports it on the day it finishes.
    Late actions keep a little over half of the planned pace and never finish in their vigencia."""
    from metrics.action_plan import expected
    from metrics.milestones import parse
    pace_of = dict(zip(scenarios["action_code"], scenarios["scenario"]))
    rows = []
    for a in actions.itertuples():
        start, end = pd.Timestamp(a.start_date).date(), pd.Timestamp(a.end_date).date()
        planned = parse(getattr(a, "milestones", None))
        scenario = pace_of.get(a.code, "on_time")
        rng = random.Random(a.code)
        pace = ACTION_PACE[scenario] * (1 + rng.uniform(0, 0.08))
        finished = False
        for quarter in range(1, 5):
            cut = period_end(int(a.year), "T", quarter)
            if cut < start or finished:
                continue
            value = min(100.0, round(expected(start, end, cut, planned) * pace, 1))
            day = cut
            if value >= 100:
                done = next(d for d in (start + timedelta(days=i) for i in range((end - start).days + 1))
                            if expected(start, end, d, planned) * pace >= 100)
                day, finished = done, True
            if day >= today:
                continue
            rows.append({"action": a.code, "year": int(a.year), "period": quarter, "period_end": cut,
                         "progress": value, "analysis": ACTION_NOTES[scenario],
                         "evidence_url": EVIDENCE.format(code=a.code, year=a.year, period=quarter),
                         "recorded_at": datetime.combine(day, time(17)), "recorded_by": DEMO_USER,
                         "is_void": False})
    return pd.DataFrame(rows)
