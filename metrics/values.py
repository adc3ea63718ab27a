"""Reading measurements as of a cut-off date: only periods ended by then, only values recorded by then.

A measurement row is never changed. The value in force for a period at a cut-off is the last row
written (highest id: ids are taken inside the one write lock, so they follow the commit order) among
the rows recorded on or before the cut-off; a void row hides the period. The as-of store
(metrics/asof.py, migration 007) keeps that as an interval of cut-offs per row, so `in_force_sql`,
the only reader of the definition (pages, reports, exports, seed and writes build on it), is one
range test instead of a window over every version: a cut-off costs the same after one version per
period or a hundred, and for a thousand rows or a million.
"""
from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import pandas as pd

from metrics.periods import periods_per_year_sql
from metrics.store import Store


def in_force_sql(where: str = "", whole: bool = True) -> str:
    """SQL of the measurement rows in force at a cut-off (voids included, so a caller can see them).

    Takes the positional parameters of `in_force_params(as_of)` first; `where` adds conditions on
    the period ('AND indicator = ?', over indicator, year, period, period_end, value, is_void,
    recorded_at) whose parameters follow. `whole`: every column of `measurement`; otherwise only
    the columns above and id, which is all the engine's figures read (no join with the texts).
    """
    narrow = f"""
        SELECT v.* EXCLUDE (valid_until) FROM value_interval v, (SELECT ?::TIMESTAMP AS after, ?::DATE AS cut_off) c
        WHERE v.recorded_at < c.after AND v.valid_until >= c.after AND v.period_end <= c.cut_off {where}
    """
    return f"SELECT m.* FROM measurement m SEMI JOIN ({narrow}) v ON m.id = v.id" if whole else narrow


def seen_before(as_of: date) -> date:
    """What a cut-off sees was recorded before this moment: the day after it (a value, a first report
    or a period lock recorded on the cut-off day counts)."""
    return as_of + timedelta(days=1)


def in_force_params(as_of: date) -> list:
    """The cut-off's parameters of `in_force_sql`: the day after it (a row counts if recorded before
    then) and the cut-off itself (periods ended by then)."""
    return [seen_before(as_of), as_of]


def current_values(store: Store, as_of: date, indicator: str | None = None,
                   codes: list[str] | None = None) -> pd.DataFrame:
    """The value in force for every reported period as of the cut-off (voided periods left out),
    for one indicator, a list of them, or all."""
    where, params = "", in_force_params(as_of)
    if indicator:
        where, params = "AND indicator = ?", params + [indicator]
    elif codes is not None:
        where, params = "AND list_contains(?, indicator)", params + [list(codes)]
    sql = f"SELECT * FROM ({in_force_sql(where)}) WHERE NOT is_void ORDER BY indicator, year, period"
    return store.query(sql, params)


def yearly_results(store: Store, as_of: date, since: date | None = None,
                   until: date | None = None, codes: list[str] | None = None) -> pd.DataFrame:
    """Per indicator and vigencia: periods reported, their sum, and the latest value; only periods
    that end inside [since, until] when given (a plan counts only its own periods), only the
    indicators in `codes` when given."""
    window = "AND period_end >= ? AND period_end <= ?"
    params = in_force_params(as_of) + [since or date.min, until or date.max]
    if codes is not None:
        window, params = window + " AND list_contains(?, indicator)", params + [list(codes)]
    sql = f"""
        SELECT indicator, year, count(*) AS n_reported, sum(value) AS total,
               arg_max(value, period) AS last_value, max(period) AS last_period,
               max(period_end) AS last_end, max(recorded_at) AS last_recorded
        FROM ({in_force_sql(window, whole=False)}) WHERE NOT is_void
        GROUP BY indicator, year ORDER BY indicator, year
    """
    # typed explicitly: an empty result (a new database) would otherwise come back as text columns
    return store.query(sql, params).astype(
        {"year": "int64", "n_reported": "int64", "total": "float64", "last_value": "float64", "last_period": "int64"})


def versions(store: Store, indicator: str) -> pd.DataFrame:
    """Every row ever recorded for an indicator, newest first within each period."""
    return store.query(
        "SELECT * FROM measurement WHERE indicator = ? ORDER BY year DESC, period DESC, id DESC", [indicator])


# -- reporting windows ---------------------------------------------------------------------------
_PLAN_COLUMNS = {"code": "VARCHAR", "start_year": "INTEGER", "report_due_days": "INTEGER", "report_due_date": "VARCHAR",
                 "frequency": "VARCHAR", "process": "VARCHAR"}
