"""ui/views.py: what a page derives from a snapshot is built once per snapshot, and goes with it."""
import gc

from ui import views


class Snap:   # any object a page gets from ui.state (a snapshot, a plan) carries views the same way
    pass


def test_a_view_is_built_once_per_snapshot_and_key():
    snap, built = Snap(), []

    def build():
        built.append(1)
        return object()
    first = views.once(snap, "tabla", build, "TI")
    assert views.once(snap, "tabla", build, "TI") is first and len(built) == 1
    assert views.once(snap, "tabla", build, "PE") is not first and len(built) == 2    # another choice
    assert views.once(snap, "otra", build, "TI") is not first and len(built) == 3     # another view
    assert views.once(Snap(), "tabla", build, "TI") is not first and len(built) == 4  # a new data version


def test_views_go_away_with_their_snapshot():
    snap = Snap()
    views.once(snap, "tabla", lambda: [1, 2, 3])
    kept = id(snap)
    assert kept in views._kept
    del snap
    gc.collect()
    assert kept not in views._kept
