"""The as-of store (metrics/asof.py) against its definition: after a random sequence of reports,
corrections and voids through the real write path, with time stamps that go back and forth, the
tables the writes maintained equal the ones rebuilt from `measurement`, and at every cut-off the value
in force and the first report of each period equal the window definition computed on `measurement`."""
import random
from datetime import date, datetime, timedelta

import pytest

from metrics import asof, values, writes
from metrics.periods import PERIODS_PER_YEAR, period_end
from metrics.writes import Entry
from tests.reporting_helpers import fresh_store

INDICATORS = {"GD-06": "M", "GD-12": "T", "GD-04": "S", "GD-02": "A"}   # every frequency, all of TI or DE
YEARS = (2023, 2024)
LAST_DAY = datetime(2025, 8, 31, 18, 0)
ANALYSIS = "Valor de la prueba aleatoria del almacén por fecha de corte."
TABLES = ("value_current", "value_history", "period_report")

# The window definition, written apart from the store: the highest id recorded before the day after
# the cut-off, for periods ended by then; the first non-void report recorded before that day.
WINDOW = """SELECT id FROM measurement WHERE recorded_at < ? AND period_end <= ?
            QUALIFY id = max(id) OVER (PARTITION BY indicator, year, period)"""
FIRST = """SELECT indicator, year, period, min(recorded_at) AS first_reported FROM measurement
           WHERE recorded_at < ? AND NOT is_void GROUP BY ALL"""


@pytest.fixture
def store(tmp_path):
    s = fresh_store(tmp_path)
    yield s
    s.close()


def random_history(store, steps: int, seed: int) -> list[datetime]:
    """Reports, corrections and voids of random periods at random times after each period's end
    (so a newer version may carry an older time stamp); the times used."""
    rng = random.Random(seed)
    times = []
    for _ in range(steps):
        code = rng.choice(list(INDICATORS))
        year = rng.choice(YEARS)
        period = rng.randint(1, PERIODS_PER_YEAR[INDICATORS[code]])
        start = datetime.combine(period_end(year, INDICATORS[code], period) + timedelta(days=1), datetime.min.time())
        now = start + (LAST_DAY - start) * rng.random() ** 3   # bunched after the period's end, like real reports
        now = now.replace(microsecond=0, second=0)
        current = writes.version_in_force(store, code, year, period)
        live = current is not None and not current["is_void"]
        entry = Entry(code, year, period, str(round(rng.uniform(10, 99), 1)), analysis=ANALYSIS)
        if not live:
            writes.report(store, "admin", entry, now=now)
        elif rng.random() < 0.8:
            writes.correct(store, "admin", entry, "Corrección de la prueba aleatoria", expected_id=current["id"], now=now)
        else:
            writes.void(store, "admin", code, year, period, "Anulación de la prueba aleatoria",
                        expected_id=current["id"], now=now)
        times.append(now)
    return times


def rows(store, sql: str, params: list) -> set:
    return set(store.query(sql, params).itertuples(index=False, name=None))


def test_maintained_store_equals_the_rebuilt_one_and_the_window_definition(store):
    times = random_history(store, steps=300, seed=20261126)
    assert store.scalar("SELECT count(*) FROM measurement") == 300
    assert store.scalar("SELECT count(*) FROM measurement WHERE is_void") > 10
    assert store.scalar("SELECT count(*) FROM measurement a JOIN measurement b ON a.indicator = b.indicator "
                        "AND a.year = b.year AND a.period = b.period AND a.id < b.id AND a.recorded_at > b.recorded_at") > 10

    with store.transaction() as cur:   # what the writes maintained, set aside; then rebuilt from measurement
        for table in TABLES:
            cur.execute(f"CREATE TABLE kept_{table} AS SELECT * FROM {table}")
        asof.rebuild(cur)
    for table in TABLES:
        for a, b in ((table, f"kept_{table}"), (f"kept_{table}", table)):
            assert store.scalar(f"SELECT count(*) FROM (FROM {a} EXCEPT ALL FROM {b})") == 0, (a, b)
        assert store.scalar(f"SELECT count(*) FROM {table}") == store.scalar(f"SELECT count(*) FROM kept_{table}")

    days = {t.date() + timedelta(days=k) for t in times for k in (-1, 0)}
    days |= {date(2023, 1, 1) + timedelta(days=k) for k in range(0, 1000, 7)}
    for as_of in sorted(days):
        after = as_of + timedelta(days=1)
        window = rows(store, WINDOW, [after, as_of])
        assert rows(store, f"SELECT id FROM ({values.in_force_sql()})", values.in_force_params(as_of)) == window, as_of
        assert rows(store, f"SELECT id FROM ({values.in_force_sql(whole=False)})",
                    values.in_force_params(as_of)) == window, as_of
        assert rows(store, "SELECT * FROM period_report WHERE first_reported < ?", [after]) == \
            rows(store, FIRST, [after]), as_of


def test_a_write_that_fails_leaves_the_store_as_it_was(store):
    writes.report(store, "admin", Entry("GD-06", 2024, 3, "80", analysis=ANALYSIS), now=datetime(2024, 4, 5, 9))
    before = {t: store.query(f"SELECT * FROM {t} ORDER BY ALL").to_dict("records") for t in ("value_current",
                                                                                              "period_report")}
    with pytest.raises(RuntimeError):
        with store.transaction() as cur:
            cur.execute("INSERT INTO measurement (indicator, year, period, period_end, value, recorded_at, "
                        "recorded_by) VALUES ('GD-06', 2024, 3, '2024-03-31', 70, '2024-04-06 09:00', 'x')")
            asof.index_new(cur)
            raise RuntimeError("la escritura falla después de indexar")
    assert {t: store.query(f"SELECT * FROM {t} ORDER BY ALL").to_dict("records") for t in before} == before
    assert store.scalar("SELECT count(*) FROM value_history") == 0


def test_the_snapshot_reduction_of_reporting_states_equals_the_period_by_period_states(store):
    """values.period_summary (what a snapshot keeps: the owed periods and the counts per state, reduced
    in DuckDB) against values.period_states, period by period, after a random history."""
    from metrics import plan as plan_mod
    from metrics import timeliness
    times = random_history(store, steps=120, seed=7)
    writes.lock_periods(store, "admin", date(2023, 12, 31), "Cierre de la vigencia 2023", now=datetime(2024, 3, 1))
    for as_of in sorted({t.date() for t in times[::10]} | {date(2024, 12, 31), date(2025, 8, 31)}):
        indicators = plan_mod.load(store, as_of).indicators
        states = values.period_states(store, as_of, date(2023, 1, 1), 10, indicators=indicators)
        owed, counts = values.period_summary(store, as_of, date(2023, 1, 1), 10, indicators)
        expected = timeliness.owed(states)
        key = ["indicator", "year", "period", "state", "deadline", "locked", "days_late", "days_since_end"]
        assert owed[key].sort_values(key).to_dict("records") == expected[key].sort_values(key).to_dict("records")
        assert timeliness.reporting_counts(counts).equals(timeliness.reporting_counts(states)), as_of
        assert counts["n"].sum() == len(states) and set(states["state"]) > {"faltante"}
    assert owed["locked"].any() and not owed["locked"].all()
