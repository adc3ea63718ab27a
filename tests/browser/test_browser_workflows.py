"""The leader of a process reports a value end to end, wrong input is refused, sign-out, chart downloads.

One server (one fresh demo base) for the module, and the tests run in file order on that base: the
refused inputs first (the due period must still be there afterwards), the report that changes the
base last, because it ends by stopping the server to read the DuckDB file (one process at a time
may hold it). Each test opens a fresh tab, so it signs in again through the sidebar form. The
fecha de corte stays at its default, today.

After signing in, navigation goes through the menu and the page links, never `page.goto`: a new
page load is a new Streamlit session, which is signed out.
"""
from __future__ import annotations

import re
from datetime import date

import duckdb
from playwright.sync_api import Page, expect

from metrics.export import png_text
from tests.browser.helpers import (
    assert_clean, choose_option, click_and_wait, dataframe_rows, dataframe_with_column, download_within,
    fill_and_commit, get_by_key, goto, long_date, looks_like, metric_value, nav_link, process_names,
    selectbox_value, sign_in,
)

LEADER = ("lider.ti.demo", "Demo-Lider-2024")
PROCESS = "TI"
DUE = ("atrasado, sin reporte", "por reportar (en plazo)")  # how the Periodo options mark a due period
PERCENT_INDICATOR = "GD-06"     # a TI indicator in %, every period already reported in the demo base
LOW_VALUE = "1"                 # GD-26's 2025 target is 2: 50 % is red, so the analysis is required
EVIDENCE = "https://intranet.personeriacartagena.gov.co/evidencias/scd.pdf"
ANALYSIS = "Solo se integró un servicio; la interoperabilidad con la Registraduría sigue pendiente."
COLOMBIAN_PERCENT = re.compile(r"^\d{1,3}(\.\d{3})*,\d %$")   # 50,0 % · 1.234,5 %
RENDER_TIMEOUT_MS = 45_000      # the first chart export starts kaleido's Chromium


# region Steps


def sign_in_as_leader(page: Page, base_url: str) -> None:
    goto(page, base_url)
    expect(nav_link(page, "Reportar avance")).to_have_count(0)
    sign_in(page, *LEADER)
    sidebar = page.get_by_test_id("stSidebar")
    expect(sidebar).to_contain_text(f"proceso {PROCESS}")
    expect(sidebar.get_by_role("button", name="Cerrar sesión")).to_be_visible()
    expect(page.get_by_test_id("stMain").get_by_role("heading", name="Mis pendientes")).to_be_visible()  # landing


def open_report_page(page: Page) -> None:
    click_and_wait(page, nav_link(page, "Reportar avance"))
    expect(nav_link(page, "Reportar avance")).to_have_attribute("aria-current", "page")
    expect(page.get_by_test_id("stMain")).to_contain_text(f"Proceso: {PROCESS}")


def open_process_page(page: Page) -> None:
    """Resumen → the process link (in the same session; a deep link would start a signed-out one)."""
    click_and_wait(page, nav_link(page, "Resumen"))
    name = re.compile(re.escape(f"· {process_names()[PROCESS]}") + "$")  # "<semáforo> 63,9 % · <process name>"
    link = page.get_by_test_id("stMain").get_by_role("link", name=name)
    click_and_wait(page, link)
    assert f"proceso={PROCESS}" in page.url
    assert process_names()[PROCESS] in selectbox_value(page, "proceso")


def late_count(page: Page) -> int:
    """The number of late periods the late-reports table of the current page announces."""
    main = page.get_by_test_id("stMain")
    if main.get_by_text("No hay reportes atrasados a esta fecha de corte.").count():
        return 0
    found = re.search(r"(\d+) periodos vencidos sin reporte", main.inner_text())
    assert found, "the page shows neither a late-reports count nor 'No hay reportes atrasados'"
    return int(found.group(1))


