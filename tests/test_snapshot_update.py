"""snapshot.update (after a write, only the indicators it changed are recomputed) against
snapshot.compute (everything from scratch): after every step of a random sequence of reports,
corrections and voids through the real write path, at several cut-offs, the two are equal."""
from datetime import date, datetime

import pandas as pd
import pytest
from pandas.testing import assert_frame_equal

from metrics import plan as plan_mod
from metrics import snapshot, writes
from tests.reporting_helpers import fresh_store
from tests.test_asof_store import random_history

CUT_OFFS = [date(2024, 6, 30), date(2024, 12, 31), date(2025, 3, 15), date(2025, 8, 31)]


@pytest.fixture
def store(tmp_path):
    s = fresh_store(tmp_path)
    yield s
    s.close()


def assert_same(got: snapshot.Snapshot, expected: snapshot.Snapshot) -> None:
    for name in ("indicators", "objectives", "objective_inputs", "processes", "owed", "late", "reporting"):
        assert_frame_equal(getattr(got, name).reset_index(drop=True), getattr(expected, name).reset_index(drop=True),
                           obj=name)
    assert (got.policy, got.policy_status) == (expected.policy, expected.policy_status)
    for name in ("vision", "plan"):
        a, b = getattr(got, name), getattr(expected, name)
        assert (a is None) == (b is None)
        if a is not None:
            assert (a.score, a.status, a.elapsed) == (b.score, b.status, b.elapsed), name
            assert_frame_equal(a.indicators, b.indicators, obj=f"{name}.indicators")
            assert_frame_equal(a.objectives, b.objectives, obj=f"{name}.objectives")


def test_an_update_after_random_writes_equals_a_fresh_computation(store):
    plans = {as_of: plan_mod.load(store, as_of) for as_of in CUT_OFFS}
    kept = {as_of: snapshot.compute(store, plans[as_of], as_of) for as_of in CUT_OFFS}
    for step in range(6):
        random_history(store, steps=15, seed=100 + step)   # reports, corrections and voids of four indicators
        for as_of in CUT_OFFS:
            updated = snapshot.update(kept[as_of], store, plans[as_of], as_of)
            assert_same(updated, snapshot.compute(store, plans[as_of], as_of))
            kept[as_of] = updated
    assert kept[date(2025, 8, 31)].indicators["result"].notna().sum() > 0


def test_an_update_with_nothing_new_is_the_same_snapshot(store):
    as_of = date(2025, 8, 31)
    plan = plan_mod.load(store, as_of)
    old = snapshot.compute(store, plan, as_of)
    assert snapshot.update(old, store, plan, as_of) is old


PAIRS = [(date(2024, 6, 30), date(2024, 7, 3)), (date(2024, 7, 3), date(2024, 6, 30)),    # a month end between
         (date(2025, 3, 9), date(2025, 3, 12)), (date(2025, 3, 12), date(2025, 3, 9)),     # a deadline between
         (date(2024, 11, 20), date(2024, 11, 21)), (date(2024, 12, 31), date(2025, 8, 31)),
         (date(2024, 2, 20), date(2024, 3, 5))]                                           # another plan in force


def test_a_snapshot_from_a_nearby_cut_off_equals_a_fresh_computation(store):
    random_history(store, steps=60, seed=11)
    writes.lock_periods(store, "admin", date(2024, 3, 31), "Cierre del primer trimestre", now=datetime(2024, 9, 2))
    plans = {}
    for start, end in PAIRS + [(date(2024, 8, 30), date(2024, 9, 5))]:   # the lock made between the two
        for as_of in (start, end):
            plans.setdefault(as_of, plan_mod.load(store, as_of))
        old = snapshot.compute(store, plans[start], start)
        assert_same(snapshot.update(old, store, plans[end], end), snapshot.compute(store, plans[end], end))


def test_a_nearby_snapshot_after_new_values_equals_a_fresh_computation(store):
    start, end = date(2025, 3, 9), date(2025, 3, 12)
    plan = plan_mod.load(store, end)
    old = snapshot.compute(store, plan, start)
    random_history(store, steps=20, seed=5)
    assert_same(snapshot.update(old, store, plan, end), snapshot.compute(store, plan, end))


def test_the_plan_calendar_grows_to_cover_every_pair_of_cut_offs(store):
    """The periods and deadlines kept with a plan object cover the vigencias of every pair asked: a pair
    in 2025 after one in 2024 needs the 2025 quarter end between its two dates."""
    random_history(store, steps=40, seed=7)
    plan = plan_mod.load(store, date(2025, 4, 2))
    for start, end in [(date(2024, 6, 30), date(2024, 7, 3)), (date(2025, 3, 30), date(2025, 4, 2))]:
        old = snapshot.compute(store, plan, start)
        assert_same(snapshot.update(old, store, plan, end), snapshot.compute(store, plan, end))
    assert plan.derived["calendario"][:2] == (2021, 2025)
