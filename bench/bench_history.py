"""Largo de la historia: ¿cuesta más una fecha de corte cuando hay cien versiones por periodo?

    nice -n 5 .venv/bin/python -m bench.bench_history --corto /tmp/asof-corto.duckdb --largo /tmp/asof-largo.duckdb

Arma (si no existen) dos bases con el mismo plan (125 indicadores mensuales desde 2016, la misma
semilla): la corta con unas 16.593 filas de medición (un valor por periodo y pocas correcciones) y
la larga con unas 1.990.357 (unas 120 correcciones por valor). Luego, en un solo proceso y alternando
las dos bases, mide con el plan cargado una vez por base:

  * instantánea: `metrics.snapshot.compute` a fechas de corte nunca calculadas antes en el proceso
    (una fecha distinta por corrida, repartidas entre 2019 y hoy);
  * hash de datos: `metrics.export.data_hash` a esas mismas fechas;
  * antes/ahora del valor vigente: la ventana sobre todas las versiones que usaba el motor antes
    del almacén por fecha de corte (`row_number() OVER (PARTITION BY periodo ORDER BY id DESC)`
    sobre `measurement`) frente a la lectura por intervalos de hoy (`values.in_force_sql`).

Imprime la mediana de cada medida (al menos 10 corridas) en las dos bases y la razón larga/corta
(meta de la issue 13: a lo sumo 2× para la instantánea y el hash). Las medidas dependen de la carga
de la máquina: compare razones de una misma corrida, no cifras de días distintos.
"""
from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import large_plan  # noqa: E402
from metrics import export, snapshot, values  # noqa: E402
from metrics import plan as plan_mod  # noqa: E402
from metrics.store import Store  # noqa: E402

INDICATORS = 125
SHORT_FIXES = 0.02     # una corrección por cada cincuenta valores: ≈ 16.593 filas
LONG_FIXES = 126.2     # unas 126 correcciones por valor: ≈ 1.990.357 filas
OLD_WINDOW = """SELECT * FROM measurement WHERE recorded_at < ? AND period_end <= ?
                QUALIFY row_number() OVER (PARTITION BY indicator, year, period ORDER BY id DESC) = 1"""


def ensure(path: Path, fixes: float, today: date) -> None:
    if not path.exists():
        began = time.perf_counter()
        counts = large_plan.build(path, today, n_indicators=INDICATORS, fix_share=fixes)
        print(f"{path}: {counts['filas']:,} filas construidas en {time.perf_counter() - began:.0f} s".replace(",", "."))


def cut_offs(today: date, runs: int, offset: int) -> list[date]:
    """`runs` fechas distintas entre 2019 y hoy; `offset` las corre un día para cada medida, así
    ninguna medida repite una fecha que otra ya pidió."""
    first = date(2019, 1, 15)
    step = (today - first).days // runs
    return [first + timedelta(days=k * step + offset) for k in range(runs)]


def ms(fn: Callable[[], object]) -> float:
    began = time.perf_counter()
    fn()
    return (time.perf_counter() - began) * 1000


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.bench_history",
                                     description="Costo de una fecha de corte nueva y del hash de datos según "
                                                 "el largo de la historia (mismo plan, 16 mil y 2 millones de filas).")
    parser.add_argument("--corto", type=Path, default=Path("/tmp/asof-corto.duckdb"), help="base corta")
    parser.add_argument("--largo", type=Path, default=Path("/tmp/asof-largo.duckdb"), help="base larga")
    parser.add_argument("--corridas", type=int, default=12, help="corridas por medida (12; al menos 10)")
    parser.add_argument("--hoy", type=date.fromisoformat, default=date(2026, 11, 26),
                        help="fecha AAAA-MM-DD de las bases (2026-11-26)")
    args = parser.parse_args(argv)
    if args.corridas < 10:
        parser.error("use al menos 10 corridas.")
    ensure(args.corto, SHORT_FIXES, args.hoy)
    ensure(args.largo, LONG_FIXES, args.hoy)
    stores = {"corta": Store(args.corto), "larga": Store(args.largo)}
    plans = {name: plan_mod.load(store, args.hoy) for name, store in stores.items()}
    rows = {name: int(store.scalar("SELECT count(*) FROM measurement")) for name, store in stores.items()}
    measures = {
        "instantánea de un corte nuevo": lambda name, d: snapshot.compute(stores[name], plans[name], d),
        "hash de datos": lambda name, d: export.data_hash(stores[name], d),
        "valor vigente, antes (ventana)": lambda name, d: stores[name].query(OLD_WINDOW, [d + timedelta(days=1), d]),
        "valor vigente, ahora (intervalos)": lambda name, d: stores[name].query(
            values.in_force_sql(), values.in_force_params(d)),
    }
    for name in stores:   # one warm-up per base: imports, the first query plans
        snapshot.compute(stores[name], plans[name], args.hoy)
    found = {m: {name: [] for name in stores} for m in measures}
    for offset, (measure, fn) in enumerate(measures.items(), start=1):
        for d in cut_offs(args.hoy, args.corridas, offset):
            for name in stores:   # side by side: the same date on both bases, one after the other
                found[measure][name].append(ms(lambda: fn(name, d)))
    n = {name: f"{count:,}".replace(",", ".") for name, count in rows.items()}
    print(f"Filas de medición: corta {n['corta']}, larga {n['larga']} (mismo plan, {INDICATORS} indicadores); "
          f"medianas de {args.corridas} corridas")
    print(f"{'medida':<36}{'corta (ms)':>12}{'larga (ms)':>12}{'larga/corta':>13}")
    for measure, by_base in found.items():
        short, long_ = (statistics.median(by_base[n]) for n in ("corta", "larga"))
        print(f"{measure:<36}{short:>12.1f}{long_:>12.1f}{long_ / short:>12.2f}×")
    for store in stores.values():
        store.close()


if __name__ == "__main__":
    main()
