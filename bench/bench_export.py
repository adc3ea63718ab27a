"""Export benchmark: one PNG with the renderer cold and warm, one SVG warm, and the whole PDF report.

    .venv/bin/python bench/bench_export.py [--corte 2024-12-31] [--repeticiones 5]

Builds the demo database in a temporary folder (fixed day, so the figures are comparable), then
prints one line per measurement. "Cold" includes starting Chromium; run it in a fresh process.
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


def timed(fn):
    began = time.perf_counter()
    result = fn()
    return time.perf_counter() - began, result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corte", type=date.fromisoformat, default=date(2024, 12, 31))
    parser.add_argument("--repeticiones", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        store = seed.open_demo(Path(folder) / "demo.duckdb", today=date(2025, 6, 30))
        plan = plan_mod.load(store)
        snap = snapshot.compute(store, plan, args.corte)
        prov = export.provenance(store, args.corte)
        rows = snap.objectives[snap.objectives["kind"] != "general"].assign(label=lambda d: d["code"])
        fig = charts.frame(charts.score_bars(rows, "label", plan.settings.red_below, plan.settings.green_from),
                           "Puntaje por objetivo", args.corte, plan.entity["name"], plan.is_demo)
        assert not export.RENDERER.running
        cold, png = timed(lambda: export.png(fig, prov))
        warm = [timed(lambda: export.png(fig, prov))[0] for _ in range(args.repeticiones)]
        svg = [timed(lambda: export.svg(fig, prov))[0] for _ in range(args.repeticiones)]
        pdf_time, pdf = timed(lambda: report.build_pdf(store, plan, args.corte, "bench"))
        xlsx_time, _ = timed(lambda: export.workbook(store, plan, snap, prov))
        store.close()
    print(f"chromium: {export.chromium_path()} · corte {args.corte} · datos {prov.data_hash}")
    print(f"png_cold_s      {cold:.3f}   (incluye arrancar Chromium; {len(png) / 1024:.0f} KB)")
    print(f"png_warm_s      {statistics.median(warm):.3f}   (mediana de {len(warm)}; mín {min(warm):.3f})")
    print(f"svg_warm_s      {statistics.median(svg):.3f}   (mediana de {len(svg)})")
    print(f"pdf_report_s    {pdf_time:.3f}   ({len(pdf) / 1024:.0f} KB)")
    print(f"xlsx_s          {xlsx_time:.3f}")


if __name__ == "__main__":
    main()
