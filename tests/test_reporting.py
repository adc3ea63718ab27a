"""Reporting: validation (property-based), corrections without loss, voids, locks, exceptions, actions."""
from datetime import date, datetime, timedelta

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from metrics import actions, fmt, scoring, snapshot, timeliness, validation, values, writes
from metrics.accounts import PermissionDenied, Rejected
from metrics.plan import load
from metrics.writes import Entry
from tests.reporting_helpers import NOW, fresh_store

PCT = {"code": "X", "unit": "%", "valid_min": 0, "valid_max": 100, "denominator": "Total", "frequency": "T",
       "start_year": 2020}
HOURS = {"code": "H", "unit": "horas", "valid_min": 0, "valid_max": None, "denominator": None, "frequency": "M",
         "start_year": 2020}
COUNT = {"code": "C", "unit": "#", "valid_min": 0, "valid_max": None, "denominator": None, "frequency": "S",
         "start_year": 2020}


@pytest.fixture
def store(tmp_path):
    s = fresh_store(tmp_path)
    yield s
    s.close()


# -- parsing and validation, property-based ---------------------------------------------------
@given(st.floats(min_value=-1e9, max_value=1e9, allow_nan=False), st.integers(1, 4))
def test_colombian_format_parses_back(x, decimals):
    text = fmt.number(x, decimals)
    assert validation.parse_number(text)[0] == pytest.approx(round(x, decimals), abs=10 ** -decimals)


@given(st.floats(min_value=0, max_value=1e6, allow_nan=False))
def test_plain_point_decimal_parses(x):
    assert validation.parse_number(f"{x:.2f}")[0] == pytest.approx(round(x, 2), abs=0.01)


@given(st.text(max_size=20))
def test_any_text_is_a_number_or_a_spanish_rejection(text):
    try:
        number, _ = validation.parse_number(text)
    except Rejected as exc:
        assert "número" in exc.message
    else:
        assert number == number and abs(number) < float("inf")


@given(st.floats(allow_nan=True, allow_infinity=True))
def test_accepted_percentages_are_within_0_and_100(x):
    try:
        measured = validation.measure(PCT, x)
    except Rejected:
        assert not (0 <= x <= 100)
    else:
        assert 0 <= measured.value <= 100 and measured.value == x


@given(st.floats(min_value=0, max_value=1e6), st.floats(min_value=0, max_value=1e6))
@settings(suppress_health_check=[HealthCheck.too_slow])
def test_numerator_and_denominator(num, den):
    try:
        measured = validation.measure(PCT, None, num, den)
    except Rejected as exc:
        assert den == 0 or num / den > 1, exc.message
    else:
        assert measured.value == pytest.approx(num / den * 100)
        assert (measured.numerator, measured.denominator) == (num, den)


@given(st.integers(-1000, 1000))
def test_counts_are_non_negative_integers(n):
    if n < 0:
        with pytest.raises(Rejected, match="negativo"):
            validation.measure(COUNT, n)
    else:
        assert validation.measure(COUNT, n).value == n
        with pytest.raises(Rejected, match="entero"):
            validation.measure(COUNT, n + 0.5)


@pytest.mark.parametrize("raw, expected", [("85,5", 85.5), ("85 %", 85.0), ("85%", 85.0), (" 99.5 ", 99.5),
                                           ("1.234,5", 1234.5), ("1.234.567", 1234567.0), ("0,85", 0.85),
                                           ("1.500", 1500.0), ("1.234", 1234.0), ("-1.500", -1500.0),
                                           ("0.500", 0.5), ("12.5", 12.5), ("1,500", 1.5),
                                           (70, 70.0), ("-3", -3.0)])
def test_parse_examples(raw, expected):
    assert validation.parse_number(raw)[0] == expected


@pytest.mark.parametrize("raw", ["abc", "", "1,2,3", "85,", "1e5", "inf", "nan", "--1", "8 5 x", True, "1.50.0",
                                 "12.34.567"])
