"""Hand-worked tests of the rules issue 9 and the reporting windows of issue 8 add: staleness, reporting
windows, the plan in force by date, a plan's own periods and span, the horizon judged on results, one
comparison date, the vocabulary. Mini plan values: tests/miniplan.py."""
from datetime import date

import pandas as pd
import pytest

from metrics import fmt, periods, scoring, snapshot, values, vocabulary
from metrics import plan as plan_mod
from metrics.seed import build
from metrics.store import Store
from tests import miniplan


@pytest.fixture()
def store(tmp_path):
    s = miniplan.build(tmp_path)
    yield s
    s.close()


snap = miniplan.snap


def row(s, code):
    return s.indicators.set_index("code").loc[code]


def set_ficha(store, code, **fields):
    with store.transaction() as cur:
        for field, value in fields.items():
            cur.execute(f"UPDATE indicator SET {field} = ? WHERE code = ?", [value, code])


# -- staleness -------------------------------------------------------------------------------------
def test_last_vigencias_result_counts_until_a_period_of_the_new_one_is_due(store):
    # T-UP and T-FLUJO (quarterly) reported 2024-T1 and T2 only. 2025-T1 closes 31/03/2025 and is due
    # ten days later: until then 2024's result is the one owed, from 10/04/2025 it is out of date.
    before = snap(store, date(2025, 4, 9))
    assert row(before, "T-UP")["status"] == "verde" and row(before, "T-UP")["year"] == 2024
    assert before.objectives.set_index("code").loc["OE1", "score"] == pytest.approx((0.9 + 2 * 1.0) / 3)
    after = snap(store, date(2025, 4, 10))
    up = row(after, "T-UP")
    assert up["status"] == "desactualizado" and up["stale"] and up["owed_year"] == 2025
    assert up["result"] == 72 and up["attainment_raw"] == pytest.approx(0.9)  # still shown, with its vigencia
    assert pd.isna(up["attainment"])                                          # but never rolled up
    assert periods.vigencia_label(up["year"], up["frequency"], up["last_period"]) == "2024 (hasta T2)"
    assert pd.isna(after.objectives.set_index("code").loc["OE1", "score"])   # T-UP and T-FLUJO both out of date
    counts = after.status_counts()
    assert counts["desactualizado"] == 4 and counts["sin_dato"] == 1        # T-DOWN (monthly) since 10/02/2025
    assert after.policy is None and after.policy_status == "sin_dato"


def test_a_reporting_window_in_the_ficha_keeps_the_result_current(store):
    set_ficha(store, "T-UP", report_due_days=30)
    assert row(snap(store, date(2025, 4, 29)), "T-UP")["status"] == "verde"  # 2025-T1 due 30/04/2025
    assert row(snap(store, date(2025, 4, 30)), "T-UP")["status"] == "desactualizado"
    set_ficha(store, "T-UP", report_due_date="06-15")  # a fixed date wins over the days
    # every 2025 quarter is due on 15/06/2026: until then 2024 is the vigencia owed
    assert row(snap(store, date(2026, 6, 14)), "T-UP")["owed_year"] == 2024
    assert row(snap(store, date(2026, 6, 14)), "T-UP")["status"] == "verde"
    assert row(snap(store, date(2026, 6, 15)), "T-UP")["owed_year"] == 2025
    assert row(snap(store, date(2026, 6, 15)), "T-UP")["status"] == "desactualizado"


def test_fixed_due_date_decides_when_a_period_is_late(store):
    set_ficha(store, "T-NONE", report_due_date="07-31")
    states = snap(store, date(2025, 1, 15)).owed.set_index(["indicator", "year"])  # the periods still owed
    assert states.loc[("T-NONE", 2024), "state"] == "pendiente"
    assert states.loc[("T-NONE", 2024), "deadline"].date() == date(2025, 7, 31)
    assert states.loc[("T-UP", 2024), "state"].tolist()[-1] == "faltante"  # 2024-T4 due 10/01/2025
    late = snap(store, date(2025, 8, 1)).late
    assert ((late["indicator"] == "T-NONE") & (late["year"] == 2024)).any()


def test_an_indicator_absent_from_the_plan_at_a_cut_off_owes_nothing_there(store):
    p = plan_mod.load(store, date(2024, 11, 25))
    without = p.indicators[p.indicators["code"] != "T-DOWN"]
    states = values.period_states(store, date(2024, 11, 25), date(2020, 3, 1), 10, indicators=without)
    assert "T-DOWN" not in set(states["indicator"]) and "T-UP" in set(states["indicator"])


