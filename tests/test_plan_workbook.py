"""The plan workbook: a lossless round trip, drop-down lists, every rejected cell named, all or nothing.

Each test works on its own copy of a real demo database and goes through the command line
(`python -m metrics.admin ...` via `admin.main`) or `metrics.plan_workbook` as the Plan page does.
"""
import io
import json
import shutil
from datetime import date, datetime

import pandas as pd
import pytest
from openpyxl import load_workbook

from metrics import accounts, admin, plan_workbook, seed
from metrics import plan as plan_mod
from metrics.accounts import PermissionDenied, Rejected
from metrics.plan import TABLES
from metrics.plan_workbook import SHEET_TITLES, WorkbookRejected
from metrics.store import Store

PLANNER = "planeacion.demo"
REASON = "Meta revisada en el comité de planeación"
TARGETS, LINKS, INDICATORS = SHEET_TITLES["target"], SHEET_TITLES["indicator_objective"], SHEET_TITLES["indicator"]


@pytest.fixture(scope="module")
def template(tmp_path_factory):
    path = tmp_path_factory.mktemp("plan-libro") / "demo.duckdb"
    seed.open_demo(path, today=date(2025, 9, 1)).close()
    return path


@pytest.fixture
def db(template, tmp_path):
    path = tmp_path / "demo.duckdb"
    shutil.copy(template, path)
    return path


def exported(db_path, out) -> bytes:
    assert admin.main(["plan", "exportar", "--db", str(db_path), "--salida", str(out)]) == 0
    return out.read_bytes()


def cells(data: bytes) -> dict[str, list[list[tuple[str, object]]]]:
    """Every cell of every sheet as (kind, value): text for text, number for number, dates as dates."""
    def kind(v):
        if v is None:
            return ("vacía", None)
        if isinstance(v, bool):
            return ("sí/no", v)
        if isinstance(v, (int, float)):
            return ("número", float(v))
        if isinstance(v, datetime):
            return ("fecha", v)
        return ("texto", v)
    wb = load_workbook(io.BytesIO(data))
    return {ws.title: [[kind(c.value) for c in row] for row in ws.iter_rows()] for ws in wb.worksheets}


def edit(data: bytes, changes: dict[tuple[str, str], object], delete_rows: dict[str, int] | None = None,
         extra_sheet: str | None = None) -> bytes:
    wb = load_workbook(io.BytesIO(data))
    for (sheet, ref), value in changes.items():
        cell = wb[sheet][ref]
        cell.value = value
        if isinstance(value, str) and value.startswith("=") and not value.startswith("=1+1"):
            cell.data_type = "s"          # a text that looks like a formula, typed as text
    for sheet, row in (delete_rows or {}).items():
        wb[sheet].delete_rows(row)
    if extra_sheet:
        wb.create_sheet(extra_sheet)["A1"] = "notas"
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def row_of(data: bytes, sheet: str, *first_cells) -> int:
    ws = load_workbook(io.BytesIO(data))[sheet]
    for number, row in enumerate(ws.iter_rows(values_only=True), 1):
        if tuple(row[:len(first_cells)]) == first_cells:
            return number
    raise AssertionError(f"{first_cells} not in {sheet}")


def everything(path) -> dict[str, pd.DataFrame]:
    """Every plan table as stored, the plan as of today, the plan changes and the audit log."""
    store = Store(path)
    try:
        found = {t: store.query(f"SELECT * FROM {t} ORDER BY ALL") for t in (*TABLES, "plan_change", "audit_log")}
        found |= {f"frames.{t}": f for t, f in plan_mod.frames(store).items()}
    finally:
        store.close()
    return found


def assert_same(before: dict, after: dict) -> None:
    assert before.keys() == after.keys()
    for name in before:
        pd.testing.assert_frame_equal(before[name], after[name], obj=name)


# -- the round trip ---------------------------------------------------------------------------
def test_export_then_inicializar_then_export_holds_the_same_cells_and_tables(db, tmp_path):
    first = exported(db, tmp_path / "plan.xlsx")
    new = tmp_path / "entidad.duckdb"
    assert admin.main(["inicializar", "--db", str(new), "--plan", str(tmp_path / "plan.xlsx")]) == 0
    second = exported(new, tmp_path / "otra-vez.xlsx")
    assert cells(first) == cells(second)
    before, after = everything(db), everything(new)
    for table in TABLES:
        pd.testing.assert_frame_equal(before[f"frames.{table}"], after[f"frames.{table}"], obj=table)
    assert after["plan_change"].empty