def test_parse_rejections(raw):
    with pytest.raises(Rejected):
        validation.parse_number(raw)


@pytest.mark.parametrize("ficha, kwargs, message", [
    (PCT, {"value": "120"}, "entre 0 y 100"),
    (PCT, {"value": "-1"}, "entre 0 y 100"),
    (PCT, {"numerator": 5, "denominator": 0}, "denominador no puede ser cero"),
    (PCT, {"numerator": 5}, "numerador y el denominador"),
    (PCT, {"value": "80", "numerator": 1, "denominator": 2}, "no coincide"),
    (HOURS, {"value": "5 %"}, "no en porcentaje"),
    (HOURS, {"numerator": 1, "denominator": 2}, "no tiene numerador"),
    (HOURS, {}, "Escriba el valor"),
    (COUNT, {"value": "diez"}, "no es un número"),
])
def test_value_rejections_in_spanish(ficha, kwargs, message):
    with pytest.raises(Rejected, match=message):
        validation.measure(ficha, **kwargs)


@pytest.mark.parametrize("raw, stored", [(85, 85.0), ("85", 85.0), ("85 %", 85.0), ("85,5", 85.5), (1, 1.0),
                                         ("1", 1.0), (0.95, 0.95), ("0,95", 0.95), ("0,5", 0.5), ("0.5", 0.5),
                                         (100, 100.0), (0, 0.0)])
def test_a_percentage_is_read_in_percentage_points_whatever_its_size(raw, stored):
    assert validation.measure(PCT, raw).value == stored


@pytest.mark.parametrize("year, period, message", [(2025, 5, "no existe"), (2025, 0, "no existe"),
                                                   (2025, 4, "aún no ha terminado"), (2019, 1, "se mide desde"),
                                                   ("dos mil", 1, "entero"), (2025, 1.5, "entero")])
def test_period_rejections(year, period, message):
    with pytest.raises(Rejected, match=message):
        validation.resolve_period(PCT, year, period, date(2025, 9, 1))


# -- the write path ---------------------------------------------------------------------------
def test_report_then_again_is_a_correction(store):
    writes.report(store, "lider.ti", Entry("GD-06", 2025, 6, "99,5"), now=NOW)
    with pytest.raises(Rejected, match="ya fue reportado.*Corregir"):
        writes.report(store, "lider.ti", Entry("GD-06", 2025, 6, "98"), now=NOW)


def test_analysis_required_when_not_green(store):
    with pytest.raises(Rejected, match="análisis"):
        writes.report(store, "lider.ti", Entry("GD-06", 2025, 5, "50"), now=NOW)
    writes.report(store, "lider.ti", Entry("GD-06", 2025, 5, "50", analysis="Caída del centro de datos"), now=NOW)


def test_evidence_must_be_a_link(store):
    with pytest.raises(Rejected, match="enlace"):
        writes.report(store, "lider.ti", Entry("GD-06", 2025, 6, "99", evidence_url="mi carpeta"), now=NOW)


def test_outlook_matches_the_resumen(store):
    ficha = store.query("SELECT * FROM indicator WHERE code = 'GD-06'").iloc[0].to_dict()
    view = writes.outlook(store, ficha, 2025, 6, 99.5)
    writes.report(store, "lider.ti", Entry("GD-06", 2025, 6, "99,5"), now=NOW)
    snap = snapshot.compute(store, load(store), NOW.date())
    row = snap.indicators.set_index("code").loc["GD-06"]
    assert row["status"] == view.status and row["attainment_raw"] == pytest.approx(view.attainment)
    proc = snap.processes.set_index("code").loc["TI"]
    assert proc["n_data"] == 1


