"""Screens as people meet them: Enter in the date field, the keyboard and one screen per slide in
Modo reunión (projector sizes), a phone's width, and no English in the page or its tool bars."""
from __future__ import annotations

import re
from datetime import date

import pytest
from playwright.sync_api import Page, expect

from tests.browser.helpers import (
    CUT_OFF_KEY, assert_clean, get_by_key, goto, long_date, open_sidebar, sign_in, sign_in_to_stay,
    wait_for_app_run,
)

# Words of Streamlit's and Plotly's own English interface; none may reach a user.
ENGLISH = ["Download", "Zoom", "Pan", "Autoscale", "Reset", "Upload", "Search", "per file", "Fullscreen",
           "Drag and drop", "Browse files", "Collapse", "Expand", "Show/hide", "Deploy", "Rerun", "Settings",
           "Produced with", "Clear file", "Snapshot", "Double-click"]
ENGLISH_RE = re.compile(r"\b(" + "|".join(re.escape(w) for w in ENGLISH) + r")\b")
SLIDES = 7


def english_on(page: Page) -> list[str]:
    """English words in the visible text and in every label, title or tooltip of the page."""
    found = page.evaluate("""() => {
      const texts = [document.body.innerText];
      for (const el of document.querySelectorAll('[aria-label], [title], [data-title], [placeholder]'))
        for (const a of ['aria-label', 'title', 'data-title', 'placeholder'])
          if (el.getAttribute(a)) texts.push(el.getAttribute(a));
      return texts;
    }""")
    return sorted({m.group(0) + f" («{t[:80]}»)" for t in found for m in ENGLISH_RE.finditer(t)})


def new_tab(browser, width: int, height: int) -> Page:
    context = browser.new_context(viewport={"width": width, "height": height}, locale="es-CO",
                                  timezone_id="America/Bogota", reduced_motion="reduce")
    context.set_default_timeout(15_000)
    return context.new_page()


def test_enter_in_the_date_field_applies_the_date(app_server, app_page, console):
    goto(app_page, app_server.url)
    field_ = get_by_key(app_page, CUT_OFF_KEY)
    for segment, digits in (("year", "2024"), ("month", "12"), ("day", "31")):
        field_.locator(f"[role=spinbutton][data-type={segment}]").click()
        app_page.keyboard.type(digits)
    app_page.keyboard.press("Enter")  # no Tab, no click elsewhere
    wait_for_app_run(app_page)
    expect(app_page.get_by_test_id("stSidebar")).to_contain_text(long_date(date(2024, 12, 31)))
    assert_clean(app_page, console)


def slide_label(page: Page) -> str:
    return page.get_by_text(re.compile(r"Tema \d+ de \d+")).inner_text()


def press(page: Page, key: str) -> None:
    page.keyboard.press(key)
    wait_for_app_run(page)


def test_meeting_mode_folds_the_sidebar_and_follows_the_keyboard(app_server, browser):
    page = new_tab(browser, 1366, 768)
    try:
        goto(page, app_server.url)  # the sidebar is open on Resumen…
        expect(page.get_by_test_id("stSidebar")).to_have_attribute("data-collapsed", "false")
        page.get_by_test_id("stSidebarNav").get_by_role("link", name="Modo reunión", exact=True).click()
        wait_for_app_run(page)
        expect(page.get_by_test_id("stSidebar")).to_have_attribute("data-collapsed", "true")  # …and folds here
        assert "Tema 1 de 7" in slide_label(page)
        for key, expected in (("ArrowRight", 2), ("PageDown", 3), ("ArrowRight", 4), ("ArrowLeft", 3),
                              ("PageUp", 2)):
            press(page, key)
            expect(page.get_by_text(re.compile(rf"Tema {expected} de {SLIDES}"))).to_be_visible()
        expect(page.get_by_test_id("stSidebar")).to_have_attribute("data-collapsed", "true")
    finally:
        page.context.close()


SCROLL = """() => {
  const main = document.querySelector('[data-testid=stMain]');
  return {main: main.scrollHeight - main.clientHeight,
          doc: document.documentElement.scrollHeight - document.documentElement.clientHeight};
}"""


@pytest.mark.parametrize(("width", "height"), [(1366, 768), (1920, 1080)], ids=["1366x768", "1920x1080"])
def test_every_slide_fits_one_screen(app_server, browser, width, height):
    page = new_tab(browser, width, height)
    try:
        goto(page, app_server.url, "reunion")
        tall = []
        for n in range(1, SLIDES + 1):
            expect(page.get_by_text(re.compile(rf"Tema {n} de {SLIDES}"))).to_be_visible()
            over = page.evaluate(SCROLL)
            if max(over.values()) > 2:
                tall.append(f"{slide_label(page)}: {over} px de más")
            if n < SLIDES:
                press(page, "ArrowRight")
        assert not tall, f"slides taller than {width}×{height}:\n" + "\n".join(tall)
    finally:
        page.context.close()


