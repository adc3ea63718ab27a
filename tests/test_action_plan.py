"""The Plan de Acción: expected progress and states on hand-worked dates, the roll-ups, the progress
write path (permissions, locks, corrections), GD-03 computed from the actions, the actions as plan
data with history, and the plan in force on both sides of a plan's start."""
from datetime import date, datetime

import pandas as pd
import pytest

from metrics import action_plan, milestones, plan_changes, values, writes
from metrics.accounts import PermissionDenied, Rejected
from metrics.action_plan import ProgressEntry, expected, state
from metrics.plan import frame, load
from metrics.periods import elapsed_share
from metrics.scoring import Settings, plan_span
from metrics.writes import Entry
from tests.reporting_helpers import fresh_store

START, END = date(2025, 2, 1), date(2025, 5, 31)   # 120 days, both ends included
NOW = datetime(2025, 9, 1, 10, 0)                  # the template's day: vigencia 2025, third quarter open


@pytest.fixture
def store(tmp_path):
    s = fresh_store(tmp_path)
    yield s
    s.close()


# -- planned against actual, worked by hand -------------------------------------------------------
def test_expected_progress_is_linear_between_the_dates():
    assert expected(START, END, date(2025, 1, 31)) == 0            # before the start
    assert expected(START, END, date(2025, 2, 1)) == pytest.approx(100 / 120)   # first day: 1 of 120
    assert expected(START, END, date(2025, 3, 31)) == pytest.approx(100 * 59 / 120)  # 28 + 31 days
    assert expected(START, END, END) == 100
    assert expected(START, END, date(2025, 12, 31)) == 100         # after the end


@pytest.mark.parametrize("actual, as_of, expected_state", [
    (0, date(2025, 1, 31), "sin_iniciar"),      # before the start nothing is due
    (100, date(2025, 3, 1), "terminada"),       # finished early: terminada, never late
    (100, date(2025, 12, 31), "terminada"),
    (40, date(2025, 3, 31), "al_dia"),          # 49,2 % due, 40 ≥ 49,2 − 10
    (39, date(2025, 3, 31), "atrasada"),        # 39 < 39,2
    (0, date(2025, 2, 10), "al_dia"),           # started, 0 %, 8,3 % due: within the tolerance
    (0, date(2025, 3, 1), "atrasada"),          # started, 0 %, 24,2 % due: late
    (90, date(2025, 6, 30), "atrasada"),        # after the end, not finished
])
def test_state_on_hand_worked_dates(actual, as_of, expected_state):
    assert state(actual, expected(START, END, as_of), as_of, START, 10) == expected_state


def test_quarterly_cut_off():
    assert action_plan.quarterly_cut_off(date(2026, 11, 25)) == date(2026, 9, 30)
    assert action_plan.quarterly_cut_off(date(2024, 12, 31)) == date(2024, 12, 31)
    assert action_plan.quarterly_cut_off(date(2025, 2, 10)) == date(2024, 12, 31)


def _actions(*rows):
    return pd.DataFrame([{"code": c, "activity": a, "process": "TI", "weight": w, "start_date": s, "end_date": e}
                         for c, a, w, s, e in rows])


def test_compliance_and_roll_up_by_hand():
    actions = _actions(("X1", "A3", 2, date(2025, 1, 1), date(2025, 3, 31)),    # due 100 at 31/03
                       ("X2", "A3", 1, date(2025, 2, 1), date(2025, 5, 31)),    # due 49,17 at 31/03
                       ("X3", "A5", 1, date(2025, 1, 1), date(2025, 3, 31)),    # due 100, ahead cannot hide
                       ("X4", "A5", 1, date(2025, 6, 1), date(2025, 6, 30)),    # not due
                       ("X5", "A5", 1, date(2025, 3, 1), date(2025, 6, 28)))    # due 31 of 120 days, ahead
    progress = pd.DataFrame({"action": ["X1", "X2", "X3", "X5"], "progress": [100.0, 20.0, 50.0, 80.0],
                             "period_end": [date(2025, 3, 31)] * 4, "analysis": None, "evidence_url": None,
                             "recorded_by": "x", "recorded_at": datetime(2025, 3, 31)})
    as_of = date(2025, 3, 31)
    rows = action_plan.judged(actions, progress, as_of, Settings())
    assert list(rows["state"]) == ["terminada", "atrasada", "atrasada", "sin_iniciar", "al_dia"]
    due2, due5 = 100 * 59 / 120, 100 * 31 / 120
    hand = 100 * (2 * 100 + 1 * 20 + 1 * 50 + 1 * due5) / (2 * 100 + 1 * due2 + 1 * 100 + 1 * due5)
    assert action_plan.compliance(rows) == pytest.approx(hand)
    up = action_plan.roll_up(rows, "activity").set_index("activity")
    assert up.at["A3", "actual"] == pytest.approx((2 * 100 + 20) / 3)
    assert up.at["A3", "expected"] == pytest.approx((2 * 100 + due2) / 3)
    assert up.at["A3", "state"] == "atrasada" and up.at["A3", "terminada"] == 1
    finished = action_plan.judged(actions.iloc[[0]], progress, as_of, Settings())
    assert action_plan.roll_up(finished, "activity").iloc[0]["state"] == "terminada"


