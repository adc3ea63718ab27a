"""The figures of a cut-off recomputed in plain SQL, apart from metrics/, to check the engine and the pages.

Written from the rules in the README ("Reglas de cálculo"), not from the engine's code: the value in
force (last row written by the cut-off), the yearly result and its prorated target, staleness against
the reporting windows of each ficha, attainment (lower is better: 100 % at or below the target), the
semáforo, the weighted scores of objectives, processes and the policy, and the late reports.
"""
from datetime import date, timedelta

SQL = """
WITH cfg AS (
    SELECT coalesce(max(CASE WHEN key = 'red_below' THEN value::DOUBLE END), 60) AS red,
           coalesce(max(CASE WHEN key = 'green_from' THEN value::DOUBLE END), 80) AS green,
           coalesce(max(CASE WHEN key = 'grace_days' THEN value::INTEGER END), 10) AS grace
    FROM setting
), ind AS (
    SELECT *, CASE frequency WHEN 'A' THEN 1 WHEN 'S' THEN 2 WHEN 'T' THEN 4 WHEN 'M' THEN 12 END AS per_year
    FROM indicator
), cur AS (
    SELECT * FROM measurement WHERE recorded_at < $next AND period_end <= $as_of
    QUALIFY id = max(id) OVER (PARTITION BY indicator, year, period)
), yr AS (
    SELECT indicator, year, count(*) AS n_rep, sum(value) AS tot, arg_max(value, period) AS lastv
    FROM cur WHERE NOT is_void GROUP BY indicator, year
), latest AS (
    SELECT * FROM yr QUALIFY year = max(year) OVER (PARTITION BY indicator)
), slot AS (            -- every period of every indicator, with the day its value is due
    SELECT i.code, y AS year, p AS period,
           CASE WHEN i.report_due_date IS NOT NULL
                THEN strptime(CAST(y + 1 AS VARCHAR) || '-' || i.report_due_date, '%Y-%m-%d')::DATE
                ELSE (last_day(make_date(y, p * 12 // i.per_year, 1))
                      + INTERVAL (coalesce(i.report_due_days, (SELECT grace FROM cfg))) DAY)::DATE END AS due,
           last_day(make_date(y, p * 12 // i.per_year, 1)) AS period_end
    FROM ind i, generate_series(2015, year($as_of)) AS g(y), generate_series(1, 12) AS q(p)
    WHERE p <= i.per_year AND y >= i.start_year
), owed AS (
    SELECT code, max(year) AS owed_year FROM slot WHERE due <= $as_of GROUP BY code
), res AS (
    SELECT i.code, i.process, i.weight, i.polarity, i.baseline, l.year,
           coalesce(l.year < o.owed_year, false) AS stale,
           coalesce(i.red_below, (SELECT red FROM cfg)) AS red, coalesce(i.green_from, (SELECT green FROM cfg)) AS green,
           CASE WHEN i.accumulation = 'flujo' THEN l.tot ELSE l.lastv END AS result,
           CASE WHEN i.accumulation = 'flujo' THEN t.target * l.n_rep / i.per_year ELSE t.target END AS tgt
    FROM ind i LEFT JOIN latest l ON l.indicator = i.code
    LEFT JOIN target t ON t.indicator = i.code AND t.year = l.year
    LEFT JOIN owed o ON o.code = i.code
), att AS (
    SELECT *, CASE WHEN result IS NULL OR tgt IS NULL THEN NULL ELSE least(1.0, CASE   -- least() skips NULLs
        WHEN polarity = 'up' THEN CASE WHEN tgt > 0 THEN result / tgt ELSE 1 END
        WHEN result <= tgt THEN 1
        WHEN tgt > 0 THEN tgt / result
        WHEN baseline > 0 THEN greatest(0, (baseline - result) / baseline)
        ELSE 0 END) END AS a
    FROM res
), judged AS (
    SELECT *, CASE WHEN stale THEN 'desactualizado' WHEN a IS NULL THEN 'sin_dato'
                   WHEN round(a * 100, 1) < red THEN 'rojo' WHEN round(a * 100, 1) < green THEN 'amarillo'
                   ELSE 'verde' END AS status,
              CASE WHEN stale THEN NULL ELSE a END AS counted
    FROM att
), obj AS (
    SELECT l.objective AS code, sum(l.weight * j.counted) / nullif(sum(CASE WHEN j.counted IS NOT NULL
                                                                       THEN l.weight END), 0) AS score
    FROM indicator_objective l JOIN judged j ON j.code = l.indicator GROUP BY l.objective
), proc AS (
    SELECT process AS code, sum(weight * counted) / nullif(sum(CASE WHEN counted IS NOT NULL THEN weight END), 0)
           AS score
    FROM judged GROUP BY process
), policy AS (
    SELECT sum(o.weight * obj.score) / nullif(sum(CASE WHEN obj.score IS NOT NULL THEN o.weight END), 0) AS score
    FROM obj JOIN objective o USING (code) WHERE o.kind = 'especifico'
), late AS (           -- owed since the first plan began, not reported, not locked
    SELECT count(*) AS n FROM slot s
    WHERE s.period_end >= (SELECT min(start_date) FROM plan) AND s.period_end <= $as_of AND s.due < $as_of
      AND NOT EXISTS (SELECT 1 FROM cur c WHERE c.indicator = s.code AND c.year = s.year AND c.period = s.period
                      AND NOT c.is_void)
      AND s.period_end > coalesce((SELECT max(locked_through) FROM period_lock WHERE locked_at < $next), DATE '1900-01-01')
)
SELECT 'policy' AS kind, 'POL' AS code, score, NULL AS n FROM policy
UNION ALL SELECT 'objective', code, score, NULL FROM obj
UNION ALL SELECT 'process', code, score, NULL FROM proc
UNION ALL SELECT 'status', status, NULL, count(*) FROM judged GROUP BY status
UNION ALL SELECT 'late', 'late', NULL, n FROM late
"""


def figures(store, as_of: date) -> dict:
    """{'policy': x, 'objectives': {code: x}, 'processes': {code: x}, 'counts': {status: n}, 'late': n}."""
    df = store.query(SQL, {"next": as_of + timedelta(days=1), "as_of": as_of})
    pick = lambda kind: df[df["kind"] == kind]  # noqa: E731
    score = lambda x: None if x != x or x is None else float(x)  # noqa: E731
    return {
        "policy": score(pick("policy")["score"].iloc[0]),
        "objectives": {r.code: score(r.score) for r in pick("objective").itertuples()},
        "processes": {r.code: score(r.score) for r in pick("process").itertuples()},
        "counts": {r.code: int(r.n) for r in pick("status").itertuples()},
        "late": int(pick("late")["n"].iloc[0]),
    }


def policy_score(store, as_of: date) -> float | None:
    return figures(store, as_of)["policy"]
