"""No workbook the app writes carries a formula: formula-like texts are stored as text, unchanged.

Every free-text column that reaches a workbook gets its own formula-like text, each starting with
one of the dangerous characters in turn; every one must come back from openpyxl as a text cell, as
typed, and no cell of any workbook may be a formula.
"""
import io
from datetime import date

import openpyxl
import pytest

from metrics import asof, bulk, export, plan as plan_mod, snapshot, xlsx
from metrics.periods import period_end
from metrics.seed import build
from metrics.store import Store

FORMULAS = ['=HYPERLINK("https://example.org","Ver evidencia oficial")', "=1+1", "+57 300", "-x", "@SUM(A1)",
            "\tTab", "\rRetorno"]
TODAY = date(2025, 3, 1)
INDICATOR = "GD-05"
# Every free text exported to a workbook: (table, column, key column, key, sheet, header in that sheet).
PLAN_TEXTS = [("entity", c, None, None, "Portada", "Valor") for c in ("name", "policy_name", "policy_code")] + [
    ("indicator", c, "code", INDICATOR, "Fichas técnicas", export.FICHA_COLUMNS[c])
    for c in ("name", "objective", "definition", "formula", "numerator", "denominator", "unit", "element", "source",
              "indicator_type", "level")] + [
    ("indicator", "name", "code", INDICATOR, "Indicadores", "Indicador"),
    ("indicator", "unit", "code", INDICATOR, "Indicadores", "Unidad"),
    ("objective", "text", "kind", "especifico", "Objetivos", "Objetivo"),
    ("process", "name", "code", "TI", "Procesos", "Proceso"),
    ("process", "name", "code", "TI", "Indicadores", "Nombre del proceso")]
# The free texts of an improvement action, on the sheet "Acciones de mejora".
ACTION_TEXTS = ["Acción de mejora", "Responsable"]
# The texts of a value, each formula in its own period so that every one is in force at the cut-off.
VALUE_TEXTS = [("Valores vigentes", "Análisis"), ("Valores vigentes", "Evidencia"),
               ("Historial de valores", "Motivo de la corrección")]


def formula_for(table: str, column: str) -> str:
    """A distinct formula-like text for each column, cycling through every dangerous first character."""
    n = sum(map(ord, table + column))
    return f"{xlsx.FORMULA_STARTS[n % len(xlsx.FORMULA_STARTS)]}HYPERLINK(\"https://example.org\",\"{column}\")"


def _xml(text: str) -> str:
    """XML stores a carriage return as a line feed; that is the only change a text may see."""
    return text.replace("\r", "\n")


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    """The demo base with a formula-like text in every exported free-text column."""
    path = tmp_path_factory.mktemp("xlsx") / "t.duckdb"
    build(path, today=TODAY)
    s = Store(path)
    with s.transaction() as cur:
        for table, column, key, value, _, _ in PLAN_TEXTS:
            where = f" WHERE {key} = ?" if key else ""
            cur.execute(f"UPDATE {table} SET {column} = ?{where}", [formula_for(table, column)] +
                        ([value] if key else []))
        for i, text in enumerate(FORMULAS):
            year, period = 2023 + i // 4, 1 + i % 4
            cur.execute("INSERT INTO measurement (indicator, year, period, period_end, value, analysis, "
                        "evidence_url, recorded_at, recorded_by, reason) VALUES (?, ?, ?, ?, 50, ?, ?, ?, 'x', ?)",
                        [INDICATOR, year, period, period_end(year, "T", period), text, text,
                         f"2025-02-28 23:59:{i:02d}", text])
        asof.index_new(cur)
        for i, text in enumerate(FORMULAS):  # the action text needs at least a few characters: all do
            cur.execute("INSERT INTO improvement_action (indicator, action, responsible, due_date, status, created_at, "
                        "created_by, updated_at, updated_by) VALUES (?, ?, ?, ?, 'abierta', ?, 'x', ?, 'x')",
                        [INDICATOR, text, text, date(2025, 6, 30), f"2025-02-01 10:00:{i:02d}",
                         f"2025-02-01 10:00:{i:02d}"])
    yield s
    s.close()


def column_texts(book, sheet: str, header: str) -> set[str]:
    """The text cells under `header` in `sheet` (every cell of the column must be text or a value)."""
    ws = book[sheet]
    col = [c.value for c in ws[1]].index(header) + 1
    return {c.value for (c,) in ws.iter_rows(min_row=2, min_col=col, max_col=col) if c.data_type == "s"}


def assert_no_formula(data: bytes):
    book = openpyxl.load_workbook(io.BytesIO(data))
    formulas = [f"{ws.title}!{c.coordinate}" for ws in book.worksheets for row in ws.iter_rows() for c in row
                if c.data_type == "f"]
    assert not formulas
    return book


def test_values_workbook_has_no_formula(store):
    plan = plan_mod.load(store)
    snap = snapshot.compute(store, plan, TODAY)
    book = assert_no_formula(export.workbook(store, plan, snap, export.provenance(store, TODAY)))
    for table, column, _, _, sheet, header in PLAN_TEXTS:
        assert _xml(formula_for(table, column)) in column_texts(book, sheet, header), (table, column, sheet, header)
    for sheet, header in VALUE_TEXTS:
        assert {_xml(t) for t in FORMULAS} <= column_texts(book, sheet, header), (sheet, header)
    for header in ACTION_TEXTS:
        assert {_xml(t) for t in FORMULAS} <= column_texts(book, "Acciones de mejora", header), header


def test_open_data_workbook_has_no_formula(store):
    plan = plan_mod.load(store)
    book = assert_no_formula(export.open_data_xlsx(store, plan, export.provenance(store, TODAY)))
    assert plan.indicators.set_index("code").loc[INDICATOR, "public"]  # so its texts are in the open data
    assert formula_for("indicator", "name") in column_texts(book, "Datos", "nombre_indicador")
    assert formula_for("indicator", "unit") in column_texts(book, "Datos", "unidad")


def test_bulk_template_has_no_formula(store):
    def template():
        return bulk.template(store, "admin.demo", TODAY, date(2024, 1, 1))

    owed = openpyxl.load_workbook(io.BytesIO(template()))[bulk.SHEET]["A2"].value   # an indicator in the template
    with store.transaction() as cur:
        cur.execute("UPDATE indicator SET name = ?, unit = ? WHERE code = ?",
                    [formula_for("indicator", "name"), formula_for("indicator", "unit"), owed])
    book = assert_no_formula(template())
    for column in ("name", "unit"):
        assert formula_for("indicator", column) in column_texts(book, bulk.SHEET, bulk.COLUMNS[column])


def test_neutralize_stores_text():
    book = openpyxl.Workbook()
    book.active.append(FORMULAS + ["texto normal", 5])
    xlsx.neutralize_book(book)
    out = io.BytesIO()
    book.save(out)
    row = [c for c in openpyxl.load_workbook(io.BytesIO(out.getvalue())).active[1]]
    assert [c.value for c in row] == [_xml(t) for t in FORMULAS] + ["texto normal", 5]
    assert all(c.data_type != "f" for c in row)
