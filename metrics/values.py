"""Reading measurements as of a cut-off date: only periods ended by then, only values recorded by then.

A measurement row is never changed: the value in force for a period is the latest row recorded on
or before the cut-off, and a void row hides the period. These queries do that work in DuckDB, so a
page costs the same whether the history holds a thousand rows or a million.
"""
from __future__ import annotations

from datetime import date, timedelta

import pandas as pd

from metrics.store import Store

_IN_FORCE = """
    SELECT * FROM measurement
    WHERE recorded_at < ? AND period_end <= ? {where}
    QUALIFY row_number() OVER (PARTITION BY indicator, year, period ORDER BY recorded_at DESC, id DESC) = 1
"""


def _bounds(as_of: date) -> list:
    return [as_of + timedelta(days=1), as_of]


def current_values(store: Store, as_of: date, indicator: str | None = None,
                   codes: list[str] | None = None) -> pd.DataFrame:
    """The value in force for every reported period as of the cut-off (voided periods left out),
    for one indicator, a list of them, or all."""
    where, params = "", _bounds(as_of)
    if indicator:
        where, params = "AND indicator = ?", params + [indicator]
    elif codes is not None:
        where, params = "AND list_contains(?, indicator)", params + [list(codes)]
    sql = f"SELECT * FROM ({_IN_FORCE.format(where=where)}) WHERE NOT is_void ORDER BY indicator, year, period"
    return store.query(sql, params)


def yearly_results(store: Store, as_of: date) -> pd.DataFrame:
    """Per indicator and vigencia: periods reported, their sum, and the latest value."""
    sql = f"""
        SELECT indicator, year, count(*) AS n_reported, sum(value) AS total,
               arg_max(value, period) AS last_value, max(period) AS last_period,
               max(period_end) AS last_end, max(recorded_at) AS last_recorded
        FROM ({_IN_FORCE.format(where='')}) WHERE NOT is_void
        GROUP BY indicator, year ORDER BY indicator, year
    """
    # typed explicitly: an empty result (a new database) would otherwise come back as text columns
    return store.query(sql, _bounds(as_of)).astype(
        {"year": "int64", "n_reported": "int64", "total": "float64", "last_value": "float64", "last_period": "int64"})


def versions(store: Store, indicator: str) -> pd.DataFrame:
    """Every row ever recorded for an indicator, newest first within each period."""
    return store.query(
        "SELECT * FROM measurement WHERE indicator = ? ORDER BY year DESC, period DESC, recorded_at DESC, id DESC",
        [indicator])


def period_states(store: Store, as_of: date, since: date, grace_days: int,
                  process: str | None = None) -> pd.DataFrame:
    """Every indicator-period that ended between `since` and the cut-off, with its reporting state.

    state: a_tiempo (first value within the grace days), tarde (first value after them), pendiente
    (no value, still within the grace days) or faltante (no value and past them). Done in one query,
    so it costs the same for thirty indicators or thousands.
    """
    where, params = ("WHERE process = ?", [process]) if process else ("", [])
    sql = f"""
        WITH ind AS (
            SELECT code, name, process, frequency, unit, start_year,
                   CASE frequency WHEN 'M' THEN 12 WHEN 'T' THEN 4 WHEN 'S' THEN 2 ELSE 1 END AS n
            FROM indicator {where}
        ), due AS (
            SELECT ind.code AS indicator, ind.name, ind.process, ind.frequency, ind.unit, y.year, p.period,
                   last_day(make_date(y.year, p.period * (12 // ind.n), 1)) AS period_end
            FROM ind, range(?, ?) AS y(year), range(1, 13) AS p(period)
            WHERE p.period <= ind.n AND y.year >= ind.start_year
        ), cur AS ({_IN_FORCE.format(where='')}
        ), first AS (
            SELECT indicator, year, period, min(recorded_at) AS first_reported FROM measurement
            WHERE recorded_at < ? AND NOT is_void GROUP BY indicator, year, period
        ), judged AS (
            SELECT d.*, (d.period_end + to_days(?))::DATE AS deadline, cur.id AS current_id, cur.is_void,
                   cur.value, cur.recorded_by, cur.recorded_at, first.first_reported,
                   cur.id IS NOT NULL AND NOT cur.is_void AS live
            FROM due d LEFT JOIN cur USING (indicator, year, period) LEFT JOIN first USING (indicator, year, period)
            WHERE d.period_end BETWEEN ? AND ?
        )
        SELECT * EXCLUDE (live),
               CASE WHEN live THEN CASE WHEN first_reported::DATE <= deadline THEN 'a_tiempo' ELSE 'tarde' END
                    WHEN ?::DATE <= deadline THEN 'pendiente' ELSE 'faltante' END AS state,
               CASE WHEN NOT live AND ?::DATE > deadline THEN datediff('day', deadline, ?::DATE) ELSE 0 END
                   AS days_late,
               datediff('day', period_end, ?::DATE) AS days_since_end
        FROM judged ORDER BY period_end, indicator, year, period
    """
    nxt = as_of + timedelta(days=1)
    return store.query(sql, params + [since.year, as_of.year + 1, nxt, as_of, nxt, grace_days, since, as_of,
                                      as_of, as_of, as_of, as_of])
