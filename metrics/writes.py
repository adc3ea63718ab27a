"""The one write path for values: report, correct, void; period locks and their exceptions.

Every write here runs in `Store.transaction()` and takes its time stamp *inside* it, so the order of
the time stamps is the order in which the writes commit (the order the value in force follows).
It checks the account as stored (accounts.require), re-reads the version in force inside the
transaction (so two people saving at once are either both kept or the second is told exactly why
not), appends to `measurement` (never updates it) and writes its audit row in the same transaction.
A correction and a void both name the version they replace (`expected_id`).
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime

import pandas as pd

from metrics import asof, fmt, outliers, scoring, validation, values
from metrics import plan as plan_mod
from metrics.accounts import Rejected, User, audit, check, require
from metrics.periods import PERIODS_PER_YEAR, period_end, period_label
from metrics.scoring import Settings, is_missing, judge, period_share
from metrics.store import Store

_EVERY_VERSION = date(9999, 12, 30)  # a cut-off after every time stamp: the versions written so far


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
    """The entity's settings in force today (the plan's history included)."""
    return Settings.from_rows(dict(plan_mod.frame(src, "setting")[["key", "value"]].itertuples(index=False)))


def in_force(src, indicator: str, year: int, period: int | None = None) -> list[dict]:
    """The version in force now of each period of one indicator's vigencia (voids included, so a
    writer can tell «anulado» from «nunca reportado»), by values' one definition, from the store or
    from a transaction's cursor. Now means every version written so far, whatever its time stamp.
    Plain rows, not a DataFrame: an upload asks this once per row."""
    where, params = "AND indicator = ? AND year = ?", [indicator, int(year)]
    if period is not None:
        where, params = where + " AND period = ?", params + [int(period)]
    params = values.in_force_params(_EVERY_VERSION) + params
    sql = values.in_force_sql(where) + " ORDER BY period"
    if isinstance(src, Store):
        return src.query(sql, params).to_dict("records")
    rows = src.execute(sql, params).fetchall()
    columns = [d[0] for d in src.description]
    return [dict(zip(columns, row)) for row in rows]


def outlook(src, ficha, year: int, period: int, value: float, settings: Settings | None = None,
            rows: list[dict] | None = None) -> Outlook:
    """The period's attainment and semáforo, and the vigencia's once `value` is saved for the period.

    Both come from the engine's own rules, never a copy: the period's target from
    scoring.period_share, the vigencia's result and prorated target from scoring.year_result and
    scoring.year_target, over the values in force (`rows`, when the caller has read them) with
    `value` in place of the period's.
    """
    settings = settings or settings_of(src)
    code, accumulation = ficha["code"], ficha["accumulation"]
    rows = in_force(src, code, year) if rows is None else rows
    kept = {int(r["period"]): float(r["value"]) for r in rows if not r["is_void"]}
    kept[int(period)] = float(value)
    found = plan_mod.rows(src, "target", "indicator = ? AND year = ?", [code, int(year)])["target"]
    yearly_target = float(found.iloc[0]) if len(found) else None
    n = PERIODS_PER_YEAR[ficha["frequency"]]
    period_target = None if yearly_target is None else yearly_target * period_share(accumulation, n)
    result = float(scoring.year_result(accumulation, sum(kept.values()), kept[max(kept)]))
    target = None if yearly_target is None else float(
        scoring.year_target(accumulation, yearly_target, len(kept), ficha["frequency"]))
    period_raw, period_state = judge(float(value), period_target, ficha, settings)
    raw, state = judge(result, target, ficha, settings)
    return Outlook(period_target, period_raw, period_state, result, target, raw, state)


def far_from_history(src, indicator: str, period_end, value: float) -> outliers.UsualRange | None:
    """The indicator's usual range when `value` falls outside it (None when it is within, or when
    there is too little history): the values in force now of the periods that ended before this one."""
    sql = (f"SELECT value FROM ({values.in_force_sql('AND indicator = ? AND period_end < ?', whole=False)}) "
           "WHERE NOT is_void AND value IS NOT NULL")
    previous = [float(r[0]) for r in _fetch(src, sql, values.in_force_params(_EVERY_VERSION)
                                             + [indicator, pd.Timestamp(period_end).date()])]
    usual = outliers.usual_range(previous)
    return None if usual is None or usual.holds(float(value)) else usual


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
    notes: list[str] = field(default_factory=list)
    # A value far from the indicator's history (metrics/outliers.py): False until the person confirms it
    # on the form; None where there is no confirmation step (a file upload), and the analysis is enough.
    outlier_confirmed: bool | None = None


@dataclass
class Prepared:
    row: dict
    exception_id: int | None
    label: str
    outlook: Outlook | None


def ficha_of(cur, code: str) -> dict:
    """The indicator's ficha in force today: a retired or not yet created indicator takes no value."""
    found = plan_mod.rows(cur, "indicator", "code = ?", [str(code).strip()])
    if found.empty:
        raise Rejected(f"El indicador «{code}» no existe en el plan vigente.")
    return {k: (None if is_missing(v) else v) for k, v in found.iloc[0].to_dict().items()}


