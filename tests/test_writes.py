"""The write path: reports, corrections and voids as versions, the version in force, locks and
exceptions, audit, free-text limits on every write, improvement actions, timeliness, and the preview
that must follow the engine's own rules."""
from datetime import date, datetime, timedelta

import pandas as pd
import pytest

from metrics import actions, scoring, snapshot, timeliness, values, writes
from metrics.accounts import PermissionDenied, Rejected
from metrics.plan import load
from metrics.writes import Entry
from tests.reporting_helpers import NOW, fresh_store


@pytest.fixture
def store(tmp_path):
    s = fresh_store(tmp_path)
    yield s
    s.close()


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


# -- free-text limits on every write (issue 10, point 5) -------------------------------------
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
