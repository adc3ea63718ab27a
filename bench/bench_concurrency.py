"""Mide el tablero con varias personas a la vez: 1, 5, 10 y 20 sesiones, y un escritor con lectores.

    .venv/bin/python -m bench.bench_concurrency [--grande RUTA] [--sesiones 1,5,10,20]
                                                [--corridas-minimas 10] [--escritura-segundos 60]
                                                [--json cifras.json]

La base de demostración (nueva, en una carpeta temporal) y una copia de la grande (`--grande`, se
genera con bench/large_plan.py si falta) se sirven a la vez, cada una con su servidor (`scripts/
serve.py` si existe, si no `streamlit run dashboard.py`; `--lanzador`), y las mediciones se
alternan entre ellas. Un solo Chromium sin interfaz (`/usr/bin/chromium`) atiende a todas las
sesiones: cada sesión es un hilo con su propio Playwright conectado a ese Chromium por CDP y su
propio contexto (sus cookies, su sesión de Streamlit). El tiempo lo toma cada página (ver
bench/browser.py), así que esperar a una no retrasa la cifra de otra.

1. Sesiones concurrentes (`--sesiones`): cada sesión abre la página (`--pagina`, Resumen), escribe
   en la barra lateral una fecha de corte que el servidor nunca calculó (todas distintas) y, cuando
   todas la tienen escrita, la confirman a la vez; se mide hasta la página dibujada. Se repite
   hasta tener al menos `--corridas-minimas` corridas por nivel (y al menos 2 rondas). Por nivel:
   p50 y p95 del tiempo hasta dibujada y del script, corridas con error (tiempo agotado,
   `stException`, `st.error`, diálogo o la fecha que no llegó) y el pico de memoria del servidor en
   ese nivel (RSS de su grupo de procesos leído de /proc cada 0,25 s). Además, el tiempo de cada
   corrida del script medido en el propio servidor (bench/server_timing.py), p50 y p95 de las que
   empezaron dentro de las rondas: con todas las sesiones en un solo Chromium en la misma máquina,
   el navegador pesa en el total tanto como el servidor. Metas: p95(20)/p50(1) ≤ 4, sin errores y
   memoria ≤ 1 GB en la base grande.
2. Escritor y lectores (`--escritura-segundos`, 0 lo omite; `--lectores`, 10): cada lector alterna
   entre dos fechas de corte suyas (ya calculadas tras su primera vuelta: sin escrituras, caché).
   Primero los lectores solos durante ese tiempo; luego, el mismo tiempo, con el líder de TI
   guardando una corrección del valor vigente por el formulario de «Reportar avance» (la ruta de
   escritura de la aplicación: un segundo proceso no puede escribir en el archivo DuckDB mientras
   el servidor lo tiene abierto) a lo sumo una vez por segundo; cada ciclo es el de una persona
   (elegir el periodo, escribir motivo y análisis, guardar), así que con el servidor ocupado dura
   más de un segundo y el siguiente empieza al terminar. Imprime p50/p95 de los lectores en cada fase, guardados hechos y su
   mediana, y la memoria al empezar y al terminar la fase de escritura con su cambio por guardado
   (meta: no crece con las escrituras).

`--json ARCHIVO` guarda cada corrida, las muestras de memoria y los errores.
"""
from __future__ import annotations

import argparse
import json
import math
import shutil
import subprocess
import tempfile
import threading
import time
import urllib.request
from datetime import date
from pathlib import Path

from bench import browser as B
from bench.large_plan import add_database_arguments
from bench import server_timing
from bench.bench_paths import PAGES

MEMORY_LIMIT_MB = 1024
P95_VS_SINGLE = 4.0


