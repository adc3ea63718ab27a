"""An action's milestones: the progress (%) planned on given dates, written as text in the action's
row («31/03/2025: 20; 30/06/2025: 60») so they are edited wherever the action is (the Plan page,
the plan workbook) and kept in the plan's history with it.

Without milestones an action's expected progress grows linearly from 0 % the day before its start to
100 % on its end date; with them it is piecewise linear through (day before start, 0 %), each
milestone, and (end date, 100 %). Both are the one rule `expected` below.
"""
from __future__ import annotations

import re
from datetime import date, timedelta

from metrics import fmt, validation
from metrics.accounts import Rejected
from metrics.scoring import is_missing

_ITEM = re.compile(r"\s*(\d{1,2}/\d{1,2}/\d{4}|\d{4}-\d{1,2}-\d{1,2})\s*[:=]\s*(.+?)\s*%?\s*")
Milestones = tuple[tuple[date, float], ...]


def _day(text: str) -> date:
    try:
        if "/" in text:
            d, m, y = (int(x) for x in text.split("/"))
        else:
            y, m, d = (int(x) for x in text.split("-"))
        return date(y, m, d)
    except ValueError:
        raise Rejected(f"«{text}» no es una fecha válida (use DD/MM/AAAA).") from None


def parse(text) -> Milestones:
    """The milestones of a text «31/03/2025: 20; 30/06/2025: 60» (empty: none), or a Spanish
    rejection naming the piece that cannot be read."""
    if is_missing(text) or not str(text).strip():
        return ()
    out = []
    for piece in str(text).split(";"):
        if not piece.strip():
            continue
        match = _ITEM.fullmatch(piece)
        if not match:
            raise Rejected(f"«{piece.strip()}» no es un hito: escriba «DD/MM/AAAA: avance %» separados por punto "
                           "y coma (por ejemplo «31/03/2025: 20; 30/06/2025: 60»).")
        value, _ = validation.parse_number(match.group(2).rstrip("% "), "El avance del hito")
        out.append((_day(match.group(1)), float(value)))
    return tuple(out)


def problems(milestones: Milestones, start: date, end: date) -> list[str]:
    """What makes milestones unusable for an action running from `start` to `end` (Spanish)."""
    found = []
    for day, value in milestones:
        if not start <= day < end:
            found.append(f"el hito del {fmt.short_date(day)} cae fuera de las fechas de la acción "
                         f"({fmt.short_date(start)} a {fmt.short_date(end)}, sin contar el día final, que es 100 %).")
        if not 0 <= value <= 100:
            found.append(f"el avance del hito del {fmt.short_date(day)} debe estar entre 0 % y 100 %.")
    for (d1, v1), (d2, v2) in zip(milestones, milestones[1:]):
        if d2 <= d1:
            found.append("los hitos deben ir en orden de fecha, sin repetir fechas.")
        elif v2 < v1:
            found.append(f"el avance programado no puede bajar: {fmt.number(v1, 1)} % el {fmt.short_date(d1)} y "
                         f"{fmt.number(v2, 1)} % el {fmt.short_date(d2)}.")
    return found


def expected(start: date, end: date, as_of: date, milestones: Milestones = ()) -> float:
    """Expected progress (0..100) at a date: piecewise linear through the day before `start` (0 %),
    the milestones and `end` (100 %); linear from start to end when there are none."""
    if as_of < start:
        return 0.0
    if as_of >= end:
        return 100.0
    points = [(start - timedelta(days=1), 0.0), *milestones, (end, 100.0)]
    for (d1, v1), (d2, v2) in zip(points, points[1:]):
        if as_of <= d2:
            return v1 + (v2 - v1) * (as_of - d1).days / (d2 - d1).days
    return 100.0
