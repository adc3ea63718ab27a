"""Plans, snapshots and score history computed once per data version and shared by every session.

One cache per server process. An entry is keyed by (database path, data stamp `Store.stamp()`,
cut-off, kind): twenty sessions asking for the same cut-off at once wait for one computation (a lock
per key), never repeat it. When a write changes the stamp, every entry under the old stamp is dropped
at once (memory does not grow with the number of writes), and at most `max_cut_offs` cut-offs are kept
(least recently used first out). A plan is kept once per plan version (the plan changes in force at
a cut-off), shared by every cut-off that sees the same changes. A snapshot is computed from scratch
only when nothing close is at hand: after a write of values the old stamp's snapshot of the cut-off
is updated, and a new cut-off starts from the nearest one computed (`snapshot.update`). At most one
snapshot per core is computed at a time; more sessions asking for new cut-offs queue for a slot.
The history series is built from one cached entry per date, so the year ends it needs are shared
across sessions and reuse a snapshot already computed for that date.

The server keeps one store per database file here (`open_store`), so a launcher that fills the cache
before Streamlit starts and the pages afterwards use the same store and the same entries. After every
committed write, and after midnight, a background thread (`Warmer`) recomputes today's snapshot and
the last quarter end's, the committee's comparison, so neither the next visitor nor the committee
waits for them.
"""
from __future__ import annotations

import logging
import os
import threading
from collections import OrderedDict, deque
from collections.abc import Callable
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any

import pandas as pd

from metrics import export
from metrics import plan as plan_mod
from metrics import snapshot as snapshot_mod
from metrics.periods import EARLIEST, comparison_date
from metrics.store import Store

log = logging.getLogger(__name__)

PLAN, SNAPSHOT, HISTORY, DATA_HASH = "plan", "snapshot", "history", "data_hash"
MAX_CUT_OFFS = 16        # the large plan's snapshot is ~4 MB; 16 cut-offs stay well under the memory target
COMPUTING_SLOTS = max(1, os.cpu_count() or 1)   # snapshots computed side by side: one per core
RETIRED_STAMPS = 16      # old stamps remembered, so a reader late by one write does not evict the new entries
VALUE_TABLES = {"measurement"}   # written alone (reports, corrections, voids): snapshots are updated


class _Slot:
    """One value, computed at most once: the first caller computes under `lock`, the others wait."""

    __slots__ = ("lock", "value", "done")

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.value: Any = None
        self.done = False


