"""The scoring rules against values worked out by hand (see tests/miniplan.py for the data)."""
from datetime import date

import pandas as pd
import pytest

from metrics import plan as plan_mod
from metrics import scoring, snapshot
from metrics.scoring import attainment, progress_from_baseline, status
from tests import miniplan


@pytest.fixture()
def store(tmp_path):
    s = miniplan.build(tmp_path)
    yield s
    s.close()


snap = miniplan.snap


def row(snapshot_, code):
    return snapshot_.indicators.set_index("code").loc[code]


@pytest.mark.parametrize("value,target,polarity,baseline,expected", [
    (80, 100, "up", None, 0.8),
    (120, 100, "up", None, 1.2),          # raw keeps over-achievement
    (10, 8, "down", None, 0.8),           # lower is better: target ÷ value
    (4, 8, "down", None, 1.0),            # at or below the target: the target met, no more
    (8, 8, "down", None, 1.0),
    (0, 8, "down", None, 1.0),            # no arbitrary ceiling for a value of zero
    (0, 0, "down", 4, 1.0),               # target zero met
    (1, 0, "down", 4, 0.75),              # target zero: (4 − 1) ÷ 4 of the way
    (5, 0, "down", 4, 0.0),
    (3, 0, "up", None, 1.0),
    (None, 80, "up", None, None),         # no value yet
    (50, None, "up", None, None),         # no target
])
def test_attainment(value, target, polarity, baseline, expected):
    got = attainment(value, target, polarity, baseline)
    assert got == (None if expected is None else pytest.approx(expected))


@pytest.mark.parametrize("pct,expected", [(59.9, "rojo"), (60, "amarillo"), (79.94, "amarillo"), (79.97, "verde"),
                                          (80, "verde"), (130, "verde"), (None, "sin_dato")])
def test_status_default_thresholds(pct, expected):
    assert status(pct, 60, 80) == expected


def test_status_own_thresholds():
    assert status(85, 70, 90) == "amarillo"
    assert status(65, 70, 90) == "rojo"


def test_capped_for_rollups():
    assert scoring.capped(1.2) == 1.0 and scoring.capped(0.7) == 0.7 and scoring.capped(None) is None


@pytest.mark.parametrize("result,baseline,target,polarity,expected", [
    (72, 50, 80, "up", 22 / 30), (10, 20, 8, "down", 10 / 12), (85, 50, 80, "up", 1.0),
    (40, 50, 80, "up", 0.0), (None, 50, 80, "up", None), (100, 100, 99.5, "up", 1.0)])
def test_progress_from_baseline(result, baseline, target, polarity, expected):
    got = progress_from_baseline(result, baseline, target, polarity)
    assert got == (None if expected is None else pytest.approx(expected))


def test_scores_before_second_quarter_is_recorded(store):
    s = snap(store, date(2024, 6, 30))
    assert row(s, "T-UP")["result"] == 60 and row(s, "T-UP")["attainment"] == pytest.approx(0.75)
    assert row(s, "T-UP")["status"] == "amarillo"
    # flujo over a partial year: one quarter reported, 90 against 400 × 1/4
    assert row(s, "T-FLUJO")["result"] == 90 and row(s, "T-FLUJO")["target"] == pytest.approx(100)
    assert row(s, "T-FLUJO")["attainment"] == pytest.approx(0.9)
    assert row(s, "T-DOWN")["attainment"] == pytest.approx(0.8) and row(s, "T-DOWN")["status"] == "verde"


def test_scores_and_rollups_by_hand(store):
    s = snap(store, date(2024, 7, 10))
    expected = {"T-UP": (0.9, "verde"), "T-FLUJO": (1.0, "verde"), "T-DOWN": (0.5, "rojo"),
                "T-ZERO": (0.75, "amarillo")}
    for code, (att, st_) in expected.items():
        assert row(s, code)["attainment"] == pytest.approx(att), code
        assert row(s, code)["status"] == st_, code
    assert row(s, "T-FLUJO")["result"] == 200 and row(s, "T-FLUJO")["target"] == pytest.approx(200)
    none = row(s, "T-NONE")
    assert none["status"] == "sin_dato" and pd.isna(none["attainment"])
    objectives = s.objectives.set_index("code")
    assert objectives.loc["OE1", "score"] == pytest.approx((0.9 + 2 * 1.0) / 3)
    # never-reported T-NONE (weight 5) is left out, not counted as zero
    assert objectives.loc["OE2", "score"] == pytest.approx(0.5)
    assert objectives.loc["OE2", "coverage"] == pytest.approx(1 / 6)
    assert objectives.loc["OE3", "score"] == pytest.approx(0.75)
    assert s.policy == pytest.approx(((0.9 + 2.0) / 3 + 0.5 + 0.75) / 3)
    assert s.policy_status == "amarillo"
    assert s.status_counts() == {"verde": 2, "amarillo": 1, "rojo": 1, "desactualizado": 0, "sin_dato": 1}
    processes = s.processes.set_index("code")
    assert processes.loc["TI", "score"] == pytest.approx((0.9 + 0.5) / 2)
    assert processes.loc["DE", "status"] == "sin_dato"


