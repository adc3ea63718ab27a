"""Builds a database from the text files in data/seed/: the plan of DE-P-007 and the demo values.

Only the built-in demo path (data/demo.duckdb) is ever built on its own, with the demo values, the
demo accounts and anonymous reading. Any other missing file is an error that says how to create it
(`python -m metrics.admin inicializar`), so a production path can never turn into the demo.
"""
from __future__ import annotations

import tomllib
from datetime import date, datetime, time, timedelta
from pathlib import Path

import pandas as pd

from metrics import accounts, action_plan, asof, demo
from metrics import values as values_mod
from metrics.periods import period_end, term_end
from metrics import plan as plan_mod
from metrics.plan import TABLES
from metrics.store import DB_ENV, DEFAULT_DB, PROJECT_DIR, Store, StoreError, default_db_path

SEED_DIR = PROJECT_DIR / "data" / "seed"
CSV_TABLES = {  # table -> (file, columns renamed from file to table)
    "process": ("processes.csv", {}),
    "indicator": ("indicators.csv", {}),
    "indicator_objective": ("indicator_objectives.csv",
                            {"indicator_code": "indicator", "objective_code": "objective"}),
    "target": ("targets.csv", {"indicator_code": "indicator"}),
    "plan_action": ("plan_actions.csv", {}),
    "policy_element": ("policy_elements.csv", {}),
    "indicator_element": ("indicator_elements.csv", {"indicator_code": "indicator"}),
}
ADMIN_CLI = ".venv/bin/python -m metrics.admin"


def read_plan(seed_dir: Path = SEED_DIR) -> dict:
    """The entity, policy, plans, objectives and activities from entity.toml."""
    with open(seed_dir / "entity.toml", "rb") as fh:
        return tomllib.load(fh)


def read_csv(seed_dir: Path, name: str) -> pd.DataFrame:
    return pd.read_csv(seed_dir / name, dtype_backend="numpy_nullable", keep_default_na=True)


def seed_frames(seed_dir: Path = SEED_DIR) -> dict[str, pd.DataFrame]:
    """The plan written in data/seed/, one frame per plan table (columns as in the tables)."""
    plan = read_plan(seed_dir)
    entity, policy = plan["entity"], plan["policy"]
    frames = {table: read_csv(seed_dir, file).rename(columns=renames)
              for table, (file, renames) in CSV_TABLES.items() if (seed_dir / file).exists()}
    for optional in ("plan_action", "policy_element", "indicator_element"):  # a seed folder may leave them out
        frames.setdefault(optional, pd.DataFrame(columns=list(plan_mod.KEYS[optional])))
    frames["entity"] = pd.DataFrame([{
        "name": entity["name"], "short_name": entity.get("short_name"), "motto": entity.get("motto"),
        "address": entity.get("address"), "city": entity.get("city"), "mission": entity["mission"],
        "vision": entity["vision"], "quality_policy": entity.get("quality_policy"),
        "policy_code": policy["code"], "policy_name": policy["name"],
        "policy_owner_process": policy["owner_process"], "policy_version": policy["version"],
        "policy_approved_on": policy["approved_on"]}])
    frames["setting"] = pd.DataFrame([{"key": k, "value": str(v)} for k, v in plan["settings"].items()])
    frames["plan"] = pd.DataFrame([{"code": p["code"], "name": p["name"], "start_date": date(p["start_year"], 3, 1),
                                    "end_date": term_end(p["start_year"]), "vision_horizon": p.get("vision_horizon"),
                                    "policy_model": p.get("policy_model")}
                                   for p in plan["plans"]])
    frames["objective"] = pd.DataFrame([{"code": o["code"], "kind": o["kind"], "text": o["text"],
                                         "weight": o.get("weight", 0.0), "position": pos}
                                        for pos, o in enumerate(plan["objectives"], 1)])
    frames["responsible_role"] = pd.DataFrame([{"position": pos, "text": r["text"]}
                                               for pos, r in enumerate(plan["roles"], 1)])
    frames["activity"] = pd.DataFrame([{"code": a["code"], "text": a["text"], "process": a["process"], "position": pos}
                                       for pos, a in enumerate(plan["activities"], 1)])
    return {table: frames[table] for table in TABLES}


def write_plan(store: Store, frames: dict[str, pd.DataFrame], by: str, source: str) -> None:
    """Write a whole plan as the base plan of a new database, in one audited transaction."""
    with store.transaction() as cur:
        for table in TABLES:
            _insert_frame(cur, table, frames[table])
        accounts.audit(cur, by, "cargar_plan", source,
                       f"{len(frames['indicator'])} indicadores, {len(frames['target'])} metas")


def load_plan(store: Store, seed_dir: Path = SEED_DIR) -> None:
    """Write the plan of data/seed/ (not the values) in one transaction."""
    write_plan(store, seed_frames(seed_dir), "semilla", "data/seed")


def _insert_frame(cur, table: str, frame: pd.DataFrame) -> None:
    if frame.empty:
        return
    cols = ", ".join(f'"{c}"' for c in frame.columns)
    cur.register("_frame", frame)
    try:
        cur.execute(f"INSERT INTO {table} ({cols}) SELECT {cols} FROM _frame")
    finally:
        cur.unregister("_frame")