def due_rows(page: Page) -> list[list[str]]:
    """The "Periodos por reportar" table of Reportar avance: indicator, period, deadline, state, days."""
    main = page.get_by_test_id("stMain")
    if main.get_by_text("El proceso está al día: no debe reportes.").count():
        return []
    return dataframe_rows(dataframe_with_column(page, "Días de atraso"))


def value_field(page: Page):
    """The value input of the report form (its key and label depend on the indicator and period)."""
    return page.locator("[class*='st-key-rep_valor_'] input")


def save_button(page: Page):
    return page.locator("[class*='st-key-rep_guardar_']").get_by_role("button")


def errors(page: Page) -> list[str]:
    return [e.strip() for e in page.get_by_test_id("stAlertContentError").all_inner_texts()]


def assert_refused(page: Page, fragment: str) -> None:
    """An st.error with this text is shown, and nothing says a value was saved."""
    shown = errors(page)
    assert any(fragment in e for e in shown), f"expected an error with «{fragment}», got {shown}"
    expect(page.get_by_test_id("stAlertContentSuccess").filter(has_text="Se guardó")).to_have_count(0)


def assert_no_unexpected_trouble(page: Page, console) -> None:
    """No exception and no console error (st.error is expected here: the input was refused)."""
    expect(page.get_by_test_id("stException")).to_have_count(0)
    assert not (left := console.take()), "console errors:\n  " + "\n  ".join(left)


# endregion


def test_rejected_inputs_save_nothing(app_server, app_page, console):
    page = app_page
    sign_in_as_leader(page, app_server.url)
    open_report_page(page)
    assert_clean(page, console)
    due_before = due_rows(page)
    assert due_before, "the demo base should leave the TI process with a due period (GD-26 is never reported)"
    period_before = selectbox_value(page, f"rep_periodo_{selectbox_value(page, 'rep_indicador').split(' ·')[0]}")
    assert period_before.endswith(DUE), f"the form should open on a due period, not «{period_before}»"

    # Not a number: refused in the preview and again when saving.
    fill_and_commit(page, value_field(page), "doce")
    assert_refused(page, "no es un número: «doce»")
    click_and_wait(page, save_button(page))
    assert_refused(page, "no es un número: «doce»")
    assert_no_unexpected_trouble(page, console)

    # A red result without analysis: refused, the analysis is required.
    fill_and_commit(page, value_field(page), LOW_VALUE)
    preview = page.get_by_test_id("stMain").get_by_test_id("stMarkdownContainer").filter(has_text="Vista previa.")
    expect(preview).to_contain_text("Crítico")
    click_and_wait(page, save_button(page))
    assert_refused(page, "no queda en verde: escriba el análisis")
    assert_no_unexpected_trouble(page, console)
    assert due_rows(page) == due_before, "a refused value changed the list of due periods"

    # A percentage above 100, on an indicator in %: its latest period is already reported, so
    # saving is a correction; even with its reason, the value is refused and the old one stays.
    choose_option(page, "rep_indicador", PERCENT_INDICATOR)
    current = page.get_by_test_id("stMain").get_by_test_id("stAlertContentInfo").filter(has_text="Valor vigente")
    expect(current).to_have_count(1)
    in_force = current.inner_text()
    fill_and_commit(page, page.locator("[class*='st-key-rep_motivo_'] textarea"),
                    "Prueba: el valor del periodo quedó mal digitado en el reporte.")
    fill_and_commit(page, value_field(page), "150")
    assert_refused(page, "Un porcentaje debe estar entre 0 y 100; se recibió 150,00")
    click_and_wait(page, save_button(page))
    assert_refused(page, "Un porcentaje debe estar entre 0 y 100; se recibió 150,00")
    assert_no_unexpected_trouble(page, console)
    expect(current).to_have_text(in_force)
    assert LEADER[0] not in in_force

    # Nothing was saved: a new visit of the page still owes the same periods.
    click_and_wait(page, nav_link(page, "Resumen"))
    open_report_page(page)
    assert due_rows(page) == due_before
    assert_clean(page, console)


