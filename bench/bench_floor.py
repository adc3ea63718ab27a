"""Compara el tiempo de script de cada página con su «página piso» (solo dibujo, datos constantes).

    nice -n 5 .venv/bin/python -m bench.bench_floor [--grande RUTA] [--sin-grande] [--repeticiones 15]
        [--paginas resumen,procesos] [--corte AAAA-MM-DD] [--json cifras.json]

La página piso tiene los mismos elementos, widgets y figuras de Plotly que la real, con sus datos ya
calculados: se graba una corrida real de la página (cada llamada de Streamlit con sus argumentos:
textos, tablas, figuras ya enmarcadas, claves de los widgets, contenedores y columnas) y la página
piso repite esas llamadas sin calcular nada (bench/floor_app.py), con el mismo menú (st.navigation)
y la misma barra lateral. Antes de medir se comprueba que el piso dibuja el mismo árbol de elementos
que la página real (si no, el banco se detiene). Así la razón real/piso mide cuánto del tiempo de la
página no es dibujo.

Por cada base (la de demostración, nueva en una carpeta temporal, y la grande, generada con
bench/large_plan.py si no existe) un proceso aparte calienta las cachés, graba la página y corre
AppTest en caliente, alternando real, piso, real, piso… (15 veces cada una por defecto) en el mismo
proceso, con una sola caché de bytecode de los scripts para todas las corridas, como el servidor
(AppTest compila de nuevo el tablero y la página en cada corrida). Imprime por página la mediana
real, la mediana del piso y la razón real/piso en cada base, y la razón de los mínimos (la corrida
menos perturbada por la carga de la máquina).
«pendientes» (Mis pendientes) se mide con la sesión del Personero. No es una prueba: no falla por
tiempo; las cifras dependen de la carga de la máquina (use `nice -n 5`).
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import threading
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

DASHBOARD = ROOT / "dashboard.py"
FLOOR_APP = ROOT / "bench" / "floor_app.py"
PAGES = ["resumen", "objetivos", "procesos", "indicador", "actividades", "reunion", "pendientes"]
DB_ENV = "PERSONERIA_DB"
PAGE_KEY = "_piso_pagina"

# What each page was recorded doing: page -> list of steps (see Recorder). Read by bench/floor_app.py,
# which AppTest runs in this same process; always through the imported module `bench.bench_floor`
# (under `python -m` this file is also `__main__`, with its own globals).
RECORDINGS: dict[str, list[tuple]] = {}


def recordings() -> dict[str, list[tuple]]:
    from bench import bench_floor
    return bench_floor.RECORDINGS


# -- Grabación de las llamadas de Streamlit ---------------------------------------------------------
class Recorder:
    """Records every outermost call a script makes to Streamlit's element API (st.x and container.x),
    and every `with container:`, as steps that floor_app replays on fresh containers."""

    def __init__(self):
        import streamlit as st
        from streamlit.delta_generator import DeltaGenerator
        self.st, self.cls = st, DeltaGenerator
        self.steps: list[tuple] = []
        self.nodes: dict[int, int] = {}
        self.keep: list = []           # the containers seen, so their id() stays theirs
        self.local = threading.local()
        self.saved_methods: dict[str, object] = {}
        self.saved_module: dict[str, object] = {}

    def node(self, dg) -> int:
        if id(dg) not in self.nodes:
            roots = {id(self.st._main): -1, id(self.st.sidebar): -2}
            if id(dg) not in roots:
                raise RuntimeError(f"contenedor sin grabar: {dg!r}")
            return roots[id(dg)]
        return self.nodes[id(dg)]

    def result(self, value):
        """Containers a call returns get a number; anything else is not needed by the replay."""
        if isinstance(value, self.cls):
            self.keep.append(value)
            self.nodes[id(value)] = len(self.nodes)
            return self.nodes[id(value)]
        if isinstance(value, (list, tuple)) and value and all(isinstance(v, self.cls) for v in value):
            return [self.result(v) for v in value]
        return None

    def wrap(self, name: str, original):
        recorder = self

        def recorded(dg, *args, **kwargs):
            depth = getattr(recorder.local, "depth", 0)
            recorder.local.depth = depth + 1
            try:
                value = original(dg, *args, **kwargs)
            finally:
                recorder.local.depth = depth
            if depth == 0:
                recorder.steps.append(("call", recorder.node(dg), name, args, kwargs, recorder.result(value)))
            return value
        return recorded

    def __enter__(self):
        cls, st = self.cls, self.st
        for name in dir(cls):
            if name.startswith("_") or name == "dg" or not callable(getattr(cls, name)):
                continue
            self.saved_methods[name] = cls.__dict__.get(name, getattr(cls, name))
            setattr(cls, name, self.wrap(name, getattr(cls, name)))
        enter, exit_ = cls.__enter__, cls.__exit__
        self.saved_methods["__enter__"], self.saved_methods["__exit__"] = enter, exit_
        recorder = self

        def entered(dg):
            if getattr(recorder.local, "depth", 0) == 0:
                recorder.steps.append(("enter", recorder.node(dg)))
            return enter(dg)

        def exited(dg, *exc):
            if getattr(recorder.local, "depth", 0) == 0:
                recorder.steps.append(("exit", recorder.node(dg)))
            return exit_(dg, *exc)
        cls.__enter__, cls.__exit__ = entered, exited
        navigation = st.navigation

        def navigated(*args, **kwargs):   # the menu, with the same pages (absolute paths once built)
            recorder.steps.append(("navigation", args, kwargs))
            return navigation(*args, **kwargs)
        self.saved_module["navigation"] = navigation
        st.navigation = navigated
        for name in dir(st):   # st.markdown & co. are methods bound to st._main when streamlit is imported
            bound = getattr(st, name)
            if getattr(bound, "__self__", None) is st._main and name in self.saved_methods:
                self.saved_module[name] = bound
                setattr(st, name, getattr(st._main, name))
        return self

    def __exit__(self, *exc):
        for name, original in self.saved_methods.items():
            setattr(self.cls, name, original)
        for name, original in self.saved_module.items():
            setattr(self.st, name, original)


def replay(steps: list[tuple]) -> None:
    """Draws what a page drew: the same calls, with the recorded arguments, on fresh containers."""
    import streamlit as st
    nodes = {-1: st._main, -2: st.sidebar}
    for step in steps:
        if step[0] == "enter":
            nodes[step[1]].__enter__()
        elif step[0] == "exit":
            nodes[step[1]].__exit__(None, None, None)
        elif step[0] == "navigation":
            st.navigation(*step[1], **step[2])
        else:
            _, target, name, args, kwargs, made = step
            if name == "page_link" and isinstance(args[0], str):   # relative to the real entry point
                args = (str(ROOT / args[0]),) + args[1:]
            value = getattr(nodes[target], name)(*args, **kwargs)
            if isinstance(made, int):
                nodes[made] = value
            elif isinstance(made, list):
                nodes.update(zip(made, value))


# -- AppTest ------------------------------------------------------------------------------------------
def _signed_in(at, page: str):
    if page == "pendientes":
        from metrics.accounts import User
        at.session_state["usuario"] = User("personero.demo", "Personero (demostración)", "personero", None)


def real_run(page: str, cut_off: date, timeout: float, record: bool = False):
    """A new session: the dashboard, then the page; seconds of the page's at.run() (and the AppTest
    when recording, to compare its elements with the floor's)."""
    from streamlit.testing.v1 import AppTest
    at = AppTest.from_file(str(DASHBOARD), default_timeout=timeout)
    at.session_state["fecha_corte"] = cut_off
    _signed_in(at, page)
    at.run()
    at.switch_page(f"app_pages/{page}.py")
    recorder = Recorder() if record else None
    began = time.perf_counter()
    if recorder:
        with recorder:
            at.run()
    else:
        at.run()
    took = time.perf_counter() - began
    if at.exception:
        raise RuntimeError(f"la página {page} falló: {[e.value for e in at.exception]}")
    if recorder:
        recordings()[page] = recorder.steps
        return took, at
    return took


