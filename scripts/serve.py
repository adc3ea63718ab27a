"""Arranca el tablero listo antes del primer visitante: `streamlit run dashboard.py`, con los mismos
argumentos, pero solo después de precalentar.

    .venv/bin/python scripts/serve.py --server.headless true [--server.port 8600 ...]

En este mismo proceso, antes de que Streamlit abra el puerto: importa los módulos del tablero
(metrics/, ui/, Plotly) y, a la vez, abre la base de datos (PERSONERIA_DB o la demostración) y
calcula el plan, las cifras de hoy y las del último cierre de trimestre (la comparación del comité)
en la caché compartida (metrics/snapshot_cache.py); después dibuja una vez, sin navegador, la primera
página (Resumen), como lo hará su primer visitante, para que sus gráficos y tablas ya estén hechos y
las bibliotecas cargadas. Luego arranca Streamlit en el mismo proceso, con
la misma caché; Streamlit escribe la dirección del tablero solo cuando el servidor ya responde, y
para entonces todo eso está listo. La historia de puntajes (página Objetivos) se calcula enseguida en
segundo plano. Lo usan scripts/start.sh y deploy/systemd/tablero.service.
"""
from __future__ import annotations

import ctypes
import importlib
import logging
import pkgutil
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DASHBOARD = ROOT / "dashboard.py"
sys.path.insert(0, str(ROOT))
log = logging.getLogger("tablero.serve")


def import_app() -> None:
    """Every module of metrics/ and ui/ and the charting library, as the first page would."""
    import metrics
    import ui
    # ui's st.cache_data functions are declared before Streamlit's runtime exists: it logs a warning in
    # English that means nothing here (each cache is created in the runtime on its first call)
    caching_log = importlib.import_module("streamlit.runtime.caching.cache_data_api")._LOGGER
    level = caching_log.level
    caching_log.setLevel(logging.ERROR)
    try:
        for package in (metrics, ui):
            for module in pkgutil.iter_modules(package.__path__):
                importlib.import_module(f"{package.__name__}.{module.name}")
    finally:
        caching_log.setLevel(level)
    importlib.import_module("plotly.graph_objects")


def warm_up() -> None:
    """Open the store and fill the shared cache with what the first page shows: the plan and the
    snapshots of today and of the last quarter end. The score history follows in the background, as
    after every write. A database that cannot be opened is left to the pages, which explain it in
    Spanish."""
    from metrics import snapshot_cache
    from metrics.store import StoreError, default_db_path
    try:
        store = snapshot_cache.open_store(default_db_path())
        snapshot_cache.CACHE.warm(store, history=False)
    except StoreError:
        return
    except Exception:  # the first visitor computes it and, if it fails again, sees the page's message
        log.exception("No se pudieron precalcular las cifras de hoy")
        return
    snapshot_cache.warmer(store).request()


def visit_first_page() -> None:
    """Draw the first page once, headless, as its first visitor will (Streamlit's AppTest runs the
    dashboard in this process): what a first run costs beyond today's figures (the charting library's
    templates and validators, Streamlit's own lazy imports, the page's charts and tables built from
    today's snapshot and kept with it, ui/views.py) is paid before the address is given. If it fails,
    the first visitor pays that cost instead; the failure is logged."""
    try:
        from streamlit.testing.v1 import AppTest
        AppTest.from_file(str(DASHBOARD), default_timeout=300).run()
    except Exception:
        log.exception("No se pudo dibujar de antemano la primera página")


M_ARENA_MAX = -8   # glibc's mallopt parameter for the number of malloc arenas
MALLOC_ARENAS = 2


def limit_malloc_arenas() -> None:
    """glibc gives each thread that allocates its own malloc arena (up to eight per core) and keeps
    what is freed there: with a script thread per session and DuckDB's workers, the server's memory
    grew with the number of sessions. A couple of arenas keep it bounded. Nothing happens off glibc."""
    try:
        ctypes.CDLL("libc.so.6").mallopt(M_ARENA_MAX, MALLOC_ARENAS)
    except (OSError, AttributeError):
        pass


def main(argv: list[str]) -> None:
    limit_malloc_arenas()   # before any thread allocates
    began = time.perf_counter()
    importlib.import_module("metrics.seed")            # what the warm-up needs, imported before it
    importlib.import_module("metrics.snapshot_cache")  # starts: two threads never import one module
    warming = threading.Thread(target=warm_up, name="precalentar")
    warming.start()   # DuckDB works while the modules import
    import_app()
    warming.join()
    visit_first_page()
    print(f"Tablero precalentado en {time.perf_counter() - began:.1f} s; arrancando el servidor…", flush=True)
    from streamlit.web import cli
    cli.main(args=["run", str(DASHBOARD), *argv], prog_name="streamlit")


if __name__ == "__main__":
    main(sys.argv[1:])
