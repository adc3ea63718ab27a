-- The as-of store (issue 13, point 1): next to the append-only `measurement`, what a cut-off reads,
-- kept so that "the value in force at a cut-off" is one filtered range read instead of a window
-- over every version, and a cut-off costs the same after ten years of corrections.
--
--   * value_interval: one row per measurement row, with the interval of cut-offs in which it is the
--     value in force of its (indicator, year, period). The definition stays the one of
--     metrics/values.py: among the rows recorded before the day after the cut-off, the highest id
--     (ids follow the commit order); a void row hides the period. So row r is in force at cut-off C
--     iff r.recorded_at < C + 1 day and no row of its period with a higher id has
--     recorded_at < C + 1 day: its interval is [recorded_at, valid_until) with valid_until the
--     smallest recorded_at of the higher-id rows of its period ('infinity' while there is none).
--     A write closes the older rows with least(valid_until, new recorded_at), which stays exact when
--     recorded_at is not monotone in id (seed and test data); an interval may then be empty.
--     `infinity` rather than NULL keeps the read a plain range test the scan can prune with.
--     It carries only what the engine's figures read (value, is_void, period_end, recorded_at), so
--     a cut-off never touches the analysis texts; a reader that needs the whole row joins by id.
--     No index: the reads are scans with zone maps, and the write path reads one period.
--   * period_report: per period, when its first non-void value was recorded. A period's reporting
--     state at a cut-off (a tiempo, tarde, pendiente, faltante) needs the value in force (above),
--     its deadline (plan data, judged at the cut-off) and this time, which does not depend on the
--     cut-off: whenever the value in force at C is not void, some non-void row was recorded before
--     C + 1 day, so the first one ever was too. A reader keeps it only when it is before C + 1 day.
--
-- Both are derived data: metrics/asof.py maintains them in the transaction of every write that
-- appends to `measurement` (asof.index_new) and rebuilds them from `measurement` (asof.rebuild,
-- run by the store right after this migration, in its transaction).

CREATE TABLE value_interval (
    id BIGINT NOT NULL,                  -- measurement.id
    indicator TEXT NOT NULL,
    year INTEGER NOT NULL,
    period INTEGER NOT NULL,
    period_end DATE NOT NULL,
    value DOUBLE,
    is_void BOOLEAN NOT NULL,
    recorded_at TIMESTAMP NOT NULL,      -- the interval starts here (the row's own time stamp)
    valid_until TIMESTAMP NOT NULL       -- and ends here, excluded; 'infinity' while no newer row
);

CREATE TABLE period_report (
    indicator TEXT NOT NULL,
    year INTEGER NOT NULL,
    period INTEGER NOT NULL,
    first_reported TIMESTAMP NOT NULL,   -- the earliest recorded_at of a non-void row of the period
    PRIMARY KEY (indicator, year, period)
);
