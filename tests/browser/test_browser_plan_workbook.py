"""The plan workbook through the Plan page in Chromium: download, edit, upload, preview, save."""
from datetime import date

from playwright.sync_api import Browser, expect

from metrics import plan_workbook, seed
from tests.browser.helpers import RUN_TIMEOUT_MS, AppServer, download, get_by_key, goto, sign_in, wait_for_app_run
from tests.test_plan_workbook import PLANNER, REASON, TARGETS, edit, everything, row_of


def test_in_chromium_the_plan_page_downloads_the_workbook_and_saves_an_edited_one(browser: Browser, tmp_path):
    db = tmp_path / "demo.duckdb"
    seed.open_demo(db, today=date(2025, 9, 1)).close()
    server = AppServer(db, tmp_path / "streamlit.log").start()
    try:
        context = browser.new_context(accept_downloads=True, viewport={"width": 1400, "height": 1000})
        page = context.new_page()
        goto(page, server.url, "plan")
        sign_in(page, PLANNER, "Demo-Planeacion-2024")
        name, data = download(page, get_by_key(page, "plan_libro_descargar").get_by_role("button"))
        assert name.endswith(".xlsx") and plan_workbook.read(data).problems == []
        changed = edit(data, {(TARGETS, f"C{row_of(data, TARGETS, 'GD-05', 2025)}"): 88.25})
        get_by_key(page, "plan_libro").locator("input[type=file]").set_input_files(
            files=[{"name": "plan.xlsx", "mimeType": "application/octet-stream", "buffer": changed}])
        wait_for_app_run(page)
        reason = get_by_key(page, "plan_libro_motivo").locator("textarea")
        reason.fill(REASON)
        reason.press("Tab")
        wait_for_app_run(page)
        expect(page.get_by_text("1 fila cambia")).to_be_visible(timeout=RUN_TIMEOUT_MS)   # the table is a canvas
        get_by_key(page, "plan_libro_guardar").get_by_role("button").click()
        wait_for_app_run(page)
        expect(page.get_by_text("Se guardó 1 cambio del plan")).to_be_visible(timeout=RUN_TIMEOUT_MS)
        context.close()
    finally:
        server.stop()
    changes = everything(db)["plan_change"]
    assert changes[["item", "item_key", "recorded_by", "reason"]].values.tolist() == \
        [["target", "GD-05|2025", PLANNER, REASON]]
