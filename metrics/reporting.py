"""Reporting values: validation against the ficha, the one write path, locks, improvement actions, timeliness.

Every write here runs in `Store.transaction()`, checks the account as stored (accounts.require),
re-reads the state it depends on inside the transaction (so two people saving at once are either
both kept or the second is told exactly why not), appends to `measurement` (never updates it) and
writes its audit row in the same transaction.
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

import pandas as pd

from metrics import fmt, values
from metrics.accounts import Rejected, User, audit, check, require
from metrics.periods import PERIODS_PER_YEAR, period_end, period_label
from metrics.scoring import Settings, is_missing, judge, period_share
from metrics.store import Store

COUNT_UNITS = ("#", "personas")
MIN_REASON = 10
MAX_TEXT = 4000
ACTION_STATUSES = {"abierta": "Abierta", "en_ejecucion": "En ejecución", "cerrada": "Cerrada"}
TIMELINESS = {"faltante": "Atrasado, sin reporte", "pendiente": "Por reportar (en plazo)",
              "tarde": "Reportado tarde", "a_tiempo": "Reportado a tiempo"}
_PLAIN = re.compile(r"\d*")
_GROUPED = {".": re.compile(r"\d{1,3}(\.\d{3})+"), ",": re.compile(r"\d{1,3}(,\d{3})+")}


# -- parsing and validation ------------------------------------------------------------------
def blank(x) -> bool:
    if x is None:
        return True
    if isinstance(x, float) and math.isnan(x):
        return True
    return isinstance(x, str) and not x.strip()


def parse_number(raw, what: str = "El valor") -> tuple[float, bool]:
    """(number, had a % sign) from a cell or a typed text: '85,5', '1.234,5', '85 %', 0.85.

    A single dot or comma is the decimal mark; thousands separators are accepted only together
    with the other mark ('1.234,5') or in several groups ('1.234.567'). '1.234' alone is ambiguous
    and rejected. Anything else (letters, exponents, infinities) is rejected with the text shown.
    """
    if isinstance(raw, bool):
        raise Rejected(f"{what} no es un número: «{raw}».")
    if isinstance(raw, (int, float)):
        if not math.isfinite(raw):
            raise Rejected(f"{what} no es un número válido: «{raw}».")
        return float(raw), False
    text = re.sub(r"\s", "", str(raw))
    percent = text.endswith("%")
    body = text[:-1] if percent else text
    sign = -1.0 if body[:1] == "-" else 1.0
    body = body[1:] if body[:1] in "+-" else body
    number = _parse_unsigned(body)
    if number is None:
        raise Rejected(f"{what} no es un número: «{str(raw).strip()}». Escriba solo cifras, con coma o punto "
                       "decimal y sin separador de miles (por ejemplo 85,5).")
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
            if mark == "." and len(frac) == 3 and whole and whole != "0" and len(whole) <= 3:
                return None  # '1.234' could be 1234 (Colombian) or 1,234 (English)
            return float((whole or "0") + "." + frac)
    return float(body)


@dataclass
class Measured:
    value: float
    numerator: float | None = None
    denominator: float | None = None
    note: str | None = None


def has_ratio(ficha) -> bool:
    return not is_missing(ficha.get("denominator")) and str(ficha.get("denominator")).strip() != ""


def valid_range(ficha) -> tuple[float | None, float | None]:
    """The ficha's valid range; a percentage is 0–100 unless the ficha narrows it."""
    lo = None if is_missing(ficha.get("valid_min")) else float(ficha["valid_min"])
    hi = None if is_missing(ficha.get("valid_max")) else float(ficha["valid_max"])
    if ficha["unit"] == "%":
        lo, hi = max(lo if lo is not None else 0.0, 0.0), min(hi if hi is not None else 100.0, 100.0)
    return lo, hi


