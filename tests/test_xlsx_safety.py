"""No workbook the app writes carries a formula: formula-like texts are stored as text, unchanged."""
import io
from datetime import date

import openpyxl
import pytest

from metrics import export, plan as plan_mod, snapshot, xlsx
from metrics.periods import period_end
from metrics.seed import build
from metrics.store import Store

FORMULAS = ['=HYPERLINK("https://example.org","Ver evidencia oficial")', "=1+1", "+57 300", "-x", "@SUM(A1)",
            "\tTab", "\rRetorno"]


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    path = tmp_path_factory.mktemp("xlsx") / "t.duckdb"
    build(path, today=date(2025, 3, 1))
    s = Store(path)
    with s.transaction() as cur:   # formula-like texts in every free-text column of a value
        for i, text in enumerate(FORMULAS, 1):
            cur.execute("INSERT INTO measurement (indicator, year, period, period_end, value, analysis, "
                        "evidence_url, recorded_at, recorded_by, reason) VALUES "
                        "('GD-05', 2024, ?, ?, 50, ?, ?, '2025-02-01', ?, ?)",
                        [1 + i % 4, period_end(2024, "T", 1 + i % 4), text, text, text, text])
    yield s
    s.close()


def _xml(text: str) -> str:
    """XML stores a carriage return as a line feed; that is the only change a text may see."""
    return text.replace("\r", "\n")


def _cells(data: bytes):
    book = openpyxl.load_workbook(io.BytesIO(data))
    return [c for ws in book.worksheets for row in ws.iter_rows() for c in row]


def test_values_workbook_has_no_formula(store):
    plan = plan_mod.load(store)
    snap = snapshot.compute(store, plan, date(2025, 3, 1))
    data = export.workbook(store, plan, snap, export.provenance(store, date(2025, 3, 1)))
    cells = _cells(data)
    assert not [c.coordinate for c in cells if c.data_type == "f"]
    texts = {c.value for c in cells if isinstance(c.value, str)}
    for text in FORMULAS:   # written as typed, read back unchanged
        assert _xml(text) in texts


def test_neutralize_stores_text():
    book = openpyxl.Workbook()
    book.active.append(FORMULAS + ["texto normal", 5])
    xlsx.neutralize_book(book)
    out = io.BytesIO()
    book.save(out)
    row = [c for c in openpyxl.load_workbook(io.BytesIO(out.getvalue())).active[1]]
    assert [c.value for c in row] == [_xml(t) for t in FORMULAS] + ["texto normal", 5]
    assert all(c.data_type != "f" for c in row)
