"""A five-indicator plan whose every score is worked out by hand in the tests.

It keeps the real entity.toml and process map (so the word-for-word texts are the real ones) and
replaces the catalogue with indicators chosen to exercise each rule: higher and lower is better,
flujo over a partial year, a target of zero, and one indicator never reported.
"""
from __future__ import annotations

import shutil
from datetime import date, datetime
from pathlib import Path

import pandas as pd

from metrics import asof
from metrics.seed import SEED_DIR, load_plan
from metrics.store import Store

BASE = {"objective": "Prueba", "definition": "Prueba", "formula": "x", "numerator": "x", "denominator": None,
        "baseline_year": 2019, "red_below": None, "green_from": None, "element": "TE", "source": "Prueba",
        "indicator_type": "eficacia", "level": "gestión", "public": True, "weight": 1, "start_year": 2020,
        "report_due_days": None, "report_due_date": None, "computed_from": None}
INDICATORS = [
    dict(code="T-UP", name="Sube", unit="%", polarity="up", accumulation="stock", frequency="T",
         baseline=50, process="TI", valid_min=0, valid_max=100),
    dict(code="T-DOWN", name="Baja", unit="horas", polarity="down", accumulation="stock", frequency="M",
         baseline=20, process="TI", valid_min=0, valid_max=None),
    dict(code="T-FLUJO", name="Flujo", unit="personas", polarity="up", accumulation="flujo", frequency="T",
         baseline=300, process="DH", valid_min=0, valid_max=None),
    dict(code="T-ZERO", name="Cero", unit="#", polarity="down", accumulation="flujo", frequency="T",
         baseline=4, process="GJ", valid_min=0, valid_max=None),
    dict(code="T-NONE", name="Nunca", unit="%", polarity="up", accumulation="stock", frequency="A",
         baseline=10, process="DE", valid_min=0, valid_max=100),
]
TARGETS = {"T-UP": (80, 90), "T-DOWN": (8, 6), "T-FLUJO": (400, 500), "T-ZERO": (0, 0), "T-NONE": (50, 60)}
LINKS = [("T-UP", "OE1", 1), ("T-FLUJO", "OE1", 2), ("T-DOWN", "OE2", 1), ("T-NONE", "OE2", 5),
         ("T-ZERO", "OE3", 1)] + [(i["code"], "IE1", 1) for i in INDICATORS]
# (indicator, year, period, value, recorded on)
VALUES = [
    ("T-UP", 2024, 1, 60, date(2024, 4, 5)), ("T-UP", 2024, 2, 72, date(2024, 7, 3)),
    ("T-FLUJO", 2024, 1, 90, date(2024, 4, 5)), ("T-FLUJO", 2024, 2, 110, date(2024, 7, 2)),
    ("T-DOWN", 2024, 1, 10, date(2024, 2, 3)), ("T-DOWN", 2024, 6, 16, date(2024, 7, 5)),
    ("T-ZERO", 2024, 1, 1, date(2024, 4, 5)), ("T-ZERO", 2024, 2, 0, date(2024, 7, 2)),
]


def write_seed(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name in ("entity.toml", "processes.csv"):
        shutil.copy(SEED_DIR / name, folder / name)
    columns = pd.read_csv(SEED_DIR / "indicators.csv", nrows=0).columns
    pd.DataFrame([{**BASE, **i} for i in INDICATORS])[columns].to_csv(folder / "indicators.csv", index=False)
    pd.DataFrame(LINKS, columns=["indicator_code", "objective_code", "weight"]).to_csv(
        folder / "indicator_objectives.csv", index=False)
    pd.DataFrame([(c, 2024 + k, t) for c, ts in TARGETS.items() for k, t in enumerate(ts)],
                 columns=["indicator_code", "year", "target"]).to_csv(folder / "targets.csv", index=False)
    return folder


def record(store: Store, indicator: str, year: int, period: int, value: float | None, on: date,
           supersedes: int | None = None, reason: str | None = None, void: bool = False) -> int:
    """Append one measurement row recorded at 09:00 on `on`; returns its id."""
    from metrics.periods import period_end
    freq = store.scalar("SELECT frequency FROM indicator WHERE code = ?", [indicator])
    with store.transaction() as cur:
        new_id = cur.execute(
            "INSERT INTO measurement (indicator, year, period, period_end, value, recorded_at, recorded_by, "
            "supersedes, reason, is_void) VALUES (?, ?, ?, ?, ?, ?, 'prueba', ?, ?, ?) RETURNING id",
            [indicator, year, period, period_end(year, freq, period), value,
             datetime.combine(on, datetime.min.time()).replace(hour=9), supersedes, reason, void]).fetchone()[0]
        asof.index_new(cur)
        return new_id


def build(folder: Path) -> Store:
    """A real DuckDB file with the mini plan and its hand-made values."""
    store = Store(folder / "mini.duckdb")
    load_plan(store, write_seed(folder / "seed"))
    for v in VALUES:
        record(store, *v)
    return store


def snap(store: Store, as_of: date):
    """Every figure at a cut-off, judged on the plan as it stood that day."""
    from metrics import plan, snapshot
    return snapshot.compute(store, plan.load(store, as_of), as_of)
