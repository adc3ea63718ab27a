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