_TEXT_COLUMNS = ("code", "name", "process", "frequency", "unit")  # put back in pandas from the plan, by position
STATES = ("a_tiempo", "faltante", "pendiente", "tarde")


def _plan_indicators(indicators: pd.DataFrame) -> tuple[str, list]:
    """The plan's indicators (as of a cut-off) as an inline SQL table, never the indicator table: an
    indicator absent from the plan at a cut-off owes nothing there. Rows carry their position in the
    frame (`pos`), so texts are taken back from the frame instead of crossing from DuckDB row by row."""
    params = [list(range(len(indicators)))]
    for col, kind in _PLAN_COLUMNS.items():
        data = indicators[col] if col in indicators else pd.Series([None] * len(indicators), dtype=object)
        params.append([None if pd.isna(v) else (int(v) if kind == "INTEGER" else str(v)) for v in data])
    cols = ", ".join(["unnest(?::INTEGER[]) AS pos"] + [f"unnest(?::{t}[]) AS {c}" for c, t in _PLAN_COLUMNS.items()])
    return f"SELECT {cols}", params


def _with_texts(df: pd.DataFrame, indicators: pd.DataFrame) -> pd.DataFrame:
    """Code, name, process, frequency and unit of each row from the plan frame, by position."""
    pos = df.pop("pos").to_numpy()
    texts = {("indicator" if c == "code" else c): indicators[c].to_numpy()[pos] for c in _TEXT_COLUMNS}
    return pd.concat([pd.DataFrame(texts, index=df.index), df], axis=1)


def _due_sql(ind_sql: str, where: str) -> str:
    """Every period of every plan indicator from its first vigencia, with its deadline from the ficha:
    report_due_date ('MM-DD', that day of the year after the period's year), else report_due_days
    after the period ends, else the entity's grace days (also when the date is not a valid 'MM-DD',
    which the plan's validation refuses anyway). Parameters: the plan's indicators, the first and last
    year, the grace days."""
    n = periods_per_year_sql("frequency")
    return f"""
        ind AS (SELECT *, {n} AS n FROM ({ind_sql}) WHERE true {where}),
        periods AS (
            SELECT ind.pos, ind.code AS indicator, y.year::INTEGER AS year, p.period::INTEGER AS period,
                   last_day(make_date(y.year, p.period * (12 // ind.n), 1)) AS period_end,
                   ind.report_due_days, ind.report_due_date
            FROM ind, range(?, ?) AS y(year), range(1, 13) AS p(period)
            WHERE p.period <= ind.n AND y.year >= ind.start_year
        ), due AS (
            SELECT * EXCLUDE (report_due_days, report_due_date),
                   coalesce(try_strptime(CAST(year + 1 AS VARCHAR) || '-' || report_due_date, '%Y-%m-%d')::DATE,
                            (period_end + to_days(coalesce(report_due_days, ?)))::DATE) AS deadline
            FROM periods
        )"""


def owed_years(store: Store, as_of: date, grace_days: int, indicators: pd.DataFrame) -> pd.DataFrame:
    """Per indicator, the vigencia of its latest period already due at the cut-off (its reporting
    window passed): a result older than that vigencia is out of date. Indicators owing nothing yet
    are left out."""
    ind_sql, ind_params = _plan_indicators(indicators)
    sql = f"""WITH {_due_sql(ind_sql, '')}
        SELECT indicator, max(year) AS owed_year FROM due WHERE deadline <= ? GROUP BY indicator"""
    # the latest due period is at most a few vigencias back, whatever the window (a window is under a year)
    return store.query(sql, ind_params + [as_of.year - 3, as_of.year + 1, grace_days, as_of]).astype(
        {"owed_year": "int64"})


def period_states(store: Store, as_of: date, since: date, grace_days: int, process: str | None = None,
                  indicators: pd.DataFrame | None = None, detail: bool = True) -> pd.DataFrame:
    """Every indicator-period of the plan that ended between `since` and the cut-off, with its
    deadline, its reporting state and whether a period lock (made by the cut-off) covers it.

    state: a_tiempo (first value by the deadline), tarde (first value after it), pendiente (no value,
    deadline not passed) or faltante (no value and past it). `indicators` is the plan as of the
    cut-off (default: loaded for it). With `detail`, also the version in force (current_id, value,
    is_void, recorded_by, recorded_at) and the first report. One query, so it costs the same for
    thirty indicators or thousands.
    """
    indicators = _plan_as_of(store, as_of, indicators)
    sql, params = _judged_sql(as_of, since, grace_days, process, indicators, detail)
    df = store.query(f"{sql} SELECT * FROM coded ORDER BY period_end, pos, year, period", params)
    return _with_texts(_typed(df, as_of), indicators)