def _current(cur, indicator: str, year: int, period: int):
    """The version in force now for the period (a void included), or None."""
    found = in_force(cur, indicator, year, period)
    return found[0] if found else None


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


def _describe(row) -> str:
    what = "anulado" if row["is_void"] else fmt.number(row["value"], 2)
    return (f"{what}, registrado por {row['recorded_by']} el "
            f"{pd.Timestamp(row['recorded_at']).strftime('%d/%m/%Y a las %H:%M')}")


def _check_expected(current, expected_id: int | None, label: str) -> None:
    """Refuse a change made on a version that is no longer the one in force."""
    if expected_id is not None and (current is None or int(current["id"]) != int(expected_id)):
        now = "sin valor" if current is None else _describe(current)
        raise Rejected(f"Otra persona cambió el valor de {label} mientras usted editaba: ahora es {now}. "
                       "Revise el valor vigente y vuelva a intentar.")


def prepare(cur, user: User, entry: Entry, mode: str, now: datetime, ficha=None, reason: str | None = None,
            expected_id: int | None = None, settings: Settings | None = None) -> Prepared:
    """Check one entry against the ficha, the permissions, the lock and the stored state."""
    ficha = ficha if ficha is not None else ficha_of(cur, entry.indicator)
    code = ficha["code"]
    check(user, mode, ficha["process"])
    if not is_missing(ficha.get("computed_from")):
        raise Rejected(f"El indicador {code} se calcula del Plan de Acción: no se digita. Reporte el avance de "
                       "las acciones en la página Plan de Acción y el valor se recalcula solo.")
    if entry.period_date is not None:
        entry.year, entry.period = validation.period_of_date(ficha["frequency"], entry.period_date)
    end = validation.resolve_period(ficha, entry.year, entry.period, now.date())
    year, period = int(entry.year), int(entry.period)
    label = f"{code} {period_label(year, ficha['frequency'], period)}"
    year_rows = in_force(cur, code, year)
    current = next((r for r in year_rows if int(r["period"]) == period), None)
    live = current is not None and not current["is_void"]
    if mode == "report" and live:
        raise Rejected(f"El periodo {label} ya fue reportado (valor {_describe(current)}). Para cambiarlo use "
                       "«Corregir» e indique el motivo.")
    if mode == "correct":
        _check_expected(current, expected_id, label)
        if not live:
            raise Rejected(f"El periodo {label} no tiene un valor vigente que corregir: use «Reportar».")
        reason = validation.reason(reason)
    exception = _check_lock(cur, code, year, period, end, label)
    measured = validation.measure(ficha, entry.value, entry.numerator, entry.denominator)
    analysis = validation.text(entry.analysis, "analysis")
    evidence = validation.evidence_link(entry.evidence_url)
    usual = far_from_history(cur, code, end, measured.value)
    if usual is not None:
        far = (f"El valor {validation.as_stored(measured.value, ficha['unit'])} está muy lejos de la historia del "
               f"indicador (de ordinario {usual.text(ficha['unit'])})")
        if entry.outlier_confirmed is False:
            raise Rejected(f"{far}: confirme que es correcto y explíquelo en el análisis antes de guardar.")
        if len(analysis) < validation.MIN_REASON:
            raise Rejected(f"{far}: explique en el análisis por qué (al menos {validation.MIN_REASON} caracteres).")
    view = outlook(cur, ficha, year, period, measured.value, settings, year_rows)
    if view.period_status != "verde" and len(analysis) < validation.MIN_REASON:
        raise Rejected("El resultado del periodo no queda en verde: escriba el análisis del indicador (causas y "
                       f"acciones, al menos {validation.MIN_REASON} caracteres).")
    row = {"indicator": code, "year": year, "period": period, "period_end": end, "value": measured.value,
           "numerator": measured.numerator, "denominator": measured.denominator, "analysis": analysis or None,
           "evidence_url": evidence or None, "recorded_at": now, "recorded_by": user.username,
           "supersedes": None if current is None else int(current["id"]), "reason": reason or None,
           "is_void": False}
    return Prepared(row, exception, label, view)


