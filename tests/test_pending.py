"""The outlier rule (metrics/outliers.py, enforced in writes.prepare) and what each person owes or
must look at (metrics/pending.py)."""
from datetime import date, datetime, timedelta

import pytest

from metrics import actions, outliers, pending, writes
from metrics.accounts import Rejected
from metrics.writes import Entry
from tests.reporting_helpers import NOW, fresh_store


@pytest.fixture
def store(tmp_path):
    s = fresh_store(tmp_path)
    yield s
    s.close()


def test_the_usual_range_is_the_median_plus_or_minus_three_scaled_mads():
    usual = outliers.usual_range([10, 12, 11, 13, 9, 100])     # one old typo does not widen the range
    # median 11,5; |x - 11,5| = 1,5 0,5 0,5 1,5 2,5 88,5 -> MAD 1,5 -> spread 1,4826 · 1,5
    assert usual.low == pytest.approx(11.5 - 3 * 1.4826 * 1.5) and usual.high == pytest.approx(11.5 + 3 * 1.4826 * 1.5)
    assert usual.holds(15) and not usual.holds(20)
    assert outliers.usual_range([1, 2, 3]) is None                       # too little history
    flat = outliers.usual_range([100, 100, 100, 100])                    # no spread: 5 % of the median
    assert flat.holds(99) and not flat.holds(80)


def history(store, values: list[float]) -> None:
    """GD-06 (monthly %) with these values for the first months of 2025, each with an analysis."""
    for month, value in enumerate(values, start=1):
        writes.report(store, "lider.ti", Entry("GD-06", 2025, month, str(value), analysis="Histórico del enlace"),
                      now=NOW)


def test_a_value_far_from_the_history_needs_a_confirmation_and_an_explanation(store):
    history(store, [99, 98.5, 99.2, 99.5, 98.9])
    with pytest.raises(Rejected, match="confirme que es correcto"):
        writes.report(store, "lider.ti", Entry("GD-06", 2025, 6, "9,9", analysis="Caída total del enlace principal",
                                               outlier_confirmed=False), now=NOW)
    with pytest.raises(Rejected, match="explique en el análisis"):
        writes.report(store, "lider.ti", Entry("GD-06", 2025, 6, "9,9", outlier_confirmed=True), now=NOW)
    assert store.scalar("SELECT count(*) FROM measurement WHERE period = 6") == 0
    writes.report(store, "lider.ti", Entry("GD-06", 2025, 6, "9,9", analysis="Caída total del enlace principal",
                                           outlier_confirmed=True), now=NOW)
    assert store.scalar("SELECT value FROM measurement WHERE period = 6") == 9.9


def test_a_value_within_the_history_needs_nothing_more(store):
    history(store, [99, 98.5, 99.2, 99.5, 98.9])
    writes.report(store, "lider.ti", Entry("GD-06", 2025, 6, "99,1", outlier_confirmed=False), now=NOW)
    assert writes.far_from_history(store, "GD-06", date(2025, 7, 31), 99.1) is None
    # median 99,05; the MAD (0,3) is below the floor of 5 % of the median: 99,05 ± 3 · 4,95
    assert writes.far_from_history(store, "GD-06", date(2025, 7, 31), 50).text("%") == "entre 84,2 % y 113,9 %"


def test_a_leader_owes_periods_by_due_date_and_within_a_horizon(store):
    today = NOW.date()
    owed = pending.owed(store, today, "TI")
    assert not owed.empty and set(owed["process"]) == {"TI"}
    assert list(owed["deadline"]) == sorted(owed["deadline"])
    assert set(owed["state"]) <= {"faltante", "pendiente"}
    assert all((owed["days_left"] < 0) == (owed["state"] == "faltante"))
    soon = pending.owed(store, today, "TI", within_days=3)
    assert all(soon["days_left"] <= 3) and len(soon) <= len(owed)
    first = owed.iloc[0]
    writes.report(store, "lider.ti", Entry(first["indicator"], first["year"], first["period"], "1",
                                           analysis="Reporte de prueba del periodo"), now=NOW)
    assert len(pending.owed(store, today, "TI")) == len(owed) - 1


def test_the_personero_sees_late_reports_and_overdue_actions(store):
    today = NOW.date()
    actions.add_action(store, "lider.ti", "GD-06", "Cambiar el proveedor del enlace", "Oficina TIC",
                       today - timedelta(days=5), now=datetime.combine(today - timedelta(days=40), datetime.min.time()))
    found = pending.attention(store, today)
    assert not found.late.empty and list(found.late["deadline"]) == sorted(found.late["deadline"])
    assert list(found.overdue_actions["action"]) == ["Cambiar el proveedor del enlace"]
    assert found.comparison < today
    assert not found.empty
