"""Genera una base de datos grande para medir el tablero: ~40 procesos, miles de indicadores
mensuales, diez años de valores con correcciones y anulaciones (≥ 500 000 filas de medición).

    .venv/bin/python -m bench.large_plan --salida /tmp/grande.duckdb

Conserva el entity.toml real (entidad, planes PEI-2020 y PEI-2024, objetivos, actividades) y el
mapa de procesos real, al que suma procesos sintéticos de los cuatro tipos; escribe el catálogo
sintético (indicadores, vínculos con objetivos, metas) en una carpeta de semilla temporal, lo carga
con `seed.load_plan` y agrega las mediciones en bloque desde un DataFrame (nunca fila por fila).
Es determinista: la misma semilla y la misma fecha `--hoy` dan la misma base.
"""
from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from metrics import accounts, asof, vocabulary  # noqa: E402
from metrics.seed import SEED_DIR, load_plan, read_plan  # noqa: E402
from metrics.store import Store  # noqa: E402

BENCH_USER = "bench"
DEFAULT_LARGE = Path(tempfile.gettempdir()) / "personeria-bench-grande.duckdb"
FIRST_YEAR = 2016
PROCESS_TYPES = tuple(vocabulary.PROCESS_TYPES)
ELEMENTS = tuple(vocabulary.ELEMENTS)
TYPES = ("eficacia", "efectividad", "calidad", "eficiencia")
LEVELS = ("gestión", "producto", "resultado")
# unidad -> (rango de la línea base, mínimo válido, máximo válido, acumulaciones posibles)
UNITS = {
    "%": ((30.0, 70.0), 0.0, 100.0, ("stock",)),
    "#": ((50.0, 600.0), 0.0, None, ("flujo", "acumulado")),
    "personas": ((100.0, 1500.0), 0.0, None, ("flujo", "acumulado")),
    "días hábiles": ((5.0, 20.0), 0.0, None, ("stock",)),
}
SCENARIOS = np.array([1.02, 0.92, 0.72, 0.45])  # al día, cerca, rezagado, crítico
SCENARIO_P = [0.45, 0.25, 0.2, 0.1]
ANALYSIS_OK = "Resultado dentro de lo esperado para el periodo; se mantienen las acciones del plan."
ANALYSIS_LOW = "Resultado por debajo de la meta del periodo; el proceso revisa causas y acciones."
EVIDENCE = "https://intranet.personeria.example/evidencias/"
FIX_REASON = "Corrección de prueba de carga: se recalculó el valor con la fuente depurada."
VOID_REASON = "Anulación de prueba de carga: el valor se reportó en el indicador equivocado."


def last_closed_month(today: date) -> tuple[int, int]:
    """(año, mes) del último mes cerrado antes de `today`."""
    return (today.year, today.month - 1) if today.month > 1 else (today.year - 1, 12)


