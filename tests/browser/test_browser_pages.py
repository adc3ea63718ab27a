"""Every page opens clean in a real browser, the drill-down links work, and the keyboard reaches
the fecha de corte.

"Clean" (helpers.assert_clean): no Python exception, no st.error, no dialog, no console error.
"""
import re
from datetime import date

import pytest
from playwright.sync_api import expect

from tests.browser.helpers import (
    CUT_OFF_KEY, PAGES, assert_clean, assert_full_app, choose_option, click_and_wait, download_within, get_by_key,
    goto, long_date, nav_link, open_sidebar, process_names, selectbox_value, set_cut_off, tab_out_of,
    wait_for_app_run,
)

PAGE_IDS = [path or "resumen" for _, path, _ in PAGES]
END_OF_VISION = date(2024, 12, 31)


def test_chromium_launches(browser):
    """Smoke: Playwright drives this Chromium at all (it only guarantees its own build)."""
    page = browser.new_page()
    try:
        page.set_content("<p>hola</p>")
        assert page.inner_text("p") == "hola"
        assert "Chrome/" in page.evaluate("navigator.userAgent")
    finally:
        page.close()


@pytest.mark.parametrize(("title", "path", "query"), PAGES, ids=PAGE_IDS)
def test_page_opens_clean_today(app_server, app_page, console, title, path, query):
    goto(app_page, app_server.url, path, query)
    open_sidebar(app_page)

    assert_full_app(app_page)
    expect(nav_link(app_page, title)).to_have_attribute("aria-current", "page")
    expect(app_page.get_by_test_id("stMain").locator("h1")).to_have_count(1)
    expect(app_page.get_by_test_id("stSidebar")).to_contain_text(long_date(date.today()))
    assert_clean(app_page, console)


@pytest.mark.parametrize(("title", "path", "query"), PAGES, ids=PAGE_IDS)
def test_page_opens_clean_at_end_of_vision(app_server, app_page, console, title, path, query):
    goto(app_page, app_server.url, path, query)
    open_sidebar(app_page)
    set_cut_off(app_page, END_OF_VISION)

    expect(nav_link(app_page, title)).to_have_attribute("aria-current", "page")
    assert_clean(app_page, console)


def test_every_menu_page_is_covered(app_server, app_page, console):
    """A page added to the menu must get a row in helpers.PAGES, so it is opened and scanned too."""
    goto(app_page, app_server.url)
    in_menu = app_page.get_by_test_id("stSidebarNavLink").all_inner_texts()
    in_menu = {t.split("\n")[-1].strip() for t in in_menu}
    assert in_menu == {title for title, _, _ in PAGES}, "update helpers.PAGES to match the menu"


def test_cut_off_survives_navigation(app_server, app_page, console):
    goto(app_page, app_server.url)
    set_cut_off(app_page, END_OF_VISION)

    click_and_wait(app_page, nav_link(app_page, "Procesos"))

    expect(get_by_key(app_page, CUT_OFF_KEY).locator("[data-type=year]")).to_have_text("2024")
    expect(app_page.get_by_test_id("stSidebar")).to_contain_text(long_date(END_OF_VISION))
    assert_clean(app_page, console)


