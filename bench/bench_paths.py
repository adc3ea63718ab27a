"""Mide en Chromium los caminos que una persona espera: fecha de corte nueva, arranque y guardado.

    .venv/bin/python -m bench.bench_paths [--grande RUTA] [--repeticiones 10] [--arranques 10]
                                          [--pasos corte,arranque,guardar] [--json cifras.json]

Corre la base de demostración (nueva, en una carpeta temporal) y una copia de la grande
(`--grande`, se genera con bench/large_plan.py si falta) lado a lado en la misma corrida: cada
medición se alterna entre las dos bases, para que el ruido de la máquina toque a ambas. El tablero
se arranca como lo arranca una persona (`scripts/serve.py` si existe, si no `streamlit run
dashboard.py`; `--lanzador`) y se maneja solo desde Chromium sin interfaz (`/usr/bin/chromium`).

«Dibujada» es: conectada, script terminado (`data-test-script-state=notRunning`), sin `stSkeleton`
y cada gráfico Plotly con su SVG, estable 400 ms; el tiempo lo toma la propia página (ver
bench/browser.py). «Script» es, en la misma página, desde que el script empieza a correr hasta que
termina la última corrida que causó la acción: el tiempo del servidor más el viaje por el WebSocket.

Caminos (`--pasos`, todos por omisión):

- `corte`: en una sesión abierta en la página (`--pagina`, Resumen por omisión), se escribe en la
  barra lateral una fecha de corte que ese servidor nunca calculó (un día distinto cada vez, hacia
  atrás desde ayer, sin hoy ni cierres de trimestre) y se mide desde que se confirma (Tab) hasta la
  página dibujada; luego se vuelve a la fecha anterior, ya calculada («misma fecha», el camino en
  caché). `--repeticiones` de cada una. Meta: nueva/misma ≤ 1,5.
- `arranque`: la primera página dibujada (pestaña, sesión y caché HTTP nuevas) desde que el
  servidor está listo (dio la dirección: `/_stcore/health` responde), y desde que se lanzó el proceso
  (el precalentamiento de scripts/serve.py se cuenta aparte, «servidor_listo_ms» en el JSON), frente
  a la misma página abierta otra vez en ese servidor por otra visita en las mismas condiciones
  («página en caché»: contexto nuevo, caché HTTP vacía, sesión nueva) y recargada en la pestaña.
  `--arranques` por base. Meta: primera página tras «listo» / página en caché ≤ 2.
- `guardar`: el líder de TI (lider.ti.demo) ingresa, abre «Reportar avance», elige el último
  periodo reportado del indicador de TI con más valores y guarda una corrección con el valor
  vigente (motivo y análisis de la medición). Se mide el clic en «Guardar corrección» hasta la
  página dibujada con el aviso, luego «Procesos» por el menú justo después de guardar, y
  «Procesos» otra vez sin guardar en medio (vuelta a Reportar entre ambas, sin medir).

Imprime una tabla con la mediana de cada camino en cada base (total y script, en ms) con la razón
grande/demo (meta ≤ 2), otra con las razones de las metas, y la carga de la máquina. `--json
ARCHIVO` guarda además cada corrida, la memoria de cada servidor y los errores.
"""
from __future__ import annotations

import argparse
import json
import tempfile
import time
from datetime import date
from pathlib import Path

from bench import browser as B
from bench.large_plan import add_database_arguments

