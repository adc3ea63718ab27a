"""Lo que comparten las mediciones en Chromium: bases, servidor, memoria y «página dibujada».

No es una medición: `bench_paths.py` y `bench_concurrency.py` lo usan para

- preparar las bases: una de demostración nueva y una copia de la grande (las mediciones guardan
  valores, y nunca deben cambiar el archivo de `--grande`);
- arrancar el tablero como lo arranca una persona: `scripts/serve.py` si existe (el lanzador que
  calienta las cachés antes de dar la dirección), si no `streamlit run dashboard.py`, en su propio
  grupo de procesos, y medir la memoria residente (RSS) de todo ese grupo leyendo `/proc`;
- saber, desde dentro de la página, cuándo quedó dibujada tras una acción: un script que Chromium
  inyecta al abrir cada página observa el atributo `data-test-script-state` de la aplicación y
  anota con el reloj de la página (`performance.now()`) cuándo empieza y termina cada corrida del
  script y cuándo la página queda completa: conectada (`CONNECTED`), script terminado
  (`notRunning`), sin `stSkeleton` y cada gráfico Plotly con su SVG. La espera de Playwright no
  suma su propio retraso: la cifra es la de la página;
- los pasos de una persona: escribir la fecha de corte en la barra lateral, ingresar como líder y
  guardar una corrección en «Reportar avance».
"""
from __future__ import annotations

import os
import re
import shutil
import signal
import statistics
import subprocess
import sys
import threading
import time
import urllib.request
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

DB_ENV = "PERSONERIA_DB"
LAUNCHER = ROOT / "scripts" / "serve.py"
STREAMLIT_FLAGS = ["--server.headless", "true", "--browser.gatherUsageStats", "false",
                   "--server.fileWatcherType", "none"]
LEADER = ("lider.ti.demo", "Demo-Lider-2024")
LEADER_PROCESS = "TI"
REASON = "Medición de rendimiento: se guarda de nuevo el valor vigente."
ANALYSIS = "Medición de rendimiento del tablero; el valor no cambia."


# -- Bases ------------------------------------------------------------------------------------------
def ensure_large(path: Path) -> None:
    """Genera la base grande con los valores por omisión de bench.large_plan si no existe."""
    if path.exists():
        return
    from bench import large_plan
    print(f"Generando la base grande en {path} …", flush=True)
    began = time.perf_counter()
    counts = large_plan.build(path)
    print(f"  {counts['filas']} filas en {time.perf_counter() - began:.1f} s", flush=True)


def prepare_dbs(folder: Path, large: Path | None, with_demo: bool = True) -> dict[str, Path]:
    """Una demostración nueva y una copia de la grande en `folder`, en ese orden."""
    dbs = {}
    if with_demo:
        from metrics import seed
        demo = folder / "demo.duckdb"
        seed.open_demo(demo).close()
        dbs["demo"] = demo
    if large is not None:
        ensure_large(large)
        copy = folder / "grande.duckdb"
        shutil.copyfile(large, copy)
        if large.with_suffix(large.suffix + ".wal").exists():
            shutil.copyfile(large.with_suffix(large.suffix + ".wal"), copy.with_suffix(".duckdb.wal"))
        dbs["grande"] = copy
    return dbs


def db_facts(db: Path) -> dict:
    """Filas de medición e indicadores, y un indicador del proceso del líder que se puede corregir."""
    import duckdb
    con = duckdb.connect(str(db), read_only=True)
    try:
        rows, indicators = con.execute(
            "SELECT (SELECT count(*) FROM measurement), (SELECT count(*) FROM indicator)").fetchone()
        computed = {r[0] for r in con.execute(
            "SELECT column_name FROM information_schema.columns WHERE table_name = 'indicator'").fetchall()}
        typed_in = "AND i.computed_from IS NULL" if "computed_from" in computed else ""
        found = con.execute(
            f"SELECT m.indicator FROM measurement m JOIN indicator i ON i.code = m.indicator "
            f"WHERE i.process = ? AND NOT m.is_void {typed_in} "
            f"GROUP BY m.indicator ORDER BY count(*) DESC, m.indicator LIMIT 1", [LEADER_PROCESS]).fetchone()
    finally:
        con.close()
    return {"filas_medicion": int(rows), "indicadores": int(indicators),
            "indicador_a_corregir": found[0] if found else None}


# -- Fechas de corte nuevas -------------------------------------------------------------------------
def is_quarter_end(d: date) -> bool:
    return (d + timedelta(days=1)).day == 1 and d.month in (3, 6, 9, 12)