def measure(ficha, value=None, numerator=None, denominator=None, fraction_ok: bool = False) -> Measured:
    """Validate a value (or a numerator and denominator) against the ficha; the value to store.

    `fraction_ok` (uploads): for a percentage, a plain number strictly between 0 and 1 is read as a
    fraction (0,85 → 85 %), as Excel stores a cell formatted as percentage.
    """
    pct = ficha["unit"] == "%"
    note = None
    if not blank(numerator) or not blank(denominator):
        if not has_ratio(ficha):
            raise Rejected(f"La ficha de {ficha['code']} no tiene numerador y denominador: escriba solo el valor.")
        if blank(numerator) or blank(denominator):
            raise Rejected("Escriba el numerador y el denominador, o solo el valor.")
        num = _plain_number(numerator, "El numerador")
        den = _plain_number(denominator, "El denominador")
        if den == 0:
            raise Rejected("El denominador no puede ser cero.")
        if num < 0 or den < 0:
            raise Rejected("El numerador y el denominador no pueden ser negativos.")
        result = num / den * (100 if pct else 1)
        if not blank(value):
            typed = _value_number(ficha, value, fraction_ok)[0]
            if abs(typed - result) > max(0.05, abs(result) * 1e-4):
                raise Rejected(f"El valor {fmt.number(typed, 2)} no coincide con numerador ÷ denominador "
                               f"({fmt.number(result, 2)}). Deje el valor en blanco o corríjalo.")
        checked = Measured(result, num, den)
    else:
        if blank(value):
            extra = " o el numerador y el denominador" if has_ratio(ficha) else ""
            raise Rejected(f"Escriba el valor{extra}.")
        result, note = _value_number(ficha, value, fraction_ok)
        checked = Measured(result, note=note)
    _check_range(ficha, checked.value)
    return checked


def _plain_number(raw, what: str) -> float:
    number, percent = parse_number(raw, what)
    if percent:
        raise Rejected(f"{what} es una cantidad, no un porcentaje: quite el signo %.")
    return number


def _value_number(ficha, raw, fraction_ok: bool) -> tuple[float, str | None]:
    number, percent = parse_number(raw)
    if percent and ficha["unit"] != "%":
        raise Rejected(f"El indicador {ficha['code']} se mide en {ficha['unit']}, no en porcentaje: quite el signo %.")
    if fraction_ok and ficha["unit"] == "%" and not percent and 0 < number < 1:
        return number * 100, f"{fmt.number(number, 4)} se leyó como {fmt.number(number * 100, 2)} %"
    return number, None


def _check_range(ficha, value: float) -> None:
    lo, hi = valid_range(ficha)
    unit = ficha["unit"]
    shown = fmt.number(value, 2)
    if unit == "%" and not lo <= value <= hi:
        raise Rejected(f"Un porcentaje debe estar entre {fmt.number(lo, 0)} y {fmt.number(hi, 0)}; "
                       f"se recibió {shown}.")
    if lo is not None and value < lo:
        raise Rejected("El valor no puede ser negativo." if lo == 0 else
                       f"El valor {shown} es menor que el mínimo válido de la ficha ({fmt.number(lo, 2)}).")
    if hi is not None and value > hi:
        raise Rejected(f"El valor {shown} es mayor que el máximo válido de la ficha ({fmt.number(hi, 2)}).")
    if unit in COUNT_UNITS and value != int(value):
        raise Rejected(f"El indicador cuenta {unit}: el valor debe ser un número entero (se recibió {shown}).")
    if abs(value) > 1e12:
        raise Rejected(f"El valor {shown} es demasiado grande.")


def resolve_period(ficha, year, period, today: date) -> date:
    """The period's end date, or a rejection: not a period of its frequency, before the ficha, not ended."""
    freq = ficha["frequency"]
    try:
        year, period = _whole(year, "El año"), _whole(period, "El periodo")
        end = period_end(year, freq, period)
    except ValueError as exc:
        raise Rejected(f"{exc} Los periodos válidos son 1 a {PERIODS_PER_YEAR[freq]}.") from None
    if year < int(ficha["start_year"]):
        raise Rejected(f"El indicador {ficha['code']} se mide desde {int(ficha['start_year'])}.")
    if end > today:
        raise Rejected(f"El periodo {period_label(year, freq, period)} aún no ha terminado "
                       f"(cierra el {fmt.long_date(end)}).")
    return end