PAGES = {"resumen": ("", "Resumen"), "procesos": ("procesos?proceso=TI", "Procesos")}
STEPS = ["corte", "arranque", "guardar"]
# (clave, nombre en la tabla)
PATHS = [
    ("corte_nueva", "fecha de corte nueva → dibujada"),
    ("corte_misma", "misma fecha otra vez (caché) → dibujada"),
    ("arranque", "lanzar el servidor → primera página"),
    ("primera_pagina", "servidor listo → primera página"),
    ("pagina_cache", "la misma página, otra visita (caché)"),
    ("recarga", "la misma página, recargada en la pestaña"),
    ("guardar", "guardar → página dibujada"),
    ("procesos_tras_guardar", "tras guardar, Procesos → dibujada"),
    ("procesos_sin_guardar", "Procesos sin guardar en medio"),
]
TARGETS = [  # (nombre, numerador, denominador, meta)
    ("fecha nueva / misma fecha", "corte_nueva", "corte_misma", 1.5),
    ("primera página tras «listo» / página en caché", "primera_pagina", "pagina_cache", 2.0),
    ("lanzar → primera página / página en caché", "arranque", "pagina_cache", None),
    ("Procesos tras guardar / sin guardar", "procesos_tras_guardar", "procesos_sin_guardar", None),
]
LARGE_VS_DEMO = 2.0


def record(store: dict, db: str, path: str, result: dict) -> None:
    store.setdefault(db, {}).setdefault(path, []).append(result)
    if result.get("error"):
        print(f"  ! {db} {path}: {result['error']}", flush=True)


def measure_starts(pw_browser, dbs, args, folder: Path, runs: dict, memory: dict) -> None:
    """Arranque → primera página y la misma página en caché, alternando bases."""
    for i in range(args.arranques):
        for name, db in dbs.items():
            server = B.Server(db, folder / f"arranque-{name}-{i}.log", B.launcher_kind(args.lanzador))
            context = B.new_context(pw_browser)  # caché HTTP vacía: la primera visita de verdad
            page = context.new_page()
            try:
                server.start(args.limite)
                began = time.perf_counter()
                first = B.open_url(page, server.url + args.ruta, args.limite)
                first["errores"] = B.page_errors(page)
                record(runs, name, "primera_pagina", dict(first))   # desde «listo»: la dirección ya está dada
                first["total_ms"] += (began - server.launched_at) * 1000
                first["servidor_listo_ms"] = (server.ready_at - server.launched_at) * 1000
                record(runs, name, "arranque", first)
                for _ in range(args.recargas):
                    # la misma visita en el mismo navegador, con el servidor ya en caché: contexto nuevo
                    # (caché HTTP vacía, sesión nueva), como la primera; luego una recarga en la pestaña
                    fresh = B.new_context(pw_browser)
                    try:
                        again = B.open_url(fresh.new_page(), server.url + args.ruta, args.limite)
                        again["errores"] = B.page_errors(fresh.pages[0])
                    finally:
                        fresh.close()
                    record(runs, name, "pagina_cache", again)
                    reload = B.open_url(page, server.url + args.ruta, args.limite)
                    reload["errores"] = B.page_errors(page)
                    record(runs, name, "recarga", reload)
                memory.setdefault(name, []).append({"tras_arranque_mb": B.mb(server.rss()),
                                                    "pico_vmhwm_mb": B.mb(server.hwm())})
            except Exception as exc:  # una corrida fallida se informa y la medición sigue
                record(runs, name, "arranque", {"total_ms": None, "error": B.short_error(exc)})
            finally:
                context.close()
                server.stop()
            print(f"  arranque {i + 1}/{args.arranques} {name}", flush=True)


def measure_cut_offs(pw_browser, servers, args, runs: dict) -> None:
    """Fecha nueva y vuelta a la anterior, en una sesión por base, alternando bases."""
    sessions = {}
    for name, server in servers.items():
        page = B.new_context(pw_browser).new_page()
        B.open_url(page, server.url + args.ruta, args.limite)
        sessions[name] = {"page": page, "days": B.CutOffs(), "previous": date.today()}
    for i in range(args.repeticiones):
        for kind in ("corte_nueva", "corte_misma"):
            for name, s in sessions.items():
                day = s["days"].take() if kind == "corte_nueva" else s["previous"]
                try:
                    result = B.choose_cut_off(s["page"], day, args.limite)
                    result["corte"] = day.isoformat()
                    result["errores"] = B.page_errors(s["page"])
                except Exception as exc:
                    result = {"total_ms": None, "corte": day.isoformat(), "error": B.short_error(exc)}
                record(runs, name, kind, result)
                if kind == "corte_misma":
                    s["previous"] = s["last_new"]
                else:
                    s["last_new"] = day
        print(f"  fechas de corte {i + 1}/{args.repeticiones}", flush=True)
    for s in sessions.values():
        s["page"].context.close()