def write_seed(folder: Path, n_processes: int, n_indicators: int, first_year: int, last_year: int,
               rng: np.random.Generator) -> pd.DataFrame:
    """Escribe la semilla sintética en `folder` y devuelve los indicadores con su escenario."""
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copy(SEED_DIR / "entity.toml", folder / "entity.toml")

    real = pd.read_csv(SEED_DIR / "processes.csv")
    extra = [{"code": f"P{k:02d}", "name": f"Proceso sintético {k:02d}",
              "type": PROCESS_TYPES[k % len(PROCESS_TYPES)], "leader_role": f"Líder del proceso {k:02d}",
              "description": "Proceso generado para la prueba de carga del tablero."}
             for k in range(1, max(0, n_processes - len(real)) + 1)]
    processes = pd.concat([real, pd.DataFrame(extra, columns=real.columns)], ignore_index=True)
    processes.to_csv(folder / "processes.csv", index=False)

    n = n_indicators
    codes = np.array([f"GB-{k:04d}" for k in range(1, n + 1)])
    units = rng.choice(list(UNITS), size=n, p=[0.55, 0.2, 0.1, 0.15])
    accumulation = np.array([rng.choice(UNITS[u][3]) for u in units])
    polarity = np.where(units == "días hábiles", "down", np.where(rng.random(n) < 0.1, "down", "up"))
    lo = np.array([UNITS[u][0][0] for u in units])
    hi = np.array([UNITS[u][0][1] for u in units])
    baseline = np.round(lo + (hi - lo) * rng.random(n), 1)
    thresholds = rng.random(n) < 0.1  # algunas fichas con umbrales propios
    columns = pd.read_csv(SEED_DIR / "indicators.csv", nrows=0).columns
    indicators = pd.DataFrame({
        "code": codes,
        "name": [f"Indicador sintético {k:04d} de la prueba de carga" for k in range(1, n + 1)],
        "objective": "Medir el tablero con un plan grande.",
        "definition": "Indicador generado para la prueba de carga; sus cifras no son reales.",
        "formula": "(Numerador / Denominador) × 100",
        "numerator": "Numerador sintético", "denominator": "Denominador sintético",
        "unit": units, "polarity": polarity, "accumulation": accumulation, "frequency": "M",
        "baseline": baseline, "baseline_year": first_year - 1,
        "red_below": np.where(thresholds, 50.0, np.nan), "green_from": np.where(thresholds, 85.0, np.nan),
        "process": processes["code"].to_numpy()[np.arange(n) % len(processes)],
        "element": rng.choice(ELEMENTS, size=n), "source": "Generador bench/large_plan.py",
        "indicator_type": rng.choice(TYPES, size=n), "level": rng.choice(LEVELS, size=n),
        "valid_min": [UNITS[u][1] for u in units], "valid_max": [UNITS[u][2] for u in units],
        "public": rng.random(n) < 0.5, "weight": rng.choice([1, 1, 1, 2], size=n),
        "start_year": first_year, "report_due_days": None, "report_due_date": None,
    })
    # columns the seed gains later (e.g. computed_from) stay empty: a synthetic indicator is typed in
    indicators.reindex(columns=columns).to_csv(folder / "indicators.csv", index=False)

    objectives = read_plan(SEED_DIR)["objectives"]
    specific = [o["code"] for o in objectives if o["kind"] == "especifico"]
    institutional = [o["code"] for o in objectives if o["kind"] == "institucional"]
    links = pd.concat([
        pd.DataFrame({"indicator_code": codes, "objective_code": rng.choice(specific, size=n),
                      "weight": rng.choice([1, 1, 2], size=n)}),
        pd.DataFrame({"indicator_code": codes, "objective_code": rng.choice(institutional, size=n),
                      "weight": 1}),
    ]).drop_duplicates(["indicator_code", "objective_code"])
    links.to_csv(folder / "indicator_objectives.csv", index=False)

    # Metas anuales hasta el fin del PEI-2024 (2028): suben (o bajan) desde la línea base.
    years = np.arange(first_year, max(last_year, 2028) + 1)
    step = rng.uniform(0.01, 0.04, size=n)
    sign = np.where(polarity == "up", 1.0, -1.0)
    growth = 1 + sign[:, None] * step[:, None] * (years[None, :] - first_year + 1)
    level = baseline[:, None] * np.clip(growth, 0.3, None)
    level = np.where((units == "%")[:, None], np.minimum(level, 98.0), level)
    targets = pd.DataFrame({"indicator_code": np.repeat(codes, len(years)),
                            "year": np.tile(years, n), "target": np.round(level.ravel(), 1)})
    targets.to_csv(folder / "targets.csv", index=False)

    indicators["factor"] = rng.choice(SCENARIOS, size=n, p=SCENARIO_P)
    indicators["noise"] = rng.uniform(0.02, 0.08, size=n)
    return indicators.merge(targets.rename(columns={"indicator_code": "code"}), on="code")


def measurements(ind_targets: pd.DataFrame, first_year: int, last: tuple[int, int], today: date,
                 rng: np.random.Generator) -> pd.DataFrame:
    """Un valor por indicador y mes, desde enero de `first_year` hasta el mes `last`, ya reportado."""
    yt = ind_targets[(ind_targets["year"] >= first_year) & (ind_targets["year"] <= last[0])]
    months = np.arange(1, 13)
    frame = yt.loc[yt.index.repeat(12)].reset_index(drop=True)
    frame["period"] = np.tile(months, len(yt))
    frame = frame[(frame["year"] < last[0]) | (frame["period"] <= last[1])].reset_index(drop=True)
    n = len(frame)
    target = frame["target"].to_numpy()
    acc = frame["accumulation"].to_numpy()
    period = frame["period"].to_numpy()
    level = np.where(acc == "flujo", target / 12, np.where(acc == "acumulado", target * period / 12, target))
    factor = frame["factor"].to_numpy() * (1 + rng.standard_normal(n) * frame["noise"].to_numpy())
    factor = np.clip(factor, 0.05, None)
    up = frame["polarity"].to_numpy() == "up"
    value = np.where(up, level * factor, level / factor)
    vmax = frame["valid_max"].astype("float64").fillna(np.inf).to_numpy()
    value = np.clip(value, 0.0, vmax)
    whole = np.isin(frame["unit"].to_numpy(), ["#", "personas"])
    value = np.where(whole, np.round(value), np.round(value, 1))
    period_end = (pd.to_datetime(pd.DataFrame({"year": frame["year"], "month": period, "day": 1}))
                  + pd.offsets.MonthEnd(0))
    recorded = (period_end + pd.to_timedelta(rng.integers(2, 10, size=n), unit="D")
                + pd.to_timedelta(rng.integers(9, 18, size=n), unit="h"))
    met = np.where(up, value >= 0.8 * level, value <= 1.25 * level)
    out = pd.DataFrame({
        "indicator": frame["code"].to_numpy(), "year": frame["year"].astype("int32").to_numpy(),
        "period": period.astype("int32"), "period_end": period_end.dt.date, "value": value,
        "met": met, "whole": whole, "recorded_at": recorded,
    })
    return out[out["recorded_at"] < pd.Timestamp(today)].reset_index(drop=True)