def _whole(x, what: str) -> int:
    if isinstance(x, str):
        x = x.strip()
    try:
        number = float(x)
    except (TypeError, ValueError):
        raise Rejected(f"{what} debe ser un número entero (se recibió «{x}».)") from None
    if not math.isfinite(number) or number != int(number):
        raise Rejected(f"{what} debe ser un número entero (se recibió «{x}»).")
    return int(number)


def period_of_date(frequency: str, day: date) -> tuple[int, int]:
    """(year, period) of the period of `frequency` that contains `day`."""
    return day.year, (day.month - 1) // (12 // PERIODS_PER_YEAR[frequency]) + 1


# -- what a value will do to the semáforo ----------------------------------------------------
@dataclass
class Outlook:
    """What a value does: the period against its own target, and the vigencia as the Resumen shows it."""
    period_target: float | None
    period_attainment: float | None   # raw fraction
    period_status: str
    result: float | None
    target: float | None
    attainment: float | None          # raw fraction
    status: str


def _fetch(src, sql: str, params: list) -> list[tuple]:
    """All rows of a small read, from the store or from a transaction's cursor."""
    if isinstance(src, Store):
        return list(src.query(sql, params).itertuples(index=False, name=None))
    return src.execute(sql, params).fetchall()


def settings_of(src) -> Settings:
    return Settings.from_rows(dict(_fetch(src, "SELECT key, value FROM setting", [])))


def outlook(src, ficha, year: int, period: int, value: float, settings: Settings | None = None) -> Outlook:
    """The period's attainment and semáforo, and the vigencia's once `value` is saved for the period.

    The vigencia follows the Resumen's rule: flujo adds the periods (target prorated), stock and
    acumulado keep the latest period's value. A period's own target follows scoring.period_share.
    """
    settings = settings or settings_of(src)
    rows = _fetch(src, "SELECT period, value FROM measurement WHERE indicator = ? AND year = ? AND NOT is_void "
                       "AND id IN (SELECT arg_max(id, (recorded_at, id)) FROM measurement WHERE indicator = ? "
                       "AND year = ? GROUP BY period)", [ficha["code"], year] * 2)
    values = {int(p): float(v) for p, v in rows}
    values[int(period)] = float(value)
    found = _fetch(src, "SELECT target FROM target WHERE indicator = ? AND year = ?", [ficha["code"], year])
    year_target = float(found[0][0]) if found else None
    n = PERIODS_PER_YEAR[ficha["frequency"]]
    period_target = None if year_target is None else year_target * period_share(ficha["accumulation"], n)
    if ficha["accumulation"] == "flujo":
        result = sum(values.values())
        target = None if year_target is None else year_target * len(values) / n
    else:
        result, target = values[max(values)], year_target
    period_raw, period_state = judge(float(value), period_target, ficha, settings)
    raw, state = judge(result, target, ficha, settings)
    return Outlook(period_target, period_raw, period_state, result, target, raw, state)


# -- the write path --------------------------------------------------------------------------
@dataclass
class Entry:
    """One value as typed: the period by year and number (or, in uploads, by a date in it)."""
    indicator: str
    year: object = None
    period: object = None
    value: object = None
    numerator: object = None
    denominator: object = None
    analysis: str = ""
    evidence_url: str = ""
    period_date: date | None = None
    fraction_ok: bool = False
    notes: list[str] = field(default_factory=list)


@dataclass
class Prepared:
    row: dict
    exception_id: int | None
    label: str
    outlook: Outlook


def _ficha(cur, code: str):
    found = cur.execute("SELECT * FROM indicator WHERE code = ?", [str(code).strip()]).fetchone()
    if found is None:
        raise Rejected(f"El indicador «{code}» no existe en el catálogo.")
    return dict(zip([d[0] for d in cur.description], found))


def _current(cur, indicator: str, year: int, period: int):
    """The row in force now for the period: (id, is_void, value, recorded_by, recorded_at) or None."""
    return cur.execute(
        "SELECT id, is_void, value, recorded_by, recorded_at FROM measurement "
        "WHERE indicator = ? AND year = ? AND period = ? ORDER BY recorded_at DESC, id DESC LIMIT 1",
        [indicator, year, period]).fetchone()


