"""Mide el tiempo de las páginas del tablero en la base de demostración y en una base grande.

    .venv/bin/python -m bench.bench_pages [--grande RUTA] [--repeticiones 10] [--json cifras.json]

1. Tiempo de script con AppTest, en caliente: por cada base, un proceso aparte abre el tablero,
   corre una vez cada página para calentar las cachés del proceso (st.cache_data/cache_resource)
   y luego crea un AppTest nuevo por corrida (el proceso se conserva, como el servidor) y mide solo
   `at.run()` de la página, después de `switch_page`. Se informa la mediana de las corridas.
2. Arranque en frío: desde lanzar `streamlit run dashboard.py` hasta que Chromium (sin interfaz)
   muestra la primera página completa (conectada, script terminado, sin esqueletos, gráficos
   dibujados).

La base de demostración se construye nueva en una carpeta temporal; la grande se genera con
bench/large_plan.py si no existe. Con `--perfil PAGINA` perfila una corrida caliente de esa página
en la base grande (cProfile) y muestra las funciones con más tiempo acumulado.
"""
from __future__ import annotations

import argparse
import cProfile
import io
import json
import os
import pstats
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

DASHBOARD = ROOT / "dashboard.py"
PAGES = ["resumen", "objetivos", "procesos", "indicador", "actividades"]
DB_ENV = "PERSONERIA_DB"


# -- AppTest (corre en un proceso aparte por base) ------------------------------------------------
def _page_run(page: str, cut_off: date, timeout: float):
    """Un AppTest nuevo: el tablero, luego la página; devuelve (segundos de at.run() de la página, at)."""
    from streamlit.testing.v1 import AppTest
    at = AppTest.from_file(str(DASHBOARD), default_timeout=timeout)
    at.session_state["fecha_corte"] = cut_off
    at.run()
    at.switch_page(f"app_pages/{page}.py")
    began = time.perf_counter()
    at.run()
    took = time.perf_counter() - began
    if at.exception:
        raise RuntimeError(f"la página {page} falló: {[e.value for e in at.exception]}")
    return took, at


def worker(db: Path, pages: list[str], runs: int, cut_off: date, timeout: float) -> dict:
    os.environ[DB_ENV] = str(db)
    began = time.perf_counter()
    _page_run(pages[0], cut_off, timeout)  # abre la base y carga el plan: no se cuenta por página
    first = time.perf_counter() - began
    result = {"db": str(db), "primera_apertura_s": first, "paginas": {}}
    for page in pages:
        warm_s, _ = _page_run(page, cut_off, timeout)  # calienta las cachés de esta página
        times = [_page_run(page, cut_off, timeout)[0] * 1000 for _ in range(runs)]
        result["paginas"][page] = {"calentamiento_ms": warm_s * 1000, "corridas_ms": times,
                                   "mediana_ms": statistics.median(times), "min_ms": min(times),
                                   "max_ms": max(times)}
    return result


def profile(db: Path, page: str, cut_off: date, timeout: float, top: int) -> str:
    """cProfile de una corrida caliente de `page`, dentro del hilo del script de AppTest."""
    from streamlit.testing.v1.local_script_runner import LocalScriptRunner
    os.environ[DB_ENV] = str(db)
    _page_run(page, cut_off, timeout)
    _page_run(page, cut_off, timeout)
    profiler = cProfile.Profile()
    original = LocalScriptRunner._run_script_thread
    state = {"on": False}

    def traced(self):
        if not state["on"]:
            return original(self)
        profiler.enable()
        try:
            return original(self)
        finally:
            profiler.disable()

    from streamlit.testing.v1 import AppTest
    at = AppTest.from_file(str(DASHBOARD), default_timeout=timeout)
    at.session_state["fecha_corte"] = cut_off
    at.run()
    at.switch_page(f"app_pages/{page}.py")
    LocalScriptRunner._run_script_thread = traced
    state["on"] = True
    try:
        began = time.perf_counter()
        at.run()
        took = time.perf_counter() - began
    finally:
        LocalScriptRunner._run_script_thread = original
    out = io.StringIO()
    out.write(f"Perfil de una corrida caliente de '{page}' en {db} ({took * 1000:.0f} ms con el perfilador)\n")
    stats = pstats.Stats(profiler, stream=out)
    stats.sort_stats("cumulative").print_stats(top)
    out.write("\nSolo código del proyecto (app_pages/, metrics/, ui/):\n")
    stats.print_stats(r"/(app_pages|metrics|ui)/", top)
    return out.getvalue()


