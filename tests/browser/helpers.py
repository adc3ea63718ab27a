"""What the browser tests share: the server, waiting for Streamlit, the clean-page gate and axe.

Modelled on Streamlit's own `e2e_playwright/conftest.py` and `shared/app_utils.py`: small helpers,
each of which waits for the app run it causes, so a test reads as a list of user actions.

The app runs as a real `streamlit run dashboard.py` on a free port with its own DuckDB file (a
new demo base, built before the server starts), and the browser is Debian's Chromium: Playwright's
downloaded browsers are never used, so the suite also runs offline.
"""
from __future__ import annotations

import csv
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Final

from playwright.sync_api import Download, Locator, Page, expect
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

# region Constants

ROOT: Final = Path(__file__).resolve().parents[2]
CHROMIUM: Final = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS: Final = [
    "--no-sandbox",                       # containers and CI runners have no user namespaces
    "--disable-gpu",
    "--disable-dev-shm-usage",            # small /dev/shm in containers
    "--disable-background-networking",    # no calls home: the suite must run offline
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]
AXE_JS: Final = ROOT / "node_modules" / "axe-core" / "axe.min.js"
AXE_TAGS: Final = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
SERVER_START_TIMEOUT: Final = 60.0
RUN_TIMEOUT_MS: Final = 30_000

# Every page of the app: (title in the menu, url path, a query string for its deep link).
# The default page lives at "/"; Streamlit ignores the url_path of the default page.
# A new page (e.g. "Reportar avance") only needs a row here to be opened, checked and scanned by axe.
PAGES: Final = [
    ("Resumen", "", ""),
    ("Objetivos y visión", "objetivos", ""),
    ("Plan de Acción", "actividades", ""),
    ("Procesos", "procesos", "proceso=TI"),
    ("Indicador", "indicador", "indicador=GD-05"),
    ("Modo reunión", "reunion", ""),
    ("Informes y exportaciones", "exportar", ""),
]

# endregion

# region Server


def find_free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class AppServer:
    """One `streamlit run dashboard.py` with its own database, output in a file (a PIPE can fill up).

    Parameters
    ----------
    db_path : Path
        The PERSONERIA_DB for this server; it must exist (only data/demo.duckdb builds itself).
    log_path : Path
        Where the server's stdout and stderr go.
    """

    db_path: Path
    log_path: Path
    port: int = field(default_factory=find_free_port)
    process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://localhost:{self.port}"

    def start(self) -> "AppServer":
        env = {**os.environ, "PERSONERIA_DB": str(self.db_path)}
        cmd = [sys.executable, "-m", "streamlit", "run", "dashboard.py",
               "--server.headless", "true", "--server.port", str(self.port),
               "--browser.gatherUsageStats", "false", "--server.fileWatcherType", "none"]
        with open(self.log_path, "wb") as log:
            # Own process group, so stopping it also stops anything it spawned (Kaleido's Chromium).
            self.process = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
                                            start_new_session=True)
        self._wait_healthy()
        return self

    def _wait_healthy(self) -> None:
        deadline = time.monotonic() + SERVER_START_TIMEOUT
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"streamlit exited with code {self.process.returncode}:\n{self.log()}")
            try:
                with urllib.request.urlopen(f"{self.url}/_stcore/health", timeout=2) as r:
                    if r.read().decode().strip() == "ok":
                        return
            except OSError:
                pass
            time.sleep(0.2)
        self.stop()
        raise RuntimeError(f"streamlit not healthy after {SERVER_START_TIMEOUT:.0f} s:\n{self.log()}")

    def stop(self) -> None:
        stop_group(self.process)

    def log(self) -> str:
        try:
            return self.log_path.read_text(errors="replace")
        except FileNotFoundError:
            return "(no log)"


def stop_group(process: subprocess.Popen | None) -> None:
    """Stop a server started in a process group of its own (and its children): SIGTERM, then SIGKILL."""
    if process is None or process.poll() is not None:
        return
    for sig, wait in ((signal.SIGTERM, 10), (signal.SIGKILL, 5)):
        try:
            os.killpg(process.pid, sig)
        except ProcessLookupError:
            return
        try:
            process.wait(wait)
            return
        except subprocess.TimeoutExpired:
            continue


# endregion

# region Waiting for Streamlit