_COLUMNS = ("indicator", "year", "period", "period_end", "value", "numerator", "denominator", "analysis",
            "evidence_url", "recorded_at", "recorded_by", "supersedes", "reason", "is_void")
_ACTIONS = {"report": "reportar", "correct": "corregir", "void": "anular", "bulk": "carga_masiva"}


def write(cur, prepared: list[Prepared], action: str, now: datetime) -> list[int]:
    """Append the prepared rows, mark the exceptions they use, audit each one, and index them in the
    as-of store (same transaction)."""
    ids = append_versions(cur, "measurement", _COLUMNS, prepared, "lock_exception", "used_by_measurement",
                          lambda row: f"valor {fmt.number(row['value'], 2)}", _ACTIONS[action], now)
    asof.index_new(cur)
    return ids


def append_versions(cur, table: str, columns: tuple[str, ...], prepared: list, exceptions: str, used_by: str,
                    describe: Callable[[dict], str], action: str, now: datetime) -> list[int]:
    """The one write loop of the append-only version tables (values, action progress): insert each
    prepared row (`.row`, `.label`, `.exception_id`), mark the period-lock exception it uses, and audit
    it with what it records (`describe`, or «anulado»), its reason and its exception. The new ids."""
    sql = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))}) RETURNING id"
    ids = []
    for p in prepared:
        new_id = cur.execute(sql, [p.row[c] for c in columns]).fetchone()[0]
        ids.append(new_id)
        detail = "anulado" if p.row["is_void"] else describe(p.row)
        if p.row["reason"]:
            detail += f"; motivo: {p.row['reason']}"
        if p.exception_id is not None:
            cur.execute(f"UPDATE {exceptions} SET {used_by} = ?, used_at = ? WHERE id = ?", [new_id, now, p.exception_id])
            detail += f"; excepción de cierre {p.exception_id}"
        audit(cur, p.row["recorded_by"], action, f"{p.label} (versión {new_id})", detail, now)
    return ids


def record_computed(cur, ficha: dict, year: int, period: int, value: float, now: datetime, by: str,
                    analysis: str, reason: str) -> int | None:
    """Write a computed indicator's value (GD-03 from the Plan de Acción) for a period through this
    write path: a report, or a correction naming the version it replaces, with its audit row; nothing
    when the value in force is already `value`. The new id, or None."""
    current = _current(cur, ficha["code"], year, period)
    live = current is not None and not current["is_void"]
    if live and float(current["value"]) == value:
        return None
    row = {c: None for c in _COLUMNS} | {
        "indicator": ficha["code"], "year": year, "period": period,
        "period_end": period_end(year, ficha["frequency"], period), "value": value,
        "analysis": analysis, "recorded_at": now, "recorded_by": by, "is_void": False,
        "supersedes": None if current is None else int(current["id"]), "reason": reason if live else None}
    label = f"{ficha['code']} {period_label(year, ficha['frequency'], period)}"
    return write(cur, [Prepared(row, None, label, None)], "correct" if live else "report", now)[0]


def _save(store: Store, username, entry: Entry, mode: str, now, reason=None, expected_id=None) -> int:
    with store.transaction() as cur:
        now = now or datetime.now()  # inside the write lock: time stamps follow the commit order
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


