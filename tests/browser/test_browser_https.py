"""The deployment, end to end: the dashboard as tablero.service starts it, behind the project's nginx
site over HTTPS with a throwaway certificate, signed into through https:// in Chromium.

Chromium resolves the site's real server_name to 127.0.0.1, so the browser sends the same Host and
Origin as on the intranet and the WebSocket's same-origin check runs as it will in production
(localhost would be let through whatever the proxy headers). nginx runs as a foreground child with
a temporary prefix, on free ports; nothing of the machine's own nginx is touched.
"""
from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from metrics import accounts, seed
from tests.browser.helpers import (
    CHROMIUM, CHROMIUM_ARGS, AppServer, ConsoleLog, assert_clean, find_free_port, goto, sign_in_to_stay,
)
from tests.deploy import files
from tests.deploy.files import HOSTNAME
from ui.auth import SECURE_COOKIE

LEADER = next(a for a in accounts.DEMO_ACCOUNTS if a[2] == "lider")   # (user, name, role, process, password)


@dataclass
class Stack:
    app: AppServer
    nginx: files.Nginx
    db: Path
    folder: Path
    http_port: int
    https_port: int

    @property
    def url(self) -> str:
        return f"https://{HOSTNAME}:{self.https_port}"

    def logs(self) -> str:
        return f"--- streamlit ---\n{self.app.log()[-5000:]}\n--- nginx ---\n{self.nginx.log()[-5000:]}"


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    folder = tmp_path_factory.mktemp("https")
    ports = set()
    while len(ports) < 3:
        ports.add(find_free_port())
    app_port, http_port, https_port = ports
    db = folder / "datos" / "tablero.duckdb"
    db.parent.mkdir()
    seed.open_demo(db).close()   # the demo values and accounts at the production path (only the default path builds itself)
    app = files.dashboard_as_installed(folder, db, app_port).start()
    (folder / "nginx").mkdir()
    try:
        cert, key = files.make_certificate(folder)
        conf = files.render_nginx(folder / "nginx", http_port, https_port, app_port, cert, key)
        nginx = files.Nginx(conf).start(https_port)
    except BaseException:
        app.stop()
        raise
    yield Stack(app, nginx, db, folder, http_port, https_port)
    nginx.stop()
    app.stop()


@pytest.fixture()
def page(browser: Browser, console: ConsoleLog) -> Iterator[Page]:
    """A Chromium that resolves the site's hostname to this machine (its own launch: a browser-wide flag)."""
    mapped = browser.browser_type.launch(executable_path=CHROMIUM, headless=True,
                                         args=CHROMIUM_ARGS + [f"--host-resolver-rules=MAP {HOSTNAME} 127.0.0.1"])
    context = mapped.new_context(ignore_https_errors=True, viewport={"width": 1366, "height": 900}, locale="es-CO",
                                 timezone_id="America/Bogota")
    context.set_default_timeout(20_000)
    tab = context.new_page()
    console.attach(tab)
    yield tab
    context.close()
    mapped.close()


def test_http_is_sent_to_https_and_the_app_answers_only_through_nginx(stack: Stack):
    status, headers, _ = files.fetch(f"http://127.0.0.1:{stack.http_port}/procesos?proceso=TI")
    assert status == 301 and headers["Location"] == f"https://{HOSTNAME}/procesos?proceso=TI", stack.logs()
    status, headers, body = files.fetch(f"https://127.0.0.1:{stack.https_port}/_stcore/health")
    assert (status, body) == (200, b"ok"), stack.logs()
    assert headers["X-Content-Type-Options"] == "nosniff"
    status, _, _ = files.fetch(f"https://127.0.0.1:{stack.https_port}/_stcore/upload_file/x/y", method="PUT",
                               data=b"0" * 11 * 1024 * 1024)
    assert status == 413   # bigger than client_max_body_size, stopped by nginx


def test_sign_in_over_https_with_a_live_websocket(stack: Stack, page: Page, console: ConsoleLog):
    sockets: list[str] = []
    page.on("websocket", lambda ws: sockets.append(ws.url))
    goto(page, stack.url)
    assert f"wss://{HOSTNAME}:{stack.https_port}/_stcore/stream" in sockets, (sockets, stack.logs())
    user, full_name, _, _, password = LEADER
    sign_in_to_stay(page, user, password)
    sidebar = page.get_by_test_id("stSidebar")
    expect(sidebar).to_contain_text(full_name)
    expect(sidebar.get_by_role("button", name="Cerrar sesión")).to_be_visible()
    assert_clean(page, console, "signed in over https")
    cookie = next((c for c in page.context.cookies() if c["name"] == SECURE_COOKIE), None)
    assert cookie is not None and cookie["secure"], "over https the session cookie must be Secure"
    page.reload()   # a new WebSocket, the session found again through the Secure cookie
    page.wait_for_selector("[data-testid='stAppViewContainer']")
    expect(sidebar).to_contain_text(full_name)


def test_backup_and_restore_wait_for_the_dashboard_to_stop(stack: Stack, page: Page):
    """Why tablero-respaldo.service stops the dashboard first: DuckDB lets one process open the file.
    A restore is refused too, and touches nothing, while the dashboard runs."""
    goto(page, stack.url)   # a session: the dashboard has the database open
    refused = files.run_backup(stack.folder, stack.db)
    assert refused.returncode == 1 and "está en uso por otro programa" in refused.stderr, refused.stderr
    restore = subprocess.run([sys.executable, "-m", "metrics.admin", "--db", str(stack.db), "restaurar", "--origen",
                              str(stack.db)], cwd=files.ROOT, capture_output=True, text=True, timeout=120)
    assert restore.returncode == 1 and "está en uso por otro programa" in restore.stderr, restore.stderr
    assert not [p for p in stack.db.parent.iterdir() if "antes-de-restaurar" in p.name or p.name.startswith(".")]
    stack.app.stop()   # what the unit does: stop, back up, start again
    done = files.run_backup(stack.folder, stack.db)
    stack.app.start()
    assert done.returncode == 0 and "guardada y verificada" in done.stdout, done.stderr
    goto(page, stack.url)
    expect(page.get_by_test_id("stSidebar")).to_contain_text("Fecha de corte")