def measure_saves(pw_browser, servers, facts, args, runs: dict) -> None:
    """Guardar una corrección, luego Procesos tras guardar y Procesos sin guardar, alternando bases."""
    sessions = {}
    for name, server in servers.items():
        page = B.new_context(pw_browser).new_page()
        B.sign_in_leader(page, server.url, args.limite)
        B.go_to(page, "Reportar avance", args.limite)
        sessions[name] = page
    for i in range(args.repeticiones):
        for name, page in sessions.items():
            code = facts[name]["indicador_a_corregir"]
            try:
                B.prepare_correction(page, code, args.limite)
                record(runs, name, "guardar", B.save_correction(page, args.limite))
                after = B.go_to(page, "Procesos", args.limite)
                after["errores"] = B.page_errors(page)
                record(runs, name, "procesos_tras_guardar", after)
                B.go_to(page, "Reportar avance", args.limite)
                again = B.go_to(page, "Procesos", args.limite)
                again["errores"] = B.page_errors(page)
                record(runs, name, "procesos_sin_guardar", again)
                B.go_to(page, "Reportar avance", args.limite)
            except Exception as exc:
                record(runs, name, "guardar", {"total_ms": None, "error": B.short_error(exc)})
                page.goto(servers[name].url + "/reportar")  # sigue con la sesión guardada en la cookie
                B.wait_drawn(page, args.limite)
        print(f"  guardados {i + 1}/{args.repeticiones}", flush=True)
    for page in sessions.values():
        page.context.close()


def summarize(runs: dict) -> dict:
    """Medianas (total y script) y número de corridas válidas por base y camino."""
    out = {}
    for db, paths in runs.items():
        for path, results in paths.items():
            ok = [r for r in results if r.get("total_ms") is not None and not r.get("error")]
            out.setdefault(db, {})[path] = {
                "n": len(ok), "fallidas": len(results) - len(ok),
                "mediana_ms": B.median(r["total_ms"] for r in ok),
                "mediana_script_ms": B.median(r.get("script_ms") for r in ok),
                "con_errores_en_pagina": sum(bool(r.get("errores")) for r in results)}
    return out