# -- the write path and GD-03 -----------------------------------------------------------------------
def _gd03(store, year, quarter):
    found = store.query(f"SELECT value FROM ({values.in_force_sql('AND indicator = ? AND year = ? AND period = ?')})"
                        " WHERE NOT is_void", values.in_force_params(date(9999, 1, 1)) + ["GD-03", year, quarter])
    return None if found.empty else float(found.iloc[0, 0])


def test_a_leader_reports_only_their_own_process(store):
    with pytest.raises(PermissionDenied):
        action_plan.report(store, "lider.ac", ProgressEntry("PA25-03", 3, "50"), now=NOW)   # TI's action
    assert store.scalar("SELECT count(*) FROM action_progress") == 0
    action_plan.report(store, "lider.ti", ProgressEntry("PA25-03", 3, "100"), now=NOW)
    assert store.scalar("SELECT count(*) FROM action_progress") == 1


def test_report_moves_gd03_by_the_hand_computation(store):
    """Every 2025 action due at 30/09/2025 is reported by hand; GD-03's Q3 value is the hand rule."""
    actions = frame(store, "plan_action", date(2025, 9, 30))
    actions = actions[actions["year"] == 2025].set_index("code")
    given = {"PA25-03": 100, "PA25-04": 30, "PA25-06": 50, "PA25-07": 10}
    for code, pct in given.items():
        why = "Avance por debajo de lo programado por contratación."
        action_plan.report(store, "lider.ti", ProgressEntry(code, 3, str(pct), why), now=NOW)
    q3 = date(2025, 9, 30)
    weights = due = done = 0.0
    for code, a in actions.iterrows():
        e = expected(a["start_date"].date(), a["end_date"].date(), q3)
        if e > 0:
            actual = given.get(code, 0)
            due += a["weight"] * e
            done += a["weight"] * min(actual, e)
    assert _gd03(store, 2025, 3) == pytest.approx(round(100 * done / due, 1))
    before = _gd03(store, 2025, 3)
    action_plan.correct(store, "lider.ti", ProgressEntry("PA25-04", 3, "90", "Se recuperó el atraso."),
                        "Se corrige con el informe del contratista.", now=NOW)
    assert _gd03(store, 2025, 3) > before
    assert store.scalar("SELECT count(*) FROM audit_log WHERE action = 'corregir_avance'") == 1


def test_gd03_cannot_be_typed(store):
    with pytest.raises(Rejected, match="se calcula del Plan de Acción"):
        writes.report(store, "admin", Entry("GD-03", 2025, 2, "90"), now=NOW)


def test_progress_is_checked(store):
    with pytest.raises(Rejected, match="entre 0 % y 100 %"):
        action_plan.report(store, "lider.ti", ProgressEntry("PA25-03", 3, "120"), now=NOW)
    with pytest.raises(Rejected, match="análisis"):
        action_plan.report(store, "lider.ti", ProgressEntry("PA25-04", 3, "5"), now=NOW)
    with pytest.raises(Rejected, match="aún no ha empezado"):
        action_plan.report(store, "lider.ti", ProgressEntry("PA25-04", 4, "80"), now=NOW)
    action_plan.report(store, "lider.ti", ProgressEntry("PA25-03", 3, "100"), now=NOW)
    with pytest.raises(Rejected, match="ya fue reportado"):
        action_plan.report(store, "lider.ti", ProgressEntry("PA25-03", 3, "100"), now=NOW)
    assert store.scalar("SELECT count(*) FROM action_progress") == 1


