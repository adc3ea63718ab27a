"""What a page shows, computed once per snapshot and shared by every session, so a warm page only lays out.

A snapshot (ui.state.snapshot) is one object per data version and cut-off, shared by the server's
sessions (so is a plan, ui.state.plan, which carries a page's views when it uses no snapshot). The
figures and display tables a page derives from it are kept beside it, under a name and the page's
own choices (a process, a comparison date), and go away with it: a write makes a new snapshot, so
nothing here can outlive the data it was built from. Nothing kept here may be changed by
its users (figures are drawn and exported from copies; tables are only read), and a view must not
hold its snapshot (the snapshot would then never be let go).
"""
from __future__ import annotations

import threading
import weakref
from typing import Callable, TypeVar

T = TypeVar("T")
_MISSING = object()
_lock = threading.RLock()   # a weakref callback may run (garbage collection) while it is held
_kept: dict[int, tuple[weakref.ref, dict]] = {}   # id(snapshot) -> (the snapshot, weakly; its views)


def once(snap, name: str, build: Callable[[], T], *key) -> T:
    """`build()` the first time this snapshot is asked for (`name`, *key); the same object afterwards."""
    with _lock:
        entry = _kept.get(id(snap))
        if entry is None or entry[0]() is not snap:
            entry = (weakref.ref(snap, _forget(id(snap))), {})
            _kept[id(snap)] = entry
        found = entry[1].get((name, key), _MISSING)
    if found is _MISSING:      # built outside the lock; two sessions at once may both build, one is kept
        built = build()
        with _lock:
            found = entry[1].setdefault((name, key), built)
    return found


def _forget(snap_id: int):
    def forget(ref: weakref.ref) -> None:
        with _lock:
            if snap_id in _kept and _kept[snap_id][0] is ref:
                del _kept[snap_id]
    return forget