def test_inputs_explain_the_objective_score(store):
    s = snap(store, date(2024, 7, 10))
    inputs = s.objective_inputs[s.objective_inputs["objective"] == "OE1"].set_index("indicator")
    assert inputs.loc["T-FLUJO", "contribution"] == pytest.approx(2.0)
    assert inputs.loc["T-UP", "contribution"] == pytest.approx(0.9)


def test_correction_after_cut_off_keeps_old_value_before_it(store):
    original = store.scalar("SELECT id FROM measurement WHERE indicator = 'T-UP' AND period = 2")
    miniplan.record(store, "T-UP", 2024, 2, 64, date(2024, 8, 1), supersedes=original, reason="Error de digitación")
    assert row(snap(store, date(2024, 7, 10)), "T-UP")["result"] == 72
    after = row(snap(store, date(2024, 8, 5)), "T-UP")
    assert after["result"] == 64 and after["attainment"] == pytest.approx(0.8)
    assert store.scalar("SELECT count(*) FROM measurement WHERE indicator = 'T-UP' AND period = 2") == 2


def test_void_hides_the_period_from_its_date_on(store):
    original = store.scalar("SELECT id FROM measurement WHERE indicator = 'T-DOWN' AND period = 6")
    miniplan.record(store, "T-DOWN", 2024, 6, None, date(2024, 8, 1), supersedes=original, reason="Duplicado",
                    void=True)
    assert row(snap(store, date(2024, 7, 10)), "T-DOWN")["result"] == 16
    assert row(snap(store, date(2024, 8, 5)), "T-DOWN")["result"] == 10


def late_since(s, since: date) -> pd.DataFrame:
    return s.late[s.late["period_end"].dt.date >= since]


def test_late_reports_of_the_current_plan(store):
    late = late_since(snap(store, date(2024, 11, 25)), date(2024, 3, 1))
    by = late.groupby("indicator").size().to_dict()
    # plan 2024–2028 starts 1 March 2024; grace 10 days; Q3 closed 30 Sep; October closed 31 Oct
    assert by == {"T-UP": 1, "T-FLUJO": 1, "T-ZERO": 1, "T-DOWN": 7}
    assert set(late[late["indicator"] == "T-DOWN"]["period"]) == {3, 4, 5, 7, 8, 9, 10}


def test_owed_periods_stay_late_across_a_plan_change_until_locked(store):
    s = snap(store, date(2024, 11, 25))
    # the mini plan's values start in 2024: every period since PEI-2020 began (1 March 2020) is owed,
    # T-NONE's annual 2020–2023 included, although PEI-2024 is now in force
    assert set(s.late[s.late["indicator"] == "T-NONE"]["year"]) == {2020, 2021, 2022, 2023}
    assert len(s.late[s.late["indicator"] == "T-UP"]) == 16 + 1  # 2020-T1 … 2023-T4 and 2024-T3
    with store.transaction() as cur:
        cur.execute("INSERT INTO period_lock (locked_through, note, locked_at, locked_by) "
                    "VALUES ('2023-12-31', 'cierre', '2024-11-01 08:00', 'prueba')")
    s = snap(store, date(2024, 11, 25))
    assert s.late["period_end"].min().date() >= date(2024, 1, 1)  # locked periods leave the list
    assert len(snap(store, date(2024, 10, 31)).late) > len(s.late)  # the lock is not seen before it was made


def test_grace_period_delays_lateness(store):
    by = late_since(snap(store, date(2024, 10, 5)), date(2024, 3, 1)).groupby("indicator").size().to_dict()
    assert "T-UP" not in by  # Q3 ended 30 Sep: 5 days < 10 days of grace
    assert by["T-DOWN"] == 5  # March, April, May, July, August