def test_sign_out_hides_the_report_page(app_server, app_page, console):
    page = app_page
    sign_in_as_leader(page, app_server.url)
    open_report_page(page)
    expect(save_button(page)).to_be_visible()

    sidebar = page.get_by_test_id("stSidebar")
    click_and_wait(page, sidebar.get_by_role("button", name="Cerrar sesión"))

    expect(nav_link(page, "Reportar avance")).to_have_count(0)
    expect(page.get_by_test_id("stNavSectionHeader").filter(has_text="Gestión")).to_have_count(0)
    expect(sidebar.get_by_role("button", name="Ingresar")).to_be_visible()
    expect(sidebar.get_by_label("Contraseña", exact=True)).to_have_value("")
    expect(sidebar).not_to_contain_text("Líder de proceso")
    # The open page no longer offers the form: either it asks to sign in (the page stays routable
    # for bookmarks) or the app moved to the Resumen.
    expect(save_button(page)).to_have_count(0)
    if "/reportar" in page.url:
        expect(page.get_by_test_id("stMain")).to_contain_text("Ingrese con su cuenta")
    else:
        expect(nav_link(page, "Resumen")).to_have_attribute("aria-current", "page")
    assert_clean(page, console)

    # Signing in again brings the page back.
    sign_in(page, *LEADER)
    open_report_page(page)
    assert_clean(page, console)


def test_chart_downloads_carry_the_cut_off(app_server, app_page, console):
    page = app_page
    goto(page, app_server.url)
    today = date.today()
    first_chart = page.get_by_test_id("stMain").locator("[class*='st-key-png-']").first
    name = re.search(r"st-key-png-(\S+)", first_chart.get_attribute("class")).group(1)

    png_name, png = download_within(page, get_by_key(page, f"png-{name}").get_by_role("button"), RENDER_TIMEOUT_MS)
    assert looks_like(png, "png"), png[:16]
    assert png_name == f"{name}_{today.isoformat()}.png", png_name
    assert png_text(png).get("Fecha de corte") == today.isoformat(), png_text(png)

    svg_name, svg = download_within(page, get_by_key(page, f"svg-{name}").get_by_role("button"), RENDER_TIMEOUT_MS)
    assert svg.lstrip().startswith((b"<svg", b"<?xml")), svg[:80]
    text = svg.decode("utf-8")
    assert "Fecha de corte" in text or today.isoformat() in text or long_date(today) in text
    assert svg_name == png_name[:-4] + ".svg", (png_name, svg_name)
    assert_clean(page, console)