def test_correction_keeps_history_and_the_past_cut_off_shows_the_old_value(store):
    first = writes.report(store, "lider.ti", Entry("GD-06", 2025, 6, "99"), now=NOW)
    later = NOW + timedelta(days=10)
    with pytest.raises(Rejected, match="motivo"):
        writes.correct(store, "lider.ti", Entry("GD-06", 2025, 6, "97", analysis="Ajuste por caída"), "", now=later)
    second = writes.correct(store, "lider.ti", Entry("GD-06", 2025, 6, "97", analysis="Ajuste por caída"),
                               "Se incluyó la caída del 12 de junio", expected_id=first, now=later)
    history = writes.history(store, "GD-06")
    assert list(history["id"]) == [second, first] and list(history["kind"]) == ["correccion", "reporte"]
    assert history.iloc[0]["recorded_by"] == "lider.ti" and "caída" in history.iloc[0]["reason"]
    before = values.current_values(store, NOW.date(), indicator="GD-06")
    after = values.current_values(store, later.date(), indicator="GD-06")
    assert list(before["value"]) == [99] and list(after["value"]) == [97]


def test_stale_correction_is_told_why(store):
    first = writes.report(store, "lider.ti", Entry("GD-06", 2025, 6, "99"), now=NOW)
    writes.correct(store, "lider.ti", Entry("GD-06", 2025, 6, "98.5"), "Primer ajuste del valor", first, now=NOW)
    with pytest.raises(Rejected, match="Otra persona cambió"):
        writes.correct(store, "admin", Entry("GD-06", 2025, 6, "98"), "Segundo ajuste del valor", first, now=NOW)


def test_void_is_a_version_and_only_for_administrators(store):
    first = writes.report(store, "lider.ti", Entry("GD-06", 2025, 6, "99"), now=NOW)
    with pytest.raises(PermissionDenied):
        writes.void(store, "lider.ti", "GD-06", 2025, 6, "Valor cargado por error", expected_id=first, now=NOW)
    writes.void(store, "admin", "GD-06", 2025, 6, "Valor cargado por error", expected_id=first,
                now=NOW + timedelta(hours=1))
    rows = store.query("SELECT * FROM measurement ORDER BY id")
    assert len(rows) == 2 and rows["is_void"].tolist() == [False, True] and rows["supersedes"].iloc[1] == first
    assert values.current_values(store, NOW.date() + timedelta(days=1), indicator="GD-06").empty
    writes.report(store, "lider.ti", Entry("GD-06", 2025, 6, "98"), now=NOW + timedelta(hours=2))


def test_lock_blocks_until_an_exception_and_the_exception_is_used_once(store):
    writes.report(store, "lider.ti", Entry("GD-06", 2025, 6, "99"), now=NOW)
    with pytest.raises(PermissionDenied):
        writes.lock_periods(store, "lider.ti", date(2025, 6, 30), now=NOW)
    writes.lock_periods(store, "personero", date(2025, 6, 30), "Acta del Comité 3", now=NOW)
    with pytest.raises(Rejected, match="está cerrado"):
        writes.report(store, "lider.ti", Entry("GD-06", 2025, 5, "99"), now=NOW)
    with pytest.raises(Rejected, match="está cerrado"):
        writes.correct(store, "admin", Entry("GD-06", 2025, 6, "98"), "Ajuste después del comité", now=NOW)
    writes.report(store, "lider.ti", Entry("GD-06", 2025, 7, "99"), now=NOW)   # after the lock: open
    with pytest.raises(PermissionDenied):
        writes.open_exception(store, "personero", "GD-06", 2025, 6, "Error de digitación", now=NOW)
    with pytest.raises(Rejected, match="no está cerrado"):
        writes.open_exception(store, "admin", "GD-06", 2025, 7, "Error de digitación", now=NOW)
    writes.open_exception(store, "admin", "GD-06", 2025, 6, "Error de digitación en el acta", now=NOW)
    new_id = writes.correct(store, "lider.ti", Entry("GD-06", 2025, 6, "98"), "Error de digitación", now=NOW)
    assert store.scalar("SELECT used_by_measurement FROM lock_exception") == new_id
    with pytest.raises(Rejected, match="está cerrado"):
        writes.correct(store, "lider.ti", Entry("GD-06", 2025, 6, "97"), "Otro ajuste más", now=NOW)
    log = store.query("SELECT action FROM audit_log")["action"].tolist()
    assert {"cerrar_periodos", "abrir_excepcion", "corregir"} <= set(log)


