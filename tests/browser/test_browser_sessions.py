"""Sessions in a real browser: a leader stays signed in across a reload and in a new tab (deep
link) of the same browser, the cookie is SameSite=Strict and never in a URL or another person's
page, and signing out in one tab signs the other out on its next run and after a reload."""
from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from tests.browser.helpers import (
    ConsoleLog, assert_clean, click_and_wait, goto, nav_link, sign_in, sign_in_to_stay, wait_for_app_run,
)

LEADER = ("lider.ti.demo", "Demo-Lider-2024")
COOKIE = "tablero_sesion"


@pytest.fixture()
def context(browser: Browser) -> Iterator[BrowserContext]:
    """One browser profile (shared cookies) for several tabs."""
    ctx = browser.new_context(viewport={"width": 1366, "height": 900}, locale="es-CO", timezone_id="America/Bogota",
                              reduced_motion="reduce")
    ctx.set_default_timeout(15_000)
    yield ctx
    ctx.close()


def new_tab(context: BrowserContext, console: ConsoleLog) -> Page:
    page = context.new_page()
    console.attach(page)
    return page


def expect_signed_in(page: Page) -> None:
    sidebar = page.get_by_test_id("stSidebar")
    expect(sidebar).to_contain_text("proceso TI")
    expect(sidebar.get_by_role("button", name="Cerrar sesión")).to_be_visible()
    expect(nav_link(page, "Reportar avance")).to_be_visible()


def expect_signed_out(page: Page) -> None:
    sidebar = page.get_by_test_id("stSidebar")
    expect(sidebar.get_by_role("button", name="Ingresar")).to_be_visible()
    expect(sidebar).not_to_contain_text("proceso TI")
    expect(nav_link(page, "Reportar avance")).to_have_count(0)


def session_cookie(context: BrowserContext) -> dict | None:
    return next((c for c in context.cookies() if c["name"] == COOKIE), None)


def test_a_session_survives_reload_and_new_tab_and_ends_everywhere_at_sign_out(app_server, browser, context, console):
    first = new_tab(context, console)
    goto(first, app_server.url)
    sign_in_to_stay(first, *LEADER)
    expect_signed_in(first)
    cookie = session_cookie(context)
    assert cookie is not None, "no session cookie after signing in"
    assert cookie["sameSite"] == "Strict" and cookie["path"] == "/" and cookie["expires"] > 0
    token = cookie["value"]
    assert len(token) >= 40 and token not in first.url

    first.reload()
    wait_for_app_run(first)
    expect_signed_in(first)

    second = new_tab(context, console)                       # a deep link opened in a new tab
    goto(second, app_server.url, "reportar")
    expect_signed_in(second)
    expect(second.get_by_test_id("stMain")).to_contain_text("Proceso: TI")
    assert token not in second.url

    stranger = browser.new_context()                         # another person's browser
    try:
        other = stranger.new_page()
        goto(other, app_server.url)
        assert token not in other.content()
        expect_signed_out(other)
    finally:
        stranger.close()

    click_and_wait(first, first.get_by_test_id("stSidebar").get_by_role("button", name="Cerrar sesión"))
    expect_signed_out(first)
    assert session_cookie(context) is None

    click_and_wait(second, nav_link(second, "Resumen"))     # the other tab's next run
    expect_signed_out(second)
    expect(second.get_by_test_id("stSidebar")).to_contain_text("Su sesión terminó")

    for tab in (first, second):
        tab.reload()
        wait_for_app_run(tab)
        expect_signed_out(tab)
        assert_clean(tab, console)

    for _ in range(2):                                       # the cookie scripts also work twice in one page
        sign_in(first, *LEADER)
        expect_signed_in(first)
        assert session_cookie(context) is not None
        click_and_wait(first, first.get_by_test_id("stSidebar").get_by_role("button", name="Cerrar sesión"))
        assert session_cookie(context) is None
    assert_clean(first, console)


def test_a_stale_cookie_of_an_ended_session_does_not_sign_in(app_server, context, console):
    page = new_tab(context, console)
    goto(page, app_server.url)
    sign_in_to_stay(page, *LEADER)
    token = session_cookie(context)["value"]
    click_and_wait(page, page.get_by_test_id("stSidebar").get_by_role("button", name="Cerrar sesión"))
    host = app_server.url.split("//", 1)[1].split(":", 1)[0]
    context.add_cookies([{"name": COOKIE, "value": token, "domain": host, "path": "/", "sameSite": "Strict"}])
    goto(page, app_server.url, "reportar")
    expect_signed_out(page)
    assert session_cookie(context) is None                   # the dead cookie is removed
    assert_clean(page, console)