def run_worker(db: Path, args, module: str = "bench.bench_pages") -> dict:
    """Corre el `worker` de `module` en un proceso nuevo (cachés limpias, una base por proceso) y lee su
    JSON; el módulo acepta --_trabajador, --_resultado, --repeticiones, --corte y --paginas."""
    with tempfile.NamedTemporaryFile(suffix=".json", delete=False) as fh:
        out = Path(fh.name)
    try:
        cmd = [sys.executable, "-m", module, "--_trabajador", str(db), "--_resultado", str(out),
               "--repeticiones", str(args.repeticiones), "--corte", args.corte.isoformat(),
               "--paginas", ",".join(args.paginas)]
        done = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True)
        if done.returncode != 0:
            raise SystemExit(f"El proceso de medición falló con {db}:\n{done.stdout[-4000:]}\n{done.stderr[-4000:]}")
        return json.loads(out.read_text())
    finally:
        out.unlink(missing_ok=True)


# -- Arranque del servidor hasta la primera página en Chromium -----------------------------------
def server_start(browser, db: Path, limit: float = 900) -> dict:
    """Segundos desde lanzar el servidor hasta que la primera página (Resumen) está dibujada."""
    from playwright.sync_api import expect

    from tests.browser.helpers import AppServer  # the browser tests' server: same command, same cleanup
    with tempfile.TemporaryDirectory() as tmp:
        context = browser.new_context(viewport={"width": 1400, "height": 1000})  # caché HTTP vacía
        page = context.new_page()
        began = time.perf_counter()
        server = AppServer(db, Path(tmp) / "streamlit.log").start()
        try:
            healthy = time.perf_counter()
            page.goto(server.url + "/", timeout=limit * 1000)
            page.wait_for_selector("[data-testid=stApp][data-test-connection-state=CONNECTED]",
                                   timeout=limit * 1000)
            page.wait_for_selector("[data-testid=stApp][data-test-script-state=notRunning]",
                                   timeout=limit * 1000)
            expect(page.get_by_test_id("stSkeleton")).to_have_count(0, timeout=limit * 1000)
            page.wait_for_function(
                "() => { const c = [...document.querySelectorAll('[data-testid=stPlotlyChart]')];"
                " return c.length > 0 && c.every(e => e.querySelector('.main-svg')); }",
                timeout=limit * 1000)
            drawn = time.perf_counter()
            title = page.locator("h1").first.inner_text()
            errors = page.get_by_test_id("stException").count()
        finally:
            context.close()
            server.stop()
    return {"arranque_a_pagina_s": drawn - began, "servidor_listo_s": healthy - began,
            "pagina_s": drawn - healthy, "titulo": title, "excepciones": errors}


def browser_starts(dbs: dict[str, Path], starts: int) -> dict:
    from playwright.sync_api import sync_playwright

    from tests.browser.helpers import CHROMIUM, CHROMIUM_ARGS
    results = {name: [] for name in dbs}
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        try:
            for _ in range(starts):  # alternadas, para que el ruido de la máquina toque a ambas
                for name, db in dbs.items():
                    results[name].append(server_start(browser, db))
        finally:
            browser.close()
    return {name: {"corridas": runs,
                   "mediana_s": statistics.median(r["arranque_a_pagina_s"] for r in runs),
                   "mediana_servidor_s": statistics.median(r["servidor_listo_s"] for r in runs),
                   "mediana_pagina_s": statistics.median(r["pagina_s"] for r in runs)}
            for name, runs in results.items()}


# -- Informe ----------------------------------------------------------------------------------------
def table(results: dict, pages: list[str]) -> str:
    rows = [("página", "demo ms", "grande ms", "razón")]
    for page in pages:
        d = results["demo"]["paginas"][page]["mediana_ms"]
        g = results["grande"]["paginas"][page]["mediana_ms"]
        rows.append((page, f"{d:.0f}", f"{g:.0f}", f"{g / d:.2f}"))
    widths = [max(len(r[i]) for r in rows) for i in range(4)]
    lines = [" | ".join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(r, widths)))
             for r in rows]
    lines.insert(1, "-+-".join("-" * w for w in widths))
    return "\n".join(lines)