def locked_through(src) -> date | None:
    found = _fetch(src, "SELECT max(locked_through) FROM period_lock", [])[0][0]
    return None if is_missing(found) else pd.Timestamp(found).date()


def _open_exception(cur, indicator: str, year: int, period: int) -> int | None:
    found = cur.execute("SELECT min(id) FROM lock_exception WHERE indicator = ? AND year = ? AND period = ? "
                        "AND used_by_measurement IS NULL", [indicator, year, period]).fetchone()
    return found[0] if found else None


def _check_lock(cur, indicator: str, year: int, period: int, end: date, label: str) -> int | None:
    through = locked_through(cur)
    if through is None or end > through:
        return None
    exception = _open_exception(cur, indicator, year, period)
    if exception is None:
        raise Rejected(f"El periodo {label} está cerrado: el Comité revisó los periodos hasta el "
                       f"{fmt.long_date(through)}. Solo un administrador puede abrir una excepción con motivo.")
    return exception


def _texts(entry: Entry) -> tuple[str, str]:
    analysis = "" if blank(entry.analysis) else str(entry.analysis).strip()
    evidence = "" if blank(entry.evidence_url) else str(entry.evidence_url).strip()
    if len(analysis) > MAX_TEXT:
        raise Rejected(f"El análisis es demasiado largo (máximo {MAX_TEXT} caracteres).")
    if evidence and not re.fullmatch(r"https?://\S+", evidence):
        raise Rejected("La evidencia debe ser un enlace que empiece por http:// o https:// (sin espacios).")
    return analysis, evidence


def _describe(row) -> str:
    who, when = row[3], pd.Timestamp(row[4])
    return f"{fmt.number(row[2], 2)}, registrado por {who} el {when.strftime('%d/%m/%Y a las %H:%M')}"


def prepare(cur, user: User, entry: Entry, mode: str, now: datetime, ficha=None, reason: str | None = None,
            expected_id: int | None = None, settings: Settings | None = None) -> Prepared:
    """Check one entry against the ficha, the permissions, the lock and the stored state."""
    ficha = ficha if ficha is not None else _ficha(cur, entry.indicator)
    code = ficha["code"]
    check(user, mode, ficha["process"])
    if entry.period_date is not None:
        entry.year, entry.period = period_of_date(ficha["frequency"], entry.period_date)
    end = resolve_period(ficha, entry.year, entry.period, now.date())
    year, period = int(entry.year), int(entry.period)
    label = f"{code} {period_label(year, ficha['frequency'], period)}"
    current = _current(cur, code, year, period)
    live = current is not None and not current[1]
    if mode == "report" and live:
        raise Rejected(f"El periodo {label} ya fue reportado (valor {_describe(current)}). Para cambiarlo use "
                       "«Corregir» e indique el motivo.")
    if mode == "correct":
        if not live:
            raise Rejected(f"El periodo {label} no tiene un valor vigente que corregir: use «Reportar».")
        if expected_id is not None and current[0] != expected_id:
            raise Rejected(f"Otra persona cambió el valor de {label} mientras usted editaba: ahora es "
                           f"{_describe(current)}. Revise el valor vigente y vuelva a intentar.")
        _check_reason(reason)
    exception = _check_lock(cur, code, year, period, end, label)
    measured = measure(ficha, entry.value, entry.numerator, entry.denominator, entry.fraction_ok)
    if measured.note:
        entry.notes.append(measured.note)
    analysis, evidence = _texts(entry)
    view = outlook(cur, ficha, year, period, measured.value, settings)
    if view.period_status != "verde" and len(analysis) < MIN_REASON:
        raise Rejected("El resultado del periodo no queda en verde: escriba el análisis del indicador (causas y acciones, "
                       f"al menos {MIN_REASON} caracteres).")
    row = {"indicator": code, "year": year, "period": period, "period_end": end, "value": measured.value,
           "numerator": measured.numerator, "denominator": measured.denominator, "analysis": analysis or None,
           "evidence_url": evidence or None, "recorded_at": now, "recorded_by": user.username,
           "supersedes": current[0] if current else None, "reason": reason.strip() if reason else None,
           "is_void": False}
    return Prepared(row, exception, label, view)


