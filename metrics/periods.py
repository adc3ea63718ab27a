"""Calendar rules: reporting periods by frequency, the Personero's institutional term, cut-off dates."""
from __future__ import annotations

from datetime import date, timedelta

from metrics.vocabulary import FREQUENCY_LABELS  # noqa: F401  (re-exported for older imports)

PERIODS_PER_YEAR = {"M": 12, "T": 4, "S": 2, "A": 1}
MONTHS = ("enero", "febrero", "marzo", "abril", "mayo", "junio", "julio", "agosto",
          "septiembre", "octubre", "noviembre", "diciembre")
EARLIEST = date(2020, 1, 1)  # the first cut-off the app offers: the policy was approved in January 2020


def periods_per_year_sql(frequency_column: str) -> str:
    """PERIODS_PER_YEAR as a SQL CASE over a frequency column, so SQL and Python share one table."""
    whens = " ".join(f"WHEN '{code}' THEN {n}" for code, n in PERIODS_PER_YEAR.items())
    return f"(CASE {frequency_column} {whens} END)"


def term_end(start_year: int) -> date:
    """Last day of February four years after a term that starts on 1 March (Ley 1551, art. 35)."""
    return date(start_year + 4, 3, 1) - timedelta(days=1)


def period_end(year: int, frequency: str, period: int) -> date:
    """The last day of period `period` (1-based) of `year` for a frequency code."""
    n = PERIODS_PER_YEAR[frequency]
    if not 1 <= period <= n:
        raise ValueError(f"El periodo {period} no existe para la periodicidad {FREQUENCY_LABELS[frequency].lower()}.")
    month = period * 12 // n
    return date(year + month // 12, month % 12 + 1, 1) - timedelta(days=1)


def period_label(year: int, frequency: str, period: int) -> str:
    """A Spanish label such as '2024-T3', 'marzo 2025', '2023-S1' or '2022'."""
    if frequency == "A":
        return str(year)
    if frequency == "M":
        return f"{MONTHS[period - 1]} {year}"
    return f"{year}-{frequency}{period}"


def vigencia_label(year, frequency: str, last_period) -> str:
    """Which vigencia a yearly result belongs to, and up to which period when the year is partial:
    '2024', '2024 (hasta T3)' or '2024 (hasta sep.)'; '—' when there is no result. Short, for tables."""
    if year is None or year != year:
        return "—"
    year, last_period = int(year), int(last_period)
    if last_period >= PERIODS_PER_YEAR[frequency]:
        return str(year)
    upto = f"{MONTHS[last_period - 1][:3]}." if frequency == "M" else f"{frequency}{last_period}"
    return f"{year} (hasta {upto})"


def comparison_date(as_of: date) -> date:
    """The default date to compare a cut-off with: the last quarter end strictly before it (the previous
    quarterly committee), never before EARLIEST. Every page, the PDF and the committee summary use it."""
    quarter_end = date(as_of.year, 3 * ((as_of.month - 1) // 3) + 1, 1) - timedelta(days=1)
    return max(quarter_end, EARLIEST)


def elapsed_share(start: date, end: date, as_of: date) -> float:
    """Share of the span [start, end] elapsed on `as_of`, clipped to 0..1."""
    total = (end - start).days
    return min(1.0, max(0.0, (as_of - start).days / total)) if total > 0 else 1.0