# -- the plan in force and a plan change ----------------------------------------------------------------
def test_before_the_first_plan_there_is_no_plan_in_force(store):
    p = plan_mod.load(store)
    assert p.plan_on(date(2020, 2, 29)) is None
    assert p.plan_on(date(2020, 3, 1))["code"] == "PEI-2020"
    assert p.plan_on(date(2024, 2, 29))["code"] == "PEI-2020"
    assert p.plan_on(date(2024, 3, 1))["code"] == "PEI-2024"
    s = snap(store, date(2020, 1, 15))
    assert s.plan is None and s.first_plan["code"] == "PEI-2020" and s.late.empty
    assert s.vision.elapsed == 0 and s.vision.status == "sin_dato"


def test_plan_time_runs_to_its_own_end_and_a_new_plan_starts_empty(store):
    last_day = snap(store, date(2024, 2, 29))
    assert last_day.plan.code == "PEI-2020" and last_day.plan.horizon == date(2024, 2, 29)
    assert last_day.plan.elapsed == 1.0
    vision_share = (date(2024, 2, 29) - date(2020, 3, 1)).days / (date(2024, 12, 31) - date(2020, 3, 1)).days
    assert last_day.vision.elapsed == pytest.approx(vision_share)
    first_day = snap(store, date(2024, 3, 1))
    assert first_day.plan.code == "PEI-2024" and first_day.plan.elapsed == 0
    # T-DOWN's January 2024 value belongs to PEI-2020: PEI-2024 has no period closed yet
    assert first_day.plan.score is None and first_day.plan.status == "sin_dato"
    assert vocabulary.VISION_LABELS[first_day.plan.status] == "Sin datos del plan aún"
    april = snap(store, date(2024, 4, 6))  # 2024-T1 (ends 31/03) of T-UP, T-FLUJO, T-ZERO recorded 05/04
    ind = april.plan.indicators.set_index("code")
    assert ind.loc["T-UP", "current"] == 60 and pd.isna(ind.loc["T-DOWN", "current"])


def test_owed_periods_stay_late_on_the_day_the_plan_changes(store):
    owed_before = snap(store, date(2024, 2, 29)).late
    owed_after = snap(store, date(2024, 3, 1)).late
    assert set(owed_before["indicator"]) <= set(owed_after["indicator"])
    assert len(owed_after) >= len(owed_before) and not owed_after.empty


# -- the horizon --------------------------------------------------------------------------------------
def test_the_vision_is_judged_on_results_on_the_horizon_day_and_after(store):
    day, next_day = snap(store, date(2024, 12, 31)).vision, snap(store, date(2025, 1, 1)).vision
    # by hand: OE1 (72−50)/(80−50) and T-FLUJO met (weight 2); OE2 T-DOWN (16−20)/(8−20); OE3 T-ZERO
    # 2 a year (1 + 0 in two quarters) from 4 towards 0
    expected = ((22 / 30 + 2 * 1.0) / 3 + 4 / 12 + 0.5) / 3
    for v in (day, next_day):
        assert v.judged and v.elapsed == 1.0
        assert v.score == pytest.approx(expected)
        assert v.status == "no cumplida"  # 58,1 % < 80 %
        ind = v.indicators.set_index("code")
        assert ind.loc["T-FLUJO", "reaches"] is True or ind.loc["T-FLUJO", "reaches"] == True  # noqa: E712
        assert ind.loc["T-UP", "reaches"] == False  # noqa: E712  72 against 80, whatever the projection
        assert ind["needed_per_year"].isna().all()
    day_before = snap(store, date(2024, 12, 30)).vision
    assert not day_before.judged and day_before.status in ("en ruta", "rezagado")


def test_the_cumplida_threshold_is_a_setting(store):
    with store.transaction() as cur:
        cur.execute("INSERT INTO setting VALUES ('met_from', '55')")
    p = plan_mod.load(store)
    assert p.settings.met_from == 55
    assert snap(store, date(2025, 1, 1)).vision.status == "cumplida"


def test_zero_against_zero_meets_the_target_at_the_horizon(store):
    miniplan.record(store, "T-ZERO", 2024, 3, 0, date(2024, 10, 3))
    miniplan.record(store, "T-ZERO", 2024, 4, 0, date(2025, 1, 3))
    miniplan.record(store, "T-ZERO", 2024, 1, 0, date(2025, 1, 4),
                    supersedes=store.scalar("SELECT id FROM measurement WHERE indicator = 'T-ZERO' AND period = 1"),
                    reason="Error de digitación")
    ind = snap(store, date(2025, 1, 15)).vision.indicators.set_index("code")
    assert ind.loc["T-ZERO", "current"] == 0 and ind.loc["T-ZERO", "reaches"] == True  # noqa: E712


