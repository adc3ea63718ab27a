"""Reading what a person typed (in the form or in an Excel cell) and checking it against the ficha.

One reading for the form and the upload: numbers the Colombian way ('1.500' is one thousand five
hundred, '85,5' is eighty-five and a half), a percentage indicator's value in percentage points
('85' and '85 %' are 85 %, '0,85' is 0,85 %), every free text with a stated maximum length, and the
period by year and number. Every rejection is a Spanish sentence that says what to write instead.
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import date

from metrics import fmt
from metrics.accounts import Rejected
from metrics.periods import PERIODS_PER_YEAR, period_end, period_label
from metrics.scoring import is_missing

COUNT_UNITS = ("#", "personas")
MIN_REASON = 10
MAX_VALUE = 1e12
# Free-text fields: the longest text each one keeps (the form states it beside the field).
TEXT_LIMITS = {"analysis": 2000, "reason": 1000, "evidence_url": 500, "action": 1000, "responsible": 200,
               "note": 500}
TEXT_NAMES = {"analysis": "El análisis", "reason": "El motivo", "evidence_url": "El enlace de la evidencia",
              "action": "La descripción de la acción", "responsible": "El responsable", "note": "La nota"}
_PLAIN = re.compile(r"\d*")
_GROUPED = {".": re.compile(r"\d{1,3}(\.\d{3})+"), ",": re.compile(r"\d{1,3}(,\d{3})+")}


def blank(x) -> bool:
    if x is None:
        return True
    if isinstance(x, float) and math.isnan(x):
        return True
    return isinstance(x, str) and not x.strip()


# -- free text ---------------------------------------------------------------------------------
def limit_caption(kind: str) -> str:
    """The limit as the form states it beside a field: 'Máximo 2.000 caracteres.'"""
    return f"Máximo {fmt.number(TEXT_LIMITS[kind], 0)} caracteres."


def text(raw, kind: str) -> str:
    """A free text stripped, or a rejection when it is longer than its field allows."""
    cleaned = "" if blank(raw) else str(raw).strip()
    limit = TEXT_LIMITS[kind]
    if len(cleaned) > limit:
        raise Rejected(f"{TEXT_NAMES[kind]} es demasiado largo: tiene {fmt.number(len(cleaned), 0)} caracteres y "
                       f"el máximo es {fmt.number(limit, 0)}. Resúmalo o ponga el detalle en la evidencia.")
    return cleaned


def evidence_link(raw) -> str:
    link = text(raw, "evidence_url")
    if link and not re.fullmatch(r"https?://\S+", link):
        raise Rejected("La evidencia debe ser un enlace que empiece por http:// o https:// (sin espacios).")
    return link


def reason(raw) -> str:
    """The reason of a correction, a void or an exception: required, at least MIN_REASON characters."""
    cleaned = text(raw, "reason")
    if len(cleaned) < MIN_REASON:
        raise Rejected(f"Escriba el motivo del cambio (al menos {MIN_REASON} caracteres).")
    return cleaned


# -- numbers -----------------------------------------------------------------------------------
def parse_number(raw, what: str = "El valor") -> tuple[float, bool]:
    """(number, had a % sign) from a cell or a typed text: '85,5', '1.500', '1.234,5', '85 %', 0.85.

    The Colombian reading: a comma is the decimal mark and a dot followed by groups of three digits
    separates thousands ('1.500' = 1500). A dot followed by one, two or more than three digits is
    read as a decimal point ('85.5'), as in a number copied from a system that writes them that way.
    Anything else (letters, exponents, infinities) is rejected with the text shown.
    """
    if isinstance(raw, bool):
        raise Rejected(f"{what} no es un número: «{raw}».")
    if isinstance(raw, (int, float)):
        if not math.isfinite(raw):
            raise Rejected(f"{what} no es un número válido: «{raw}».")
        return float(raw), False
    cleaned = re.sub(r"\s", "", str(raw))
    percent = cleaned.endswith("%")
    body = cleaned[:-1] if percent else cleaned
    sign = -1.0 if body[:1] == "-" else 1.0
    body = body[1:] if body[:1] in "+-" else body
    number = _parse_unsigned(body)
    if number is None:
        raise Rejected(f"{what} no es un número: «{str(raw).strip()}». Escriba solo cifras, con coma decimal y, si "
                       "quiere, punto de miles (por ejemplo 85,5 o 1.500).")
    return sign * number, percent


def _parse_unsigned(body: str) -> float | None:
    if not body or not any(c.isdigit() for c in body) or not set(body) <= set("0123456789.,"):
        return None
    if "," in body and "." in body:
        dec = "," if body.rfind(",") > body.rfind(".") else "."
        thousands = "." if dec == "," else ","
        whole, frac = body.rsplit(dec, 1)
        if not _GROUPED[thousands].fullmatch(whole) or not frac.isdigit():
            return None
        return float(whole.replace(thousands, "") + "." + frac)
    for mark in ",.":
        if body.count(mark) > 1:
            return float(body.replace(mark, "")) if _GROUPED[mark].fullmatch(body) else None
        if body.count(mark) == 1:
            whole, frac = body.split(mark)
            if not frac.isdigit() or not _PLAIN.fullmatch(whole):
                return None
            if mark == "." and _GROUPED["."].fullmatch(body) and whole != "0":
                return float(whole + frac)  # '1.500': Colombian thousands separator
            return float((whole or "0") + "." + frac)
    return float(body)


@dataclass
class Measured:
    value: float
    numerator: float | None = None
    denominator: float | None = None


def as_stored(value: float, unit: str) -> str:
    """The value exactly as it will be stored, with its unit, for the preview before saving:
    '85,0 %', '0,85 %', '1.500'. fmt.value rounds to one decimal, which would show 0,85 as 0,8 %."""
    decimals = next((d for d in range(1, 7) if abs(round(value, d) - value) < 1e-9), 6)
    if decimals == 1:
        return fmt.value(value, unit)
    shown = fmt.number(value, decimals)
    return shown if unit == "#" else f"{shown} {unit}"


def has_ratio(ficha) -> bool:
    return not is_missing(ficha.get("denominator")) and str(ficha.get("denominator")).strip() != ""


def valid_range(ficha) -> tuple[float | None, float | None]:
    """The ficha's valid range; a percentage is 0–100 unless the ficha narrows it."""
    lo = None if is_missing(ficha.get("valid_min")) else float(ficha["valid_min"])
    hi = None if is_missing(ficha.get("valid_max")) else float(ficha["valid_max"])
    if ficha["unit"] == "%":
        lo, hi = max(lo if lo is not None else 0.0, 0.0), min(hi if hi is not None else 100.0, 100.0)
    return lo, hi