def db_facts(db: Path) -> str:
    import duckdb
    con = duckdb.connect(str(db), read_only=True)
    try:
        n_m, n_i, n_p = con.execute(
            "SELECT (SELECT count(*) FROM measurement), (SELECT count(*) FROM indicator), "
            "(SELECT count(*) FROM process)").fetchone()
    finally:
        con.close()
    return f"{n_m} filas de medición, {n_i} indicadores, {n_p} procesos"


def main(argv: list[str] | None = None) -> None:
    from bench import large_plan  # imports the engine: not in the floor page's process
    parser = argparse.ArgumentParser(prog="python -m bench.bench_pages",
                                     description="Mide las páginas del tablero en la base de demostración "
                                                 "y en una base grande (AppTest en caliente y arranque en Chromium).")
    large_plan.add_database_arguments(parser)
    parser.add_argument("--repeticiones", type=int, default=10, help="corridas medidas por página (10)")
    parser.add_argument("--corte", type=date.fromisoformat, default=date.today(),
                        help="fecha de corte AAAA-MM-DD de las páginas (hoy)")
    parser.add_argument("--paginas", type=lambda s: s.split(","), default=PAGES,
                        help="páginas separadas por comas (" + ",".join(PAGES) + ")")
    parser.add_argument("--arranques", type=int, default=1,
                        help="arranques del servidor por base para la medición en Chromium (1; 0 la omite)")
    parser.add_argument("--json", type=Path, help="además, escribir todas las cifras en este archivo JSON")
    parser.add_argument("--perfil", metavar="PAGINA",
                        help="solo perfilar una corrida caliente de esta página en la base grande")
    parser.add_argument("--top", type=int, default=20, help="funciones a mostrar con --perfil (20)")
    parser.add_argument("--_trabajador", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--_resultado", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    timeout = 900.0  # la primera corrida de una página en la base grande calcula instantáneas en frío

    if args._trabajador:
        result = worker(args._trabajador, args.paginas, args.repeticiones, args.corte, timeout)
        args._resultado.write_text(json.dumps(result))
        return

    if not args.grande.exists():
        print(f"Generando la base grande en {args.grande} …", flush=True)
        began = time.perf_counter()
        counts = large_plan.build(args.grande)
        print(f"  {counts['filas']} filas en {time.perf_counter() - began:.1f} s", flush=True)

    if args.perfil:
        print(profile(args.grande, args.perfil, args.corte, timeout, args.top))
        return

    from metrics import seed
    with tempfile.TemporaryDirectory(prefix="bench-demo-") as folder:
        demo = Path(folder) / "demo.duckdb"
        seed.open_demo(demo).close()
        dbs = {"demo": demo, "grande": args.grande}
        facts = {name: db_facts(db) for name, db in dbs.items()}
        results = {}
        for name, db in dbs.items():
            print(f"AppTest en {name} ({facts[name]}) …", flush=True)
            results[name] = run_worker(db, args)
        starts = browser_starts(dbs, args.arranques) if args.arranques > 0 else {}

    print()
    print(f"Fecha de corte {args.corte} · mediana de {args.repeticiones} corridas calientes de at.run() por página")
    print(table(results, args.paginas))
    print()
    for name in dbs:
        print(f"Primera apertura ({name}: base, plan y primera página, en frío): "
              f"{results[name]['primera_apertura_s'] * 1000:.0f} ms")
    if starts:
        print()
        print(f"Arranque del servidor hasta la primera página dibujada en Chromium (mediana de {args.arranques}):")
        for name, s in starts.items():
            print(f"  {name:6}  {s['mediana_s']:.2f} s  (servidor listo {s['mediana_servidor_s']:.2f} s + "
                  f"página {s['mediana_pagina_s']:.2f} s)")
    if args.json:
        args.json.write_text(json.dumps({
            "fecha": date.today().isoformat(), "corte": args.corte.isoformat(), "bases": facts,
            "apptest": results, "arranque": starts,
        }, indent=2, ensure_ascii=False, default=str))
        print(f"\nCifras en {args.json}")


if __name__ == "__main__":
    main()