def test_every_write_is_audited_in_its_transaction(store):
    before = store.scalar("SELECT count(*) FROM audit_log")
    writes.report(store, "lider.ti", Entry("GD-06", 2025, 6, "99"), now=NOW)
    with pytest.raises(Rejected):
        writes.report(store, "lider.ti", Entry("GD-06", 2025, 6, "99"), now=NOW)
    assert store.scalar("SELECT count(*) FROM audit_log") == before + 1


def test_improvement_actions_and_overdue_list(store):
    with pytest.raises(PermissionDenied):
        actions.add_action(store, "lider.ti", "GD-21", "Revisar los tiempos", "Líder AC", date(2025, 8, 1))
    aid = actions.add_action(store, "lider.ti", "GD-06", "Contratar un segundo enlace", "Jefe de TI",
                               date(2025, 8, 1), now=NOW)
    actions.add_action(store, "lider.ti", "GD-07", "Actualizar la mesa de ayuda", "Jefe de TI",
                         date(2025, 12, 1), now=NOW)
    overdue = actions.overdue_actions(store, date(2025, 9, 1))
    assert list(overdue["id"]) == [aid]
    actions.set_action_status(store, "lider.ti", aid, "cerrada", now=NOW)
    assert actions.overdue_actions(store, date(2025, 9, 1)).empty
    assert actions.overdue_actions(store, date(2025, 7, 1)).empty


def test_timeliness_states(store):
    on_time = datetime(2025, 7, 5, 9)
    writes.report(store, "lider.ti", Entry("GD-06", 2025, 6, "99"), now=on_time)
    writes.report(store, "lider.ti", Entry("GD-06", 2025, 5, "99"), now=on_time)   # May: deadline 10 June
    states = timeliness.period_states(store, date(2025, 8, 5), date(2025, 1, 1), "TI")
    g = states[states["indicator"] == "GD-06"].set_index("period")["state"]
    assert g[6] == "a_tiempo" and g[5] == "tarde" and g[7] == "pendiente" and g[4] == "faltante"
    due = timeliness.due_periods(store, "TI", date(2025, 8, 5), date(2025, 1, 1))
    assert due["state"].iloc[0] == "faltante" and due["state"].iloc[-1] == "pendiente"
    table = timeliness.timeliness(store, date(2025, 8, 5), date(2025, 1, 1)).set_index("process")
    assert table.loc["TI", "a_tiempo"] == 1 and table.loc["TI", "tarde"] == 1
    assert table.loc["TI", "leaders"] == "Lider.Ti"


@pytest.mark.parametrize("code", ["GD-06", "GD-18", "GD-24"])  # stock, acumulado, flujo
def test_preview_of_a_period_uses_the_same_target_as_the_pages(store, code):
    ficha = store.query("SELECT * FROM indicator WHERE code = ?", [code]).iloc[0].to_dict()
    view = writes.outlook(store, ficha, 2025, 1, 3.0)
    typed = pd.DataFrame({"indicator": [code], "year": [2025], "period": [1], "value": [3.0]})
    plan = load(store)
    shown = scoring.period_attainment(typed, plan.indicators, plan.targets).iloc[0]
    assert view.period_target == pytest.approx(shown["period_target"])
    assert scoring.capped(view.period_attainment) == pytest.approx(shown["attainment"])