def measure(ficha, value=None, numerator=None, denominator=None) -> Measured:
    """Validate a value (or a numerator and denominator) against the ficha; the value to store.

    A percentage indicator's value is in percentage points whatever its size: 85 is 85 %, 1 is 1 %
    and 0,85 is 0,85 %. (The upload converts a cell formatted as a percentage before it gets here.)
    """
    pct = ficha["unit"] == "%"
    if not blank(numerator) or not blank(denominator):
        if not has_ratio(ficha):
            raise Rejected(f"La ficha de {ficha['code']} no tiene numerador y denominador: escriba solo el valor.")
        if blank(numerator) or blank(denominator):
            raise Rejected("Escriba el numerador y el denominador, o solo el valor.")
        num = _quantity(numerator, "El numerador")
        den = _quantity(denominator, "El denominador")
        if den == 0:
            raise Rejected("El denominador no puede ser cero.")
        if num < 0 or den < 0:
            raise Rejected("El numerador y el denominador no pueden ser negativos.")
        result = num / den * (100 if pct else 1)
        _check_size(result)
        if not blank(value):
            typed = _value_number(ficha, value)
            if abs(typed - result) > max(0.05, abs(result) * 1e-4):
                raise Rejected(f"El valor {fmt.number(typed, 2)} no coincide con numerador ÷ denominador "
                               f"({fmt.number(result, 2)}). Deje el valor en blanco o corríjalo.")
        checked = Measured(result, num, den)
    else:
        if blank(value):
            extra = " o el numerador y el denominador" if has_ratio(ficha) else ""
            raise Rejected(f"Escriba el valor{extra}.")
        checked = Measured(_value_number(ficha, value))
    _check_range(ficha, checked.value)
    return checked