def wait_for_app_run(page: Page, wait_delay: int = 210) -> None:
    """Wait until the script run caused by the last action has finished and drawn everything.

    Parameters
    ----------
    page : Page
        The browser tab.
    wait_delay : int
        Milliseconds to wait first: widgets debounce their changes before the rerun starts, so
        without it the app can still look idle from before the action.
    """
    page.wait_for_timeout(wait_delay)
    page.wait_for_selector("[data-testid='stApp'][data-test-connection-state='CONNECTED']",
                           state="attached", timeout=RUN_TIMEOUT_MS)
    page.wait_for_selector("[data-testid='stApp'][data-test-script-state='notRunning']",
                           state="attached", timeout=RUN_TIMEOUT_MS)
    expect(page.get_by_test_id("stSkeleton")).to_have_count(0, timeout=RUN_TIMEOUT_MS)
    wait_for_charts(page)


def wait_for_charts(page: Page) -> None:
    """Plotly draws after the run ends; wait until every chart on the page has its SVG."""
    page.wait_for_function(
        """() => [...document.querySelectorAll('[data-testid=stPlotlyChart]')]
                 .every(c => c.querySelector('.main-svg'))""",
        timeout=RUN_TIMEOUT_MS)


def goto(page: Page, base_url: str, path: str = "", query: str = "") -> None:
    """Open an app url (a fresh session, so the fecha de corte is today) and wait for its run."""
    page.goto(f"{base_url}/{path}" + (f"?{query}" if query else ""))
    page.wait_for_selector("[data-testid='stAppViewContainer']", timeout=RUN_TIMEOUT_MS)
    wait_for_app_run(page)


def click_and_wait(page: Page, target: Locator) -> None:
    """Click a link, button or menu entry and wait for the run it triggers."""
    target.click()
    wait_for_app_run(page)


def get_by_key(page: Page, key: str) -> Locator:
    """The element of a keyed widget (Streamlit adds the class `st-key-<key>`)."""
    return page.locator(f".st-key-{key}")


def nav_link(page: Page, title: str) -> Locator:
    """The entry of the navigation menu with this title."""
    return page.get_by_test_id("stSidebarNav").get_by_role("link", name=title, exact=True)


def selectbox_value(page: Page, key: str) -> str:
    """The label a keyed st.selectbox shows."""
    return get_by_key(page, key).get_by_role("combobox").input_value()


# endregion

# region Fecha de corte


CUT_OFF_KEY: Final = "fecha_corte"
MONTHS: Final = ["enero", "febrero", "marzo", "abril", "mayo", "junio", "julio", "agosto", "septiembre",
                 "octubre", "noviembre", "diciembre"]


def long_date(d: date) -> str:
    """A date as the app writes it in prose: 31 de diciembre de 2024."""
    return f"{d.day} de {MONTHS[d.month - 1]} de {d.year}"


def set_cut_off(page: Page, when: date) -> None:
    """Type a fecha de corte into the sidebar's segmented date field, as a user would.

    st.date_input is a react-aria DateField: one spin button per segment (day / month / year in
    DD/MM/YYYY). Typing into a segment replaces it; the widget sends its value only when focus
    leaves the field (Tab out or a click elsewhere; Enter does not commit). Year first and day
    last, so the day never meets a month too short for it.
    """
    field_ = get_by_key(page, CUT_OFF_KEY)
    for segment, digits in (("year", f"{when.year:04d}"), ("month", f"{when.month:02d}"),
                            ("day", f"{when.day:02d}")):
        field_.locator(f"[role=spinbutton][data-type={segment}]").click()
        page.keyboard.type(digits)
    tab_out_of(page, field_)
    wait_for_app_run(page)
    expect(page.get_by_test_id("stSidebar")).to_contain_text(long_date(when))


def tab_out_of(page: Page, widget: Locator, max_tabs: int = 8) -> None:
    """Press Tab until the keyboard focus is outside `widget` (which then commits its value)."""
    for _ in range(max_tabs):
        if not widget.evaluate("e => e.contains(document.activeElement)"):
            return
        page.keyboard.press("Tab")
    raise AssertionError(f"focus still inside the widget after {max_tabs} Tabs")


# endregion

# region Clean-page gate