def insert_measurements(store: Store, values: pd.DataFrame, today: date, fix_share: float,
                        void_share: float, rng: np.random.Generator) -> dict:
    """Originales, luego correcciones y anulaciones que las reemplazan.

    `fix_share` es el número medio de correcciones por valor: 0.02 corrige un valor de cada
    cincuenta; 120 da una historia larga (unas 120 versiones por periodo). La primera corrección de
    un valor llega de 10 a 60 días después del original y cada una de las siguientes de 1 a 3 días
    después de la anterior. Al final se indexan las filas nuevas en el almacén por fecha de corte
    (metrics/asof.py), en la misma transacción."""
    n = len(values)
    pick = rng.random(n)
    share = fix_share - np.floor(fix_share)
    rounds = int(np.floor(fix_share)) + (pick < share)
    gap = pd.to_timedelta(rng.integers(10, 60, size=n), unit="D")
    voids = values[(pick >= share) & (pick < share + void_share)].copy()
    voids["recorded_at"] = voids["recorded_at"] + pd.to_timedelta(rng.integers(5, 30, size=len(voids)), unit="D")
    voids = voids[voids["recorded_at"] < pd.Timestamp(today)]

    common = ("indicator, year, period, period_end, value, analysis, evidence_url, recorded_at, "
              "recorded_by, supersedes, reason, is_void")
    evidence = f"'{EVIDENCE}' || f.indicator || '/' || f.year || '-' || f.period"
    analysis = f"CASE WHEN f.met THEN '{ANALYSIS_OK}' ELSE '{ANALYSIS_LOW}' END"
    replaced = ("(SELECT max(m.id) FROM measurement m WHERE m.indicator = f.indicator "
                "AND m.year = f.year AND m.period = f.period)")
    n_fixes = 0
    with store.transaction() as cur:
        cur.register("_values", values)
        cur.execute(
            f"INSERT INTO measurement ({common}) SELECT f.indicator, f.year, f.period, f.period_end, f.value, "
            f"{analysis}, {evidence}, f.recorded_at, '{BENCH_USER}', NULL, NULL, false "
            "FROM _values f ORDER BY f.recorded_at, f.indicator, f.year, f.period")
        cur.unregister("_values")
        batches = []
        recorded = values["recorded_at"] + gap
        for k in range(1, int(rounds.max(initial=0)) + 1):
            fixes = values[rounds >= k].copy()
            fixed = fixes["value"].to_numpy() * rng.uniform(0.9, 1.1, size=len(fixes))
            fixes["value"] = np.where(fixes["whole"].to_numpy(), np.round(fixed), np.round(fixed, 1))
            fixes["recorded_at"] = recorded[rounds >= k]
            recorded = recorded + pd.to_timedelta(rng.integers(1, 4, size=n), unit="D")
            fixes = fixes[fixes["recorded_at"] < pd.Timestamp(today)]
            n_fixes += len(fixes)
            batches.append(("_fixes", fixes, "f.value", FIX_REASON, "false"))
        batches.append(("_voids", voids, "NULL", VOID_REASON, "true"))
        for name, frame, value, reason, void in batches:
            cur.register(name, frame)
            cur.execute(
                f"INSERT INTO measurement ({common}) SELECT f.indicator, f.year, f.period, f.period_end, "
                f"{value}, {analysis}, {evidence}, f.recorded_at, '{BENCH_USER}', {replaced}, "
                f"'{reason}', {void} FROM {name} f ORDER BY f.recorded_at, f.indicator, f.year, f.period")
            cur.unregister(name)
        asof.index_new(cur)
        cur.execute("INSERT OR REPLACE INTO setting VALUES ('demo', 'true')")
    return {"originales": n, "correcciones": n_fixes, "anulaciones": len(voids)}