WIDTH = """() => {
  const block = document.querySelector('[data-testid=stMainBlockContainer]');
  const out = [];
  if (block.scrollWidth > block.clientWidth + 1) out.push(`main block ${block.scrollWidth} > ${block.clientWidth}`);
  const right = document.documentElement.clientWidth;
  for (const el of block.querySelectorAll('[data-testid=stPlotlyChart], [data-testid=stDataFrame], h1, h2, h3, p, button')) {
    const r = el.getBoundingClientRect();
    if (r.width && r.right > right + 1) out.push(`${el.dataset.testid || el.tagName} «${el.innerText.slice(0, 40)}» ends at ${Math.round(r.right)} px`);
  }
  for (const svg of block.querySelectorAll('[data-testid=stPlotlyChart] .main-svg')) {
    const box = svg.closest('[data-testid=stPlotlyChart]').getBoundingClientRect();
    if (svg.getBoundingClientRect().width > box.width + 1) out.push('a chart wider than its box');
  }
  return out;
}"""


@pytest.mark.parametrize(("path", "query"), [("", ""), ("procesos", "proceso=TI"), ("indicador", "indicador=GD-05")],
                         ids=["resumen", "procesos", "indicador"])
def test_phone_width_nothing_sticks_out(app_server, browser, path, query):
    page = new_tab(browser, 390, 844)
    try:
        goto(page, app_server.url, path, query)
        assert page.locator("[data-testid=stPlotlyChart]").count() >= 1
        problems = page.evaluate(WIDTH)
        assert not problems, f"/{path} at 390 px:\n" + "\n".join(problems)
    finally:
        page.context.close()


def test_phone_width_mis_pendientes_fits(app_server, browser):
    page = new_tab(browser, 390, 844)
    try:
        goto(page, app_server.url)
        open_sidebar(page)
        sign_in_to_stay(page, "lider.ti.demo", "Demo-Lider-2024")
        goto(page, app_server.url)   # a leader lands on Mis pendientes
        expect(page.get_by_role("heading", name="Mis pendientes")).to_be_visible(timeout=30_000)
        problems = page.evaluate(WIDTH)
        assert not problems, "Mis pendientes at 390 px:\n" + "\n".join(problems)
    finally:
        page.context.close()


@pytest.mark.parametrize(("path", "query"), [("", ""), ("objetivos", ""), ("procesos", "proceso=TI"),
                                             ("indicador", "indicador=GD-05"), ("reunion", "")],
                         ids=["resumen", "objetivos", "procesos", "indicador", "reunion"])
def test_no_english_in_the_page_or_its_tool_bars(app_server, app_page, console, path, query):
    goto(app_page, app_server.url, path, query)
    if path == "reunion":
        press(app_page, "ArrowRight")  # the cover has no chart
    chart = app_page.locator("[data-testid=stPlotlyChart]").first
    chart.hover()  # Plotly's tool bar and Streamlit's chart tool bar show on hover
    expect(chart.locator(".modebar-btn").first).to_be_attached()
    assert "Descargar la gráfica como PNG" in chart.locator(".modebar").inner_html()  # the locale took
    assert not english_on(app_page), english_on(app_page)
    expect(app_page.get_by_test_id("stMainMenu")).to_have_count(0)  # no ⋮ developer menu
    assert_clean(app_page, console)


def test_upload_box_speaks_spanish_and_states_the_limit(app_server, app_page, console):
    goto(app_page, app_server.url)
    sign_in_to_stay(app_page, "planeacion.demo", "Demo-Planeacion-2024")
    goto(app_page, app_server.url, "plan")
    box = app_page.get_by_test_id("stFileUploader").first
    expect(box).to_contain_text("Hasta 10 MB por archivo")
    expect(box).to_contain_text("Buscar archivo")
    assert not english_on(app_page), english_on(app_page)
    assert_clean(app_page, console)


def test_process_chooser_offers_only_processes_with_indicators(app_server, app_page, console):
    goto(app_page, app_server.url, "procesos", "proceso=TI")
    get_by_key(app_page, "proceso").get_by_role("combobox").click()
    options = app_page.get_by_role("option").all_inner_texts()
    app_page.keyboard.press("Escape")
    assert options and not any("Mejoramiento Continuo" in o for o in options), options
    goto(app_page, app_server.url, "procesos", "proceso=MC")  # still reachable by its link
    expect(app_page.get_by_text("Este proceso no tiene indicadores")).to_be_visible()
    assert_clean(app_page, console)