def period_summary(store: Store, as_of: date, since: date, grace_days: int,
                   indicators: pd.DataFrame, subset: bool = False) -> tuple[pd.DataFrame, pd.DataFrame]:
    """What a snapshot keeps of `period_states` (the same rule, reduced in DuckDB): (the periods still
    owed, faltante and pendiente, one row each as in period_states; per indicator and process the
    number `n` of periods in each state). A cut-off then carries a few thousand rows to Python
    instead of every period since the first plan. `subset`: `indicators` are a few of the plan's."""
    indicators = indicators.reset_index(drop=True)
    sql, params = _judged_sql(as_of, since, grace_days, None, indicators, detail=False, materialized=True,
                              subset=subset)
    owed_codes = ", ".join(str(STATES.index(s)) for s in OWED_STATES)
    # one pass over the periods (`coded` computed once): the owed rows (no `n`), then the counts
    both = store.query(f"""{sql}
        SELECT *, NULL::BIGINT AS n FROM coded WHERE state_code IN ({owed_codes})
        UNION ALL BY NAME
        SELECT pos, state_code, count(*) AS n FROM coded GROUP BY ALL""", params)
    is_count = both["n"].notna()
    owed = both[~is_count].drop(columns="n").astype({"pos": "int64"}).sort_values(["period_end", "pos", "year", "period"])
    counts = both.loc[is_count, ["pos", "state_code", "n"]]
    pos = counts["pos"].to_numpy(dtype="int64")
    counts = pd.DataFrame({
        "indicator": indicators["code"].to_numpy()[pos], "process": indicators["process"].to_numpy()[pos],
        "state": np.array(STATES, dtype=object)[counts["state_code"].to_numpy(dtype="int64")],
        "n": counts["n"].to_numpy(dtype="int64")})
    return _with_texts(_typed(owed.reset_index(drop=True), as_of), indicators), counts


def written_between(store: Store, lo: date, hi: date, after_id: int, upto_id: int) -> list[str]:
    """The indicators with a value row one of two cut-offs sees and the other does not (recorded
    between them, or of a period that closed between them), or written after row `after_id` (up to
    `upto_id`): their figures can differ between a snapshot and the next."""
    return store.query(
        "SELECT DISTINCT indicator FROM measurement WHERE id <= ? AND (id > ? OR (recorded_at >= ? AND recorded_at < ?) "
        "OR (period_end > ? AND period_end <= ? AND recorded_at < ?))",
        [upto_id, after_id, seen_before(lo), seen_before(hi), lo, hi, seen_before(hi)],
    )["indicator"].tolist()


def calendar(store: Store, first_year: int, last_year: int, grace_days: int,
             indicators: pd.DataFrame) -> pd.DataFrame:
    """Every period of the plan's indicators in the vigencias `first_year`..`last_year`, with its
    deadline (the rule of `_due_sql`): what `due_between` looks up, the same for every cut-off of a
    plan, so a caller keeps it with the plan. Indicators are their position in `indicators` (a
    code per row would weigh three times as much)."""
    ind_sql, ind_params = _plan_indicators(indicators.reset_index(drop=True))
    sql = f"WITH {_due_sql(ind_sql, '')} SELECT pos, period_end, deadline FROM due"
    df = store.query(sql, ind_params + [first_year, last_year + 1, grace_days])
    return pd.DataFrame({"pos": df["pos"].to_numpy(dtype="int32"),
                         "period_end": df["period_end"].to_numpy(dtype="datetime64[D]"),
                         "deadline": df["deadline"].to_numpy(dtype="datetime64[D]")})


def calendar_years(lo: date, hi: date) -> tuple[int, int]:
    """The vigencias of `calendar` that `due_between(lo, hi)` needs: a deadline is at most a few
    vigencias after its period (a window is under a year)."""
    return lo.year - 3, hi.year


def due_between(periods: pd.DataFrame, indicators: pd.DataFrame, lo: date, hi: date) -> list[str]:
    """The indicators (of the plan `periods` was built from, a `calendar`) with a period that closes,
    or falls due, from `lo` to `hi` (both days included: a period is pendiente through its deadline
    and owed from the day after, and counts as closed on its last day): their reporting states and
    the vigencia they owe can differ between the two cut-offs."""
    start, end = np.datetime64(lo, "D"), np.datetime64(hi, "D")
    ends, deadlines = periods["period_end"].to_numpy(), periods["deadline"].to_numpy()
    hit = ((ends >= start) & (ends <= end)) | ((deadlines >= start) & (deadlines <= end))
    return indicators["code"].to_numpy()[np.unique(periods["pos"].to_numpy()[hit])].tolist()