class CutOffs:
    """Días que este servidor nunca calculó: hacia atrás desde ayer, sin hoy ni cierres de trimestre
    (los que el servidor puede calcular al arrancar). Seguro entre hilos."""

    def __init__(self, start: date | None = None):
        self._next = (start or date.today()) - timedelta(days=1)
        self._lock = threading.Lock()

    def take(self) -> date:
        with self._lock:
            while is_quarter_end(self._next):
                self._next -= timedelta(days=1)
            day, self._next = self._next, self._next - timedelta(days=1)
            return day


# -- Servidor y memoria -----------------------------------------------------------------------------
def free_port() -> int:
    from tests.browser.helpers import find_free_port
    return find_free_port()


def launcher_kind(choice: str) -> str:
    """'serve' (scripts/serve.py) o 'streamlit'; 'auto' elige el lanzador del README si existe."""
    if choice == "auto":
        return "serve" if LAUNCHER.exists() else "streamlit"
    if choice == "serve" and not LAUNCHER.exists():
        raise SystemExit(f"No existe {LAUNCHER}: use --lanzador streamlit.")
    return choice


def group_rss(pgid: int) -> tuple[int, int]:
    """(RSS actual, suma de los picos VmHWM) en bytes de los procesos vivos del grupo `pgid`."""
    rss = hwm = 0
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
            if int(fields[2]) != pgid:  # campo 5 de stat: el grupo de procesos
                continue
            with open(f"/proc/{entry.name}/status") as f:
                for line in f:
                    if line.startswith("VmRSS:"):
                        rss += int(line.split()[1]) * 1024
                    elif line.startswith("VmHWM:"):
                        hwm += int(line.split()[1]) * 1024
        except (OSError, IndexError, ValueError):
            continue  # el proceso terminó mientras se leía
    return rss, hwm


@dataclass
class Server:
    """El tablero en un puerto libre con su base, su salida en un archivo y una muestra de memoria
    cada `sample_s` segundos (RSS de todo el grupo de procesos: el servidor y lo que lance)."""

    db: Path
    log_path: Path
    launcher: str = "streamlit"
    port: int = field(default_factory=free_port)
    sample_s: float = 0.25
    process: subprocess.Popen | None = None
    launched_at: float = 0.0
    ready_at: float = 0.0
    samples: list[tuple[float, int]] = field(default_factory=list)
    timings: Path | None = None   # con un archivo, cada corrida del script anota su duración en el servidor
    _stop: threading.Event = field(default_factory=threading.Event)

    @property
    def url(self) -> str:
        return f"http://localhost:{self.port}"

    def command(self) -> list[str]:
        flags = ["--server.port", str(self.port), *STREAMLIT_FLAGS]
        if self.timings is not None:
            return [sys.executable, "-m", "bench.server_timing", self.launcher, *flags]
        if self.launcher == "serve":
            return [sys.executable, str(LAUNCHER), *flags]
        return [sys.executable, "-m", "streamlit", "run", "dashboard.py", *flags]

    def start(self, timeout: float = 900) -> "Server":
        """Lanza y espera a que responda `/_stcore/health` (y, con el lanzador, a que dé la dirección)."""
        env = {**os.environ, DB_ENV: str(self.db)}
        if self.timings is not None:
            env["BENCH_TIEMPOS"] = str(self.timings)
        self.launched_at = time.perf_counter()
        with open(self.log_path, "wb") as log:
            self.process = subprocess.Popen(self.command(), cwd=ROOT, env=env, stdout=log,
                                            stderr=subprocess.STDOUT, start_new_session=True)
        threading.Thread(target=self._sample, daemon=True).start()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"el servidor terminó con código {self.process.returncode}:\n{self.log()[-3000:]}")
            if self._healthy() and (self.launcher != "serve" or f":{self.port}" in self.log()):
                self.ready_at = time.perf_counter()
                return self
            time.sleep(0.05)
        self.stop()
        raise RuntimeError(f"el servidor no respondió en {timeout:.0f} s:\n{self.log()[-3000:]}")

    def _healthy(self) -> bool:
        try:
            with urllib.request.urlopen(f"{self.url}/_stcore/health", timeout=2) as r:
                return r.read().decode().strip() == "ok"
        except OSError:
            return False

    def _sample(self) -> None:
        while not self._stop.is_set() and self.process is not None and self.process.poll() is None:
            self.samples.append((time.perf_counter(), group_rss(self.process.pid)[0]))
            self._stop.wait(self.sample_s)

    def rss(self) -> int:
        return group_rss(self.process.pid)[0]

    def peak_since(self, since: float) -> int:
        """El mayor RSS muestreado desde `since` (perf_counter)."""
        return max((rss for t, rss in self.samples if t >= since), default=self.rss())

    def hwm(self) -> int:
        """Suma de los picos (VmHWM) de los procesos vivos del grupo: cota del pico desde el arranque."""
        return group_rss(self.process.pid)[1]

    def stop(self) -> None:
        from tests.browser.helpers import stop_group
        self._stop.set()
        stop_group(self.process)

    def log(self) -> str:
        try:
            return self.log_path.read_text(errors="replace")
        except FileNotFoundError:
            return ""


