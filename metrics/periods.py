"""Calendar rules: reporting periods by frequency and the Personero's institutional term."""
from __future__ import annotations

from datetime import date, timedelta

PERIODS_PER_YEAR = {"M": 12, "T": 4, "S": 2, "A": 1}
FREQUENCY_LABELS = {"M": "Mensual", "T": "Trimestral", "S": "Semestral", "A": "Anual"}
MONTHS = ("enero", "febrero", "marzo", "abril", "mayo", "junio", "julio", "agosto",
          "septiembre", "octubre", "noviembre", "diciembre")


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


def elapsed_share(start: date, end: date, as_of: date) -> float:
    """Share of the span [start, end] elapsed on `as_of`, clipped to 0..1."""
    total = (end - start).days
    return min(1.0, max(0.0, (as_of - start).days / total)) if total > 0 else 1.0