def load_demo_values(store: Store, today: date, seed_dir: Path = SEED_DIR) -> int:
    """Generate and write the demo measurements up to the last closed period before `today`, and the
    demo progress of the Plan de Acción's actions (the activities roll them up)."""
    values, corrections = demo.generate(
        indicators=store.query("SELECT * FROM indicator"),
        targets=store.query("SELECT * FROM target"),
        scenarios=read_csv(seed_dir, "demo_scenarios.csv"),
        corrections=read_csv(seed_dir, "demo_corrections.csv"),
        today=today,
    )
    computed = store.query("SELECT * FROM indicator WHERE computed_from IS NOT NULL")
    values = values[~values["indicator"].isin(computed["code"])]
    actions = demo.action_progress(store.query("SELECT * FROM plan_action"),
                                   read_csv(seed_dir, "demo_action_scenarios.csv"), today)
    with store.transaction() as cur:
        _insert_frame(cur, "measurement", values)
        _insert_frame(cur, "action_progress", actions)
        _insert_frame(cur, "measurement", _computed_values(cur, computed, today))
        asof.index_new(cur)   # the corrections below replace the version in force, read from the as-of store
        cur.register("_fix", corrections)
        cur.execute(
            "INSERT INTO measurement (indicator, year, period, period_end, value, analysis, "
            "evidence_url, recorded_at, recorded_by, reason, supersedes) "
            "SELECT f.indicator, f.year, f.period, f.period_end, f.value, f.analysis, f.evidence_url, "
            "f.recorded_at, f.recorded_by, f.reason, v.id FROM _fix f "  # replaces the version in force
            f"LEFT JOIN ({values_mod.in_force_sql()}) v USING (indicator, year, period)",
            values_mod.in_force_params(today))
        cur.unregister("_fix")
        asof.index_new(cur)
        cur.execute("INSERT OR REPLACE INTO setting VALUES ('demo', 'true')")
    return len(values) + len(corrections)


def _computed_values(cur, computed: pd.DataFrame, today: date) -> pd.DataFrame:
    """The demo values of the indicators computed from the Plan de Acción (GD-03): each quarter's
    compliance with the reports made by its cut-off, recorded a few days later like any value."""
    rows = []
    for ficha in computed.itertuples():
        for year in range(int(ficha.start_year), today.year + 1):
            for quarter in range(1, 5):
                end = period_end(year, "T", quarter)
                recorded = datetime.combine(end + timedelta(days=5), time(9))
                value = None if recorded.date() >= today else action_plan.computed_value(cur, year, quarter, end)
                if value is not None:
                    rows.append({"indicator": ficha.code, "year": year, "period": quarter, "period_end": end,
                                 "value": round(value, 1), "analysis": "Calculado del avance de las acciones del "
                                 "Plan de Acción de la vigencia.", "recorded_at": recorded,
                                 "recorded_by": demo.DEMO_USER})
    return pd.DataFrame(rows)


def build(path: Path, today: date | None = None, with_demo: bool = True, seed_dir: Path = SEED_DIR,
          plan: dict[str, pd.DataFrame] | None = None, source: str = "data/seed") -> None:
    """Create a new database file at `path`, built aside and renamed only when complete.

    The plan is `plan` (frames from a workbook) or the one in `seed_dir`; `with_demo` adds the demo
    values, the demo accounts and anonymous reading, and only the demo should ever ask for it.
    """
    partial = path.with_name(path.name + ".building")
    leftovers = (partial, partial.with_name(partial.name + ".wal"))
    for leftover in leftovers:
        leftover.unlink(missing_ok=True)
    store = Store(partial)
    try:
        write_plan(store, plan if plan is not None else seed_frames(seed_dir),
                   "semilla" if with_demo else "linea-de-comandos", source)
        if with_demo:
            load_demo_values(store, today or date.today(), seed_dir)
            accounts.create_demo_accounts(store)   # one demo account per role; anonymous reading on
        store.checkpoint()
    except BaseException:
        store.close()
        for leftover in leftovers:
            leftover.unlink(missing_ok=True)
        raise
    store.close()
    partial.replace(path)


def is_demo_path(path: Path | str) -> bool:
    """Whether `path` is the built-in demo database, the only one built on its own."""
    return Path(path).resolve() == DEFAULT_DB.resolve()


def missing_database(path: Path) -> StoreError:
    """The error for a database file that does not exist, with the commands that create it."""
    has_folder = path.parent.is_dir()
    folder = "" if has_folder else f"cree la carpeta {path.parent}; luego "
    return StoreError(
        f"No existe la base de datos {path}{'' if has_folder else f' (la carpeta {path.parent} no existe)'}. "
        "El tablero no la crea por su cuenta: solo la base de demostración se construye sola.",
        f"Con el tablero detenido, {folder}créela con el plan y sin valores ni cuentas: "
        f"`{ADMIN_CLI} inicializar --db {path}`; después cree el primer administrador: "
        f"`{ADMIN_CLI} crear-admin --db {path} --usuario USUARIO --nombre \"NOMBRE\"`. "
        f"Si buscaba la demostración, quite la variable {DB_ENV}.")


def open_store(path: Path | str | None = None, today: date | None = None) -> Store:
    """Open the database; only the demo path is built (as the demo) when the file is missing."""
    path = Path(path) if path else default_db_path()
    if not path.exists():
        if not is_demo_path(path):
            raise missing_database(path)
        build(path, today)
    return Store(path)


def open_demo(path: Path | str, today: date | None = None) -> Store:
    """A demo database at any path (tests, benchmarks), built from data/seed/ when missing."""
    path = Path(path)
    if not path.exists():
        build(path, today)
    return Store(path)
