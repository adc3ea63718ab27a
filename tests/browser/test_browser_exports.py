"""Exportar in Chromium: the annual report, the workbook and the open data downloaded as a person would."""
from __future__ import annotations

import io
import json
import re
import zipfile
from datetime import date

import openpyxl
import pypdf

from metrics import export
from tests.browser.helpers import (assert_clean, choose_option, click_and_wait, download_within, get_by_key, goto,
                                  sign_in_to_stay)

PERSONERO = ("personero.demo", "Demo-Personero-2024")
BUILD_TIMEOUT_MS = 90_000  # the PDF renders a dozen charts with kaleido's Chromium


def test_annual_report_workbook_and_open_data_download(app_server, app_page, console):
    page = app_page
    goto(page, app_server.url, "exportar")
    sign_in_to_stay(page, *PERSONERO)
    goto(page, app_server.url, "exportar")   # the Personero lands on Mis pendientes after signing in
    year = date.today().year - 1
    click_and_wait(page, get_by_key(page, "export-tipo-informe").get_by_text("Anual, por vigencia"))
    choose_option(page, "export-vigencia", str(year))
    name, pdf = download_within(page, get_by_key(page, "export-pdf").get_by_role("button"), BUILD_TIMEOUT_MS)
    assert name.startswith(f"informe_anual_{year}_") and name.endswith(".pdf"), name
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    cover = re.sub(r"\s+", " ", reader.pages[0].extract_text())
    assert f"Informe anual de gestión – vigencia {year}" in cover
    assert f"Se compara con el corte del 31 de diciembre de {year - 1}" in cover
    assert "Aprobación del informe" in reader.pages[-1].extract_text()

    _, xlsx = download_within(page, get_by_key(page, "export-xlsx").get_by_role("button"), BUILD_TIMEOUT_MS)
    book = openpyxl.load_workbook(io.BytesIO(xlsx))
    assert tuple(book.sheetnames) == export.SHEETS
    assert book["Valores vigentes"]["E2"].is_date and book["Valores vigentes"]["E2"].number_format == "DD/MM/YYYY"

    _, data = download_within(page, get_by_key(page, "export-zip").get_by_role("button"), BUILD_TIMEOUT_MS)
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        package = json.loads(zf.read("datapackage.json"))
        assert any(n.endswith(".xlsx") for n in zf.namelist())
    assert package["licenses"][0]["name"] == "CC-BY-4.0"
    assert_clean(page, console)
