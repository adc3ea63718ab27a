"""The as-of store: the value in force of every period as intervals of cut-offs, and each period's
first report (migration 007 says why these tables). Derived from `measurement`, never edited by hand.

`index_new(cur)` is the one maintenance step: every writer that appends to `measurement` calls it in
the same transaction, after its inserts, and it indexes every row above the highest one indexed.
`rebuild(cur)` empties the tables and indexes everything again with the same SQL: the migration runs
it, and a test checks that it gives back exactly what the writes maintained.
"""
from __future__ import annotations

_KEY = "indicator, year, period"
_ROW = f"id, {_KEY}, period_end, value, is_void, recorded_at"
_NEW = "(SELECT * FROM measurement WHERE id > $after)"
_BATCH_KEYS = f"(SELECT {_KEY}, min(recorded_at) AS first_new FROM {_NEW} GROUP BY ALL)"
_SAME_KEY = "h.indicator = n.indicator AND h.year = n.year AND h.period = n.period"

_STEPS = (
    # replaced rows end no later than the earliest new row of their period (least(): exact even when
    # a newer id carries an older time stamp)
    f"UPDATE value_history h SET valid_until = n.first_new FROM {_BATCH_KEYS} n "
    f"WHERE {_SAME_KEY} AND h.valid_until > n.first_new",
    # into the history, in the order they close: the current rows of those periods (closed by the
    # earliest new row) and the new rows that a newer new row of their period replaces
    f"""INSERT INTO value_history
        SELECT * FROM (
            SELECT h.*, n.first_new AS valid_until FROM value_current h JOIN {_BATCH_KEYS} n ON {_SAME_KEY}
            UNION ALL
            SELECT {_ROW}, min(recorded_at) OVER (PARTITION BY {_KEY} ORDER BY id
                                                  ROWS BETWEEN 1 FOLLOWING AND UNBOUNDED FOLLOWING)
            FROM {_NEW}
        ) WHERE valid_until IS NOT NULL ORDER BY valid_until, id""",
    # the newest row of each period is its current one
    f"INSERT OR REPLACE INTO value_current SELECT {_ROW} FROM {_NEW} QUALIFY id = max(id) OVER (PARTITION BY {_KEY})",
    f"""INSERT INTO period_report
        SELECT {_KEY}, min(recorded_at) FROM {_NEW} WHERE NOT is_void GROUP BY ALL
        ON CONFLICT DO UPDATE SET first_reported = least(first_reported, excluded.first_reported)""",
)


def index_new(cur) -> int:
    """Index the measurement rows not indexed yet (the ones this transaction just appended); call it
    inside the writer's transaction, after its inserts. Returns how many rows it indexed."""
    after = cur.execute("SELECT coalesce(max(id), 0) FROM value_current").fetchone()[0]
    found = cur.execute("SELECT count(*) FROM measurement WHERE id > ?", [after]).fetchone()[0]
    if found:
        for sql in _STEPS:
            cur.execute(sql, {"after": after})
    return found


def rebuild(cur) -> int:
    """Rebuild the as-of store from `measurement` (the migration, a test, a bulk load)."""
    for table in ("value_current", "value_history", "period_report"):
        cur.execute(f"DELETE FROM {table}")
    return index_new(cur)
