"""Excel bulk load: a real .xlsx made in the test; one bad row writes nothing; hundreds of rows go in whole."""
import io
import re
from datetime import date, datetime

import pytest
from openpyxl import Workbook, load_workbook

from metrics import asof, bulk, writes
from metrics.accounts import PermissionDenied, Rejected
from metrics.periods import PERIODS_PER_YEAR, period_end
from tests.reporting_helpers import NOW, fresh_store

HEADER = list(bulk.COLUMNS.values())


@pytest.fixture
def store(tmp_path):
    s = fresh_store(tmp_path)
    yield s
    s.close()


def workbook(rows, percent_cells=()) -> bytes:
    """An .xlsx with the template's header and `rows` (dicts by column key)."""
    wb = Workbook()
    ws = wb.active
    ws.title = bulk.SHEET
    ws.append(HEADER)
    keys = list(bulk.COLUMNS)
    for r in rows:
        ws.append([r.get(k) for k in keys])
    for row, key in percent_cells:
        ws.cell(row, keys.index(key) + 1).number_format = "0%"
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def count(store):
    return store.scalar("SELECT count(*) FROM measurement")


def test_template_lists_the_periods_owed(store):
    data = bulk.template(store, "lider.ti", date(2025, 9, 1), date(2025, 1, 1))
    ws = load_workbook(io.BytesIO(data))[bulk.SHEET]
    rows = list(ws.iter_rows(values_only=True))
    assert list(rows[0]) == HEADER
    assert len(rows) > 10 and all(r[0].startswith("GD-") for r in rows[1:])
    with pytest.raises(PermissionDenied):
        bulk.template(store, "consulta", date(2025, 9, 1), date(2025, 1, 1))


def test_accepted_formats(store):
    rows = [
        {"indicator": "GD-06", "year": 2025, "period": 1, "value": "99,5"},
        {"indicator": "GD-06", "year": 2025, "period": 2, "value": "99 %"},
        {"indicator": "GD-06", "year": 2025, "period": 3, "value": 0.995},                      # 99,5 % cell
        {"indicator": "GD-06", "period_date": datetime(2025, 4, 30), "value": 99},              # Excel date
        {"indicator": "GD-06", "period_date": "31/05/2025", "value": 99},                       # text date
        {"indicator": "GD-06", "period_date": "2025-06-30", "value": 1},                        # 100 % cell
        {"indicator": "GD-07", "period_date": 45869, "value": "3,5"},                           # serial: 2025-07-31
        {"indicator": "GD-12", "year": 2025, "period": 1, "numerator": 9, "denominator": 10,
         "analysis": "Un incidente cerró fuera del ANS"},
        {"indicator": "GD-13", "year": 2025, "period": 1},                                      # no value: skipped
    ]
    result = bulk.import_workbook(store, "lider.ti", workbook(rows, percent_cells=[(4, "value"), (7, "value")]),
                                  now=NOW)
    assert result.ok, result.rejected
    assert result.written == 8 and result.skipped == [10]
    got = store.query("SELECT indicator, year, period, value FROM measurement ORDER BY indicator, period")
    assert got["value"].round(2).tolist() == [99.5, 99, 99.5, 99, 99, 100, 3.5, 90]
    assert got[got["indicator"] == "GD-07"]["period"].tolist() == [7]


def test_one_bad_row_writes_nothing_and_is_named(store):
    rows = [{"indicator": "GD-06", "year": 2025, "period": p, "value": 99} for p in range(1, 7)]
    rows[3]["value"] = "noventa"
    result = bulk.import_workbook(store, "lider.ti", workbook(rows), now=NOW)
    assert [(r[0], r[1]) for r in result.rejected] == [(5, "GD-06")]
    assert "no es un número" in result.rejected[0][2]
    assert result.written == 0 and count(store) == 0