def locks_made_between(store: Store, lo: date, hi: date) -> int:
    """Period locks one of two cut-offs sees and the other does not (`period_states` judges a period
    locked by the locks recorded before `seen_before` its cut-off)."""
    return int(store.scalar("SELECT count(*) FROM period_lock WHERE locked_at >= ? AND locked_at < ?",
                            [seen_before(lo), seen_before(hi)]))


OWED_STATES = ("faltante", "pendiente")   # no value in force: past the deadline, or still within it


def _plan_as_of(store: Store, as_of: date, indicators: pd.DataFrame | None) -> pd.DataFrame:
    if indicators is None:
        from metrics import plan as plan_mod  # the plan module reads through here; imported late
        indicators = plan_mod.load(store, as_of).indicators
    return indicators.reset_index(drop=True)


def _judged_sql(as_of: date, since: date, grace_days: int, process: str | None, indicators: pd.DataFrame,
                detail: bool, materialized: bool = False, subset: bool = False) -> tuple[str, list]:
    """The WITH clause of the reporting state of every period (`coded`: one row per indicator-period,
    the state as `state_code`, an index into STATES) and its parameters: the one home of the rule.
    `materialized`: `coded` is computed once for a query that reads it twice. `subset`: `indicators`
    are a few of the plan's, so only their values are read (not worth it for the whole plan)."""
    ind_sql, ind_params = _plan_indicators(indicators)
    where, where_params = ("AND process = ?", [process]) if process else ("", [])
    mine, mine_params = ("AND list_contains(?, indicator)", [indicators["code"].tolist()]) if subset else ("", [])
    nxt = seen_before(as_of)
    states = "CASE state " + " ".join(f"WHEN '{s}' THEN {k}" for k, s in enumerate(STATES))
    version = ("cur.id AS current_id, cur.is_void, cur.value, cur.recorded_by, cur.recorded_at, first.first_reported,"
               if detail else "")
    sql = f"""
        WITH {_due_sql(ind_sql, where)},
        cur AS ({in_force_sql(f"AND period_end >= ? {mine}", whole=detail)}),
        first AS (SELECT * FROM period_report WHERE first_reported < ? AND year >= ? {mine}),
        lock AS (
            SELECT max(locked_through) AS locked_through FROM period_lock WHERE locked_at < ?
        ), judged AS (
            SELECT d.pos, d.year, d.period, d.period_end, d.deadline, {version}
                   CASE WHEN cur.id IS NOT NULL AND NOT cur.is_void
                        THEN CASE WHEN first.first_reported::DATE <= d.deadline THEN 'a_tiempo' ELSE 'tarde' END
                        WHEN ?::DATE <= d.deadline THEN 'pendiente' ELSE 'faltante' END AS state,
                   coalesce(d.period_end <= lock.locked_through, false) AS locked
            FROM due d LEFT JOIN cur USING (indicator, year, period) LEFT JOIN first USING (indicator, year, period)
            CROSS JOIN lock
            WHERE d.period_end BETWEEN ? AND ?
        ), coded AS {"MATERIALIZED " if materialized else ""}(
            SELECT * EXCLUDE (state), ({states} END)::UTINYINT AS state_code FROM judged
        )
    """
    params = (ind_params + where_params + [since.year, as_of.year + 1, grace_days]
              + in_force_params(as_of) + [since] + mine_params + [nxt, since.year] + mine_params
              + [nxt, as_of, since, as_of])
    return sql, params


def _typed(df: pd.DataFrame, as_of: date) -> pd.DataFrame:
    """The state's name from its code, the days counted at the cut-off, and the columns typed
    explicitly: an empty result would otherwise come back with text columns."""
    df.insert(0, "state", np.array(STATES, dtype=object)[df.pop("state_code").to_numpy(dtype="int64")])
    df = df.astype({"year": "int64", "period": "int64", "locked": "bool"})
    return with_days(df, as_of)


def with_days(periods: pd.DataFrame, as_of: date) -> pd.DataFrame:
    """`days_late` (days past the deadline of a period still missing, faltante; 0 otherwise) and
    `days_since_end` (days since the period closed), counted at a cut-off."""
    cut_off = np.datetime64(as_of, "D")
    deadline = pd.to_datetime(periods["deadline"]).to_numpy().astype("datetime64[D]")
    end = pd.to_datetime(periods["period_end"]).to_numpy().astype("datetime64[D]")
    late = (cut_off - deadline).astype("int64")
    return periods.assign(days_late=np.where(periods["state"].to_numpy() == "faltante", late, 0).astype("int64"),
                          days_since_end=(cut_off - end).astype("int64"))