# -- limits and messages (issue 10, point 5) ---------------------------------------------------
@pytest.mark.parametrize("kind", list(validation.TEXT_LIMITS))
def test_every_free_text_field_has_a_limit_with_a_spanish_message(kind):
    limit = validation.TEXT_LIMITS[kind]
    assert validation.text("x" * limit, kind) == "x" * limit
    with pytest.raises(Rejected, match=f"máximo es {fmt.number(limit, 0)}"):
        validation.text("x" * (limit + 1), kind)
    assert validation.limit_caption(kind) == f"Máximo {fmt.number(limit, 0)} caracteres."


MEGABYTE = "x" * 1_000_000


@pytest.mark.parametrize("write", [
    lambda s: writes.report(s, "lider.ti", Entry("GD-06", 2025, 6, "99", analysis=MEGABYTE), now=NOW),
    lambda s: writes.report(s, "lider.ti", Entry("GD-06", 2025, 6, "99", evidence_url="https://a.co/" + MEGABYTE),
                            now=NOW),
    lambda s: writes.lock_periods(s, "personero", date(2025, 6, 30), MEGABYTE, now=NOW),
    lambda s: actions.add_action(s, "lider.ti", "GD-06", MEGABYTE, "Jefe de TI", date(2025, 12, 1), now=NOW),
    lambda s: actions.add_action(s, "lider.ti", "GD-06", "Contratar un segundo enlace", MEGABYTE, date(2025, 12, 1),
                                 now=NOW),
])
def test_a_megabyte_of_text_is_refused_in_spanish_and_writes_nothing(store, write):
    with pytest.raises(Rejected, match="demasiado largo"):
        write(store)
    for table in ("measurement", "period_lock", "improvement_action"):
        assert store.scalar(f"SELECT count(*) FROM {table}") == 0


def test_a_megabyte_reason_is_refused_for_corrections_voids_and_exceptions(store):
    first = writes.report(store, "lider.ti", Entry("GD-06", 2025, 6, "99"), now=NOW)
    with pytest.raises(Rejected, match="demasiado largo"):
        writes.correct(store, "lider.ti", Entry("GD-06", 2025, 6, "98"), MEGABYTE, first, now=NOW)
    with pytest.raises(Rejected, match="demasiado largo"):
        writes.void(store, "admin", "GD-06", 2025, 6, MEGABYTE, expected_id=first, now=NOW)
    writes.lock_periods(store, "personero", date(2025, 6, 30), "Acta 3", now=NOW)
    with pytest.raises(Rejected, match="demasiado largo"):
        writes.open_exception(store, "admin", "GD-06", 2025, 6, MEGABYTE, now=NOW)
    assert store.scalar("SELECT count(*) FROM measurement") == 1
    assert store.scalar("SELECT count(*) FROM lock_exception") == 0


@pytest.mark.parametrize("year, period, message", [
    (1e20, 1, "número entero de pocas cifras"), ("1e20", 1, "número entero de pocas cifras"),
    (20025, 1, "El año 20025 no es válido: escriba un año entre 2020 y 2025"),
    ("20025", 1, "El año 20025 no es válido"), (float("inf"), 1, "número entero"),
    (2025, 1e20, "número entero de pocas cifras"), (2025, 10 ** 8, "no existe"),
    (-5, 1, "se mide desde 2020"),
])
def test_absurd_years_and_periods_are_answered_in_spanish(year, period, message):
    with pytest.raises(Rejected, match=message) as caught:
        validation.resolve_period(PCT, year, period, date(2025, 9, 1))
    assert "out of range" not in caught.value.message and "year" not in caught.value.message


@pytest.mark.parametrize("raw, stored", [("1.500", 1500), ("1.500,5", 1500.5), ("12.000", 12000), ("1500", 1500)])
def test_the_colombian_thousands_separator(raw, stored):
    assert validation.measure(HOURS, raw).value == stored


def test_a_thousands_figure_in_a_percentage_is_refused_with_the_reading_shown():
    with pytest.raises(Rejected, match="entre 0 y 100; se recibió 1.500,00. Se escribe en puntos porcentuales"):
        validation.measure(PCT, "1.500")