class SharedChromium:
    """Un Chromium sin interfaz con CDP en un puerto libre, al que se conecta el Playwright de cada hilo."""

    def __init__(self, folder: Path):
        from tests.browser.helpers import CHROMIUM, CHROMIUM_ARGS
        self.port = B.free_port()
        self.profile = folder / "chromium"
        self.process = subprocess.Popen(
            [CHROMIUM, "--headless=new", f"--remote-debugging-port={self.port}",
             f"--user-data-dir={self.profile}", *CHROMIUM_ARGS, "about:blank"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"{self.endpoint}/json/version", timeout=2):
                    return
            except OSError:
                time.sleep(0.2)
        self.stop()
        raise RuntimeError("Chromium no abrió su puerto CDP en 60 s")

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def stop(self) -> None:
        from tests.browser.helpers import stop_group
        stop_group(self.process)
        shutil.rmtree(self.profile, ignore_errors=True)


class Session:
    """Un hilo con su Playwright, su contexto y su página; `body(page)` hace el trabajo medido.

    Si falla, rompe `barriers` para que las demás sesiones no lo esperen hasta el límite."""

    def __init__(self, cdp: str, body, timeout_s: float, barriers: tuple[threading.Barrier, ...] = ()):
        self.cdp, self.body, self.timeout_s, self.barriers = cdp, body, timeout_s, barriers
        self.error: str | None = None
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        from playwright.sync_api import sync_playwright
        try:
            with sync_playwright() as pw:
                # twenty drivers connecting at once on a loaded machine take longer than the 30 s default
                connected = pw.chromium.connect_over_cdp(self.cdp, timeout=180_000)
                context = B.new_context(connected, self.timeout_s)
                try:
                    self.body(context.new_page())
                finally:
                    context.close()
                    connected.close()
        except Exception as exc:
            self.error = B.short_error(exc)
            for barrier in self.barriers:
                barrier.abort()

    def start(self) -> "Session":
        self.thread.start()
        return self


def run_all(sessions: list[Session]) -> list[str]:
    for s in sessions:
        s.start()
    for s in sessions:
        s.thread.join()
    return [s.error for s in sessions if s.error]


def checked(page, result: dict, day: date | None = None) -> dict:
    """Anota los errores a la vista y si la barra lateral muestra la fecha pedida."""
    problems = B.page_errors(page)
    if day is not None and not B.shows_cut_off(page, day):
        problems.append(f"la barra lateral no muestra la fecha {day.isoformat()}")
    if problems:
        result["error"] = "; ".join(problems)
    return result


# -- 1. Sesiones concurrentes ------------------------------------------------------------------------
def concurrent_level(cdp: str, server: B.Server, days: B.CutOffs, n: int, rounds: int, args) -> dict:
    """`n` sesiones, `rounds` rondas: todas escriben su fecha nueva y la confirman a la vez."""
    barrier = threading.Barrier(n)
    runs: list[dict] = []
    lock = threading.Lock()

    def body(page) -> None:
        B.open_url(page, server.url + args.ruta, args.limite)
        for r in range(rounds):
            day = days.take()
            try:
                B.type_cut_off(page, day)
                typed = True
            except Exception as exc:
                typed, result = False, {"total_ms": None, "error": B.short_error(exc)}
            if barrier.wait(args.limite) == 0:
                windows.append([time.time(), None])   # la ronda empieza: todas confirman ahora
            if typed:
                try:
                    B.arm(page)
                    B.commit_cut_off(page)
                    result = checked(page, B.wait_drawn(page, args.limite), day)
                except Exception as exc:
                    result = {"total_ms": None, "error": B.short_error(exc)}
            result.update(corte=day.isoformat(), ronda=r)
            with lock:
                runs.append(result)
            if barrier.wait(args.limite) == 0:  # la ronda termina cuando todas terminaron
                windows[-1][1] = time.time()

    began = time.perf_counter()
    windows: list[list] = []
    failures = run_all([Session(cdp, body, args.limite, (barrier,)) for _ in range(n)])
    # en el servidor: las corridas del script que empezaron dentro de una ronda (las que causó la fecha)
    server_ms = [ms for start, end in windows if end is not None
                 for ms in server_timing.runs_between(server.timings, start, end)] if server.timings else []
    return summarize_runs(runs, failures) | {
        "sesiones": n, "rondas": rounds, "corridas": runs, "servidor_ms": server_ms,
        "p50_servidor_ms": B.percentile(server_ms, 50), "p95_servidor_ms": B.percentile(server_ms, 95),
        "pico_rss_mb": B.mb(server.peak_since(began)), "rss_al_final_mb": B.mb(server.rss())}


def summarize_runs(runs: list[dict], failures: list[str]) -> dict:
    ok = [r for r in runs if r.get("total_ms") is not None and not r.get("error")]
    totals = [r["total_ms"] for r in ok]
    scripts = [r.get("script_ms") for r in ok]
    return {"n": len(ok), "errores": len(runs) - len(ok) + len(failures),
            "detalle_errores": [r["error"] for r in runs if r.get("error")] + failures,
            "p50_ms": B.percentile(totals, 50), "p95_ms": B.percentile(totals, 95),
            "p50_script_ms": B.percentile(scripts, 50), "p95_script_ms": B.percentile(scripts, 95)}


# -- 2. Escritor y lectores --------------------------------------------------------------------------
def readers_and_writer(cdp: str, server: B.Server, days: B.CutOffs, code: str, args) -> dict:
    """Lectores solos, luego lectores con un escritor; cada fase dura `--escritura-segundos`."""
    n = args.lectores
    warm = threading.Barrier(n + 1)
    phase = {"name": "calentamiento"}
    stop = threading.Event()
    reads: dict[str, list[dict]] = {"sin_escritor": [], "con_escritor": []}
    saves: list[dict] = []
    lock = threading.Lock()

    def reader(page) -> None:
        own = [days.take(), days.take()]
        B.open_url(page, server.url + args.ruta, args.limite)
        for day in own:  # primera vuelta: cada fecha queda calculada
            B.choose_cut_off(page, day, args.limite)
        warm.wait(args.limite * 2)
        k = 0
        while not stop.is_set():
            day, name = own[k % 2], phase["name"]
            k += 1
            try:
                result = checked(page, B.choose_cut_off(page, day, args.limite), day)
            except Exception as exc:
                result = {"total_ms": None, "error": B.short_error(exc)}
            if name in reads:
                with lock:
                    reads[name].append(result | {"corte": day.isoformat()})

    def writer(page) -> None:
        B.sign_in_leader(page, server.url, args.limite)
        B.go_to(page, "Reportar avance", args.limite)
        while phase["name"] != "con_escritor":
            time.sleep(0.1)
        while not stop.is_set():
            began = time.perf_counter()
            try:
                B.prepare_correction(page, code, args.limite)
                result = B.save_correction(page, args.limite)
            except Exception as exc:
                result = {"total_ms": None, "error": B.short_error(exc)}
            result["rss_mb"] = B.mb(server.rss())
            with lock:
                saves.append(result)
            if result.get("error"):
                print(f"  ! guardado: {result['error']}", flush=True)
            stop.wait(max(0.0, 1.0 - (time.perf_counter() - began)))

    sessions = [Session(cdp, reader, args.limite, (warm,)).start() for _ in range(n)]
    writer_session = Session(cdp, writer, args.limite).start()
    try:
        warm.wait(args.limite * 2)
    except threading.BrokenBarrierError:   # a reader failed before the phases: say why, not just that
        stop.set()
        for s in [*sessions, writer_session]:
            s.thread.join()
        errors = [s.error for s in [*sessions, writer_session] if s.error]
        raise RuntimeError("un lector falló antes de empezar: " + " | ".join(errors)) from None
    phase["name"] = "sin_escritor"
    t_alone = time.perf_counter()
    time.sleep(args.escritura_segundos)
    rss_start = server.rss()
    phase["name"] = "con_escritor"
    t_writes = time.perf_counter()
    time.sleep(args.escritura_segundos)
    stop.set()
    rss_end_of_writes = server.rss()
    for s in [*sessions, writer_session]:
        s.thread.join()
    failures = [s.error for s in [*sessions, writer_session] if s.error]
    good_saves = [s for s in saves if s.get("total_ms") is not None and not s.get("error")]
    return {
        "lectores": n, "segundos_por_fase": args.escritura_segundos,
        "sin_escritor": summarize_runs(reads["sin_escritor"], []),
        "con_escritor": summarize_runs(reads["con_escritor"], failures),
        "guardados": len(good_saves), "guardados_fallidos": len(saves) - len(good_saves),
        "guardar_p50_ms": B.percentile([s["total_ms"] for s in good_saves], 50),
        "rss_inicio_escritura_mb": B.mb(rss_start), "rss_fin_escritura_mb": B.mb(rss_end_of_writes),
        "pico_rss_sin_escritor_mb": B.mb(max((r for t, r in server.samples if t_alone <= t < t_writes), default=0)),
        "pico_rss_con_escritor_mb": B.mb(server.peak_since(t_writes)),
        "mb_por_guardado": (B.mb(rss_end_of_writes - rss_start) / len(good_saves)) if good_saves else None,
        "corridas": reads, "guardados_detalle": saves,
        "memoria": [(round(t - t_alone, 2), B.mb(r)) for t, r in server.samples if t >= t_alone],
    }


# -- Informe ----------------------------------------------------------------------------------------
def report(levels: dict, writes: dict, names: list[str]) -> str:
    lines = []
    rows = [("sesiones", *[f"{db} {h}" for db in names
                           for h in ("p50", "p95", "script p95", "servidor p50", "servidor p95", "errores", "pico MB")])]
    for n in sorted({n for db in names for n in levels.get(db, {})}):
        row = [str(n)]
        for db in names:
            s = levels.get(db, {}).get(n, {})
            row += [B.fmt_num(s.get("p50_ms")), B.fmt_num(s.get("p95_ms")), B.fmt_num(s.get("p95_script_ms")),
                    B.fmt_num(s.get("p50_servidor_ms")), B.fmt_num(s.get("p95_servidor_ms")),
                    str(s.get("errores", "–")), B.fmt_num(s.get("pico_rss_mb"))]
        rows.append(tuple(row))
    lines.append(B.text_table(rows))
    lines.append("")
    rows = [("razón o meta", *names, "meta")]
    top = {db: max(levels.get(db, {}), default=None) for db in names}
    rows.append((f"p95({'/'.join(str(top[db]) for db in names)}) / p50(1)",
                 *[B.fmt_num(B.ratio(levels[db][top[db]]["p95_ms"], levels[db].get(1, {}).get("p50_ms")), 2)
                   if top[db] else "–" for db in names], f"≤ {B.fmt_num(P95_VS_SINGLE, 1)}"))
    rows.append((f"en el servidor: p95({'/'.join(str(top[db]) for db in names)}) / p50(1)",
                 *[B.fmt_num(B.ratio(levels[db][top[db]].get("p95_servidor_ms"),
                                     levels[db].get(1, {}).get("p50_servidor_ms")), 2)
                   if top[db] else "–" for db in names], f"≤ {B.fmt_num(P95_VS_SINGLE, 1)}"))
    rows.append(("pico de memoria en todos los niveles, MB",
                 *[B.fmt_num(max((s["pico_rss_mb"] for s in levels.get(db, {}).values()), default=None))
                   for db in names], f"≤ {MEMORY_LIMIT_MB} (grande)"))
    rows.append(("corridas con error", *[str(sum(s["errores"] for s in levels.get(db, {}).values())) for db in names],
                 "0"))
    if {"demo", "grande"} <= set(names):
        for n in sorted(set(levels["demo"]) & set(levels["grande"])):
            rows.append((f"grande/demo p95 con {n}",
                         B.fmt_num(B.ratio(levels["grande"][n]["p95_ms"], levels["demo"][n]["p95_ms"]), 2), "", "≤ 2,0"))
    lines.append(B.text_table(rows))
    if writes:
        lines.append("")
        rows = [("escritor cada segundo y lectores", *names)]
        for label, key in (("lectores solos p50 ms", ("sin_escritor", "p50_ms")),
                           ("lectores solos p95 ms", ("sin_escritor", "p95_ms")),
                           ("lectores con escritor p50 ms", ("con_escritor", "p50_ms")),
                           ("lectores con escritor p95 ms", ("con_escritor", "p95_ms")),
                           ("lecturas con error", ("con_escritor", "errores"))):
            rows.append((label, *[B.fmt_num(writes[db][key[0]].get(key[1])) if db in writes else "–" for db in names]))
        for label, key, digits in (("guardados hechos", "guardados", 0), ("guardados fallidos", "guardados_fallidos", 0),
                                   ("guardar p50 ms", "guardar_p50_ms", 0),
                                   ("memoria al empezar a escribir MB", "rss_inicio_escritura_mb", 0),
                                   ("memoria al terminar MB", "rss_fin_escritura_mb", 0),
                                   ("pico sin escritor MB", "pico_rss_sin_escritor_mb", 0),
                                   ("pico con escritor MB", "pico_rss_con_escritor_mb", 0),
                                   ("cambio por guardado MB", "mb_por_guardado", 1)):
            rows.append((label, *[B.fmt_num(writes[db].get(key), digits) if db in writes else "–" for db in names]))
        lines.append(B.text_table(rows))
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.bench_concurrency",
                                     description="Mide 1, 5, 10 y 20 sesiones a la vez y un escritor con lectores, "
                                                 "en la base de demostración y en la grande.")
    add_database_arguments(parser, copied=True, bases=True)
    parser.add_argument("--sesiones", type=lambda s: [int(x) for x in s.split(",") if x], default=[1, 5, 10, 20],
                        help="niveles de sesiones concurrentes, separados por comas (1,5,10,20; vacío los omite)")
    parser.add_argument("--corridas-minimas", type=int, default=10,
                        help="corridas mínimas por nivel: rondas = max(2, ⌈mínimas / sesiones⌉) (10)")
    parser.add_argument("--escritura-segundos", type=float, default=60,
                        help="duración de cada fase de la prueba de escritor y lectores (60; 0 la omite)")
    parser.add_argument("--lectores", type=int, default=10, help="lectores de la prueba con escritor (10)")
    args = B.parse_browser_arguments(parser, argv, PAGES, "página de las sesiones (resumen)")

    load_before = B.machine_load()
    levels: dict = {}
    writes: dict = {}
    with tempfile.TemporaryDirectory(prefix="bench-concurrencia-") as tmp:
        folder = Path(tmp)
        dbs = B.prepare_dbs(folder, args.grande if "grande" in args.bases else None, "demo" in args.bases)
        facts = {name: B.db_facts(db) for name, db in dbs.items()}
        began = time.perf_counter()
        servers: dict[str, B.Server] = {}
        chromium = SharedChromium(folder)
        try:
            for name, db in dbs.items():
                servers[name] = B.Server(db, folder / f"servidor-{name}.log", B.launcher_kind(args.lanzador),
                                         timings=folder / f"tiempos-{name}.txt").start(args.limite)
            days = {name: B.CutOffs() for name in dbs}
            first = {}
            for name, server in servers.items():  # el primer visitante: lo que queda listo al arrancar
                run_all([Session(chromium.endpoint, lambda page, s=server: first.setdefault(
                    s.port, B.open_url(page, s.url + args.ruta, args.limite)), args.limite)])
                print(f"{name}: {facts[name]['filas_medicion']} filas de medición; servidor listo, "
                      f"{B.fmt_num(B.mb(server.rss()))} MB", flush=True)
            for n in args.sesiones:
                rounds = max(2, math.ceil(args.corridas_minimas / n))
                for name, server in servers.items():
                    levels.setdefault(name, {})[n] = concurrent_level(chromium.endpoint, server, days[name], n,
                                                                      rounds, args)
                    s = levels[name][n]
                    print(f"  {n:2} sesiones {name}: p50 {B.fmt_num(s['p50_ms'])} ms, p95 {B.fmt_num(s['p95_ms'])} ms, "
                          f"servidor p50 {B.fmt_num(s['p50_servidor_ms'])} ms, p95 {B.fmt_num(s['p95_servidor_ms'])} ms, "
                          f"{s['errores']} errores, pico {B.fmt_num(s['pico_rss_mb'])} MB", flush=True)
            if args.escritura_segundos > 0:
                for name, server in servers.items():
                    writes[name] = readers_and_writer(chromium.endpoint, server, days[name],
                                                      facts[name]["indicador_a_corregir"], args)
                    w = writes[name]
                    print(f"  escritor y {args.lectores} lectores {name}: {w['guardados']} guardados, "
                          f"memoria {B.fmt_num(w['rss_inicio_escritura_mb'])} → "
                          f"{B.fmt_num(w['rss_fin_escritura_mb'])} MB", flush=True)
        finally:
            for server in servers.values():
                server.stop()
            chromium.stop()
        took = time.perf_counter() - began

    names = list(dbs)
    print()
    print(f"Sesiones concurrentes en Chromium, página {PAGES[args.pagina][1]}, cada sesión con su fecha de corte "
          f"nueva · tiempo hasta dibujada en ms · lanzador {B.launcher_kind(args.lanzador)} · {took / 60:.1f} min")
    print(report(levels, writes, names))
    print(f"\nMáquina: antes {load_before}; al final {B.machine_load()}")
    errors = [e for db in levels.values() for s in db.values() for e in s["detalle_errores"]]
    if errors:
        print("Errores (los primeros 5):\n  " + "\n  ".join(errors[:5]))
    if args.json:
        args.json.write_text(json.dumps({
            "fecha": date.today().isoformat(), "pagina": args.pagina, "lanzador": B.launcher_kind(args.lanzador),
            "bases": facts, "carga_antes": load_before, "carga_despues": B.machine_load(),
            "primera_pagina": {name: first.get(s.port) for name, s in servers.items()},
            "niveles": levels, "escritura": writes, "minutos": took / 60,
        }, indent=2, ensure_ascii=False, default=str))
        print(f"Cifras en {args.json}")


if __name__ == "__main__":
    main()
