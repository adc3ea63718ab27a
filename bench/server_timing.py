"""Lanza el tablero (scripts/serve.py o `streamlit run dashboard.py`) anotando cuánto dura en el
servidor cada corrida del script: lo usan bench/browser.py (`Server(tiempos=...)`) y
bench_concurrency.py, para separar el tiempo del servidor del que pone el navegador (con veinte
sesiones en un solo Chromium de la misma máquina de 2 núcleos, el navegador domina el total).

    BENCH_TIEMPOS=/tmp/tiempos.txt .venv/bin/python -m bench.server_timing serve --server.port 8600 ...
    BENCH_TIEMPOS=/tmp/tiempos.txt .venv/bin/python -m bench.server_timing streamlit --server.port 8600 ...

Cada línea del archivo: inicio de la corrida (segundos epoch) y su duración en ms. No es una prueba y
no cambia el tablero: envuelve `ScriptRunner._run_script` solo en este proceso.
"""
from __future__ import annotations

import os
import runpy
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ENV = "BENCH_TIEMPOS"


def record_runs(path: str) -> None:
    from streamlit.runtime.scriptrunner import script_runner
    original = script_runner.ScriptRunner._run_script
    lock = threading.Lock()

    def timed(self, rerun_data):
        began_epoch, began = time.time(), time.perf_counter()
        try:
            return original(self, rerun_data)
        finally:
            took = (time.perf_counter() - began) * 1000
            with lock, open(path, "a", encoding="utf-8") as out:
                out.write(f"{began_epoch:.3f} {took:.1f}\n")
    script_runner.ScriptRunner._run_script = timed


def main(argv: list[str]) -> None:
    launcher, rest = argv[0], argv[1:]
    record_runs(os.environ[ENV])
    sys.path.insert(0, str(ROOT))
    if launcher == "serve":
        sys.argv = [str(ROOT / "scripts" / "serve.py"), *rest]
        runpy.run_path(sys.argv[0], run_name="__main__")
    else:
        from streamlit.web import cli
        cli.main(args=["run", str(ROOT / "dashboard.py"), *rest], prog_name="streamlit")


def runs_between(path: Path, start: float, end: float) -> list[float]:
    """Las duraciones (ms) de las corridas que empezaron entre `start` y `end` (epoch)."""
    if not path.exists():
        return []
    out = []
    for line in path.read_text(encoding="utf-8").splitlines():
        began, took = line.split()
        if start <= float(began) <= end:
            out.append(float(took))
    return out


if __name__ == "__main__":
    main(sys.argv[1:])