@pytest.mark.parametrize("value, unit, shown", [(85, "%", "85,0 %"), (0.85, "%", "0,85 %"), (1, "%", "1,0 %"),
                                                (1500, "#", "1.500"), (1.5, "#", "1,5"), (2.25, "horas", "2,25 horas")])
def test_the_preview_shows_the_value_as_it_will_be_stored(value, unit, shown):
    assert validation.as_stored(value, unit) == shown


# -- a void names the version it replaces (issue 9, point 7) -----------------------------------
def test_a_void_on_a_version_someone_changed_is_refused_and_writes_nothing(store):
    first = writes.report(store, "lider.ti", Entry("GD-06", 2025, 6, "99"), now=NOW)
    second = writes.correct(store, "lider.ti", Entry("GD-06", 2025, 6, "98"), "Ajuste del valor medido", first,
                            now=NOW)
    with pytest.raises(Rejected, match="Otra persona cambió el valor de GD-06 junio 2025.*98,00"):
        writes.void(store, "admin", "GD-06", 2025, 6, "Valor cargado por error", expected_id=first, now=NOW)
    assert store.scalar("SELECT count(*) FROM measurement") == 2
    voided = writes.void(store, "admin", "GD-06", 2025, 6, "Valor cargado por error", expected_id=second, now=NOW)
    assert store.scalar("SELECT supersedes FROM measurement WHERE id = ?", [voided]) == second
    with pytest.raises(Rejected, match="Otra persona cambió.*anulado"):
        writes.correct(store, "lider.ti", Entry("GD-06", 2025, 6, "97"), "Otro ajuste del valor", second, now=NOW)


def test_the_version_in_force_follows_the_write_order_not_the_time_stamps(store):
    """Two writes with time stamps out of order (a clock read before the lock, as before the fix):
    the later write is in force, because the version in force follows the commit order."""
    first = writes.report(store, "lider.ti", Entry("GD-06", 2025, 6, "99"), now=NOW)
    writes.void(store, "admin", "GD-06", 2025, 6, "Valor cargado por error", expected_id=first,
                now=NOW - timedelta(minutes=5))
    assert values.current_values(store, NOW.date() + timedelta(days=1), indicator="GD-06").empty
    assert writes.version_in_force(store, "GD-06", 2025, 6)["is_void"]


# -- the preview follows the engine's yearly rules (issue 9, point 8) --------------------------
def ficha_of(store, code):
    return store.query("SELECT * FROM indicator WHERE code = ?", [code]).iloc[0].to_dict()


def test_preview_of_a_flujo_indicator_prorates_its_target_hand_worked(store):
    """GD-24 (personas trained, flujo, two semesters, 2025 target 1.100): worked by hand."""
    ficha = ficha_of(store, "GD-24")
    alone = writes.outlook(store, ficha, 2025, 1, 440)
    assert (alone.period_target, alone.target, alone.result) == (550, 550, 440)
    assert alone.attainment == pytest.approx(0.8) and alone.status == "verde"
    writes.report(store, "admin", Entry("GD-24", 2025, 1, "500", analysis="Jornadas en colegios"), now=NOW)
    both = writes.outlook(store, ficha, 2025, 2, 300)
    assert (both.period_target, both.target, both.result) == (550, 1100, 800)
    assert both.period_attainment == pytest.approx(300 / 550) and both.period_status == "rojo"
    assert both.attainment == pytest.approx(800 / 1100) and both.status == "amarillo"


def test_preview_calls_the_yearly_rule_of_scoring_not_a_copy(store, monkeypatch):
    ficha = ficha_of(store, "GD-24")
    assert writes.outlook(store, ficha, 2025, 1, 440).target == 550
    monkeypatch.setattr(scoring, "year_target", lambda accumulation, target, n_reported, frequency: target)
    assert writes.outlook(store, ficha, 2025, 1, 440).target == 1100