def _check_reason(reason: str | None) -> None:
    if blank(reason) or len(reason.strip()) < MIN_REASON:
        raise Rejected(f"Escriba el motivo del cambio (al menos {MIN_REASON} caracteres).")


_COLUMNS = ("indicator", "year", "period", "period_end", "value", "numerator", "denominator", "analysis",
            "evidence_url", "recorded_at", "recorded_by", "supersedes", "reason", "is_void")
_ACTIONS = {"report": "reportar", "correct": "corregir", "void": "anular", "bulk": "carga_masiva"}


def write(cur, prepared: list[Prepared], action: str, now: datetime) -> list[int]:
    """Append the prepared rows, mark the exceptions they use, and audit each one."""
    ids = []
    sql = (f"INSERT INTO measurement ({', '.join(_COLUMNS)}) VALUES ({', '.join('?' * len(_COLUMNS))}) "
           "RETURNING id")
    for p in prepared:
        new_id = cur.execute(sql, [p.row[c] for c in _COLUMNS]).fetchone()[0]
        ids.append(new_id)
        detail = "anulado" if p.row["is_void"] else f"valor {fmt.number(p.row['value'], 2)}"
        if p.row["reason"]:
            detail += f"; motivo: {p.row['reason']}"
        if p.exception_id is not None:
            cur.execute("UPDATE lock_exception SET used_by_measurement = ?, used_at = ? WHERE id = ?",
                        [new_id, now, p.exception_id])
            detail += f"; excepción de cierre {p.exception_id}"
        audit(cur, p.row["recorded_by"], _ACTIONS[action], f"{p.label} (versión {new_id})", detail, now)
    return ids


def _save(store: Store, username, entry: Entry, mode: str, now, reason=None, expected_id=None) -> int:
    now = now or datetime.now()
    with store.transaction() as cur:
        user = require(cur, username, mode)
        prepared = prepare(cur, user, entry, mode, now, reason=reason, expected_id=expected_id)
        return write(cur, [prepared], mode, now)[0]


def report(store: Store, username, entry: Entry, now: datetime | None = None) -> int:
    """Save the first value of a period; the new measurement id."""
    return _save(store, username, entry, "report", now)


def correct(store: Store, username, entry: Entry, reason: str, expected_id: int | None = None,
            now: datetime | None = None) -> int:
    """Save a new version of a period's value, with its reason; `expected_id` is the version the
    person was looking at, so a concurrent change is reported instead of silently overwritten."""
    return _save(store, username, entry, "correct", now, reason, expected_id)


def void(store: Store, username, indicator: str, year: int, period: int, reason: str,
         expected_id: int | None = None, now: datetime | None = None) -> int:
    """An administrator voids a period's value: a new version with is_void, nothing deleted."""
    now = now or datetime.now()
    with store.transaction() as cur:
        user = require(cur, username, "void")
        ficha = _ficha(cur, indicator)
        end = resolve_period(ficha, year, period, now.date())
        label = f"{ficha['code']} {period_label(int(year), ficha['frequency'], int(period))}"
        current = _current(cur, ficha["code"], int(year), int(period))
        if current is None or current[1]:
            raise Rejected(f"El periodo {label} no tiene un valor vigente que anular.")
        if expected_id is not None and current[0] != expected_id:
            raise Rejected(f"Otra persona cambió el valor de {label}: ahora es {_describe(current)}. Revise y "
                           "vuelva a intentar.")
        _check_reason(reason)
        exception = _check_lock(cur, ficha["code"], int(year), int(period), end, label)
        row = {c: None for c in _COLUMNS} | {
            "indicator": ficha["code"], "year": int(year), "period": int(period), "period_end": end,
            "recorded_at": now, "recorded_by": user.username, "supersedes": current[0],
            "reason": reason.strip(), "is_void": True}
        return write(cur, [Prepared(row, exception, label, None)], "void", now)[0]