class SnapshotCache:
    """The process-wide cache; `computed` counts computations per kind (tests and benchmarks read it)."""

    def __init__(self, max_cut_offs: int = MAX_CUT_OFFS, computing_slots: int = COMPUTING_SLOTS):
        self.max_cut_offs = max_cut_offs
        self._lock = threading.Lock()                       # guards the dictionaries, never held while computing
        self._stamps: dict[str, str] = {}                   # path -> the newest stamp seen
        self._retired: dict[str, deque[str]] = {}           # path -> stamps replaced by a newer one
        self._cut_offs: OrderedDict[tuple[str, date], dict[str, _Slot]] = OrderedDict()  # LRU, newest stamp only
        self._plans: dict[tuple[str, int], _Slot] = {}      # (path, plan version) -> plan, newest stamp only
        # the snapshots of the stamp before, per cut-off: after a write of values, updated instead of recomputed
        self._previous: OrderedDict[tuple[str, date], tuple[str, snapshot_mod.Snapshot]] = OrderedDict()
        self.computed: dict[str, int] = {PLAN: 0, SNAPSHOT: 0, HISTORY: 0, DATA_HASH: 0}
        self.updated = 0                                    # snapshots of those computed by `snapshot.update`
        # Twenty sessions asking for twenty new cut-offs at once would otherwise compute twenty snapshots
        # side by side on a few cores: each as slow as all of them, and twenty sets of working frames
        # in memory. At most one computation per core runs; the others queue and finish in turn.
        self._computing = threading.BoundedSemaphore(computing_slots)

    # -- what the pages ask for ----------------------------------------------------------------------------
    def plan(self, store: Store, as_of: date) -> plan_mod.Plan:
        """The plan as it stood on a cut-off."""
        return self._plan(store, store.stamp(), as_of)

    def snapshot(self, store: Store, as_of: date) -> snapshot_mod.Snapshot:
        """Everything computed for a cut-off, on the plan as it stood that day."""
        return self._snapshot(store, store.stamp(), as_of)

    def data_hash(self, store: Store, as_of: date) -> str:
        """The data hash that stamps every download at a cut-off (`export.data_hash`)."""
        return self._data_hash(store, store.stamp(), as_of)

    def history(self, store: Store, dates: list[date]) -> pd.DataFrame:
        """`snapshot.history` at these dates, each date's rows computed once and shared."""
        stamp = store.stamp()
        return snapshot_mod.join_history([self._history_rows(store, stamp, as_of) for as_of in dates])

    def warm(self, store: Store, today: date | None = None, history: bool = True) -> None:
        """Compute what the first visitor and the committee ask for: today's plan and snapshot, the
        snapshot of the last quarter end (the comparison every page offers) and, unless told not to,
        today's score history (Objetivos; seven year ends, the longest part)."""
        today = today or date.today()
        self.snapshot(store, today)
        self.snapshot(store, comparison_date(today))
        if history:
            self.history(store, year_ends(today))

    def is_cached(self, store: Store, as_of: date, kind: str = SNAPSHOT) -> bool:
        """Whether a value for the store's current stamp is ready (no computation)."""
        return self._ready(str(store.path), store.stamp(), as_of, kind) is not None

    def forget(self, path: str) -> None:
        """Drop every entry of a database (its store was closed)."""
        with self._lock:
            self._stamps.pop(path, None)
            self._retired.pop(path, None)
            self._drop(path, previous=True)

    # -- computing once --------------------------------------------------------------------------------------
    def _plan(self, store: Store, stamp: str, as_of: date) -> plan_mod.Plan:
        return self._get(store, stamp, as_of, PLAN, lambda: self._plan_version(store, stamp, as_of))

    def _plan_version(self, store: Store, stamp: str, as_of: date) -> plan_mod.Plan:
        """One plan object for every cut-off that sees the same plan changes (a new cut-off seldom
        needs a new plan, and every snapshot of one plan version shares its frames)."""
        key = (str(store.path), plan_mod.version(store, as_of))
        with self._lock:
            slot = self._plans.setdefault(key, _Slot()) if self._stamps.get(key[0]) == stamp else _Slot()
        with slot.lock:
            if not slot.done:
                slot.value, slot.done = plan_mod.load(store, as_of), True
            return slot.value

    def _snapshot(self, store: Store, stamp: str, as_of: date) -> snapshot_mod.Snapshot:
        def compute() -> snapshot_mod.Snapshot:
            plan = self._plan(store, stamp, as_of)   # resolved before taking a slot: never waits inside one
            start = self._earlier(store, stamp, as_of) or self._nearest(store, stamp, as_of, plan)
            with self._computing:
                if start is None:
                    return snapshot_mod.compute(store, plan, as_of)
                with self._lock:
                    self.updated += 1
                return snapshot_mod.update(start, store, plan, as_of)
        return self._get(store, stamp, as_of, SNAPSHOT, compute)

    def _nearest(self, store: Store, stamp: str, as_of: date, plan: plan_mod.Plan) -> snapshot_mod.Snapshot | None:
        """The computed snapshot of the closest other cut-off on the same plan object: a new cut-off
        starts from it, and only the indicators whose values or periods differ between the two dates
        are computed again (`snapshot.update` falls back on a full computation when it cannot)."""
        path = str(store.path)
        with self._lock:
            if self._stamps.get(path) != stamp:
                return None
            done = sorted(((abs((key[1] - as_of).days), key[1], slots[SNAPSHOT].value)
                           for key, slots in self._cut_offs.items()
                           if key[0] == path and key[1] != as_of and SNAPSHOT in slots and slots[SNAPSHOT].done),
                          key=lambda found: found[:2])
        for _, day, snap in done:
            if self._ready(path, stamp, day, PLAN) is plan:
                return snap
        return None

    def _earlier(self, store: Store, stamp: str, as_of: date) -> snapshot_mod.Snapshot | None:
        """The snapshot of this cut-off under an earlier stamp, when only values were written since: the
        writes changed a few indicators, and `snapshot.update` recomputes just those."""
        with self._lock:
            found = self._previous.get((str(store.path), as_of))
        if found is None or not store.changed_tables(found[0], stamp) <= VALUE_TABLES:
            return None
        return found[1]

    def _data_hash(self, store: Store, stamp: str, as_of: date) -> str:
        return self._get(store, stamp, as_of, DATA_HASH, lambda: export.data_hash(store, as_of))

    def _history_rows(self, store: Store, stamp: str, as_of: date) -> pd.DataFrame:
        def rows() -> pd.DataFrame:
            snap = self._ready(str(store.path), stamp, as_of, SNAPSHOT)  # reused, never computed for this
            plan = self._plan(store, stamp, as_of)
            if snap is not None:
                return snapshot_mod.history_rows(store, plan, as_of, snap)
            with self._computing:
                return snapshot_mod.history_rows(store, plan, as_of)
        return self._get(store, stamp, as_of, HISTORY, rows)

    def _get(self, store: Store, stamp: str, as_of: date, kind: str, compute: Callable[[], Any]) -> Any:
        slot = self._slot(store, stamp, as_of, kind)
        if slot is None:  # a stamp already replaced by a newer write: answer it, keep nothing
            return self._count(kind, compute)
        with slot.lock:   # the other callers of this key wait here for the one computation
            if not slot.done:
                slot.value = self._count(kind, compute)
                slot.done = True
            return slot.value

    def _count(self, kind: str, compute: Callable[[], Any]) -> Any:
        value = compute()
        with self._lock:
            self.computed[kind] += 1
        return value

    def _slot(self, store: Store, stamp: str, as_of: date, kind: str) -> _Slot | None:
        """The slot of a key, created if new; None for a retired stamp. A new stamp retires the previous
        one and drops all its entries, plans included (pages keep views of a stamp's data with its plan
        object, ui/views.py); its snapshots are set aside for `snapshot.update`."""
        path = str(store.path)
        with self._lock:
            current = self._stamps.get(path)
            if stamp != current:
                retired = self._retired.setdefault(path, deque(maxlen=RETIRED_STAMPS))
                if stamp in retired:
                    return None
                if current is not None:
                    retired.append(current)
                    self._set_aside(path, current)
                self._stamps[path] = stamp
                self._drop(path)
            key = (path, as_of)
            slots = self._cut_offs.setdefault(key, {})
            self._cut_offs.move_to_end(key)
            while len(self._cut_offs) > self.max_cut_offs:
                self._cut_offs.popitem(last=False)
            return slots.setdefault(kind, _Slot())

    def _set_aside(self, path: str, stamp: str) -> None:
        """Keep the computed snapshots of a stamp being replaced, at most `max_cut_offs` of them (call with
        `_lock` held)."""
        for key, slots in self._cut_offs.items():
            slot = slots.get(SNAPSHOT)
            if key[0] == path and slot is not None and slot.done:
                self._previous[key] = (stamp, slot.value)
                self._previous.move_to_end(key)
        while len(self._previous) > self.max_cut_offs:
            self._previous.popitem(last=False)

    def _drop(self, path: str, previous: bool = False) -> None:
        """The cut-off and plan entries of a database, and its set-aside snapshots when told (call with
        `_lock` held)."""
        kinds = [self._cut_offs, self._plans] + ([self._previous] if previous else [])
        for entries in kinds:
            for key in [k for k in entries if k[0] == path]:
                del entries[key]

    def _ready(self, path: str, stamp: str, as_of: date, kind: str) -> Any | None:
        with self._lock:
            if self._stamps.get(path) != stamp:
                return None
            slot = self._cut_offs.get((path, as_of), {}).get(kind)
            return slot.value if slot is not None and slot.done else None


