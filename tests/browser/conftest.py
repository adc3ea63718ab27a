"""Fixtures for the browser tests: one Chromium per session, one fresh app server per module.

Every item here gets the `browser` marker, so `bash scripts/test.sh -m "not browser"` runs the
fast suite alone.
"""
from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, sync_playwright

from metrics import seed
from tests.browser.helpers import AXE_JS, CHROMIUM, CHROMIUM_ARGS, AppServer, ConsoleLog

_HERE = os.path.dirname(__file__)
_SERVER = pytest.StashKey[AppServer]()


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if str(item.path).startswith(_HERE):
            item.add_marker(pytest.mark.browser)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo) -> Iterator[None]:
    """When a browser test fails, its report carries the server's log (printed with the failure)."""
    outcome = yield
    report = outcome.get_result()
    module = item.getparent(pytest.Module)
    server = module.stash.get(_SERVER, None) if module is not None else None
    if report.failed and server is not None:
        report.sections.append((f"streamlit log ({server.log_path})", server.log()[-20_000:]))


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    """Debian's Chromium, headless; Playwright's own browsers are never downloaded."""
    if not os.access(CHROMIUM, os.X_OK):
        pytest.fail(f"{CHROMIUM} not found: run `bash scripts/setup.sh` (it installs Debian's chromium)")
    if not AXE_JS.exists():
        pytest.fail(f"{AXE_JS} not found: run `bash scripts/setup.sh` (it runs npm ci)")
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture(scope="module")
def app_server(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[AppServer]:
    """A fresh `streamlit run dashboard.py` for this module, on its own new demo database.

    Only data/demo.duckdb builds itself, so the demo is built here first; no module sees another's
    writes (DuckDB allows one writing process).
    """
    tmp = tmp_path_factory.mktemp(request.module.__name__.rsplit(".", 1)[-1])
    seed.open_demo(tmp / "tablero.duckdb").close()
    server = AppServer(db_path=tmp / "tablero.duckdb", log_path=tmp / "streamlit.log").start()
    request.node.stash[_SERVER] = server
    yield server
    server.stop()


@pytest.fixture()
def console() -> ConsoleLog:
    """Console errors of the test's tab (filled by `app_page`)."""
    return ConsoleLog()


@pytest.fixture()
def app_page(browser: Browser, console: ConsoleLog) -> Iterator[Page]:
    """A new tab in a fresh context (no cookies, no session), Spanish locale, laptop-sized."""
    context = browser.new_context(viewport={"width": 1366, "height": 900}, locale="es-CO",
                                  timezone_id="America/Bogota", reduced_motion="reduce")
    context.set_default_timeout(15_000)
    page = context.new_page()
    console.attach(page)
    yield page
    context.close()