def test_leader_reports_a_due_period(app_server, app_page, console):
    page = app_page
    sign_in_as_leader(page, app_server.url)
    click_and_wait(page, nav_link(page, "Resumen"))
    late_all_before = late_count(page)
    open_process_page(page)
    late_before = late_count(page)
    missing_before = int(metric_value(page, "Atrasado, sin reporte"))
    late_reported_before = int(metric_value(page, "Reportado tarde"))
    assert late_before >= 1 and missing_before >= 1, "the demo base should leave TI with a late report"
    assert_clean(page, console)

    open_report_page(page)
    due_before = due_rows(page)
    code = selectbox_value(page, "rep_indicador").split(" ·")[0]
    period_key = f"rep_periodo_{code}"
    period = selectbox_value(page, period_key)
    assert period.endswith(DUE), f"the form should open on a due period, not «{period}»"
    period_label = period.split(" ·")[0]
    assert [code, period_label] in [[r[0].split(" ·")[0], r[1]] for r in due_before]

    fill_and_commit(page, value_field(page), LOW_VALUE)
    preview = page.get_by_test_id("stMain").get_by_test_id("stMarkdownContainer").filter(has_text="Vista previa.")
    expect(preview).to_be_visible()
    attainment = re.search(r"resultado de la vigencia \d{4}: .*?, cumplimiento (\S+ %)", preview.inner_text())
    assert attainment and COLOMBIAN_PERCENT.match(attainment.group(1)), preview.inner_text()
    attainment = attainment.group(1)
    fill_and_commit(page, page.locator("[class*='st-key-rep_analisis_'] textarea"), ANALYSIS)
    fill_and_commit(page, page.locator("[class*='st-key-rep_evidencia_'] input"), EVIDENCE)
    click_and_wait(page, save_button(page))

    saved_notice = f"Se guardó el reporte de {code} {period_label}: "
    expect(page.get_by_test_id("stAlertContentSuccess")).to_contain_text(saved_notice)
    assert_clean(page, console)
    due_after = due_rows(page)
    assert len(due_after) == len(due_before) - 1
    assert [code, period_label] not in [[r[0].split(" ·")[0], r[1]] for r in due_after]
    # The period is now offered as reported, recorded by the leader.
    reported = f"{period_label} · reportado: {LOW_VALUE}"
    if selectbox_value(page, period_key) != reported:
        choose_option(page, period_key, reported)
    expect(page.get_by_test_id("stAlertContentInfo").filter(has_text="Valor vigente")).to_contain_text(
        f"registrado por {LEADER[0]}")

    # Resumen and Procesos count one late report less; Procesos shows the indicator's new result.
    click_and_wait(page, nav_link(page, "Resumen"))
    assert late_count(page) == late_all_before - 1
    open_process_page(page)
    assert late_count(page) == late_before - 1
    assert int(metric_value(page, "Atrasado, sin reporte")) == missing_before - 1
    assert int(metric_value(page, "Reportado tarde")) == late_reported_before + 1
    rows = {r[0].split(" ·")[0]: r for r in dataframe_rows(dataframe_with_column(page, "Resultado"))}
    _, vigencia, result, _, shown_attainment, semaforo = rows[code]
    vigencia = vigencia.split(" (hasta")[0]  # a partial year also says up to which period
    assert (vigencia, result, shown_attainment) == (period_label[:4], LOW_VALUE, attainment), rows[code]
    assert "Crítico" in semaforo, rows[code]
    assert_clean(page, console)

    # The indicator's page shows the saved value with its analysis and evidence.
    choose_option(page, "proceso_indicador_TI", f"{code} · ")
    click_and_wait(page, page.get_by_test_id("stMain").get_by_role("link", name=re.compile(f"Abrir {code} · ")))
    assert selectbox_value(page, "indicador").startswith(code)
    assert metric_value(page, "Resultado de la vigencia") == LOW_VALUE
    assert metric_value(page, "Cumplimiento") == attainment
    latest = dataframe_rows(dataframe_with_column(page, "Análisis"))[0]
    assert latest[:3] == [period_label, LOW_VALUE, ANALYSIS] and latest[3] == EVIDENCE, latest
    assert_clean(page, console)

    # And the database holds exactly that one version (the refused inputs of the first test left
    # nothing), with its audit row. DuckDB has one writer: stop this module's server to read it.
    app_server.stop()
    with duckdb.connect(str(app_server.db_path), read_only=True) as db:
        saved = db.execute("SELECT indicator, year, value, analysis, evidence_url, supersedes, is_void "
                           "FROM measurement WHERE recorded_by = ?", [LEADER[0]]).fetchall()
        audited = db.execute("SELECT action, target FROM audit_log WHERE username = ? AND action IN "
                             "('reportar', 'corregir', 'anular', 'carga_masiva')", [LEADER[0]]).fetchall()
    assert saved == [(code, int(period_label[:4]), float(LOW_VALUE), ANALYSIS, EVIDENCE, None, False)], saved
    assert len(audited) == 1 and audited[0][0] == "reportar" and audited[0][1].startswith(f"{code} {period_label}")