# -- «Página dibujada», medida dentro de la página --------------------------------------------------
# Se inyecta en cada documento antes de sus scripts. Cuenta las corridas del script (cada paso de un
# estado distinto de notRunning a notRunning, leído de los registros del observador para no perder
# una corrida corta) y anota la última vez que la página pasó a estar completa.
WATCH_JS = """
(() => {
  if (window.__bench) return;
  const b = window.__bench = {armedAt: 0, runsDone: 0, sawRunning: false, firstRunning: null,
                              lastNotRunning: null, drawnAt: null, ok: false};
  const app = () => document.querySelector('[data-testid=stApp]');
  const complete = () => {
    const a = app();
    if (!a || a.getAttribute('data-test-connection-state') !== 'CONNECTED') return false;
    if (a.getAttribute('data-test-script-state') !== 'notRunning' || b.runsDone < 1) return false;
    if (document.querySelector('[data-testid=stSkeleton]')) return false;
    return [...document.querySelectorAll('[data-testid=stPlotlyChart]')].every(c => c.querySelector('.main-svg'));
  };
  const step = (state, now) => {
    if (state === 'running') { b.sawRunning = true; if (b.firstRunning === null) b.firstRunning = now; }
    else if (state === 'notRunning' && b.sawRunning) { b.runsDone += 1; b.sawRunning = false; b.lastNotRunning = now; }
  };
  const check = (records) => {
    const now = performance.now();
    const a = app();
    // the states in order: each record's old value, then the current one (a short run is not lost)
    const seq = (records || []).filter(r => r.attributeName === 'data-test-script-state' && r.target === a)
                               .map(r => r.oldValue);
    if (a) seq.push(a.getAttribute('data-test-script-state'));
    for (const s of seq) { if (s !== b.last) { step(s, now); b.last = s; } }
    const ok = complete();
    if (ok && !b.ok) b.drawnAt = now;
    b.ok = ok;
  };
  b.arm = () => {
    Object.assign(b, {armedAt: performance.now(), runsDone: 0, sawRunning: false, firstRunning: null,
                      lastNotRunning: null, drawnAt: null, ok: false});
    return b.armedAt;
  };
  b.settled = (ms) => { check(); return b.ok && performance.now() - b.drawnAt >= ms; };
  b.result = () => ({total_ms: b.drawnAt - b.armedAt, runs: b.runsDone,
                     script_ms: (b.firstRunning === null || b.lastNotRunning === null) ? null
                                : b.lastNotRunning - b.firstRunning});
  new MutationObserver(check).observe(document, {subtree: true, childList: true, attributes: true,
                                                 attributeOldValue: true});
  setInterval(check, 50);
})();
"""
SETTLE_MS = 400   # la página debe seguir completa este tiempo (una segunda corrida, p. ej. st.rerun, la reinicia)


def new_context(browser, timeout_s: float = 600):
    """Un contexto nuevo (sin cookies: una sesión nueva) con el observador inyectado. Cada acción
    (escribir, hacer clic) espera hasta `timeout_s`, como `--limite`: con veinte pestañas en 2 núcleos
    un clic puede esperar más de un minuto a que la página responda, y eso se mide, no es un error."""
    context = browser.new_context(viewport={"width": 1366, "height": 900}, locale="es-CO",
                                  timezone_id="America/Bogota", reduced_motion="reduce")
    context.set_default_timeout(timeout_s * 1000)
    context.add_init_script(WATCH_JS)
    return context


def arm(page) -> None:
    """Marca el instante cero de la próxima acción (reloj de la página)."""
    page.evaluate("() => window.__bench.arm()")


def wait_drawn(page, timeout_s: float = 600) -> dict:
    """Espera a que la página quede completa tras la acción armada; {total_ms, script_ms, runs}.

    Tras abrir una dirección el cero es el inicio de la navegación (el observador nace con la página).
    """
    page.wait_for_function("(ms) => window.__bench && window.__bench.settled(ms)", arg=SETTLE_MS,
                           timeout=timeout_s * 1000, polling=100)
    return page.evaluate("() => window.__bench.result()")