# Console messages that are not our bugs. Each entry: (regex on "text @ url", why it is harmless).
CONSOLE_ALLOWLIST: Final = [
    (r"status of 404 .*@ https?://[^/]+/[^?]+/_stcore/(health|host-config)$",
     "On a page url such as /procesos, Streamlit's frontend looks for its server under the "
     "page path first (/procesos/_stcore/health, then host-config), gets 404 and falls back to /."),
]


@dataclass
class ConsoleLog:
    """Console errors and uncaught exceptions of one tab, minus the allow-list."""

    errors: list[str] = field(default_factory=list)

    def attach(self, page: Page) -> "ConsoleLog":
        page.on("console", lambda m: m.type == "error" and self._add(f"{m.text} @ {m.location.get('url', '')}"))
        page.on("pageerror", lambda e: self._add(f"uncaught: {e}"))
        return self

    def _add(self, line: str) -> None:
        if not any(re.search(pattern, line) for pattern, _ in CONSOLE_ALLOWLIST):
            self.errors.append(line)

    def take(self) -> list[str]:
        """The errors so far, and forget them."""
        errors, self.errors = self.errors, []
        return errors


def assert_clean(page: Page, console: ConsoleLog, where: str = "") -> None:
    """Fail on a Python exception, an st.error, a dialog (e.g. "Page not found") or a console error."""
    where = where or page.url
    problems = []
    for exc in page.get_by_test_id("stException").all():
        problems.append(f"exception: {exc.inner_text()[:800]}")
    for err in page.get_by_test_id("stAlertContentError").all():
        problems.append(f"st.error: {err.inner_text()[:400]}")
    for dialog in page.get_by_role("dialog").all():
        if dialog.is_visible():
            problems.append(f"dialog: {dialog.inner_text()[:400]}")
    problems += [f"console: {e}" for e in console.take()]
    assert not problems, f"{where} is not clean:\n  " + "\n  ".join(problems)


def open_sidebar(page: Page) -> None:
    """Unfold the sidebar if the page folded it (Modo reunión does, on entry)."""
    if page.get_by_test_id("stSidebar").get_attribute("data-collapsed") == "true":
        page.get_by_test_id("stExpandSidebarButton").click()
        expect(page.get_by_test_id("stSidebar")).to_have_attribute("data-collapsed", "false")


def assert_full_app(page: Page) -> None:
    """The page ran inside dashboard.py: sidebar with the fecha de corte and the sectioned menu."""
    sidebar = page.get_by_test_id("stSidebar")
    expect(sidebar).to_be_visible()
    expect(get_by_key(page, CUT_OFF_KEY)).to_contain_text("Fecha de corte")
    expect(nav_link(page, "Resumen")).to_be_visible()
    expect(page.get_by_test_id("stNavSectionHeader").first).to_be_visible()


# endregion

# region Accessibility (axe-core)


@dataclass(frozen=True)
class Baseline:
    """A known violation inside Streamlit's own chrome that our code cannot fix.

    A node is excused when axe reports it under `rule` and it sits inside an element matching
    the CSS selector `within` (a stable data-testid, never an emotion class that changes per build).
    """

    rule: str
    within: str
    why: str


# Kept short on purpose: only Streamlit's own markup, never our content.
AXE_BASELINE: Final[list[Baseline]] = [
    Baseline("list", "[data-testid=stSidebarNav]",
             "With sections, Streamlit's menu puts each section in a <div> (header + links) directly "
             "inside the <ul data-testid=stSidebarNavItems>; only <li> may be children of a <ul>."),
    Baseline("listitem", "[data-testid=stSidebarNav]",
             "The same markup seen from the links: each <li> sits in that section <div>, not in the "
             "<ul>. Screen readers still announce the links; only the list semantics are lost."),
]

