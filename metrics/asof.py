"""The as-of store: the value in force of every period as intervals of cut-offs, and each period's
first report (migration 007 says why these columns). Derived from `measurement`, never edited by hand.

`index_new(cur)` is the one maintenance step: every writer that appends to `measurement` calls it in
the same transaction, after its inserts, and it indexes every row above the highest one indexed.
`rebuild(cur)` empties both tables and indexes everything again with the same SQL: the migration
runs it, and a test checks that it gives back exactly what the writes maintained.
"""
from __future__ import annotations

_KEY = "indicator, year, period"

# Older rows of the periods that got new rows end where the earliest new row begins (least(): exact
# even when a newer id carries an older time stamp).
_CLOSE_OLDER = f"""
    UPDATE value_interval v SET valid_until = least(v.valid_until, n.first_new)
    FROM (SELECT {_KEY}, min(recorded_at) AS first_new FROM measurement WHERE id > $after GROUP BY ALL) n
    WHERE v.indicator = n.indicator AND v.year = n.year AND v.period = n.period AND v.valid_until > n.first_new
"""
# Each new row ends where the earliest of the newer rows of its period begins.
_ADD_NEW = f"""
    INSERT INTO value_interval
    SELECT id, {_KEY}, period_end, value, is_void, recorded_at,
           coalesce(min(recorded_at) OVER (PARTITION BY {_KEY} ORDER BY id
                                           ROWS BETWEEN 1 FOLLOWING AND UNBOUNDED FOLLOWING),
                    'infinity'::TIMESTAMP) AS valid_until
    FROM measurement WHERE id > $after
"""
_FIRST_REPORTS = f"""
    INSERT INTO period_report
    SELECT {_KEY}, min(recorded_at) FROM measurement WHERE id > $after AND NOT is_void GROUP BY ALL
    ON CONFLICT DO UPDATE SET first_reported = least(first_reported, excluded.first_reported)
"""


def index_new(cur) -> int:
    """Index the measurement rows not indexed yet (the ones this transaction just appended); call it
    inside the writer's transaction, after its inserts. Returns how many rows it indexed."""
    after = cur.execute("SELECT coalesce(max(id), 0) FROM value_interval").fetchone()[0]
    found = cur.execute("SELECT count(*) FROM measurement WHERE id > ?", [after]).fetchone()[0]
    if found:
        for sql in (_CLOSE_OLDER, _ADD_NEW, _FIRST_REPORTS):
            cur.execute(sql, {"after": after})
    return found


def rebuild(cur) -> int:
    """Rebuild both tables from `measurement` (the migration, a restore, a test)."""
    cur.execute("DELETE FROM value_interval")
    cur.execute("DELETE FROM period_report")
    return index_new(cur)
