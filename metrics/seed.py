"""Builds a database from the text files in data/seed/: the plan of DE-P-007 and the demo values."""
from __future__ import annotations

import tomllib
from datetime import date
from pathlib import Path

import pandas as pd

from metrics import accounts, demo
from metrics import values as values_mod
from metrics.periods import term_end
from metrics.store import PROJECT_DIR, Store, default_db_path

SEED_DIR = PROJECT_DIR / "data" / "seed"
CSV_TABLES = {  # table -> (file, columns renamed from file to table)
    "process": ("processes.csv", {}),
    "indicator": ("indicators.csv", {}),
    "indicator_objective": ("indicator_objectives.csv",
                            {"indicator_code": "indicator", "objective_code": "objective"}),
    "target": ("targets.csv", {"indicator_code": "indicator"}),
    "activity_progress": ("activity_progress.csv", {"activity_code": "activity"}),
}


def read_plan(seed_dir: Path = SEED_DIR) -> dict:
    """The entity, policy, plans, objectives and activities from entity.toml."""
    with open(seed_dir / "entity.toml", "rb") as fh:
        return tomllib.load(fh)


def read_csv(seed_dir: Path, name: str) -> pd.DataFrame:
    return pd.read_csv(seed_dir / name, dtype_backend="numpy_nullable", keep_default_na=True)


def load_plan(store: Store, seed_dir: Path = SEED_DIR) -> None:
    """Write the whole plan (not the values) in one transaction."""
    plan = read_plan(seed_dir)
    entity, policy = plan["entity"], plan["policy"]
    frames = {table: read_csv(seed_dir, file).rename(columns=renames)
              for table, (file, renames) in CSV_TABLES.items()}
    with store.transaction() as cur:
        cur.execute(
            "INSERT INTO entity VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [entity["name"], entity.get("short_name"), entity.get("motto"), entity.get("address"),
             entity.get("city"), entity["mission"], entity["vision"], entity.get("quality_policy"),
             policy["code"], policy["name"], policy["owner_process"], policy["version"],
             policy["approved_on"]])
        for key, value in plan["settings"].items():
            cur.execute("INSERT INTO setting VALUES (?, ?)", [key, str(value)])
        for p in plan["plans"]:
            cur.execute("INSERT INTO plan VALUES (?, ?, ?, ?, ?)",
                        [p["code"], p["name"], date(p["start_year"], 3, 1), term_end(p["start_year"]),
                         p.get("vision_horizon")])
        for pos, o in enumerate(plan["objectives"], 1):
            cur.execute("INSERT INTO objective VALUES (?, ?, ?, ?, ?)",
                        [o["code"], o["kind"], o["text"], o.get("weight", 0.0), pos])
        for pos, r in enumerate(plan["roles"], 1):
            cur.execute("INSERT INTO responsible_role VALUES (?, ?)", [pos, r["text"]])
        _insert_frame(cur, "process", frames["process"])
        for pos, a in enumerate(plan["activities"], 1):
            cur.execute("INSERT INTO activity VALUES (?, ?, ?, ?)", [a["code"], a["text"], a["process"], pos])
        for table in ("indicator", "indicator_objective", "target", "activity_progress"):
            _insert_frame(cur, table, frames[table])


def _insert_frame(cur, table: str, frame: pd.DataFrame) -> None:
    cols = ", ".join(frame.columns)
    cur.register("_frame", frame)
    try:
        cur.execute(f"INSERT INTO {table} ({cols}) SELECT {cols} FROM _frame")
    finally:
        cur.unregister("_frame")


def load_demo_values(store: Store, today: date, seed_dir: Path = SEED_DIR) -> int:
    """Generate and write the demo measurements up to the last closed period before `today`."""
    values, corrections = demo.generate(
        indicators=store.query("SELECT * FROM indicator"),
        targets=store.query("SELECT * FROM target"),
        scenarios=read_csv(seed_dir, "demo_scenarios.csv"),
        corrections=read_csv(seed_dir, "demo_corrections.csv"),
        today=today,
    )
    with store.transaction() as cur:
        _insert_frame(cur, "measurement", values)
        cur.register("_fix", corrections)
        cur.execute(
            "INSERT INTO measurement (indicator, year, period, period_end, value, analysis, "
            "evidence_url, recorded_at, recorded_by, reason, supersedes) "
            "SELECT f.indicator, f.year, f.period, f.period_end, f.value, f.analysis, f.evidence_url, "
            "f.recorded_at, f.recorded_by, f.reason, v.id FROM _fix f "  # replaces the version in force
            f"LEFT JOIN ({values_mod.in_force_sql()}) v USING (indicator, year, period)",
            values_mod.in_force_params(today))
        cur.unregister("_fix")
        cur.execute("INSERT OR REPLACE INTO setting VALUES ('demo', 'true')")
    return len(values) + len(corrections)


def build(path: Path, today: date | None = None, with_demo: bool = True,
          seed_dir: Path = SEED_DIR) -> None:
    """Create a new database file at `path` from the seed; built aside and renamed when complete."""
    partial = path.with_name(path.name + ".building")
    for leftover in (partial, partial.with_name(partial.name + ".wal")):
        leftover.unlink(missing_ok=True)
    store = Store(partial)
    try:
        load_plan(store, seed_dir)
        if with_demo:
            load_demo_values(store, today or date.today(), seed_dir)
            accounts.create_demo_accounts(store)   # one demo account per role; anonymous reading on
        store.checkpoint()
    finally:
        store.close()
    partial.replace(path)


def open_store(path: Path | str | None = None, today: date | None = None) -> Store:
    """Open the database, building the demo from data/seed/ on first run when the file is missing."""
    path = Path(path) if path else default_db_path()
    if not path.exists():
        build(path, today)
    return Store(path)