def test_every_kind_of_bad_row_is_rejected_by_number(store):
    rows = [
        {"indicator": "GD-06", "year": 2025, "period": 13, "value": 99},            # 2 no such period
        {"indicator": "GD-06", "year": 2025, "period": 12, "value": 99},            # 3 not ended
        {"indicator": "GD-21", "year": 2025, "period": 1, "value": 99},             # 4 another process
        {"indicator": "GD-99", "year": 2025, "period": 1, "value": 99},             # 5 unknown indicator
        {"indicator": "GD-06", "year": 2025, "period": 1, "value": 150},            # 6 out of range
        {"indicator": "GD-13", "year": 2025, "period": 1, "value": -2},             # 7 negative count
        {"indicator": "GD-12", "year": 2025, "period": 1, "numerator": 1, "denominator": 0},   # 8 zero denominator
        {"indicator": "GD-06", "period_date": "31 de febrero de 2025", "value": 99},           # 9 bad date
        {"indicator": "GD-06", "year": 2025, "period": 2, "value": 99},             # 10 fine
        {"indicator": "GD-06", "year": 2025, "period": 2, "value": 98},             # 11 repeated
        {"indicator": "GD-06", "year": 2025, "period": 3, "period_date": "30/04/2025", "value": 99},  # 12 mismatch
        {"indicator": "GD-07", "year": 2025, "period": 1, "value": 4},              # 13 fine
    ]
    result = bulk.import_workbook(store, "lider.ti", workbook(rows), now=NOW)
    numbers = [r[0] for r in result.rejected]
    assert set(range(2, 10)) | {11, 12} <= set(numbers) and 10 not in numbers
    assert count(store) == 0


def test_consulta_cannot_upload(store):
    with pytest.raises(PermissionDenied):
        bulk.import_workbook(store, "consulta", workbook([{"indicator": "GD-06", "year": 2025, "period": 1,
                                                           "value": 99}]), now=NOW)


def test_not_an_excel_file(store):
    with pytest.raises(Rejected, match="no es un libro de Excel"):
        bulk.import_workbook(store, "admin", b"esto no es un xlsx", now=NOW)


def test_several_hundred_rows_go_in_whole(store):
    fichas = store.query("SELECT code, frequency, start_year FROM indicator WHERE unit = '%' AND computed_from IS NULL")
    rows = []
    for f in fichas.itertuples():
        for year in range(f.start_year, 2025):
            for p in range(1, PERIODS_PER_YEAR[f.frequency] + 1):
                rows.append({"indicator": f.code, "period_date": period_end(year, f.frequency, p),
                             "value": "100", "evidence_url": f"https://intranet.example/{f.code}/{year}-{p}"})
    assert len(rows) >= 300
    result = bulk.import_workbook(store, "admin", workbook(rows), now=NOW)
    assert result.ok, result.rejected[:3]
    assert result.written == len(rows) == count(store)
    assert store.scalar("SELECT count(*) FROM audit_log WHERE action = 'carga_masiva'") == len(rows) + 1


# -- one reading of a percentage (issue 9, point 6) -------------------------------------------
def test_percentages_plain_numbers_are_points_and_percent_cells_are_read_as_shown(store):
    why = "Caída del enlace principal"
    rows = [{"indicator": "GD-06", "year": 2025, "period": 1, "value": 1, "analysis": why},       # 1 stays 1 %
            {"indicator": "GD-06", "year": 2025, "period": 2, "value": 0.95, "analysis": why},    # 0,95 stays 0,95 %
            {"indicator": "GD-06", "year": 2025, "period": 3, "value": 0.95, "analysis": why},    # formatted: 95 %
            {"indicator": "GD-06", "year": 2025, "period": 4, "value": "0,5", "analysis": why},   # text: 0,5 %
            {"indicator": "GD-06", "year": 2025, "period": 5, "value": 95, "analysis": why}]      # 95 %
    result = bulk.import_workbook(store, "lider.ti", workbook(rows, percent_cells=[(4, "value")]), now=NOW)
    assert result.ok, result.rejected
    stored = store.query("SELECT period, value FROM measurement ORDER BY period")
    assert stored["value"].tolist() == [1, 0.95, 95, 0.5, 95]
    notes = dict(result.notes)
    assert "95,00 %" in notes[4] and "0,95 %" in notes[3] and 2 not in notes


def test_a_percent_formatted_cell_in_a_quantity_column_is_refused(store):
    rows = [{"indicator": "GD-07", "year": 2025, "period": 1, "value": 0.5}]    # GD-07 counts hours, not %
    result = bulk.import_workbook(store, "lider.ti", workbook(rows, percent_cells=[(2, "value")]), now=NOW)
    assert "formato de porcentaje" in result.rejected[0][2] and count(store) == 0