def test_round_trip_keeps_floats_dates_and_formula_like_texts(db, tmp_path):
    tricky = [("UPDATE target SET target = ? WHERE indicator = 'GD-05' AND year = 2025", [100 / 3]),
              ("UPDATE indicator SET baseline = ?, valid_min = ?, objective = ?, source = ? WHERE code = 'GD-01'",
               [0.1 + 0.2, 1e-7, '=HIPERVINCULO("http://x")', "-Fuente con guion\ny segunda línea"]),
              ("UPDATE process SET description = '+57 300 000 0000 @oficina' WHERE code = 'DE'", []),
              ("UPDATE plan SET vision_horizon = DATE '2028-02-29' WHERE code = 'PEI-2024'", [])]
    store = Store(db)
    with store.transaction() as cur:   # values no spreadsheet would type, written straight to the copy
        for sql, params in tricky:
            cur.execute(sql, params)
    store.close()
    first = exported(db, tmp_path / "plan.xlsx")
    new = tmp_path / "entidad.duckdb"
    assert admin.main(["inicializar", "--db", str(new), "--plan", str(tmp_path / "plan.xlsx")]) == 0
    assert cells(exported(new, tmp_path / "otra-vez.xlsx")) == cells(first)
    before, after = everything(db), everything(new)
    for table in TABLES:
        pd.testing.assert_frame_equal(before[f"frames.{table}"], after[f"frames.{table}"], obj=table, check_exact=True)
    store = Store(new)
    try:
        assert store.scalar("SELECT target FROM target WHERE indicator = 'GD-05' AND year = 2025") == 100 / 3
        assert store.row("SELECT baseline, valid_min, objective FROM indicator WHERE code = 'GD-01'") == \
            (0.1 + 0.2, 1e-7, '=HIPERVINCULO("http://x")')
        assert store.scalar("SELECT vision_horizon FROM plan WHERE code = 'PEI-2024'") == date(2028, 2, 29)
    finally:
        store.close()
    sheet = load_workbook(io.BytesIO(first))[INDICATORS]
    assert isinstance(sheet["L2"].value, float) and sheet["L2"].value == 0.1 + 0.2
    assert sheet["C2"].data_type == "s" and sheet["C2"].quotePrefix    # stored as text, never a live formula
    assert isinstance(load_workbook(io.BytesIO(first))[SHEET_TITLES["plan"]]["E3"].value, datetime)


def test_instructions_first_and_coded_columns_as_drop_down_lists(db, tmp_path):
    wb = load_workbook(io.BytesIO(exported(db, tmp_path / "plan.xlsx")))
    assert wb.sheetnames[0] == "Instrucciones"
    assert wb.sheetnames[1:-1] == list(SHEET_TITLES.values())
    assert wb["Listas"].sheet_state == "hidden"
    help_text = " ".join(str(c) for row in wb["Instrucciones"].iter_rows(values_only=True) for c in row if c)
    assert "llave" in help_text.lower() and "dd/mm/aaaa" in help_text
    expected = {  # sheet -> header -> what the list offers
        INDICATORS: {"Polaridad": "Listas", "Acumulación": "Listas", "Periodicidad": "Listas",
                     "Elemento de la política": "Listas", "Datos abiertos": "Listas",
                     "Proceso responsable": SHEET_TITLES["process"]},
        SHEET_TITLES["objective"]: {"Tipo": "Listas"},
        SHEET_TITLES["process"]: {"Tipo": "Listas"},
        SHEET_TITLES["activity"]: {"Proceso responsable": SHEET_TITLES["process"]},
        SHEET_TITLES["setting"]: {"Ajuste": "Listas"},
        LINKS: {"Indicador": INDICATORS, "Objetivo": SHEET_TITLES["objective"]},
        TARGETS: {"Indicador": INDICATORS},
        SHEET_TITLES["entity"]: {"Proceso dueño de la política": SHEET_TITLES["process"]},
    }
    for sheet, columns in expected.items():
        ws = wb[sheet]
        headers = {c.value: c.column_letter for c in ws[1]}
        rules = {str(r.sqref).split(":")[0][:-1]: r.formula1 for r in ws.data_validations.dataValidation}
        for header, source in columns.items():
            assert source in rules[headers[header]], (sheet, header, rules)
    lists = wb["Listas"]
    column = next(c.column for c in lists[1] if c.value == f"{INDICATORS} · Polaridad")
    listed = [lists.cell(r, column).value for r in range(2, lists.max_row + 1) if lists.cell(r, column).value]
    assert listed == list(plan_mod.CHOICES[("indicator", "polarity")].values())