# -- locks and exceptions --------------------------------------------------------------------
def lock_periods(store: Store, username, through: date, note: str = "", now: datetime | None = None) -> None:
    """Lock every period that ended on or before `through` (after the Comité's review)."""
    now = now or datetime.now()
    with store.transaction() as cur:
        user = require(cur, username, "lock")
        if through > now.date():
            raise Rejected("Solo se pueden cerrar periodos hasta una fecha que ya pasó.")
        current = locked_through(cur)
        if current is not None and through <= current:
            raise Rejected(f"Los periodos ya están cerrados hasta el {fmt.long_date(current)}.")
        cur.execute("INSERT INTO period_lock (locked_through, note, locked_at, locked_by) VALUES (?, ?, ?, ?)",
                    [through, note.strip() or None, now, user.username])
        audit(cur, user.username, "cerrar_periodos", f"hasta {through.isoformat()}", note.strip() or None, now)


def locks(store: Store) -> pd.DataFrame:
    return store.query("SELECT locked_through, note, locked_at, locked_by FROM period_lock ORDER BY id DESC")


def open_exception(store: Store, username, indicator: str, year: int, period: int, reason: str,
                   now: datetime | None = None) -> int:
    """An administrator allows one more write to a locked indicator-period, with a reason."""
    now = now or datetime.now()
    with store.transaction() as cur:
        user = require(cur, username, "exception")
        ficha = _ficha(cur, indicator)
        end = resolve_period(ficha, year, period, now.date())
        label = f"{ficha['code']} {period_label(int(year), ficha['frequency'], int(period))}"
        through = locked_through(cur)
        if through is None or end > through:
            raise Rejected(f"El periodo {label} no está cerrado: no necesita excepción.")
        if _open_exception(cur, ficha["code"], int(year), int(period)) is not None:
            raise Rejected(f"Ya hay una excepción abierta para {label}.")
        _check_reason(reason)
        new_id = cur.execute(
            "INSERT INTO lock_exception (indicator, year, period, reason, opened_at, opened_by) "
            "VALUES (?, ?, ?, ?, ?, ?) RETURNING id",
            [ficha["code"], int(year), int(period), reason.strip(), now, user.username]).fetchone()[0]
        audit(cur, user.username, "abrir_excepcion", label, reason.strip(), now)
        return new_id


def exceptions(store: Store) -> pd.DataFrame:
    return store.query("SELECT * FROM lock_exception ORDER BY id DESC")


# -- improvement actions ---------------------------------------------------------------------
def _indicator_process(cur, indicator: str) -> str:
    return _ficha(cur, indicator)["process"]


def add_action(store: Store, username, indicator: str, action: str, responsible: str, due_date: date,
               year: int | None = None, period: int | None = None, now: datetime | None = None) -> int:
    """Record an improvement action (what, who, by when) for an indicator out of range."""
    now = now or datetime.now()
    with store.transaction() as cur:
        user = require(cur, username, "actions", _indicator_process(cur, indicator))
        if blank(action) or len(action.strip()) < MIN_REASON:
            raise Rejected(f"Describa la acción de mejora (al menos {MIN_REASON} caracteres).")
        if blank(responsible):
            raise Rejected("Indique el responsable de la acción (cargo o dependencia).")
        if not isinstance(due_date, date):
            raise Rejected("Indique la fecha límite de la acción.")
        new_id = cur.execute(
            "INSERT INTO improvement_action (indicator, year, period, action, responsible, due_date, status, "
            "created_at, created_by, updated_at, updated_by) VALUES (?, ?, ?, ?, ?, ?, 'abierta', ?, ?, ?, ?) "
            "RETURNING id",
            [indicator, year, period, action.strip(), responsible.strip(), due_date, now, user.username, now,
             user.username]).fetchone()[0]
        audit(cur, user.username, "crear_accion_mejora", f"{indicator} (acción {new_id})",
              f"{action.strip()}; responsable {responsible.strip()}; vence {due_date.isoformat()}", now)
        return new_id