# -- limits and messages (issue 10, point 5) ---------------------------------------------------
@pytest.mark.parametrize("row, message", [
    ({"year": 1e20, "period": 1, "value": 99}, "número entero"),
    ({"year": "20025", "period": 1, "value": 99}, "El año 20025 no es válido"),
    ({"year": 20025, "period": 1, "value": 99}, "El año 20025 no es válido"),
    ({"year": 2025, "period": 1e20, "value": 99}, "número entero"),
    ({"year": 2025, "period": 1, "value": 1e300}, "demasiado grande"),
    ({"year": "inf", "period": 1, "value": 99, "period_date": "31/01/2025"}, "número entero"),
    ({"year": 2025, "period": 1, "value": 99, "analysis": "x" * 2001}, "máximo es 2.000"),
    ({"year": 2025, "period": 1, "value": 99, "evidence_url": "https://a.example/" + "x" * 600}, "máximo es 500"),
    ({"year": 2025, "period": 1, "value": "1.500"}, "entre 0 y 100"),
])
def test_absurd_cells_get_a_spanish_message_and_write_nothing(store, row, message):
    result = bulk.import_workbook(store, "lider.ti", workbook([{"indicator": "GD-06", **row}]), now=NOW)
    assert len(result.rejected) == 1 and message in result.rejected[0][2], result.rejected
    assert not any(word in result.rejected[0][2] for word in ("out of range", "year", "Error", "int"))
    assert count(store) == 0


def test_thousands_separator_in_an_upload(store):
    rows = [{"indicator": "GD-13", "year": 2025, "period": 1, "value": "1.500", "analysis": "Mes de alta demanda"}]
    result = bulk.import_workbook(store, "lider.ti", workbook(rows), now=NOW)
    assert result.ok, result.rejected
    assert store.scalar("SELECT value FROM measurement") == 1500


ODD_CELLS = [1e20, -1e20, 1e308, 20025, "1e20", "inf", "nan", True, datetime(2025, 3, 31), "31/02/2025", "=1+1",
             "🙂", -1, 2.5, "x" * 5000]
ENGLISH = re.compile(r"\b(error|invalid|out of range|year|month|day|must|object|cannot|convert|overflow)\b", re.I)


@pytest.mark.parametrize("column", ["year", "period", "value", "numerator", "period_date"])
def test_any_odd_cell_gets_a_spanish_answer_never_an_exception(store, column):
    for odd in ODD_CELLS:
        row = {"indicator": "GD-12", "year": 2025, "period": 1, "value": 90, "analysis": "Prueba de carga rara",
               column: odd}
        if column == "numerator":
            row.pop("value")
        result = bulk.import_workbook(store, "admin", workbook([row]), now=NOW)   # raises nothing
        for _, _, message in result.rejected:
            assert not ENGLISH.search(message), (column, odd, message)
        with store.transaction() as cur:   # start over for the next odd value
            cur.execute("DELETE FROM measurement")
            asof.rebuild(cur)


# -- the actions' sheet: action progress through the same upload ------------------------------------
ACTION_HEADER = list(bulk.ACTION_COLUMNS.values())


def with_actions(value_rows, action_rows, percent_rows=()) -> bytes:
    """The template's two sheets: values (may be empty) and action progress (dicts by column key)."""
    wb = load_workbook(io.BytesIO(workbook(value_rows)))
    ws = wb.create_sheet(bulk.ACTION_SHEET)
    ws.append(ACTION_HEADER)
    keys = list(bulk.ACTION_COLUMNS)
    for r in action_rows:
        ws.append([r.get(k) for k in keys])
    for row in percent_rows:
        ws.cell(row, keys.index("progress") + 1).number_format = "0%"
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def progress_count(store):
    return store.scalar("SELECT count(*) FROM action_progress")