def report(summary: dict, dbs: list[str]) -> str:
    lines = []
    head = ["camino"]
    for db in dbs:
        head += [f"{db} ms", f"{db} script", f"{db} n"]
    if {"demo", "grande"} <= set(dbs):
        head.append(f"grande/demo (≤ {B.fmt_num(LARGE_VS_DEMO, 1)})")
    rows = [tuple(head)]
    for key, label in PATHS:
        if not any(key in summary.get(db, {}) for db in dbs):
            continue
        row = [label]
        for db in dbs:
            s = summary.get(db, {}).get(key, {})
            row += [B.fmt_num(s.get("mediana_ms")), B.fmt_num(s.get("mediana_script_ms")), str(s.get("n", 0))]
        if {"demo", "grande"} <= set(dbs):
            row.append(B.fmt_num(B.ratio(summary["grande"].get(key, {}).get("mediana_ms"),
                                         summary["demo"].get(key, {}).get("mediana_ms")), 2))
        rows.append(tuple(row))
    lines.append(B.text_table(rows))
    lines.append("")
    rows = [("razón de medianas", *dbs, "meta")]
    for label, num, den, target in TARGETS:
        if not any(num in summary.get(db, {}) for db in dbs):
            continue
        rows.append((label, *[B.fmt_num(B.ratio(summary.get(db, {}).get(num, {}).get("mediana_ms"),
                                                summary.get(db, {}).get(den, {}).get("mediana_ms")), 2)
                              for db in dbs],
                     f"≤ {B.fmt_num(target, 1)}" if target else "–"))
    lines.append(B.text_table(rows))
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.bench_paths",
                                     description="Mide en Chromium la fecha de corte nueva, el arranque y el "
                                                 "guardado, en la base de demostración y en la grande.")
    add_database_arguments(parser, copied=True, bases=True)
    parser.add_argument("--pasos", type=lambda s: s.split(","), default=STEPS,
                        help="caminos a medir, separados por comas (" + ",".join(STEPS) + ")")
    parser.add_argument("--repeticiones", type=int, default=10,
                        help="corridas de cada camino de fecha de corte y de guardado por base (10)")
    parser.add_argument("--arranques", type=int, default=10, help="arranques del servidor por base (10)")
    parser.add_argument("--recargas", type=int, default=1,
                        help="aperturas de la página en caché tras cada arranque (1)")
    args = B.parse_browser_arguments(parser, argv, PAGES, "página de los caminos de fecha de corte y arranque (resumen)")
    unknown = set(args.pasos) - set(STEPS)
    if unknown:
        parser.error(f"pasos desconocidos: {', '.join(sorted(unknown))}")

    from playwright.sync_api import sync_playwright
    load_before = B.machine_load()
    runs: dict = {}
    memory: dict = {}
    with tempfile.TemporaryDirectory(prefix="bench-caminos-") as tmp:
        folder = Path(tmp)
        dbs = B.prepare_dbs(folder, args.grande if "grande" in args.bases else None, "demo" in args.bases)
        facts = {name: B.db_facts(db) for name, db in dbs.items()}
        for name, f in facts.items():
            print(f"{name}: {f['filas_medicion']} filas de medición, {f['indicadores']} indicadores; "
                  f"se corrige {f['indicador_a_corregir']}", flush=True)
        began = time.perf_counter()
        with sync_playwright() as pw:
            pw_browser = B.chromium(pw)
            try:
                if "arranque" in args.pasos and args.arranques > 0:
                    measure_starts(pw_browser, dbs, args, folder, runs, memory)
                if {"corte", "guardar"} & set(args.pasos):
                    servers = {}
                    try:
                        for name, db in dbs.items():
                            servers[name] = B.Server(db, folder / f"servidor-{name}.log",
                                                     B.launcher_kind(args.lanzador)).start(args.limite)
                        if "corte" in args.pasos:
                            measure_cut_offs(pw_browser, servers, args, runs)
                        if "guardar" in args.pasos:
                            measure_saves(pw_browser, servers, facts, args, runs)
                        for name, server in servers.items():
                            memory.setdefault(name, []).append({"al_final_mb": B.mb(server.rss()),
                                                                "pico_muestreado_mb": B.mb(server.peak_since(0)),
                                                                "pico_vmhwm_mb": B.mb(server.hwm())})
                    finally:
                        for server in servers.values():
                            server.stop()
            finally:
                pw_browser.close()
        took = time.perf_counter() - began

    summary = summarize(runs)
    names = list(dbs)
    print()
    print(f"Caminos en Chromium, página {PAGES[args.pagina][1]}, lanzador {B.launcher_kind(args.lanzador)} · "
          f"medianas en ms de {args.repeticiones} corridas (fechas, guardado) y {args.arranques} arranques · "
          f"{took / 60:.1f} min")
    print(report(summary, names))
    print()
    for name, samples in memory.items():
        last = samples[-1]
        print(f"Memoria del servidor ({name}): " + ", ".join(f"{k.replace('_mb', '')} {B.fmt_num(v)} MB"
                                                              for k, v in last.items()))
    print(f"Máquina: antes {load_before}; al final {B.machine_load()}")
    if args.json:
        args.json.write_text(json.dumps({
            "fecha": date.today().isoformat(), "pagina": args.pagina, "lanzador": B.launcher_kind(args.lanzador),
            "bases": facts, "carga_antes": load_before, "carga_despues": B.machine_load(),
            "resumen": summary, "corridas": runs, "memoria": memory, "minutos": took / 60,
        }, indent=2, ensure_ascii=False, default=str))
        print(f"Cifras en {args.json}")


if __name__ == "__main__":
    main()