def _shape(node, out: list[str], depth: int = 0) -> list[str]:
    """The element tree of an AppTest run as indented types, to check the floor draws the same."""
    out.append("  " * depth + str(getattr(node, "type", type(node).__name__)))
    children = getattr(node, "children", None)
    for child in (children.values() if isinstance(children, dict) else []):
        _shape(child, out, depth + 1)
    return out


def floor_run(page: str, cut_off: date, timeout: float, real_tree=None) -> float:
    """A new session of the floor page: one run, then the measured second run, like real_run."""
    from streamlit.testing.v1 import AppTest
    at = AppTest.from_file(str(FLOOR_APP), default_timeout=timeout)
    at.session_state[PAGE_KEY] = page
    at.session_state["fecha_corte"] = cut_off
    at.run()
    began = time.perf_counter()
    at.run()
    took = time.perf_counter() - began
    if at.exception:
        raise RuntimeError(f"la página piso de {page} falló: {[e.value for e in at.exception]}")
    if real_tree is not None and _shape(at._tree, []) != _shape(real_tree, []):
        raise RuntimeError(f"la página piso de {page} no dibuja los mismos elementos que la real")
    return took


def share_script_cache() -> None:
    """One bytecode cache for every AppTest run of this process, as the server has one for all its
    sessions. AppTest makes a new ScriptCache on every run, so it would compile dashboard.py and the
    page (Streamlit's magic rewrites the AST) on each measured run; a server compiles them once."""
    from streamlit.runtime.scriptrunner.script_cache import ScriptCache
    from streamlit.testing.v1 import app_test, local_script_runner
    shared = ScriptCache()
    app_test.ScriptCache = local_script_runner.ScriptCache = lambda: shared