def build(path: Path, today: date | None = None, n_processes: int = 40, n_indicators: int = 4000,
          first_year: int = FIRST_YEAR, seed: int = 20240301, fix_share: float = 0.02,
          void_share: float = 0.001) -> dict:
    """Crea la base grande en `path` (armada al lado y renombrada al terminar); devuelve los conteos."""
    today = today or date.today()
    last = last_closed_month(today)
    rng = np.random.default_rng(seed)
    partial = path.with_name(path.name + ".building")
    for leftover in (partial, partial.with_name(partial.name + ".wal")):
        leftover.unlink(missing_ok=True)
    with tempfile.TemporaryDirectory(prefix="semilla-grande-") as folder:
        ind_targets = write_seed(Path(folder), n_processes, n_indicators, first_year, last[0], rng)
        store = Store(partial)
        try:
            load_plan(store, Path(folder))
            values = measurements(ind_targets, first_year, last, today, rng)
            counts = insert_measurements(store, values, today, fix_share, void_share, rng)
            accounts.create_demo_accounts(store)  # as seed.build: demo accounts, anonymous reading
            counts["filas"] = int(store.scalar("SELECT count(*) FROM measurement"))
            counts["indicadores"] = int(store.scalar("SELECT count(*) FROM indicator"))
            counts["procesos"] = int(store.scalar("SELECT count(*) FROM process"))
            store.checkpoint()
        finally:
            store.close()
    path.unlink(missing_ok=True)
    path.with_name(path.name + ".wal").unlink(missing_ok=True)
    partial.replace(path)
    return counts


def add_database_arguments(parser: argparse.ArgumentParser, copied: bool = False, bases: bool = False) -> None:
    """`--grande` (the large database of a bench, built here if missing) and, with `bases`, `--bases`."""
    parser.add_argument("--grande", type=Path, default=DEFAULT_LARGE,
                        help=f"base grande; se genera con bench.large_plan si no existe ({DEFAULT_LARGE})"
                             + ("; se mide una copia" if copied else ""))
    if bases:
        parser.add_argument("--bases", type=lambda s: s.split(","), default=["demo", "grande"],
                            help="bases a medir, separadas por comas (demo,grande)")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m bench.large_plan",
        description="Genera una base de datos DuckDB grande (plan sintético y mediciones mensuales) "
                    "para medir el rendimiento del tablero.")
    parser.add_argument("--salida", type=Path, required=True, help="ruta del archivo .duckdb a crear")
    parser.add_argument("--procesos", type=int, default=40, help="número de procesos (16 reales + sintéticos; 40)")
    parser.add_argument("--indicadores", type=int, default=4000,
                        help="número de indicadores mensuales (4000, que da más de 500 000 filas)")
    parser.add_argument("--desde", type=int, default=FIRST_YEAR, help=f"primer año con valores ({FIRST_YEAR})")
    parser.add_argument("--hoy", type=date.fromisoformat, default=None,
                        help="fecha AAAA-MM-DD hasta la que hay valores registrados (hoy)")
    parser.add_argument("--semilla", type=int, default=20240301, help="semilla aleatoria fija (20240301)")
    parser.add_argument("--correcciones", type=float, default=0.02,
                        help="correcciones por valor, en promedio (0.02: uno de cada cincuenta; 120: historia larga)")
    parser.add_argument("--anulaciones", type=float, default=0.001, help="fracción de valores anulados (0.001)")
    parser.add_argument("--reemplazar", action="store_true", help="reemplazar el archivo si ya existe")
    args = parser.parse_args(argv)
    if args.salida.exists() and not args.reemplazar:
        parser.error(f"{args.salida} ya existe; use --reemplazar para crearlo de nuevo.")
    if not args.salida.parent.is_dir():
        parser.error(f"la carpeta {args.salida.parent} no existe.")
    began = time.perf_counter()
    counts = build(args.salida, args.hoy, args.procesos, args.indicadores, args.desde, args.semilla,
                   args.correcciones, args.anulaciones)
    took = time.perf_counter() - began
    n = {k: f"{v:,}".replace(",", ".") for k, v in counts.items()}
    print(f"{args.salida}: {n['filas']} filas de medición ({n['originales']} originales, "
          f"{n['correcciones']} correcciones, {n['anulaciones']} anulaciones), "
          f"{n['indicadores']} indicadores, {n['procesos']} procesos · {took:.1f} s")


if __name__ == "__main__":
    main()