_AXE_RUN = """async ([tags, baseline]) => {
    const result = await axe.run(document, {runOnly: {type: 'tag', values: tags},
                                            resultTypes: ['violations']});
    const excused = (rule, node) => baseline.some(([r, within]) => {
        if (r !== rule || node.target.length !== 1) return false;
        const el = document.querySelector(node.target[0]);
        return el !== null && el.closest(within) !== null;
    });
    // Emotion class names change per build: say where a node is in Streamlit's own terms.
    const WRAPPERS = ['stScreencast', 'stApp', 'stAppViewContainer', 'stSidebarContent',
                      'stSidebarUserContent', 'stMainBlockContainer', 'stVerticalBlock',
                      'stElementContainer', 'stLayoutWrapper', 'stHorizontalBlock',
                      'stMarkdownContainer'];
    const where = (node) => {
        const el = node.target.length === 1 ? document.querySelector(node.target[0]) : null;
        if (el === null) return '';
        const parts = [];
        for (let e = el; e !== null; e = e.parentElement) {
            const key = [...e.classList].find(c => c.startsWith('st-key-'));
            const id = e.getAttribute('data-testid');
            if (key) parts.push(key);
            else if (id && !WRAPPERS.includes(id)) parts.push(id);
        }
        return parts.reverse().join(' > ');
    };
    return result.violations
        .filter(v => v.impact === 'serious' || v.impact === 'critical')
        .map(v => ({...v, nodes: v.nodes.map(n => ({...n, excused: excused(v.id, n), where: where(n)}))}));
}"""


def switch_color_scheme(page: Page, scheme: str) -> bool:
    """Emulate the browser's light/dark preference; whether the app's background changed.

    Streamlit follows the preference live when the app does not pin `theme.base`.
    """
    before = page.evaluate("getComputedStyle(document.querySelector('[data-testid=stApp]')).backgroundColor")
    page.emulate_media(color_scheme=scheme)
    try:
        page.wait_for_function(
            "(before) => getComputedStyle(document.querySelector('[data-testid=stApp]')).backgroundColor !== before",
            arg=before, timeout=2_000)
    except PlaywrightTimeoutError:
        return False
    wait_for_charts(page)
    page.wait_for_timeout(300)  # let the theme transition finish before measuring contrast
    return True


def run_axe(page: Page) -> list[dict]:
    """Run axe-core on the whole document; the serious and critical violations.

    Each node carries `excused`: whether the baseline explains it.
    """
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.add_script_tag(path=str(AXE_JS))
    return page.evaluate(_AXE_RUN, [AXE_TAGS, [[b.rule, b.within] for b in AXE_BASELINE]])


def unexplained(violations: list[dict]) -> list[dict]:
    """The violations left after removing the nodes the baseline explains."""
    left = []
    for v in violations:
        nodes = [n for n in v["nodes"] if not n["excused"]]
        if nodes:
            left.append({**v, "nodes": nodes})
    return left


def describe(violations: list[dict]) -> str:
    """A readable list: rule, impact, help, and each node's selector and HTML."""
    lines = []
    for v in violations:
        lines.append(f"[{v['impact']}] {v['id']}: {v['help']} ({v['helpUrl']})")
        for n in v["nodes"][:10]:
            lines.append(f"    in {n.get('where') or '?'}\n      {' '.join(map(str, n['target']))}\n"
                         f"      {n['html'][:300]}")
            if n.get("failureSummary"):
                lines.append("      " + n["failureSummary"].replace("\n", "\n      ")[:400])
        if len(v["nodes"]) > 10:
            lines.append(f"    … and {len(v['nodes']) - 10} more")
    return "\n".join(lines)


# endregion

# region Seed data the tests navigate by


def process_names() -> dict[str, str]:
    """Process code → name, from the seed the demo base is built from."""
    with open(ROOT / "data" / "seed" / "processes.csv", newline="", encoding="utf-8") as f:
        return {row["code"]: row["name"] for row in csv.DictReader(f)}


# endregion

# region Extension points (features other people are adding)


def sign_in(page: Page, user: str, password: str, *, user_label: str = "Usuario",
            password_label: str = "Contraseña", button: str = "Ingresar") -> None:
    """Sign in through the sidebar form; the labels are parameters until that form exists."""
    sidebar = page.get_by_test_id("stSidebar")
    sidebar.get_by_label(user_label, exact=True).fill(user)
    sidebar.get_by_label(password_label, exact=True).fill(password)
    click_and_wait(page, sidebar.get_by_role("button", name=button))


def sign_in_to_stay(page: Page, user: str, password: str) -> None:
    """Sign in and wait until the session cookie is set, so a new page load keeps the session."""
    sign_in(page, user, password)
    page.wait_for_function("() => document.cookie.includes('tablero_sesion=')", timeout=30_000)