def test_template_lists_the_leaders_started_actions(store):
    data = bulk.template(store, "lider.ti", date(2025, 9, 1), date(2025, 1, 1))
    rows = list(load_workbook(io.BytesIO(data))[bulk.ACTION_SHEET].iter_rows(values_only=True))
    assert list(rows[0]) == ACTION_HEADER
    # TI's 2025 actions started by 01/09/2025 (PA25-07 starts 01/05; none of another process), quarter 3
    assert [r[0] for r in rows[1:]] == ["PA25-03", "PA25-04", "PA25-06", "PA25-07"]
    assert {(r[3], r[4]) for r in rows[1:]} == {(2025, 3)}
    assert rows[1][5] == 100   # PA25-03 ends 31/08: all of it is programmed by 30/09


def test_values_and_action_progress_go_in_together(store):
    gd03 = "SELECT count(*) FROM measurement WHERE indicator = 'GD-03'"
    actions = [{"action": "PA25-03", "year": 2025, "period": 3, "progress": 1},          # 100 % cell
               {"action": "PA25-06", "period": 3, "progress": "45,5", "analysis": "Va según lo programado."},
               {"action": "PA25-07", "period": 3}]                                       # no progress: skipped
    result = bulk.import_workbook(store, "lider.ti", with_actions(
        [{"indicator": "GD-06", "year": 2025, "period": 1, "value": 99}], actions, percent_rows=[2]), now=NOW)
    assert result.ok, result.rejected
    assert (result.written, result.written_actions, result.skipped_actions) == (1, 2, [4])
    got = store.query("SELECT action, progress FROM action_progress ORDER BY action")
    assert got.values.tolist() == [["PA25-03", 100.0], ["PA25-06", 45.5]]
    assert store.scalar(gd03) == 1     # GD-03 of the quarter recomputed once, through the write path
    assert store.scalar("SELECT count(*) FROM audit_log WHERE action = 'carga_masiva_avance'") == 2


def test_one_bad_action_row_writes_nothing_and_every_one_is_named(store):
    writes.lock_periods(store, "admin", date(2025, 6, 30), now=NOW)
    actions = [{"action": "PA25-03", "period": 3, "progress": 100},                      # fine
               {"action": "PA25-08", "period": 3, "progress": 50},                       # AC's action
               {"action": "PA25-04", "period": 3, "progress": 5},                        # late, no analysis
               {"action": "PA25-06", "period": 3, "progress": "ciento diez"},
               {"action": "PA25-06", "period": 2, "progress": 20, "analysis": "Informe tardío del trimestre."},
               {"action": "PA25-03", "period": 3, "progress": 100},                      # repeated
               {"action": "PA25-07", "year": 2024, "period": 3, "progress": 10},
               {"action": "PA99-01", "period": 3, "progress": 10}]
    result = bulk.import_workbook(store, "lider.ti", with_actions(
        [{"indicator": "GD-06", "year": 2025, "period": 7, "value": 99}], actions), now=NOW)
    assert [(r[0], r[1]) for r in result.rejected] == [
        (3, "PA25-08"), (4, "PA25-04"), (5, "PA25-06"), (6, "PA25-06"), (7, "PA25-03"), (8, "PA25-07"), (9, "PA99-01")]
    messages = [r[2] for r in result.rejected]
    assert all(m.startswith(f"Hoja «{bulk.ACTION_SHEET}»: ") for m in messages)
    for message, expected in zip(messages, ["de su proceso (TI); la acción PA25-08 es del proceso AC", "atrasada", "no es un número", "cerrado",
                                            "Repite el trimestre", "vigencia 2025", "no existe"]):
        assert expected in message, message
    assert result.written == result.written_actions == 0 and count(store) == 0 and progress_count(store) == 0


def test_an_actions_sheet_alone_is_enough(store):
    wb = Workbook()
    ws = wb.active
    ws.title = bulk.ACTION_SHEET
    ws.append(ACTION_HEADER)
    ws.append(["PA25-03", None, None, 2025, 3, None, 100])
    out = io.BytesIO()
    wb.save(out)
    result = bulk.import_workbook(store, "lider.ti", out.getvalue(), now=NOW)
    assert result.ok and result.written_actions == 1 and progress_count(store) == 1
    ws.delete_rows(1)
    ws.insert_rows(1)
    ws.append(["Código raro", "Otra cosa"])
    out = io.BytesIO()
    wb.save(out)
    with pytest.raises(Rejected, match="no tiene los encabezados"):
        bulk.import_workbook(store, "lider.ti", out.getvalue(), now=NOW)