# -- rejected workbooks -----------------------------------------------------------------------
def test_bad_cells_are_named_by_sheet_row_and_column_and_nothing_is_written(db, tmp_path):
    data = exported(db, tmp_path / "plan.xlsx")
    bad = edit(data, {
        (TARGETS, "C5"): "mucho",
        (SHEET_TITLES["plan"], "C2"): "31/02/2024",
        (INDICATORS, "I2"): "hacia arriba",
        (INDICATORS, "B3"): None,
        (INDICATORS, "P4"): "NO-EXISTE",
        (SHEET_TITLES["process"], "A3"): "AC",      # the code of row 2 again
        (SHEET_TITLES["objective"], "F1"): "Comentario",
        (LINKS, "C2"): "=1+1",
    }, extra_sheet="Hoja1")
    before = everything(db)
    store = Store(db)
    try:
        with pytest.raises(WorkbookRejected) as err:
            plan_workbook.import_plan(store, PLANNER, bad, REASON, date(2025, 7, 1))
    finally:
        store.close()
    assert_same(before, everything(db))
    found = {(p.sheet, p.row, p.column): p.message for p in err.value.problems}
    expected = {
        (TARGETS, 5, "C (Meta)"): "no es un número",
        (SHEET_TITLES["plan"], 2, "C (Inicio)"): "no es una fecha",
        (INDICATORS, 2, "I (Polaridad)"): "no está en la lista",
        (INDICATORS, 3, "B (Nombre)"): "obligatorio",
        (INDICATORS, 4, "P (Proceso responsable)"): "NO-EXISTE",
        (SHEET_TITLES["process"], 2, "A (Código)"): "repetido",
        (SHEET_TITLES["process"], 3, "A (Código)"): "repetido",
        (SHEET_TITLES["objective"], 1, "F (Comentario)"): "encabezado desconocido",
        (LINKS, 2, "C (Peso)"): "fórmula",
        ("Hoja1", None, None): "hoja desconocida",
    }
    for where, words in expected.items():
        assert where in found, (where, sorted(found, key=str))
        assert words in found[where], (where, found[where])
    assert "Hoja «Metas por vigencia», fila 5, columna C (Meta)" in err.value.message


def test_the_command_line_names_the_cells_and_writes_nothing(db, tmp_path, capsys):
    data = exported(db, tmp_path / "plan.xlsx")
    (tmp_path / "malo.xlsx").write_bytes(edit(data, {(TARGETS, "C5"): "mucho"}))
    before = everything(db)
    assert admin.main(["plan", "importar", str(tmp_path / "malo.xlsx"), "--db", str(db), "--motivo", REASON,
                       "--usuario", PLANNER]) == 1
    err = capsys.readouterr().err
    assert "No se guardó nada" in err and "Hoja «Metas por vigencia», fila 5, columna C (Meta)" in err
    assert_same(before, everything(db))
    new = ["inicializar", "--db", str(tmp_path / "nueva.duckdb")]
    assert admin.main([*new, "--plan", str(tmp_path / "malo.xlsx")]) == 1
    assert "fila 5, columna C (Meta)" in capsys.readouterr().err
    assert not (tmp_path / "nueva.duckdb").exists()


def test_a_file_that_is_not_a_workbook_is_refused(db):
    store = Store(db)
    try:
        with pytest.raises(Rejected, match="no es un libro de Excel"):
            plan_workbook.import_plan(store, PLANNER, b"no soy un libro", REASON, date(2025, 7, 1))
    finally:
        store.close()


@pytest.mark.parametrize("username", ["consulta.demo", "personero.demo", "lider.ti.demo", None])
def test_only_accounts_that_may_change_the_plan_can_load_it(db, tmp_path, username):
    data = exported(db, tmp_path / "plan.xlsx")
    changed = edit(data, {(TARGETS, f"C{row_of(data, TARGETS, 'GD-05', 2025)}"): 99})
    before = everything(db)
    store = Store(db)
    try:
        with pytest.raises(PermissionDenied):
            plan_workbook.import_plan(store, username, changed, REASON, date(2025, 7, 1))
    finally:
        store.close()
    assert_same(before, everything(db))