def void(store: Store, username, indicator: str, year, period, reason: str, *, expected_id: int,
         now: datetime | None = None) -> int:
    """An administrator voids a period's value: a new version with is_void, nothing deleted.
    Like a correction it names the version it replaces (`expected_id`), and is refused if someone
    changed the period since."""
    with store.transaction() as cur:
        now = now or datetime.now()  # inside the write lock, like every writer
        user = require(cur, username, "void")
        ficha = ficha_of(cur, indicator)
        end = validation.resolve_period(ficha, year, period, now.date())
        year, period = int(year), int(period)
        label = f"{ficha['code']} {period_label(year, ficha['frequency'], period)}"
        current = _current(cur, ficha["code"], year, period)
        _check_expected(current, expected_id, label)
        if current is None or current["is_void"]:
            raise Rejected(f"El periodo {label} no tiene un valor vigente que anular.")
        cleaned = validation.reason(reason)
        exception = _check_lock(cur, ficha["code"], year, period, end, label)
        row = {c: None for c in _COLUMNS} | {
            "indicator": ficha["code"], "year": year, "period": period, "period_end": end,
            "recorded_at": now, "recorded_by": user.username, "supersedes": int(current["id"]),
            "reason": cleaned, "is_void": True}
        return write(cur, [Prepared(row, exception, label, None)], "void", now)[0]


def version_in_force(store: Store, indicator: str, year, period) -> dict | None:
    """The version in force now for one period (a void included), for a form that will name it."""
    return _current(store, str(indicator), int(year), int(period))


def history(store: Store, indicator: str) -> pd.DataFrame:
    """Every version of every period of an indicator, with what kind of change it was."""
    df = values.versions(store, indicator)
    df["kind"] = ["anulacion" if v else ("correccion" if pd.notna(s) else "reporte")
                  for v, s in zip(df["is_void"], df["supersedes"])]
    return df


# -- locks and exceptions --------------------------------------------------------------------
def lock_periods(store: Store, username, through: date, note: str = "", now: datetime | None = None) -> None:
    """Lock every period that ended on or before `through` (after the Comité's review)."""
    with store.transaction() as cur:
        now = now or datetime.now()
        user = require(cur, username, "lock")
        note = validation.text(note, "note")
        if through > now.date():
            raise Rejected("Solo se pueden cerrar periodos hasta una fecha que ya pasó.")
        current = locked_through(cur)
        if current is not None and through <= current:
            raise Rejected(f"Los periodos ya están cerrados hasta el {fmt.long_date(current)}.")
        cur.execute("INSERT INTO period_lock (locked_through, note, locked_at, locked_by) VALUES (?, ?, ?, ?)",
                    [through, note or None, now, user.username])
        audit(cur, user.username, "cerrar_periodos", f"hasta {through.isoformat()}", note or None, now)


def locks(store: Store) -> pd.DataFrame:
    return store.query("SELECT locked_through, note, locked_at, locked_by FROM period_lock ORDER BY id DESC")


def open_exception(store: Store, username, indicator: str, year, period, reason: str,
                   now: datetime | None = None) -> int:
    """An administrator allows one more write to a locked indicator-period, with a reason."""
    with store.transaction() as cur:
        now = now or datetime.now()
        user = require(cur, username, "exception")
        ficha = ficha_of(cur, indicator)
        end = validation.resolve_period(ficha, year, period, now.date())
        year, period = int(year), int(period)
        label = f"{ficha['code']} {period_label(year, ficha['frequency'], period)}"
        through = locked_through(cur)
        if through is None or end > through:
            raise Rejected(f"El periodo {label} no está cerrado: no necesita excepción.")
        if _open_exception(cur, ficha["code"], year, period) is not None:
            raise Rejected(f"Ya hay una excepción abierta para {label}.")
        cleaned = validation.reason(reason)
        new_id = cur.execute(
            "INSERT INTO lock_exception (indicator, year, period, reason, opened_at, opened_by) "
            "VALUES (?, ?, ?, ?, ?, ?) RETURNING id",
            [ficha["code"], year, period, cleaned, now, user.username]).fetchone()[0]
        audit(cur, user.username, "abrir_excepcion", label, cleaned, now)
        return new_id


def exceptions(store: Store) -> pd.DataFrame:
    return store.query("SELECT * FROM lock_exception ORDER BY id DESC")

