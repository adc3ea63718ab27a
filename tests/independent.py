"""The policy score recomputed in plain SQL, apart from metrics/, to check the engine and the pages."""
from datetime import date, timedelta

SQL = """
WITH cur AS (
    SELECT * FROM measurement WHERE recorded_at < $next AND period_end <= $as_of
    QUALIFY row_number() OVER (PARTITION BY indicator, year, period ORDER BY recorded_at DESC, id DESC) = 1
), yr AS (
    SELECT indicator, year, count(*) AS n_rep, sum(value) AS tot, arg_max(value, period) AS lastv
    FROM cur WHERE NOT is_void GROUP BY indicator, year
), latest AS (
    SELECT * FROM yr QUALIFY row_number() OVER (PARTITION BY indicator ORDER BY year DESC) = 1
), res AS (
    SELECT i.code, i.polarity, i.baseline,
           CASE WHEN i.accumulation = 'flujo' THEN l.tot ELSE l.lastv END AS result,
           CASE WHEN i.accumulation = 'flujo'
                THEN t.target * l.n_rep / CASE i.frequency WHEN 'M' THEN 12 WHEN 'T' THEN 4 WHEN 'S' THEN 2 ELSE 1 END
                ELSE t.target END AS tgt
    FROM latest l JOIN indicator i ON i.code = l.indicator
    JOIN target t ON t.indicator = l.indicator AND t.year = l.year
), att AS (
    SELECT code, least(1.0, CASE
        WHEN polarity = 'up' THEN CASE WHEN tgt > 0 THEN result / tgt ELSE 1 END
        WHEN tgt > 0 THEN CASE WHEN result > 0 THEN tgt / result ELSE 2 END
        WHEN result <= 0 THEN 1
        WHEN baseline > 0 THEN greatest(0, (baseline - result) / baseline)
        ELSE 0 END) AS a
    FROM res
), obj AS (
    SELECT l.objective, sum(l.weight * a) / sum(l.weight) AS s
    FROM indicator_objective l JOIN att ON att.code = l.indicator GROUP BY l.objective
)
SELECT sum(o.weight * obj.s) / sum(o.weight) FROM obj JOIN objective o ON o.code = obj.objective
WHERE o.kind = 'especifico'
"""


def policy_score(store, as_of: date) -> float | None:
    return store.scalar(SQL, {"next": as_of + timedelta(days=1), "as_of": as_of})