# -- an accepted workbook ---------------------------------------------------------------------
def test_importar_a_changed_target_and_a_removed_link_appends_exactly_those_changes(db, tmp_path, capsys):
    data = exported(db, tmp_path / "plan.xlsx")
    row = row_of(data, TARGETS, "GD-05", 2025)
    store = Store(db)
    old_target = store.scalar("SELECT target FROM target WHERE indicator = 'GD-05' AND year = 2025")
    store.close()
    changed = edit(data, {(TARGETS, f"C{row}"): old_target + 7.5},
                   delete_rows={LINKS: row_of(data, LINKS, "GD-01", "OE2")})
    (tmp_path / "cambiado.xlsx").write_bytes(changed)
    before = everything(db)
    assert admin.main(["plan", "importar", str(tmp_path / "cambiado.xlsx"), "--db", str(db), "--motivo", REASON,
                       "--desde", "2025-07-01", "--usuario", PLANNER]) == 0
    out = capsys.readouterr().out
    assert "Se guardaron 2 cambios" in out and "GD-05|2025" in out and "GD-01|OE2" in out
    after = everything(db)
    for table in TABLES:   # the rows as first loaded never change; the history is appended
        pd.testing.assert_frame_equal(before[table], after[table], obj=table)
    changes = after["plan_change"]
    assert len(changes) == 2
    by_key = {r.item_key: r for r in changes.itertuples()}
    assert set(by_key) == {"GD-05|2025", "GD-01|OE2"}
    target, link = by_key["GD-05|2025"], by_key["GD-01|OE2"]
    assert (target.item, bool(target.retired), json.loads(target.data)["target"]) == ("target", False, old_target + 7.5)
    assert (link.item, bool(link.retired), pd.isna(link.data)) == ("indicator_objective", True, True)
    for r in (target, link):
        assert (pd.Timestamp(r.effective_from).date(), r.recorded_by, r.reason) == (date(2025, 7, 1), PLANNER, REASON)
    store = Store(db)
    try:
        def target_on(day):
            t = plan_mod.frames(store, day)["target"]
            return t[(t["indicator"] == "GD-05") & (t["year"] == 2025)]["target"].item()
        assert target_on(date(2025, 6, 30)) == old_target          # an earlier cut-off keeps the old plan
        assert target_on(date(2025, 7, 1)) == old_target + 7.5
        # loading the same workbook again changes nothing
        assert plan_workbook.import_plan(store, PLANNER, changed, REASON, date(2025, 7, 1)) == 0
        assert plan_workbook.preview(store, changed, date(2025, 7, 1)).changes.empty
    finally:
        store.close()


def test_preview_lists_the_changes_without_writing(db, tmp_path):
    data = exported(db, tmp_path / "plan.xlsx")
    changed = edit(data, {(TARGETS, f"C{row_of(data, TARGETS, 'GD-05', 2025)}"): 88.25})
    before = everything(db)
    store = Store(db)
    try:
        preview = plan_workbook.preview(store, changed, date(2025, 7, 1))
    finally:
        store.close()
    assert preview.problems == []
    assert preview.changes[["Hoja", "Llave", "Cambio"]].values.tolist() == [[TARGETS, "GD-05|2025", "Modificado"]]
    assert "→ 88,25" in preview.changes["Detalle"].item()
    assert_same(before, everything(db))


# -- the panel of the Plan page (AppTest) ------------------------------------------------------
def _panel():
    from ui.plan_workbook import workbook_panel
    workbook_panel()


@pytest.fixture
def panel_db(db, monkeypatch):
    monkeypatch.setenv("PERSONERIA_DB", str(db))
    yield db
    from ui import state
    state._store.clear()


def panel(username: str | None, role: str | None = None):
    from streamlit.testing.v1 import AppTest

    from metrics.accounts import User
    at = AppTest.from_function(_panel, default_timeout=60)
    if username:
        at.session_state["usuario"] = User(username, username, role)
    return at.run()


def test_the_panel_offers_the_download_and_uploads_only_with_the_plan_permission(panel_db):
    reader = panel("consulta.demo", "consulta")
    assert not reader.exception
    assert not reader.file_uploader and "Descargar el plan (Excel)" in str(reader)
    assert not panel(None).file_uploader
    assert len(panel(PLANNER, "planeacion").file_uploader) == 1