def set_action_status(store: Store, username, action_id: int, new_status: str, now: datetime | None = None) -> None:
    now = now or datetime.now()
    if new_status not in ACTION_STATUSES:
        raise Rejected(f"Estado desconocido: {new_status}.")
    with store.transaction() as cur:
        found = cur.execute("SELECT indicator, status FROM improvement_action WHERE id = ?", [action_id]).fetchone()
        if found is None:
            raise Rejected(f"No existe la acción de mejora {action_id}.")
        user = require(cur, username, "actions", _indicator_process(cur, found[0]))
        cur.execute("UPDATE improvement_action SET status = ?, updated_at = ?, updated_by = ? WHERE id = ?",
                    [new_status, now, user.username, action_id])
        audit(cur, user.username, "estado_accion_mejora", f"{found[0]} (acción {action_id})",
              f"{found[1]} → {new_status}", now)


def actions(store: Store, as_of: date, process: str | None = None) -> pd.DataFrame:
    """Improvement actions recorded by `as_of`, with the indicator's process and whether each is overdue."""
    where, params = ("AND i.process = ?", [process]) if process else ("", [])
    df = store.query(
        "SELECT a.*, i.name AS indicator_name, i.process FROM improvement_action a "
        f"JOIN indicator i ON i.code = a.indicator WHERE a.created_at < ? {where} ORDER BY a.due_date, a.id",
        [as_of + timedelta(days=1), *params])
    df["overdue"] = (df["status"] != "cerrada") & (pd.to_datetime(df["due_date"]).dt.date < as_of)
    return df


def overdue_actions(store: Store, as_of: date) -> pd.DataFrame:
    df = actions(store, as_of)
    return df[df["overdue"]]


# -- timeliness ------------------------------------------------------------------------------
def period_states(store: Store, as_of: date, since: date, process: str | None = None,
                  grace_days: int | None = None) -> pd.DataFrame:
    """values.period_states with the entity's grace days and a Spanish label per period."""
    grace = settings_of(store).grace_days if grace_days is None else grace_days
    df = values.period_states(store, as_of, since, grace, process)
    df["label"] = [period_label(int(y), f, int(p)) for y, f, p in zip(df["year"], df["frequency"], df["period"])]
    return df


def owed(states: pd.DataFrame) -> pd.DataFrame:
    """Periods with no value in force, late ones (oldest first) before those still within the grace days."""
    df = states[states["state"].isin(["faltante", "pendiente"])]
    return df.sort_values(["state", "period_end", "indicator"])  # "faltante" sorts before "pendiente"


def due_periods(store: Store, process: str | None, today: date, since: date) -> pd.DataFrame:
    return owed(period_states(store, today, since, process))


def timeliness(store: Store, as_of: date, since: date, states: pd.DataFrame | None = None) -> pd.DataFrame:
    """Per process: its leader's cargo and accounts, and how many periods are on time, late or missing
    (from `states`, the period states already computed for this cut-off, when given)."""
    df = values.period_states(store, as_of, since, settings_of(store).grace_days) if states is None else states
    counts = df.pivot_table(index="process", columns="state", values="indicator", aggfunc="count", fill_value=0)
    counts = counts.reindex(columns=list(TIMELINESS), fill_value=0).reset_index()
    processes = store.query("SELECT code AS process, name, leader_role FROM process")
    leaders = store.query("SELECT process, string_agg(full_name, ', ' ORDER BY full_name) AS leaders "
                          "FROM app_user WHERE role = 'lider' AND active GROUP BY process")
    out = processes.merge(counts, on="process").merge(leaders, on="process", how="left")
    return out.sort_values(["faltante", "tarde"], ascending=False)


def history(store: Store, indicator: str) -> pd.DataFrame:
    """Every version of every period of an indicator, with what kind of change it was."""
    df = values.versions(store, indicator)
    df["kind"] = ["anulacion" if v else ("correccion" if pd.notna(s) else "reporte")
                  for v, s in zip(df["is_void"], df["supersedes"])]
    return df
