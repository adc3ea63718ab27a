-- The as-of store (issue 13, point 1): next to the append-only `measurement`, what a cut-off reads,
-- kept so that "the value in force at a cut-off" is one filtered range read instead of a window over
-- every version, and a cut-off costs about the same after one version per period or a hundred.
--
-- The definition stays the one of metrics/values.py: among the rows recorded before the day after
-- the cut-off, the highest id of each (indicator, year, period) (ids follow the commit order); a
-- void row hides the period. So row r is in force at cut-off C iff r.recorded_at < C + 1 day and no
-- row of its period with a higher id has recorded_at < C + 1 day: r is in force over the interval
-- [recorded_at, valid_until), valid_until being the smallest recorded_at of the higher-id rows of its
-- period. A new row closes the older ones with least(valid_until, its recorded_at), which stays exact
-- when recorded_at is not monotone in id (seed and test data); such an interval may be empty.
--
--   * value_current: the last row of each period (no higher id yet), in force from its recorded_at
--     on. One row per period, replaced when a newer row arrives.
--   * value_history: every other row, with the end of its interval. A row enters when it is
--     replaced, so the table grows in the order of valid_until (the commit order) and DuckDB's zone
--     maps skip every row group that closed before the cut-off or began after it: a cut-off reads
--     the periods' current rows plus the few history rows around it, however long the history.
--   * value_interval (view): both, an open interval ending at 'infinity'; what values.in_force_sql reads.
--   Both tables carry only what the engine's figures read (value, is_void, period_end,
--   recorded_at), so a cut-off never touches the analysis texts; a reader that needs the whole row
--   joins `measurement` by id.
--   * period_report: per period, when its first non-void value was recorded. A period's reporting
--     state at a cut-off (a tiempo, tarde, pendiente, faltante) comes from the value in force
--     (above), its deadline (plan data, judged at the cut-off) and this time, which does not depend
--     on the cut-off: whenever the value in force at C is not void, some non-void row was recorded
--     before C + 1 day, so the first one ever was too. A reader keeps it only when it is before C + 1.
--
-- All are derived data: metrics/asof.py maintains them in the transaction of every write that
-- appends to `measurement` (asof.index_new) and rebuilds them from `measurement` (asof.rebuild, run
-- by the store right after this migration, in its transaction).

CREATE TABLE value_current (
    id BIGINT NOT NULL,                  -- measurement.id
    indicator TEXT NOT NULL,
    year INTEGER NOT NULL,
    period INTEGER NOT NULL,
    period_end DATE NOT NULL,
    value DOUBLE,
    is_void BOOLEAN NOT NULL,
    recorded_at TIMESTAMP NOT NULL,      -- in force from here on
    PRIMARY KEY (indicator, year, period)
);

CREATE TABLE value_history (
    id BIGINT NOT NULL,
    indicator TEXT NOT NULL,
    year INTEGER NOT NULL,
    period INTEGER NOT NULL,
    period_end DATE NOT NULL,
    value DOUBLE,
    is_void BOOLEAN NOT NULL,
    recorded_at TIMESTAMP NOT NULL,      -- in force from here
    valid_until TIMESTAMP NOT NULL       -- until here, excluded
);

CREATE VIEW value_interval AS
    SELECT *, 'infinity'::TIMESTAMP AS valid_until FROM value_current
    UNION ALL BY NAME SELECT * FROM value_history;

CREATE TABLE period_report (
    indicator TEXT NOT NULL,
    year INTEGER NOT NULL,
    period INTEGER NOT NULL,
    first_reported TIMESTAMP NOT NULL,   -- the earliest recorded_at of a non-void row of the period
    PRIMARY KEY (indicator, year, period)
);