def test_the_panel_previews_then_saves_or_names_the_rejected_cells(panel_db, tmp_path):
    data = exported(panel_db, tmp_path / "plan.xlsx")
    row = row_of(data, TARGETS, "GD-05", 2025)
    before = everything(panel_db)
    at = panel(PLANNER, "planeacion")
    at.file_uploader(key="plan_libro").upload("plan.xlsx", edit(data, {(TARGETS, f"C{row}"): "mucho"}))
    at.run()
    assert not at.exception
    assert any("no se guardará nada" in e.value for e in at.error)
    problems = at.dataframe[0].value
    assert problems[["Hoja", "Fila", "Columna"]].values.tolist() == [[TARGETS, row, "C (Meta)"]]
    assert not [b for b in at.button if b.label == "Guardar los cambios del plan"]
    assert_same(before, everything(panel_db))

    at.file_uploader(key="plan_libro").set_value(("plan.xlsx", edit(data, {(TARGETS, f"C{row}"): 88.25}),
                                                  "application/octet-stream"))
    at.text_area(key="plan_libro_motivo").input(REASON)
    at.date_input(key="plan_libro_desde").set_value(date(2025, 7, 1))
    at.run()
    assert at.dataframe[0].value[["Hoja", "Llave", "Cambio"]].values.tolist() == [[TARGETS, "GD-05|2025", "Modificado"]]
    assert_same(before, everything(panel_db))            # the preview writes nothing
    next(b for b in at.button if b.label == "Guardar los cambios del plan").click()
    at.run()
    assert any("Se guardó 1 cambio" in s.value for s in at.success)
    changes = everything(panel_db)["plan_change"]
    assert changes[["item", "item_key", "recorded_by", "reason"]].values.tolist() == \
        [["target", "GD-05|2025", PLANNER, REASON]]


def test_a_problem_the_plan_already_had_does_not_block_a_change_but_blocks_a_new_database(db, tmp_path, capsys):
    store = Store(db)
    with store.transaction() as cur:   # thresholds in the wrong order, as a plan loaded before the rule
        cur.execute("UPDATE indicator SET red_below = 90, green_from = 80 WHERE code = 'GD-01'")
    store.close()
    data = exported(db, tmp_path / "plan.xlsx")
    changed = edit(data, {(TARGETS, f"C{row_of(data, TARGETS, 'GD-05', 2025)}"): 88.25})
    store = Store(db)
    try:
        assert plan_workbook.import_plan(store, PLANNER, changed, REASON, date(2025, 7, 1)) == 1
    finally:
        store.close()
    (tmp_path / "cambiado.xlsx").write_bytes(changed)
    new = ["inicializar", "--db", str(tmp_path / "nueva.duckdb")]
    assert admin.main([*new, "--plan", str(tmp_path / "cambiado.xlsx")]) == 1
    assert "Hoja «Indicadores», fila 2, columna O (Verde desde (%))" in capsys.readouterr().err
    assert not (tmp_path / "nueva.duckdb").exists()


def test_importar_without_an_account_is_recorded_as_the_command_line(db, tmp_path, capsys):
    data = exported(db, tmp_path / "plan.xlsx")
    row = row_of(data, TARGETS, "GD-05", 2026)
    (tmp_path / "cli.xlsx").write_bytes(edit(data, {(TARGETS, f"C{row}"): 77.0}))
    assert admin.main(["plan", "importar", str(tmp_path / "cli.xlsx"), "--db", str(db), "--motivo", REASON]) == 0
    assert "Se guardó 1 cambio" in capsys.readouterr().out
    store = Store(db)
    try:
        last = store.row("SELECT item_key, recorded_by FROM plan_change ORDER BY id DESC LIMIT 1")
        assert last == ("GD-05|2026", accounts.COMMAND_LINE)
    finally:
        store.close()


def test_milestones_travel_in_the_workbook_and_a_bad_one_is_named(db, tmp_path):
    """An action's milestones are a column of the Plan de Acción sheet: edited there, checked by the
    plan's rules, and named by sheet, row and column when they do not fit the action's dates."""
    data = exported(db, tmp_path / "plan.xlsx")
    sheet = SHEET_TITLES["plan_action"]
    header = [c.value for c in load_workbook(io.BytesIO(data))[sheet][1]]
    letter = chr(ord("A") + header.index(plan_mod.COLUMN_LABELS["plan_action"]["milestones"]))
    row = row_of(data, sheet, "PA25-04")            # runs 01/03/2025 – 31/12/2025
    bad = edit(data, {(sheet, f"{letter}{row}"): "31/01/2025: 10"})
    store = Store(db)
    try:
        with pytest.raises(WorkbookRejected) as err:
            plan_workbook.import_plan(store, PLANNER, bad, REASON, date(2025, 7, 1))
        found = {(p.sheet, p.row, p.column): p.message for p in err.value.problems}
        assert "fuera de las fechas" in found[(sheet, row, f"{letter} (Hitos (DD/MM/AAAA: avance %; …))")], found
        good = edit(data, {(sheet, f"{letter}{row}"): "30/06/2025: 30; 30/09/2025: 60"})
        plan_workbook.import_plan(store, PLANNER, good, REASON, date(2025, 7, 1))
        saved = plan_mod.frame(store, "plan_action", date(2025, 7, 1)).set_index("code").loc["PA25-04"]
        assert saved["milestones"] == "30/06/2025: 30; 30/09/2025: 60"
    finally:
        store.close()