def test_a_locked_quarter_refuses_progress(store):
    writes.lock_periods(store, "admin", date(2025, 6, 30), now=NOW)
    with pytest.raises(Rejected, match="cerrado"):
        action_plan.report(store, "lider.ti", ProgressEntry("PA25-03", 2, "60"), now=NOW)


# -- the actions are plan data ------------------------------------------------------------------
def test_an_action_changed_by_planeacion_keeps_its_history(store):
    row = frame(store, "plan_action", date(2025, 9, 1)).set_index("code").loc["PA25-06"].to_dict()
    changed = {**row, "code": "PA25-06", "end_date": date(2025, 12, 31)}
    plan_changes.save_rows(store, "admin", "plan_action", [changed], "Se amplía el plazo por la contratación.",
                           date(2025, 9, 1), now=NOW)
    before = frame(store, "plan_action", date(2025, 8, 31)).set_index("code").loc["PA25-06"]
    after = frame(store, "plan_action", date(2025, 9, 1)).set_index("code").loc["PA25-06"]
    assert before["end_date"].date() == date(2025, 11, 30) and after["end_date"].date() == date(2025, 12, 31)
    bad = {**row, "code": "PA25-06", "end_date": date(2026, 1, 31)}
    with pytest.raises(Rejected, match="vigencia 2025"):
        plan_changes.save_rows(store, "admin", "plan_action", [bad], "Fecha fuera de la vigencia.",
                               date(2025, 9, 1), now=NOW)


@pytest.mark.parametrize("day, code, started", [(date(2024, 2, 29), "PEI-2020", date(2020, 3, 1)),
                                                (date(2024, 3, 1), "PEI-2024", date(2024, 3, 1))])
def test_plan_in_force_on_both_sides_of_a_start(store, day, code, started):
    plan = load(store, day).plan_on(day)
    assert plan["code"] == code and plan["start_date"].date() == started
    elapsed = elapsed_share(*plan_span(plan), day)
    assert elapsed == (0 if started == day else pytest.approx(1, abs=1e-3))


# -- milestones, worked by hand -------------------------------------------------------------------
MILESTONES = "31/03/2025: 20; 30/04/2025: 80"   # START 01/02/2025 .. END 31/05/2025


@pytest.mark.parametrize("day, pct", [
    (date(2025, 1, 31), 0),                  # before the start
    (date(2025, 2, 1), 20 * 1 / 59),         # first day: 1 of the 59 days to 31/03 (day before start is 0 %)
    (date(2025, 3, 1), 20 * 29 / 59),        # 28 days of February + 1
    (date(2025, 3, 31), 20),                 # on the first milestone
    (date(2025, 4, 15), 20 + 60 * 15 / 30),  # halfway to the second: 50 %
    (date(2025, 4, 30), 80),
    (date(2025, 5, 16), 80 + 20 * 16 / 31),  # 16 of the 31 days to the end
    (date(2025, 5, 31), 100), (date(2025, 7, 1), 100),
])
def test_expected_progress_through_milestones(day, pct):
    planned = milestones.parse(MILESTONES)
    assert planned == ((date(2025, 3, 31), 20.0), (date(2025, 4, 30), 80.0))
    assert expected(START, END, day, planned) == pytest.approx(pct)


def test_no_milestones_is_the_linear_rule():
    for day in (date(2025, 2, 1), date(2025, 3, 31), date(2025, 5, 30)):
        assert expected(START, END, day, milestones.parse("")) == expected(START, END, day)


@pytest.mark.parametrize("text, message", [
    ("31/03/2025 20", "no es un hito"), ("31/02/2025: 20", "no es una fecha válida"),
    ("31/01/2025: 20", "fuera de las fechas"), ("31/05/2025: 90", "fuera de las fechas"),
    ("31/03/2025: 120", "entre 0 % y 100 %"), ("30/04/2025: 50; 31/03/2025: 20", "orden de fecha"),
    ("31/03/2025: 50; 30/04/2025: 20", "no puede bajar"),
])
def test_bad_milestones_are_refused_on_the_plan(store, text, message):
    row = frame(store, "plan_action", date(2025, 9, 1)).set_index("code").loc["PA25-02"].to_dict()
    with pytest.raises(Rejected, match=message):
        plan_changes.save_rows(store, "admin", "plan_action", [{**row, "code": "PA25-02", "milestones": text}],
                               "Se programan los hitos de la acción.", date(2025, 9, 1), now=NOW)