def year_ends(as_of: date) -> list[date]:
    """The dates of the score history at a cut-off: every year end since EARLIEST, then the cut-off."""
    return [date(y, 12, 31) for y in range(EARLIEST.year, as_of.year)] + [as_of]


class Warmer:
    """Recomputes `SnapshotCache.warm` in a background thread after writes, and just after midnight (a
    new day is a new "today"). Requests coalesce: a writer saving every second leaves at most one run
    pending behind the one in progress."""

    def __init__(self, cache: SnapshotCache, store: Store):
        self._cache, self._store = cache, store
        self._changed = threading.Condition()
        self._requested = 0     # requests so far
        self._finished = 0      # requests covered by a finished run
        self._stopping = False
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        """Start the thread without asking for a run (the launcher has just warmed the cache)."""
        with self._changed:
            if self._thread is None and not self._stopping:
                self._thread = threading.Thread(target=self._loop, name="calentar-cache", daemon=True)
                self._thread.start()

    def request(self) -> None:
        """Ask for a run (returns at once); the thread starts on the first request."""
        self.start()
        with self._changed:
            if self._stopping:
                return
            self._requested += 1
            self._changed.notify_all()

    def wait_idle(self, timeout: float | None = None) -> bool:
        """Wait until every request made so far has been served by a finished run."""
        with self._changed:
            target = self._requested
            return self._changed.wait_for(lambda: self._finished >= target or self._stopping, timeout)

    def stop(self, timeout: float = 30) -> None:
        """No more runs; waits for the one in progress (the store is about to close)."""
        with self._changed:
            self._stopping = True
            self._changed.notify_all()
        if self._thread is not None:
            self._thread.join(timeout)

    def _loop(self) -> None:
        while True:
            with self._changed:
                self._changed.wait_for(lambda: self._requested > self._finished or self._stopping,
                                       _seconds_to_midnight() + 1)
                if self._stopping:
                    return
                covered = self._requested  # every request up to here is served by this one run
            try:
                self._cache.warm(self._store)
            except Exception:  # logged; the next visitor computes what is missing
                log.exception("No se pudieron precalcular las cifras de hoy")
            with self._changed:
                self._finished = covered
                self._changed.notify_all()


def _seconds_to_midnight() -> float:
    now = datetime.now()
    return (datetime.combine(now.date() + timedelta(days=1), time()) - now).total_seconds()


CACHE = SnapshotCache()
_stores: dict[str, tuple[Store, Warmer]] = {}
_stores_lock = threading.Lock()


def open_store(path: str | Path) -> Store:
    """The server's one store for a database file (opened on first use, the demo built if missing),
    with the background warm-up after each committed write."""
    from metrics.seed import open_store as open_or_build  # seed imports most of metrics; imported late
    key = str(Path(path))
    with _stores_lock:
        if key not in _stores:
            store = open_or_build(key)
            warmer = Warmer(CACHE, store)
            store.on_commit(warmer.request)
            _stores[key] = (store, warmer)
        return _stores[key][0]


def warmer(store: Store) -> Warmer:
    """The background warm-up of a store opened with `open_store`."""
    return _stores[str(store.path)][1]


def close_store(store: Store) -> None:
    """Stop the warm-up, drop the cached entries and close the store."""
    with _stores_lock:
        found = _stores.pop(str(store.path), None)
    if found is not None:
        found[1].stop()
    CACHE.forget(str(store.path))
    store.close()
