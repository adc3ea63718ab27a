"""The rules on the demo database: the independent SQL of tests/independent.py against the engine at every
month end since January 2020, and the demo's own cases (never-reported and stopped indicators, FURAG)."""
from datetime import date, timedelta

import pytest

from metrics import plan as plan_mod
from metrics import seed, snapshot
from metrics.store import Store
from tests import independent


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    path = tmp_path_factory.mktemp("demo") / "demo.duckdb"
    seed.build(path)
    store = Store(path)
    yield store
    store.close()


@pytest.fixture(scope="module")
def empty(tmp_path_factory):
    """The plan of DE-P-007 with no value at all."""
    path = tmp_path_factory.mktemp("vacia") / "vacia.duckdb"
    seed.build(path, with_demo=False)
    store = Store(path)
    yield store
    store.close()


def snap(store, as_of):
    return snapshot.compute(store, plan_mod.load(store, as_of), as_of)


def month_ends(first: date, last: date) -> list[date]:
    out, d = [], first
    while d <= last:
        out.append(d)
        d = (d + timedelta(days=32)).replace(day=1)
        d = (d + timedelta(days=32)).replace(day=1) - timedelta(days=1)
    return out + [last]


def same(a, b) -> bool:
    missing = lambda x: x is None or x != x  # noqa: E731
    return (missing(a) and missing(b)) or (not missing(a) and not missing(b) and abs(a - b) < 1e-9)


def test_engine_agrees_with_independent_sql_at_every_month_end_since_2020(demo):
    disagreements = []
    for as_of in month_ends(date(2020, 1, 31), date.today()):
        expected, s = independent.figures(demo, as_of), snap(demo, as_of)
        got = {"policy": s.policy, **{f"objetivo {k}": v for k, v in s.objectives.set_index("code")["score"].items()},
               **{f"proceso {k}": v for k, v in s.processes.set_index("code")["score"].items()}}
        want = {"policy": expected["policy"], **{f"objetivo {k}": v for k, v in expected["objectives"].items()},
                **{f"proceso {k}": v for k, v in expected["processes"].items()}}
        disagreements += [(as_of, k, want[k], got[k]) for k in want if not same(want[k], got[k])]
        counts = {k: v for k, v in s.status_counts().items() if v}
        if counts != expected["counts"]:
            disagreements.append((as_of, "semáforo", expected["counts"], counts))
        if len(s.late) != expected["late"]:
            disagreements.append((as_of, "atrasados", expected["late"], len(s.late)))
    assert not disagreements, disagreements[:5]


def test_the_sweep_sees_staleness_and_both_plans(demo):
    today = snap(demo, date.today())
    stale = set(today.indicators.loc[today.indicators["status"] == "desactualizado", "code"])
    assert {"GD-23", "GD-30"} <= stale  # they stopped reporting in mid-2024
    assert independent.figures(demo, date.today())["counts"]["desactualizado"] == len(stale)


def test_stopped_indicators_do_not_count_in_their_process(demo):
    s = snap(demo, date.today())
    for code in ("GD-23", "GD-30"):
        row = s.indicators.set_index("code").loc[code]
        assert row["year"] == 2024 and row["stale"]
        inputs = s.objective_inputs[s.objective_inputs["indicator"] == code]
        assert inputs["attainment"].isna().all()
        process = s.processes.set_index("code").loc[row["process"]]
        current = s.indicators[(s.indicators["process"] == row["process"]) & s.indicators["attainment"].notna()]
        assert process["n_data"] == len(current)


def test_never_reported_indicators_stay_late_across_the_plan_change(demo):
    for as_of in (date(2024, 2, 29), date(2024, 3, 1)):
        late = set(snap(demo, as_of).late["indicator"])
        assert {"GD-26", "GD-29"} <= late, as_of


def test_furag_and_ita_are_not_late_in_january(empty):
    s = snap(empty, date(2025, 1, 15))
    states = s.owed[s.owed["year"] == 2024].set_index("indicator")
    for code in ("GD-01", "GD-02", "GD-15"):
        assert states.loc[code, "state"] == "pendiente", code
        assert code not in set(s.late[s.late["year"] == 2024]["indicator"]), code
    assert states.loc["GD-01", "deadline"].date() == date(2025, 7, 31)
    assert states.loc["GD-15", "deadline"].date() == date(2025, 6, 30)
    assert "GD-03" in set(s.late[s.late["year"] == 2024]["indicator"])  # no window: due 10/01/2025
    august = snap(empty, date(2025, 8, 1)).late
    assert {"GD-01", "GD-02", "GD-15"} <= set(august[august["year"] == 2024]["indicator"])


def test_every_result_has_a_vigencia_and_the_plan_is_chosen_by_date(demo):
    for as_of, plan in ((date(2020, 1, 15), None), (date(2020, 3, 15), "PEI-2020"), (date(2024, 2, 29), "PEI-2020"),
                        (date(2024, 3, 1), "PEI-2024"), (date.today(), "PEI-2024")):
        s = snap(demo, as_of)
        assert (s.plan.code if s.plan else None) == plan, as_of
        with_result = s.indicators[s.indicators["result"].notna()]
        assert with_result["year"].notna().all() and with_result["last_period"].notna().all()


def test_vision_on_the_horizon_day_and_the_day_after(demo):
    day, after = snap(demo, date(2024, 12, 31)).vision, snap(demo, date(2025, 1, 1)).vision
    assert day.judged and after.judged and day.status == after.status
    assert day.status in ("cumplida", "no cumplida")
    ind = after.indicators.set_index("code")
    met = ind["current"] >= ind["target"]
    met = met.where(ind["polarity"] == "up", ind["current"] <= ind["target"])
    has = ind["current"].notna() & ind["target"].notna()
    assert (ind.loc[has, "reaches"].astype(bool) == met[has]).all()  # on results, not the projection