def _check_size(number: float) -> None:
    if not math.isfinite(number) or abs(number) > MAX_VALUE:
        raise Rejected(f"El valor es demasiado grande (el máximo es {fmt.number(MAX_VALUE, 0)}).")


def _quantity(raw, what: str) -> float:
    number, percent = parse_number(raw, what)
    if percent:
        raise Rejected(f"{what} es una cantidad, no un porcentaje: quite el signo %.")
    _check_size(number)
    return number


def _value_number(ficha, raw) -> float:
    number, percent = parse_number(raw)
    if percent and ficha["unit"] != "%":
        raise Rejected(f"El indicador {ficha['code']} se mide en {ficha['unit']}, no en porcentaje: quite el signo %.")
    _check_size(number)
    return number


def _check_range(ficha, value: float) -> None:
    lo, hi = valid_range(ficha)
    unit = ficha["unit"]
    shown = fmt.number(value, 2)
    if unit == "%" and not lo <= value <= hi:
        raise Rejected(f"Un porcentaje debe estar entre {fmt.number(lo, 0)} y {fmt.number(hi, 0)}; se recibió "
                       f"{shown}. Se escribe en puntos porcentuales: 85 o 85,5 (o «85 %»).")
    if lo is not None and value < lo:
        raise Rejected("El valor no puede ser negativo." if lo == 0 else
                       f"El valor {shown} es menor que el mínimo válido de la ficha ({fmt.number(lo, 2)}).")
    if hi is not None and value > hi:
        raise Rejected(f"El valor {shown} es mayor que el máximo válido de la ficha ({fmt.number(hi, 2)}).")
    if unit in COUNT_UNITS and value != int(value):
        raise Rejected(f"El indicador cuenta {unit}: el valor debe ser un número entero (se recibió {shown}).")


# -- the period --------------------------------------------------------------------------------
def resolve_period(ficha, year, period, today: date) -> date:
    """The period's end date, or a rejection: not a year or period of its frequency, before the
    ficha, not ended."""
    freq = ficha["frequency"]
    year, period = whole(year, "El año"), whole(period, "El periodo")
    start = int(ficha["start_year"])
    if year < start:
        raise Rejected(f"El indicador {ficha['code']} se mide desde {start}.")
    if year > today.year:
        raise Rejected(f"El año {year} no es válido: escriba un año entre {start} "
                       f"y {today.year}.")
    try:
        end = period_end(year, freq, period)
    except ValueError as exc:
        raise Rejected(f"{exc} Los periodos válidos son 1 a {PERIODS_PER_YEAR[freq]}.") from None
    if end > today:
        raise Rejected(f"El periodo {period_label(year, freq, period)} aún no ha terminado "
                       f"(cierra el {fmt.long_date(end)}).")
    return end


def whole(x, what: str) -> int:
    """A whole number from a cell or a typed text, or a Spanish rejection (never an overflow)."""
    shown = str(x).strip()
    try:
        number = float(x.strip() if isinstance(x, str) else x)
    except (TypeError, ValueError):
        raise Rejected(f"{what} debe ser un número entero (se recibió «{shown}»).") from None
    if not math.isfinite(number) or number != int(number) or abs(number) > 1e9:
        raise Rejected(f"{what} debe ser un número entero de pocas cifras (se recibió «{shown}»).")
    return int(number)


def period_of_date(frequency: str, day: date) -> tuple[int, int]:
    """(year, period) of the period of `frequency` that contains `day`."""
    return day.year, (day.month - 1) // (12 // PERIODS_PER_YEAR[frequency]) + 1