def download(page: Page, trigger: Locator) -> tuple[str, bytes]:
    """Click a download button; returns the suggested file name and the bytes."""
    with page.expect_download() as info:
        trigger.click()
    d: Download = info.value
    return d.suggested_filename, Path(d.path()).read_bytes()


FILE_SIGNATURES: Final = {  # how each exported format starts
    "png": b"\x89PNG\r\n\x1a\n",
    "pdf": b"%PDF-",
    "xlsx": b"PK\x03\x04",
    "svg": b"<svg",
}


def looks_like(data: bytes, kind: str) -> bool:
    """Whether downloaded bytes are a file of this kind (SVG may start with an XML prolog)."""
    head = data.lstrip()[:512]
    return FILE_SIGNATURES[kind] in head if kind == "svg" else head.startswith(FILE_SIGNATURES[kind])


# endregion

# region Workflows (reading tables and metrics, choosing options, slow downloads)


def metric_value(page: Page, label: str) -> str:
    """The value an st.metric with this label shows (the first one on the page)."""
    metric = page.get_by_test_id("stMetric").filter(
        has=page.get_by_test_id("stMetricLabel").get_by_text(label, exact=True)).first
    return metric.get_by_test_id("stMetricValue").inner_text().strip()


def dataframe_with_column(page: Page, header: str) -> Locator:
    """The first st.dataframe with a column of this header."""
    return page.get_by_test_id("stDataFrame").filter(has=page.locator(f"th:text-is('{header}')")).first


_GRID_ROWS = """frame => [...frame.querySelectorAll('table[role=grid] tbody tr')].map(
    tr => [Number(tr.getAttribute('aria-rowindex')), [...tr.querySelectorAll('td')].map(td => td.textContent)])"""
_GRID_SCROLL = """frame => {
    const s = frame.querySelector('.dvn-scroller');
    if (s === null || s.scrollTop + s.clientHeight >= s.scrollHeight - 1) return null;
    const first = frame.querySelector('table[role=grid] tbody tr')?.getAttribute('aria-rowindex');
    s.scrollTop += Math.max(s.clientHeight - 80, 40);
    return first;
}"""


def dataframe_rows(frame: Locator) -> list[list[str]]:
    """Every body row of an st.dataframe as cell texts, in order.

    The grid draws on a canvas; its text is in the accessible <table role=grid> Glide keeps inside
    the canvas, which holds only the rows in view, so the grid is scrolled to collect them all.
    """
    frame.locator("table[role=grid] tbody td").first.wait_for(state="attached")
    n_rows = int(frame.locator("table[role=grid]").get_attribute("aria-rowcount")) - 1
    rows: dict[int, list[str]] = {}
    for _ in range(200):
        rows.update(dict(frame.evaluate(_GRID_ROWS)))
        if len(rows) >= n_rows:
            break
        first = frame.evaluate(_GRID_SCROLL)
        if first is None:
            break
        frame.page.wait_for_function(
            """([frame, first]) => frame.querySelector('table[role=grid] tbody tr')
                                      ?.getAttribute('aria-rowindex') !== first""",
            arg=[frame.element_handle(), first], timeout=5_000)
    assert len(rows) == n_rows, f"read {len(rows)} of the {n_rows} rows of the table"
    return [rows[k] for k in sorted(rows)]


def choose_option(page: Page, key: str, text: str) -> None:
    """Pick the option of a keyed st.selectbox that contains `text` (typed to filter, then clicked)."""
    get_by_key(page, key).get_by_role("combobox").click()
    page.keyboard.type(text)
    page.get_by_role("option").filter(has_text=text).first.click()
    wait_for_app_run(page)


def fill_and_commit(page: Page, field_: Locator, text: str) -> None:
    """Type into a text input or area and Tab out, so Streamlit receives the value and reruns."""
    field_.fill(text)
    tab_out_of(page, field_)
    wait_for_app_run(page)


def download_within(page: Page, trigger: Locator, timeout_ms: float) -> tuple[str, bytes]:
    """`download` for a file the server builds on click (a chart rendered by kaleido can take ~20 s)."""
    with page.expect_download(timeout=timeout_ms) as info:
        trigger.click()
    d: Download = info.value
    return d.suggested_filename, Path(d.path()).read_bytes()


# endregion