def worker(db: Path, pages: list[str], runs: int, cut_off: date, timeout: float) -> dict:
    os.environ[DB_ENV] = str(db)
    share_script_cache()
    out = {}
    for page in pages:
        real_run(page, cut_off, timeout)                 # warms the caches of this page
        _, recorded = real_run(page, cut_off, timeout, record=True)    # records what it draws
        floor_run(page, cut_off, timeout, recorded._tree)   # warms the floor page; same elements
        real, floor = [], []
        for _ in range(runs):                            # interleaved, so load hits both alike
            real.append(real_run(page, cut_off, timeout) * 1000)
            floor.append(floor_run(page, cut_off, timeout) * 1000)
        n_calls = sum(1 for s in recordings()[page] if s[0] == "call")
        out[page] = {"real_ms": real, "piso_ms": floor, "llamadas": n_calls,
                     "real_mediana_ms": statistics.median(real), "piso_mediana_ms": statistics.median(floor),
                     "razon_minimos": min(real) / min(floor)}
    return out


def table(results: dict, pages: list[str]) -> str:
    rows = [("página", "demo real ms", "demo piso ms", "demo razón", "(mín.)", "grande real ms", "grande piso ms",
             "grande razón", "(mín.)")]
    for page in pages:
        cells = [page]
        for name in ("demo", "grande"):
            r = results.get(name, {}).get(page)
            if r is None:
                cells += ["—", "—", "—", "—"]
                continue
            real, floor = r["real_mediana_ms"], r["piso_mediana_ms"]
            cells += [f"{real:.0f}", f"{floor:.0f}", f"{real / floor:.2f}", f"{r['razon_minimos']:.2f}"]
        rows.append(tuple(cells))
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    lines = [" | ".join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(r, widths)))
             for r in rows]
    lines.insert(1, "-+-".join("-" * w for w in widths))
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    from bench import bench_pages, large_plan  # import the engine: not in the floor page's process
    parser = argparse.ArgumentParser(prog="python -m bench.bench_floor",
                                     description="Razón entre el tiempo de script de cada página y el de su "
                                                 "página piso (los mismos elementos con datos constantes).")
    large_plan.add_database_arguments(parser)
    parser.add_argument("--sin-grande", action="store_true", help="medir solo la base de demostración")
    parser.add_argument("--repeticiones", type=int, default=15, help="corridas de cada una, alternadas (15)")
    parser.add_argument("--corte", type=date.fromisoformat, default=date.today(),
                        help="fecha de corte AAAA-MM-DD (hoy)")
    parser.add_argument("--paginas", type=lambda s: s.split(","), default=PAGES,
                        help="páginas separadas por comas (" + ",".join(PAGES) + ")")
    parser.add_argument("--json", type=Path, help="además, escribir las cifras en este archivo JSON")
    parser.add_argument("--_trabajador", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--_resultado", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    timeout = 900.0

    if args._trabajador:
        args._resultado.write_text(json.dumps(worker(args._trabajador, args.paginas, args.repeticiones,
                                                     args.corte, timeout)))
        return

    if not args.sin_grande and not args.grande.exists():
        print(f"Generando la base grande en {args.grande} …", flush=True)
        large_plan.build(args.grande)

    from metrics import seed
    results = {}
    with tempfile.TemporaryDirectory(prefix="bench-piso-") as folder:
        demo = Path(folder) / "demo.duckdb"
        seed.open_demo(demo).close()
        dbs = {"demo": demo} if args.sin_grande else {"demo": demo, "grande": args.grande}
        for name, db in dbs.items():
            print(f"AppTest en {name} …", flush=True)
            results[name] = bench_pages.run_worker(db, args, "bench.bench_floor")
    print()
    print(f"Fecha de corte {args.corte} · mediana de {args.repeticiones} corridas calientes alternadas "
          f"(real, piso, real, piso…) de at.run()")
    print(table(results, args.paginas))
    if args.json:
        args.json.write_text(json.dumps({"corte": args.corte.isoformat(), "resultados": results}, indent=2))
        print(f"\nCifras en {args.json}")


if __name__ == "__main__":
    main()