def test_drill_down_from_resumen_to_process_to_indicator(app_server, app_page, console):
    """Links, not the menu: Resumen → a process → one of its indicators, in the same tab and the
    same session, so the fecha de corte chosen on Resumen still holds at the end."""
    goto(app_page, app_server.url)
    set_cut_off(app_page, END_OF_VISION)
    main = app_page.get_by_test_id("stMain")

    to_process = main.locator("a[href*='procesos?proceso=']").first
    assert to_process.count(), "Resumen has no link to a process (a[href*='procesos?proceso='])"
    code = to_process.get_attribute("href").rsplit("proceso=", 1)[1].split("&")[0]
    click_and_wait(app_page, to_process)
    expect(nav_link(app_page, "Procesos")).to_have_attribute("aria-current", "page")
    assert process_names()[code] in selectbox_value(app_page, "proceso")
    assert_clean(app_page, console, f"/procesos after clicking the link to {code}")

    to_indicator = main.locator("a[href*='indicador?indicador=']").first
    assert to_indicator.count(), f"process {code} has no link to an indicator"
    indicator = to_indicator.get_attribute("href").rsplit("indicador=", 1)[1].split("&")[0]
    click_and_wait(app_page, to_indicator)
    expect(nav_link(app_page, "Indicador")).to_have_attribute("aria-current", "page")
    assert selectbox_value(app_page, "indicador").startswith(indicator)
    expect(app_page.get_by_test_id("stSidebar")).to_contain_text(long_date(END_OF_VISION))
    assert len(app_page.context.pages) == 1, "a link opened a new tab (a markdown link? use st.page_link)"
    assert_clean(app_page, console, f"/indicador after clicking the link to {indicator}")


def test_keyboard_reaches_and_sets_the_cut_off(app_server, app_page, console):
    """From the top: Tab lands on the skip link first, then reaches the fecha de corte; typing the
    date there and tabbing out applies it, without a mouse."""
    goto(app_page, app_server.url)

    app_page.keyboard.press("Tab")
    expect(app_page.get_by_test_id("stSkipToContent")).to_be_focused()
    day = get_by_key(app_page, CUT_OFF_KEY).locator("[role=spinbutton][data-type=day]")
    for _ in range(40):
        if day.evaluate("e => e === document.activeElement"):
            break
        app_page.keyboard.press("Tab")
    expect(day, "Tab never reached the fecha de corte").to_be_focused()

    app_page.keyboard.type(END_OF_VISION.strftime("%d%m%Y"))  # each segment advances by itself
    tab_out_of(app_page, get_by_key(app_page, CUT_OFF_KEY))
    expect(app_page.get_by_test_id("stSidebar")).to_contain_text(long_date(END_OF_VISION))
    assert_clean(app_page, console)


RENDER_TIMEOUT_MS = 45_000      # the first chart export starts kaleido's Chromium


def test_sections_that_rerun_alone_keep_the_url_and_the_exports(app_server, app_page, console):
    """The comparison date on Resumen and the process chooser rerun their section alone (st.fragment):
    a chart drawn outside the section still downloads afterwards, and the URL follows the process."""
    goto(app_page, app_server.url)
    main = app_page.get_by_test_id("stMain")
    since = get_by_key(app_page, "resumen_desde")
    for segment, digits in (("year", "2024"), ("month", "06"), ("day", "30")):
        since.locator(f"[role=spinbutton][data-type={segment}]").click()
        app_page.keyboard.type(digits)
    tab_out_of(app_page, since)
    wait_for_app_run(app_page)
    expect(main).to_contain_text("Puntaje de la política frente al 30/06/2024")
    name, png = download_within(app_page, get_by_key(app_page, "png-semaforo").get_by_role("button"),
                                RENDER_TIMEOUT_MS)
    assert name.startswith("semaforo_") and png.startswith(b"\x89PNG"), name

    goto(app_page, app_server.url, "procesos", "proceso=TI")
    get_by_key(app_page, "proceso").get_by_role("combobox").click()
    options = app_page.get_by_role("option").all_inner_texts()
    app_page.keyboard.press("Escape")
    names = process_names()
    code = next(c for c, n in names.items() if c != "TI" and any(o.startswith(n) for o in options))
    choose_option(app_page, "proceso", names[code])
    expect(app_page).to_have_url(re.compile(rf"proceso={code}(&|$)"))
    expect(main.get_by_role("heading", name=names[code])).to_be_visible()
    name, png = download_within(app_page, get_by_key(app_page, f"png-tendencia-{code}").get_by_role("button"),
                                RENDER_TIMEOUT_MS)
    assert name.startswith(f"tendencia-{code}_") and png.startswith(b"\x89PNG"), name
    assert_clean(app_page, console, f"/procesos after choosing {code}")