def open_url(page, url: str, timeout_s: float = 600) -> dict:
    """Abre una dirección (una sesión nueva) y espera a que quede dibujada."""
    page.goto(url, timeout=timeout_s * 1000)
    return wait_drawn(page, timeout_s)


def page_errors(page) -> list[str]:
    """Excepciones, mensajes de error y diálogos a la vista («Page not found»)."""
    found = [f"excepción: {t[:300]}" for t in page.get_by_test_id("stException").all_inner_texts()]
    found += [f"error: {t[:300]}" for t in page.get_by_test_id("stAlertContentError").all_inner_texts()]
    found += [f"diálogo: {d.inner_text()[:200]}" for d in page.get_by_role("dialog").all() if d.is_visible()]
    return found


# -- Pasos de una persona ---------------------------------------------------------------------------
def type_cut_off(page, when: date) -> None:
    """Escribe la fecha en el campo de la barra lateral sin confirmarla (el campo envía al salir)."""
    from tests.browser.helpers import CUT_OFF_KEY, get_by_key
    field_ = get_by_key(page, CUT_OFF_KEY)
    for segment, digits in (("year", f"{when.year:04d}"), ("month", f"{when.month:02d}"),
                            ("day", f"{when.day:02d}")):
        field_.locator(f"[role=spinbutton][data-type={segment}]").click()
        page.keyboard.type(digits)


def commit_cut_off(page) -> None:
    """Sale del campo con Tab: el campo envía la fecha y el tablero corre de nuevo."""
    from tests.browser.helpers import CUT_OFF_KEY, get_by_key, tab_out_of
    tab_out_of(page, get_by_key(page, CUT_OFF_KEY))


def shows_cut_off(page, when: date) -> bool:
    from tests.browser.helpers import long_date
    return long_date(when) in page.get_by_test_id("stSidebar").inner_text()


def choose_cut_off(page, when: date, timeout_s: float = 600) -> dict:
    """Escribe una fecha de corte y mide desde que se confirma hasta la página dibujada."""
    type_cut_off(page, when)
    arm(page)
    commit_cut_off(page)
    result = wait_drawn(page, timeout_s)
    if not shows_cut_off(page, when):
        result["error"] = f"la barra lateral no muestra la fecha {when.isoformat()}"
    return result


def click_measured(page, target, timeout_s: float = 600) -> dict:
    arm(page)
    target.click()
    return wait_drawn(page, timeout_s)


def sign_in_leader(page, base_url: str, timeout_s: float = 600) -> None:
    """Abre el tablero e ingresa como líder de TI por el formulario de la barra lateral."""
    open_url(page, base_url + "/", timeout_s)
    sidebar = page.get_by_test_id("stSidebar")
    sidebar.get_by_label("Usuario", exact=True).fill(LEADER[0])
    sidebar.get_by_label("Contraseña", exact=True).fill(LEADER[1])
    click_measured(page, sidebar.get_by_role("button", name="Ingresar"), timeout_s)
    sidebar.get_by_role("button", name="Cerrar sesión").wait_for(timeout=timeout_s * 1000)


def go_to(page, title: str, timeout_s: float = 600) -> dict:
    """Pasa a otra página por el menú (en la misma sesión) y mide hasta que queda dibujada."""
    from tests.browser.helpers import nav_link
    return click_measured(page, nav_link(page, title), timeout_s)


def _selected(page, key: str) -> str:
    from tests.browser.helpers import get_by_key
    return get_by_key(page, key).get_by_role("combobox").input_value()


def _choose(page, key: str, text: str, timeout_s: float) -> None:
    from tests.browser.helpers import get_by_key
    get_by_key(page, key).get_by_role("combobox").click()
    page.keyboard.type(text)
    option = page.get_by_role("option").filter(has_text=text).first
    click_measured(page, option, timeout_s)


def _fill(page, selector: str, text: str, timeout_s: float) -> None:
    from tests.browser.helpers import tab_out_of
    box = page.locator(selector)
    if box.input_value() == text:
        return
    box.fill(text)
    arm(page)
    tab_out_of(page, box)
    wait_drawn(page, timeout_s)


def prepare_correction(page, code: str, timeout_s: float = 600) -> None:
    """En «Reportar avance»: el indicador `code`, su último periodo reportado, motivo y análisis.

    El valor queda el vigente (el formulario lo trae): cada guardado es una corrección válida."""
    if not _selected(page, "rep_indicador").startswith(f"{code} "):
        _choose(page, "rep_indicador", code, timeout_s)
    if "reportado:" not in _selected(page, f"rep_periodo_{code}"):
        _choose(page, f"rep_periodo_{code}", "reportado:", timeout_s)
    _fill(page, "[class*='st-key-rep_motivo_'] textarea", REASON, timeout_s)
    _fill(page, "[class*='st-key-rep_analisis_'] textarea", ANALYSIS, timeout_s)
    confirm = page.locator("[class*='st-key-rep_confirmar_'] input[type=checkbox]")
    if confirm.count() and not confirm.is_checked():
        click_measured(page, page.locator("[class*='st-key-rep_confirmar_'] label"), timeout_s)


