"""The shared cache of plans, snapshots and history: once per key for every session, nothing kept under
an old data stamp, a bound on cut-offs, and the background recompute after a write."""
import threading
import time
from datetime import date

import pandas as pd
import pytest

from metrics import plan as plan_mod
from metrics import snapshot as snapshot_mod
from metrics import snapshot_cache, writes
from metrics.periods import comparison_date
from metrics.snapshot_cache import DATA_HASH, HISTORY, PLAN, SNAPSHOT, SnapshotCache, Warmer, year_ends
from metrics.writes import Entry
from tests.reporting_helpers import NOW, fresh_store

CUT = date(2025, 12, 31)


@pytest.fixture
def store(tmp_path):
    s = fresh_store(tmp_path)   # the plan without values: GD-06 free to report
    yield s
    s.close()


def report(store, value: str) -> None:
    writes.report(store, "lider.ti", Entry("GD-06", 2025, 6, value, analysis="Prueba de la caché compartida"), now=NOW)


def test_twenty_sessions_asking_at_once_compute_the_snapshot_once(store):
    cache = SnapshotCache()
    start = threading.Barrier(20)
    got = [None] * 20

    def session(k: int) -> None:
        start.wait()
        got[k] = cache.snapshot(store, CUT)

    threads = [threading.Thread(target=session, args=(k,)) for k in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert cache.computed[SNAPSHOT] == 1 and cache.computed[PLAN] == 1, cache.computed
    assert all(s is got[0] for s in got)          # one object handed to every session, no copy
    assert got[0].as_of == CUT


def test_the_data_hash_is_computed_once_when_asked_for_and_follows_the_data(store):
    from metrics import export
    cache = SnapshotCache()
    cache.snapshot(store, CUT)
    assert cache.computed[DATA_HASH] == 0         # a page is drawn without it: only a download asks
    hashes = [cache.data_hash(store, CUT) for _ in range(3)]
    assert hashes == [export.data_hash(store, CUT)] * 3
    assert cache.computed[DATA_HASH] == 1, cache.computed
    report(store, "12,5")
    assert cache.data_hash(store, CUT) == export.data_hash(store, CUT) != hashes[0]


def test_a_write_drops_every_entry_under_the_old_stamp(store):
    cache = SnapshotCache()
    before = cache.snapshot(store, CUT)
    cache.snapshot(store, date(2024, 12, 31))
    assert cache.is_cached(store, CUT)
    report(store, "12,5")
    assert not cache.is_cached(store, CUT) and not cache.is_cached(store, date(2024, 12, 31))
    after = cache.snapshot(store, CUT)
    assert len(cache._cut_offs) == 1              # the two old cut-offs are gone, not waiting for eviction
    assert cache.computed[SNAPSHOT] == 3
    assert pd.isna(before.indicators.set_index("code").loc["GD-06", "result"])
    assert pd.notna(after.indicators.set_index("code").loc["GD-06", "result"])   # the new figures


def test_a_reader_late_by_one_write_does_not_evict_the_new_entries(store):
    cache = SnapshotCache()
    old_stamp = store.stamp()
    cache.plan(store, CUT)                          # the cache knows the stamp before the write
    report(store, "40")
    fresh = cache.snapshot(store, CUT)
    late = cache._snapshot(store, old_stamp, CUT)   # a session that read the stamp before the write
    assert late is not fresh
    assert cache.is_cached(store, CUT) and cache.snapshot(store, CUT) is fresh


def test_only_the_most_recent_cut_offs_are_kept(store):
    cache = SnapshotCache(max_cut_offs=3)
    dates = [date(2021, 12, 31), date(2022, 12, 31), date(2023, 12, 31), date(2024, 12, 31), CUT]
    for d in dates:
        cache.plan(store, d)
    assert len(cache._cut_offs) == 3
    assert [cache.is_cached(store, d, PLAN) for d in dates] == [False, False, True, True, True]


def test_history_reuses_the_cached_snapshots_and_equals_the_engine(store):
    cache = SnapshotCache()
    dates = year_ends(CUT)
    for d in dates[-2:]:
        cache.snapshot(store, d)
    computed = dict(cache.computed)
    shared = cache.history(store, dates)
    assert cache.computed[SNAPSHOT] == computed[SNAPSHOT]          # history never computes a snapshot
    assert cache.computed[HISTORY] == len(dates)
    engine = snapshot_mod.history(store, lambda d: plan_mod.load(store, d), dates)
    pd.testing.assert_frame_equal(shared, engine)
    again = cache.history(store, year_ends(date(2025, 6, 30)))      # another session: year ends shared
    assert cache.computed[HISTORY] == len(dates) + 1


def test_a_failing_listener_never_fails_the_committed_write(store):
    def broken() -> None:
        raise RuntimeError("listener")

    store.on_commit(broken)
    report(store, "77")
    assert writes.in_force(store, "GD-06", 2025, 6)[0]["value"] == 77


def test_a_burst_of_writes_leaves_at_most_one_recompute_pending():
    class SlowCache:
        runs = 0

        def __init__(self):
            self.release = threading.Event()

        def warm(self, store):
            SlowCache.runs += 1
            self.release.wait(30)

    cache = SlowCache()
    warmer = Warmer(cache, store=None)
    for _ in range(100):
        warmer.request()
    cache.release.set()
    assert warmer.wait_idle(60)
    assert 1 <= SlowCache.runs <= 2, SlowCache.runs
    warmer.stop()


def test_a_write_recomputes_today_and_the_quarter_end_in_the_background(store):
    cache, today = SnapshotCache(), date.today()
    warmer = Warmer(cache, store)
    store.on_commit(warmer.request)                   # as snapshot_cache.open_store wires the server's store
    try:
        cache.warm(store)
        report(store, "55")                           # the hook asks for a run; the write does not wait
        assert warmer.wait_idle(300)
        assert cache.is_cached(store, today) and cache.is_cached(store, comparison_date(today))
        computed = dict(cache.computed)
        snap = cache.snapshot(store, today)
        cache.snapshot(store, comparison_date(today))
        cache.history(store, year_ends(today))
        assert cache.computed == computed             # served, not computed
        assert pd.notna(snap.indicators.set_index("code").loc["GD-06", "result"])   # computed after the write
    finally:
        warmer.stop()


def test_closing_the_servers_store_drops_its_entries(tmp_path):
    fresh_store(tmp_path).close()
    store = snapshot_cache.open_store(tmp_path / "test.duckdb")
    assert snapshot_cache.open_store(str(tmp_path / "test.duckdb")) is store   # one store per file
    snapshot_cache.CACHE.plan(store, CUT)
    snapshot_cache.close_store(store)
    assert all(path != str(store.path) for path, _ in snapshot_cache.CACHE._cut_offs)


def test_cut_offs_that_see_the_same_plan_changes_share_one_plan_object(store):
    from metrics import plan_changes
    cache = SnapshotCache()
    early, late = date(2025, 3, 31), date(2025, 9, 30)
    assert cache.plan(store, early) is cache.plan(store, late)   # no plan change between them: loaded once
    ficha = plan_mod.load(store, late).indicator("GD-06").to_dict()
    plan_changes.save_rows(store, "admin", "indicator", [{**ficha, "name": "Nombre nuevo desde junio"}],
                           "Cambio de nombre para la prueba", date(2025, 6, 1), now=NOW)
    before, after = cache.plan(store, early), cache.plan(store, late)
    assert before is not after
    assert before.indicator("GD-06")["name"] == ficha["name"]
    assert after.indicator("GD-06")["name"] == "Nombre nuevo desde junio"
    assert cache.plan(store, date(2025, 12, 31)) is after          # the same changes in force: the same object


def test_sessions_asking_for_many_new_cut_offs_compute_one_snapshot_per_slot_at_a_time(store, monkeypatch):
    cache, running, most, lock = SnapshotCache(computing_slots=1), [0], [0], threading.Lock()
    real = snapshot_mod.compute

    def counted(*args):
        with lock:
            running[0] += 1
            most[0] = max(most[0], running[0])
        try:
            time.sleep(0.05)    # long enough for the other sessions to ask meanwhile
            return real(*args)
        finally:
            with lock:
                running[0] -= 1
    monkeypatch.setattr(snapshot_mod, "compute", counted)
    days = [date(2025, m, 28) for m in range(1, 9)]
    got = {}
    threads = [threading.Thread(target=lambda d=d: got.__setitem__(d, cache.snapshot(store, d))) for d in days]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert most[0] == 1 and cache.computed[SNAPSHOT] == len(days)
    assert all(got[d].as_of == d for d in days)


def test_after_a_value_is_written_the_cut_offs_are_updated_not_recomputed(store):
    from metrics import plan_changes
    from tests.test_snapshot_update import assert_same
    cache = SnapshotCache()
    before = cache.snapshot(store, CUT)
    plan = cache.plan(store, CUT)
    report(store, "41,5")                                  # one value: its indicator is recomputed, the rest kept
    after = cache.snapshot(store, CUT)
    assert cache.updated == 1 and after is not before
    assert_same(after, snapshot_mod.compute(store, plan_mod.load(store, CUT), CUT))
    ficha = plan.indicator("GD-06").to_dict()
    plan_changes.save_rows(store, "admin", "indicator", [{**ficha, "name": "Nombre nuevo"}], "Cambio de nombre para la prueba",
                           date(2025, 1, 1), now=NOW)      # a plan change: everything is computed again
    cache.snapshot(store, CUT)
    assert cache.updated == 1


def test_a_new_cut_off_starts_from_the_nearest_computed_one(store):
    from tests.test_snapshot_update import assert_same
    cache = SnapshotCache()
    cache.snapshot(store, date(2025, 3, 31))
    cache.snapshot(store, date(2025, 9, 30))
    got = cache.snapshot(store, date(2025, 10, 6))                 # the closest: 30/09/2025
    assert cache.updated == 2 and cache.computed[SNAPSHOT] == 3   # each from the one before
    assert_same(got, snapshot_mod.compute(store, plan_mod.load(store, date(2025, 10, 6)), date(2025, 10, 6)))