def test_vision_progress_against_time(store):
    s = snap(store, date(2024, 7, 10))
    vision = s.vision
    assert vision.code == "PEI-2020" and vision.horizon == date(2024, 12, 31)
    ind = vision.indicators.set_index("code")
    assert ind.loc["T-UP", "progress"] == pytest.approx((72 - 50) / (80 - 50))
    # flujo is annualised: 200 in two quarters -> 400 a year, target 400 met
    assert ind.loc["T-FLUJO", "progress"] == pytest.approx(1.0)
    expected_elapsed = (date(2024, 7, 10) - date(2020, 3, 1)).days / (date(2024, 12, 31) - date(2020, 3, 1)).days
    assert vision.elapsed == pytest.approx(expected_elapsed)
    assert vision.status in ("en ruta", "rezagado")
    on_track = vision.score * 100 >= expected_elapsed * 100 - 10
    assert vision.status == ("en ruta" if on_track else "rezagado")


def test_projection_is_a_straight_line_to_the_target_year():
    series = pd.DataFrame({"indicator": ["A", "A", "B", "C", "C", "C"], "year": [2024, 2025, 2024, 2024, 2025, 2026],
                           "annual": [60.0, 70.0, 60.0, 10.0, 10.0, 10.0]})
    got = scoring.projections(series, 2028)
    assert got["A"] == pytest.approx(100)  # +10 a year from 70 in 2025
    assert got["B"] == pytest.approx(60)   # one year: the latest value
    assert got["C"] == pytest.approx(10)


def test_needed_rate_and_reach(store):
    s = snap(store, date(2024, 7, 10))
    ind = s.plan.indicators.set_index("code")
    # T-UP: 72 in 2024, target 2028 missing in the mini plan -> no rate; the vision targets 2024
    vision = s.vision.indicators.set_index("code")
    assert vision.loc["T-UP", "target"] == 80
    assert str(vision.loc["T-UP", "reaches"]) == "False"  # one point: 72 projected, below 80
    assert vision.loc["T-UP", "needed_per_year"] == pytest.approx(8)  # (80 − 72) over at least one year
    assert pd.isna(ind.loc["T-UP", "target"])


def test_current_plan_uses_previous_plan_results_as_baseline(store):
    miniplan.record(store, "T-UP", 2023, 4, 66, date(2024, 1, 8))
    s = snap(store, date(2024, 7, 10))
    assert s.plan.code == "PEI-2024" and s.plan.horizon == date(2028, 2, 29)
    ind = s.plan.indicators.set_index("code")
    assert ind.loc["T-UP", "baseline"] == 66
    assert ind.loc["T-NONE", "baseline"] == 10  # nothing before the plan: the ficha's baseline


def test_a_new_database_without_values_scores_nothing_and_owes_everything(tmp_path):
    from metrics.seed import build
    from metrics.store import Store
    build(tmp_path / "nueva.duckdb", with_demo=False)
    store = Store(tmp_path / "nueva.duckdb")
    s = snap(store, date(2024, 7, 10))
    assert s.policy is None and s.policy_status == "sin_dato"
    assert s.status_counts()["sin_dato"] == len(s.indicators)
    assert s.vision.status == "sin_dato" and s.plan.status == "sin_dato"
    assert not s.late.empty
    store.close()


def test_history_agrees_with_the_snapshot_of_each_date(store):
    dates = [date(2022, 6, 30), date(2024, 6, 30), date(2024, 7, 10)]
    history = snapshot.history(store, lambda as_of: plan_mod.load(store, as_of), dates).set_index(["as_of", "code"])
    for d in dates:
        s = snap(store, d)
        for code, expected in (("POL", s.policy), ("OE1", s.objectives.set_index("code").loc["OE1", "score"])):
            got = history.loc[(d, code), "score"]
            assert (pd.isna(got) and pd.isna(expected)) or got == pytest.approx(expected), (d, code)
        assert history.loc[(d, "POL"), "elapsed"] == pytest.approx(s.plan.elapsed)


def test_projection_stays_in_the_valid_range(store):
    miniplan.record(store, "T-UP", 2025, 1, 98, date(2025, 4, 5))
    miniplan.record(store, "T-UP", 2026, 1, 99.5, date(2026, 4, 5))
    proj = snap(store, date(2026, 5, 1)).plan.indicators.set_index("code").loc["T-UP", "projected"]
    assert proj == 100  # a straight line through 72, 98, 99.5 would pass 100 % by 2028


def test_values_in_force_for_a_list_of_indicators(store):
    from metrics import values
    got = values.current_values(store, date(2024, 7, 10), codes=["T-UP", "T-ZERO"])
    assert sorted(set(got["indicator"])) == ["T-UP", "T-ZERO"] and len(got) == 4
    assert values.current_values(store, date(2024, 7, 10), codes=[]).empty