def test_milestones_move_the_state_and_gd03(store):
    """PA25-04 runs 01/03–31/12/2025; linear, 30/09 expects 214/306 = 69,9 %; with a milestone of 40 %
    on 30/09 a report of 40 % is al día instead of atrasada."""
    row = frame(store, "plan_action", date(2025, 9, 1)).set_index("code").loc["PA25-04"].to_dict()
    q3 = date(2025, 9, 30)
    late = action_plan.judged(pd.DataFrame([{**row, "code": "PA25-04"}]), pd.DataFrame(
        {"action": ["PA25-04"], "progress": [40.0], "period_end": [q3], "analysis": None, "evidence_url": None,
         "recorded_by": "x", "recorded_at": NOW}), q3, Settings()).iloc[0]
    assert late["expected"] == pytest.approx(100 * 214 / 306) and late["state"] == "atrasada"
    plan_changes.save_rows(store, "admin", "plan_action", [{**row, "code": "PA25-04",
                                                           "milestones": "30/09/2025: 40"}],
                           "Se programan los hitos de la acción.", date(2025, 1, 1), now=NOW)
    action_plan.report(store, "lider.ti", ProgressEntry("PA25-04", 3, "40"), now=NOW)   # no analysis needed
    judged = action_plan.at_cut_off(store, load(store, q3), q3).set_index("code").loc["PA25-04"]
    assert judged["expected"] == pytest.approx(40) and judged["state"] == "al_dia"


# -- the administrator's void and the lock exceptions, as for values --------------------------------
def test_void_keeps_the_earlier_rows_and_moves_gd03(store):
    first = action_plan.report(store, "lider.ti", ProgressEntry("PA25-03", 3, "100"), now=NOW)
    with_report = _gd03(store, 2025, 3)
    with pytest.raises(PermissionDenied):
        action_plan.void(store, "lider.ti", "PA25-03", 3, "Se reportó en la acción equivocada.",
                         expected_id=first, now=NOW)
    with pytest.raises(Rejected, match="Otra persona"):
        action_plan.void(store, "admin", "PA25-03", 3, "Se reportó en la acción equivocada.",
                         expected_id=first + 1, now=NOW)
    action_plan.void(store, "admin", "PA25-03", 3, "Se reportó en la acción equivocada.", expected_id=first, now=NOW)
    rows = action_plan.history(store, "PA25-03")
    assert list(rows["kind"]) == ["anulacion", "reporte"] and rows.iloc[1]["progress"] == 100
    assert _gd03(store, 2025, 3) < with_report
    assert store.scalar("SELECT count(*) FROM audit_log WHERE action = 'anular_avance'") == 1
    with pytest.raises(Rejected, match="no tiene un avance vigente que anular"):
        action_plan.void(store, "admin", "PA25-03", 3, "Se reportó en la acción equivocada.",
                         expected_id=int(rows.iloc[0]["id"]), now=NOW)


def test_a_lock_exception_lets_one_write_through(store):
    writes.lock_periods(store, "admin", date(2025, 6, 30), now=NOW)
    entry = ProgressEntry("PA25-03", 2, "60", "El informe del trimestre llegó tarde por la contratación.")
    with pytest.raises(Rejected, match="no está cerrado"):
        action_plan.open_exception(store, "admin", "PA25-03", 3, "Reporte tardío del informe.", now=NOW)
    with pytest.raises(PermissionDenied):
        action_plan.open_exception(store, "lider.ti", "PA25-03", 2, "Reporte tardío del informe.", now=NOW)
    exception = action_plan.open_exception(store, "admin", "PA25-03", 2, "Reporte tardío del informe.", now=NOW)
    new_id = action_plan.report(store, "lider.ti", entry, now=NOW)
    assert store.scalar("SELECT used_by_progress FROM action_lock_exception WHERE id = ?", [exception]) == new_id
    with pytest.raises(Rejected, match="cerrado"):
        action_plan.correct(store, "lider.ti", entry, "Se corrige con el informe final.", now=NOW)