def save_correction(page, timeout_s: float = 600) -> dict:
    """Pulsa «Guardar corrección» y mide hasta la página dibujada con el aviso de guardado."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeoutError
    button = page.locator("[class*='st-key-rep_guardar_']").get_by_role("button")
    result = click_measured(page, button, timeout_s)
    notice = page.get_by_test_id("stAlertContentSuccess").filter(has_text="Se guardó")
    if notice.count() == 0 and not page_errors(page):
        # con la máquina cargada, la corrida de st.rerun que muestra el aviso puede empezar más de
        # SETTLE_MS después de la del guardado: se espera el aviso y la página completa otra vez
        try:
            notice.first.wait_for(timeout=min(timeout_s, 60) * 1000)
            result = wait_drawn(page, timeout_s)
        except PlaywrightTimeoutError:
            pass
    if notice.count() == 0:
        result["error"] = "; ".join(page_errors(page)) or "no apareció el aviso «Se guardó»"
    return result


# -- Cifras -----------------------------------------------------------------------------------------
def median(xs) -> float | None:
    xs = [x for x in xs if x is not None]
    return statistics.median(xs) if xs else None


def percentile(xs, q: float) -> float | None:
    """Percentil por interpolación lineal (q entre 0 y 100), como numpy por omisión."""
    xs = sorted(x for x in xs if x is not None)
    if not xs:
        return None
    k = (len(xs) - 1) * q / 100
    lo, hi = int(k), min(int(k) + 1, len(xs) - 1)
    return xs[lo] + (xs[hi] - xs[lo]) * (k - lo)


def ratio(a, b) -> float | None:
    return a / b if a is not None and b else None


def fmt_num(x, digits: int = 0, suffix: str = "") -> str:
    """Número con coma decimal (como el tablero); «–» si no hay dato."""
    if x is None:
        return "–"
    text = f"{x:,.{digits}f}".replace(",", "\u2009").replace(".", ",").replace("\u2009", ".")
    return text + suffix


def text_table(rows: list[tuple]) -> str:
    """Tabla de texto: primera fila de títulos, primera columna a la izquierda y el resto a la derecha."""
    rows = [tuple(str(c) for c in r) for r in rows]
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    lines = [" | ".join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(r, widths)))
             for r in rows]
    lines.insert(1, "-+-".join("-" * w for w in widths))
    return "\n".join(lines)


def parse_browser_arguments(parser, argv: list[str] | None, pages: dict[str, tuple[str, str]], page_help: str):
    """Añade --pagina, --lanzador, --limite y --json, lee los argumentos (`ruta`: la dirección de la
    página) y hace que SIGTERM detenga servidores y Chromium."""
    parser.add_argument("--pagina", choices=list(pages), default="resumen", help=page_help)
    parser.add_argument("--lanzador", choices=["auto", "serve", "streamlit"], default="auto",
                        help="auto: scripts/serve.py si existe, si no streamlit run dashboard.py")
    parser.add_argument("--limite", type=float, default=600, help="segundos máximos de espera por paso (600)")
    parser.add_argument("--json", type=Path, help="además, escribir todas las cifras en este archivo JSON")
    args = parser.parse_args(argv)
    args.ruta = "/" + pages[args.pagina][0]
    stop_cleanly_on_sigterm()
    return args


def stop_cleanly_on_sigterm() -> None:
    """SIGTERM (p. ej. de `timeout`) sale por los `finally`: los servidores y Chromium se detienen."""
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))


def machine_load() -> str:
    """La carga de la máquina (promedios de 1, 5 y 15 minutos) y sus CPU."""
    one, five, fifteen = os.getloadavg()
    return f"carga {one:.2f} / {five:.2f} / {fifteen:.2f} con {os.cpu_count()} CPU"


def chromium(pw):
    """El Chromium de Debian sin interfaz, con las opciones de las pruebas en navegador."""
    from tests.browser.helpers import CHROMIUM, CHROMIUM_ARGS
    return pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)


def mb(n: int | None) -> float | None:
    return None if n is None else n / 2**20


def short_error(exc: BaseException) -> str:
    return re.sub(r"\s+", " ", f"{type(exc).__name__}: {exc}")[:300]

