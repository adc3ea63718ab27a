"""The leader's loop in Chromium: sign in as the TI leader, land on Mis pendientes, click to report the
first period owed, save, see the form on the next period owed, cleared; a reload keeps the session."""
from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from tests.browser.helpers import (assert_clean, click_and_wait, fill_and_commit, get_by_key, goto,
                                   selectbox_value, sign_in, wait_for_app_run)

LEADER = ("lider.ti.demo", "Demo-Lider-2024")


def test_the_leader_lands_on_mis_pendientes_reports_and_moves_on_to_the_next_period(app_server, app_page: Page,
                                                                                     console):
    page = app_page
    goto(page, app_server.url)
    sign_in(page, *LEADER)
    main = page.get_by_test_id("stMain")
    expect(main.get_by_role("heading", name="Mis pendientes")).to_be_visible()
    links = main.get_by_role("link", name=re.compile(r"^Reportar "))
    expect(links.nth(1)).to_be_visible(timeout=30_000)   # the list is drawn after the heading
    assert links.count() >= 2, "the demo TI process owes at least two periods"
    first, second = (links.nth(i).inner_text().strip().splitlines()[-1].removeprefix("Reportar ") for i in (0, 1))
    expect(main).to_contain_text(re.compile(r"plazo \d{2}/\d{2}/\d{4}"))          # dates dd/mm/aaaa
    assert_clean(page, console, "Mis pendientes")

    click_and_wait(page, links.first)
    expect(main.get_by_role("heading", name="Reportar avance")).to_be_visible()
    code = selectbox_value(page, "rep_indicador").split(" · ")[0]
    assert selectbox_value(page, f"rep_periodo_{code}").startswith(first)
    value = main.locator("[class*='st-key-rep_valor_'] input").first
    fill_and_commit(page, value, "3")
    fill_and_commit(page, main.locator("[class*='st-key-rep_analisis_'] textarea").first,
                    "Primer reporte del periodo, con el avance de la interoperabilidad")
    click_and_wait(page, main.get_by_role("button", name="Guardar reporte"))
    expect(main.get_by_test_id("stAlertContentSuccess")).to_contain_text(f"Se guardó el reporte de {code} {first}")
    # elements below the notice are redrawn as the script reaches them: wait for the whole rerun
    expect(get_by_key(page, f"rep_periodo_{code}").get_by_role("combobox")).to_have_value(
        re.compile("^" + re.escape(second)), timeout=30_000)                 # the next period owed
    expect(main.locator("[class*='st-key-rep_valor_'] input").first).to_have_value("")   # cleared
    expect(main.get_by_role("button", name="Guardar reporte")).to_be_visible()  # not «Guardar corrección»
    assert_clean(page, console, "Reportar after a save")

    page.reload()
    wait_for_app_run(page)
    expect(page.get_by_test_id("stSidebar").get_by_role("button", name="Cerrar sesión")).to_be_visible()
    expect(main.get_by_role("heading", name="Reportar avance")).to_be_visible()
    goto(page, app_server.url)                                   # the root is the leader's Mis pendientes
    expect(main.get_by_role("heading", name="Mis pendientes")).to_be_visible()
    expect(main.get_by_role("link", name=f"Reportar {first}")).to_have_count(0)   # reported: no longer owed
    assert_clean(page, console, "Mis pendientes after the report")