# -- one home per rule ------------------------------------------------------------------------------
def test_yearly_result_and_prorated_target():
    acc = pd.Series(["flujo", "stock", "acumulado"])
    assert list(scoring.year_result(acc, [90.0, 90.0, 90.0], [50.0, 50.0, 50.0])) == [90, 50, 50]
    got = scoring.year_target(acc.to_numpy(), [400.0, 80.0, 80.0], [1, 1, 3], ["T", "T", "M"])
    assert list(got) == [100, 80, 80]
    assert scoring.year_target("flujo", 6.0, 1, "T") == pytest.approx(1.5)


def test_periods_per_year_in_sql_is_the_python_table(store):
    sql = periods.periods_per_year_sql("f")
    for code, n in periods.PERIODS_PER_YEAR.items():
        assert store.scalar(f"SELECT {sql} FROM (SELECT ? AS f)", [code]) == n


def test_the_version_in_force_is_the_last_written(store):
    # two versions with the same timestamp, or a later one with an earlier clock: the id decides
    original = store.scalar("SELECT id FROM measurement WHERE indicator = 'T-UP' AND period = 2")
    miniplan.record(store, "T-UP", 2024, 2, 70, date(2024, 8, 2), supersedes=original, reason="Corrección uno")
    miniplan.record(store, "T-UP", 2024, 2, 66, date(2024, 8, 1), supersedes=original, reason="Corrección dos")
    assert row(snap(store, date(2024, 8, 5)), "T-UP")["result"] == 66


@pytest.mark.parametrize("as_of,expected", [
    (date(2024, 12, 31), date(2024, 9, 30)), (date(2024, 11, 15), date(2024, 9, 30)),
    (date(2025, 1, 1), date(2024, 12, 31)), (date(2025, 3, 31), date(2024, 12, 31)),
    (date(2020, 1, 15), date(2020, 1, 1)), (date(2020, 3, 15), date(2020, 1, 1)), (date(2020, 4, 1), date(2020, 3, 31))])
def test_one_comparison_date_never_below_the_first_cut_off(as_of, expected):
    assert periods.comparison_date(as_of) == expected


def test_compare_two_cut_offs(store):
    a, b = snap(store, date(2024, 6, 30)), snap(store, date(2024, 7, 10))
    table = snapshot.compare(a, b).set_index(["kind", "code"])
    up = table.loc[("indicador", "T-UP")]
    assert up["before"] == pytest.approx(0.75) and up["after"] == pytest.approx(0.9)
    assert up["change_pp"] == pytest.approx(15) and up["moved"] and up["status_changed"]
    assert not table.loc[("indicador", "T-NONE"), "moved"]
    assert set(table.index.get_level_values("kind")) == {"objetivo", "proceso", "indicador"}


def test_a_prorated_count_target_keeps_its_decimal():
    assert fmt.value(1.5, "#") == "1,5" and fmt.value(2.0, "#") == "2" and fmt.value(3, "personas") == "3 personas"


def test_every_coded_value_the_schema_allows_has_a_label(tmp_path):
    import re
    s = Store(tmp_path / "v.duckdb")
    checks = s.query("SELECT table_name, constraint_text FROM duckdb_constraints() WHERE constraint_type = 'CHECK'")
    found = {}
    for r in checks.itertuples():
        for col, values_ in re.findall(r'"?(\w+)"? IN \(([^)]*)\)', r.constraint_text):
            found[(r.table_name, col)] = set(re.findall(r"'([^']*)'", values_))
    s.close()
    assert found, "no CHECK (... IN ...) constraint found"
    assert set(found) == set(vocabulary.COLUMN_LABELS), "a coded column has no vocabulary"
    for key, allowed in found.items():
        assert allowed == set(vocabulary.COLUMN_LABELS[key]), key
    assert set(vocabulary.STATUS_LABELS) == set(vocabulary.STATUSES) == set(vocabulary.STATUS_ICONS)
    assert set(vocabulary.VISION_LABELS) == set(vocabulary.VISION_STATES)


def test_a_new_database_shows_labels_never_codes(tmp_path):
    build(tmp_path / "nueva.duckdb", with_demo=False)
    s = Store(tmp_path / "nueva.duckdb")
    got = snap(s, date(2024, 7, 10))
    assert {vocabulary.STATUS_LABELS[x] for x in got.indicators["status"]} == {"Sin dato"}
    assert vocabulary.VISION_LABELS[got.vision.status] == "Sin datos del plan aún"
    s.close()
