"""Medición de las exportaciones: un gráfico PNG y SVG suelto, y el informe PDF en el plan de demostración
y en el plan grande (4.000 indicadores), con su razón (meta: el grande, a lo sumo 2 veces el de demostración).

    nice -n 5 .venv/bin/python bench/bench_export.py [--corte 2024-12-31] [--repeticiones 3]
        [--grande /tmp/<rama>-grande.duckdb]

Crea la base de demostración en una carpeta temporal (día fijo, para que las cifras se puedan comparar);
usa la base grande de --grande si existe, si no la genera con bench.large_plan (unos 15 s). Arranca
Chromium una vez y mide, en el mismo proceso:

- png_cold_s: el primer PNG (incluye arrancar Chromium); png_warm_s y svg_warm_s: medianas con Chromium
  ya abierto.
- pdf_demo_s y pdf_grande_s: mediana del informe completo (`report.build_pdf`, como la línea de comandos),
  corridas alternadas demo/grande para que la carga de la máquina pese igual en ambas; pdf_razon es
  grande ÷ demo.
- motor_*_s: la parte que no es del informe (las dos instantáneas, del corte y de la comparación, y el hash
  de los datos) medida aparte, y informe_sin_motor_razon, la razón de lo que queda (gráficos y páginas).
- xlsx_s: el libro de Excel de demostración.

Imprime medianas y razones; no afirma tiempos (la máquina es compartida).
"""
from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from metrics import charts, export, plan as plan_mod, report, seed, snapshot  # noqa: E402
from metrics.periods import comparison_date  # noqa: E402


def timed(fn):
    began = time.perf_counter()
    result = fn()
    return time.perf_counter() - began, result


def engine(store, plan, as_of: date) -> None:
    """What build_pdf computes before drawing anything: both snapshots and the data hash."""
    snapshot.compute(store, plan, as_of)
    snapshot.compute(store, plan, comparison_date(as_of))
    export.provenance(store, as_of)


def median(xs: list[float]) -> str:
    return f"{statistics.median(xs):.3f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corte", type=date.fromisoformat, default=date(2024, 12, 31))
    parser.add_argument("--repeticiones", type=int, default=3)
    parser.add_argument("--grande", type=Path, default=None, help="base grande ya generada (bench.large_plan)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        demo = seed.open_demo(Path(folder) / "demo.duckdb", today=date(2025, 6, 30))
        if args.grande is None or not args.grande.exists():
            from bench import large_plan
            args.grande = args.grande or Path(folder) / "grande.duckdb"
            large_plan.build(args.grande)
        large = seed.open_store(args.grande)
        plans = {"demo": (demo, plan_mod.load(demo, args.corte)), "grande": (large, plan_mod.load(large, args.corte))}
        store, plan = plans["demo"]
        snap = snapshot.compute(store, plan, args.corte)
        prov = export.provenance(store, args.corte)
        rows = snap.objectives[snap.objectives["kind"] != "general"].assign(label=lambda d: d["code"])
        fig = charts.frame(charts.score_bars(rows, "label", plan.settings.red_below, plan.settings.green_from),
                           "Puntaje por objetivo", args.corte, plan.entity["name"], plan.is_demo)
        assert not export.RENDERER.running
        cold, png = timed(lambda: export.png(fig, prov))
        warm = [timed(lambda: export.png(fig, prov))[0] for _ in range(max(5, args.repeticiones))]
        svg = [timed(lambda: export.svg(fig, prov))[0] for _ in range(max(5, args.repeticiones))]
        pdf = {name: [] for name in plans}
        motor = {name: [] for name in plans}
        size = {}
        for _ in range(args.repeticiones):
            for name, (store, plan) in plans.items():
                took, data = timed(lambda: report.build_pdf(store, plan, args.corte, "bench"))
                pdf[name].append(took)
                size[name] = len(data)
                motor[name].append(timed(lambda: engine(store, plan, args.corte))[0])
        xlsx_time, _ = timed(lambda: export.workbook(demo, plans["demo"][1], snap, prov))
        demo.close()
        large.close()
    ratio = statistics.median(pdf["grande"]) / statistics.median(pdf["demo"])
    rest = {name: statistics.median(pdf[name]) - statistics.median(motor[name]) for name in plans}
    print(f"chromium: {export.chromium_path()} · corte {args.corte} · datos {prov.data_hash} · "
          f"{export.RENDER_TABS} pestañas")
    print(f"png_cold_s      {cold:.3f}   (incluye arrancar Chromium; {len(png) / 1024:.0f} KB)")
    print(f"png_warm_s      {median(warm)}   (mediana de {len(warm)}; mín {min(warm):.3f})")
    print(f"svg_warm_s      {median(svg)}   (mediana de {len(svg)})")
    for name in plans:
        print(f"pdf_{name + '_s':11s} {median(pdf[name])}   (mediana de {len(pdf[name])}; "
              f"{size[name] / 1024:.0f} KB; motor {median(motor[name])} s)")
    print(f"pdf_razon       {ratio:.2f}    (grande ÷ demo; meta ≤ 2)")
    print(f"informe_sin_motor_razon {rest['grande'] / rest['demo']:.2f}    "
          f"({rest['grande']:.3f} ÷ {rest['demo']:.3f} s: gráficos y páginas, sin instantáneas ni hash)")
    print(f"xlsx_s          {xlsx_time:.3f}")


if __name__ == "__main__":
    main()
