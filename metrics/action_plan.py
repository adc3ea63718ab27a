"""The yearly Plan de Acción: planned against actual, states, roll-ups, progress reports and GD-03.

The actions are plan data (`plan_action`, changed through plan_changes with history and effective
dates). Their progress is append-only like the measurements (`action_progress`): the progress in
force for a quarter at a cut-off is the last row recorded by then, a void hides it.

An action's *expected* progress grows linearly from 0 % the day before its start to 100 % on its
end date, or piecewise linearly through its milestones (metrics/milestones.py); at a cut-off it is read at the last quarterly cut-off on or before it (the plan is followed
quarterly), while its *actual* progress is the last one reported by the cut-off. Its state:
  * terminada   — reported at 100 %, whatever the date (never shown as late, never red);
  * sin iniciar — the cut-off is before its start date (nothing is due yet);
  * al día      — before its end, actual ≥ expected − the entity's tolerance (on_track_tolerance);
  * atrasada    — otherwise; past its end, anything short of 100 %. An action past its start with
    0 % is judged like any other (al día within the tolerance, atrasada after): an unstarted action
    past its start is exactly what the planning office must see.

GD-03 ("Cumplimiento del plan de acción de Gobierno Digital") is, when its ficha says
computed_from = 'plan_de_accion', 100 × Σ w·min(actual, expected) / Σ w·expected over the vigencia's
actions already due (expected > 0) at the quarter's end: an action ahead of its schedule does not hide
another one's delay. Each progress report writes GD-03's value for that quarter through the
measurement write path (a report, or a correction when it changes), so every page, report and export
reads it like any other value.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

import pandas as pd

from metrics import fmt, milestones, validation, values, writes
from metrics import plan as plan_mod
from metrics.accounts import PermissionDenied, Rejected, audit, check, require
from metrics.periods import period_end, period_label
from metrics.scoring import Settings
from metrics.store import Store

STATES = ("terminada", "al_dia", "atrasada", "sin_iniciar")
COMPUTED = "plan_de_accion"
QUARTERS = 4
_COLUMNS = ("action", "year", "period", "period_end", "progress", "analysis", "evidence_url", "recorded_at",
            "recorded_by", "supersedes", "reason", "is_void")


# -- planned against actual ---------------------------------------------------------------------
def expected(start: date, end: date, as_of: date, planned: milestones.Milestones = ()) -> float:
    """Expected progress (0..100) at a cut-off: linear from the day before `start` to `end`, or
    through the action's milestones (metrics/milestones.py holds the one rule)."""
    return milestones.expected(start, end, as_of, planned)


def state(actual: float | None, expected_pct: float, as_of: date, start: date, tolerance: float) -> str:
    """The action's state at a cut-off (see the module's docstring)."""
    actual = 0.0 if actual is None or pd.isna(actual) else float(actual)
    if actual >= 100:
        return "terminada"
    if as_of < start:
        return "sin_iniciar"
    if expected_pct >= 100:   # past its end date: no tolerance, only finished is on time
        return "atrasada"
    return "al_dia" if actual >= expected_pct - tolerance else "atrasada"


def compliance(rows: pd.DataFrame) -> float | None:
    """GD-03's rule: 100 × Σ w·min(actual, expected) / Σ w·expected over the actions already due;
    None when nothing is due yet."""
    due = rows[rows["expected"] > 0]
    if due.empty:
        return None
    done = (due["weight"] * due[["actual", "expected"]].min(axis=1)).sum()
    return float(100.0 * done / (due["weight"] * due["expected"]).sum())


# -- reading ------------------------------------------------------------------------------------
def quarterly_cut_off(as_of: date) -> date:
    """The last quarterly cut-off on or before a date: the plan is followed quarterly, so an action's
    expected progress is judged there, not on whatever day the page is opened."""
    quarter = (as_of.month - 1) // 3 + 1
    if as_of == period_end(as_of.year, "T", quarter):
        return as_of
    return period_end(as_of.year, "T", quarter - 1) if quarter > 1 else date(as_of.year - 1, 12, 31)


def _read(src, sql: str, params: list) -> pd.DataFrame:
    if isinstance(src, Store):
        return src.query(sql, params)
    return src.execute(sql, params).df()


def latest_progress(src, known_on: date, through: date | None = None) -> pd.DataFrame:
    """Each action's last progress recorded on or before `known_on` (voids hide their quarter), only
    for quarters ending by `through` when given (GD-03 of a quarter counts only reports up to it)."""
    sql = """
        WITH in_force AS (
            SELECT * FROM action_progress WHERE recorded_at < ? AND period_end <= ?
            QUALIFY row_number() OVER (PARTITION BY action, year, period ORDER BY id DESC) = 1)
        SELECT * FROM in_force WHERE NOT is_void
        QUALIFY row_number() OVER (PARTITION BY action ORDER BY period_end DESC, id DESC) = 1"""
    return _read(src, sql, [values.seen_before(known_on), through or date.max])


def judged(actions: pd.DataFrame, progress: pd.DataFrame, as_of: date, settings: Settings,
           reference: date | None = None) -> pd.DataFrame:
    """The actions with their expected progress (at the `reference` date, by default the quarterly
    cut-off of `as_of`), their actual progress and their state at a cut-off."""
    reference = reference or quarterly_cut_off(as_of)
    cols = ["action", "progress", "period_end", "analysis", "evidence_url", "recorded_by", "recorded_at"]
    out = actions.merge(progress[cols].rename(columns={"action": "code", "progress": "actual",
                                                       "period_end": "reported_for"}), on="code", how="left")
    out["actual"] = out["actual"].astype(float).fillna(0.0)
    starts = [pd.Timestamp(d).date() for d in out["start_date"]]
    ends = [pd.Timestamp(d).date() for d in out["end_date"]]
    planned = [milestones.parse(m) for m in (out["milestones"] if "milestones" in out else [None] * len(out))]
    out["expected"] = [expected(s, e, reference, m) for s, e, m in zip(starts, ends, planned)]
    out["state"] = [state(a, x, as_of, s, settings.on_track_tolerance)
                    for a, x, s in zip(out["actual"], out["expected"], starts)]
    out["gap"] = out["actual"] - out["expected"]
    return out


def at_cut_off(store: Store, plan: plan_mod.Plan, as_of: date, year: int | None = None) -> pd.DataFrame:
    """The vigencia's actions (default: the cut-off's year), judged at the cut-off, with the names of
    their process and activity, using the plan as it stood on that date."""
    year = year or as_of.year
    actions = plan_mod.frame(store, "plan_action", as_of)
    actions = actions[actions["year"] == year]
    out = judged(actions, latest_progress(store, as_of), as_of, plan.settings)
    names = plan.processes[["code", "name"]].rename(columns={"code": "process", "name": "process_name"})
    return out.merge(names, on="process", how="left")


def vigencias(store: Store, as_of: date) -> list[int]:
    """The years with a Plan de Acción up to the cut-off's, latest first."""
    years = store.query("SELECT DISTINCT year FROM plan_action WHERE year <= ? ORDER BY year DESC", [as_of.year])
    return [int(y) for y in years["year"]]


def roll_up(rows: pd.DataFrame, by: str) -> pd.DataFrame:
    """Per activity (or process): weighted actual and expected progress, counts per state, and a
    state: terminada when every action is, sin iniciar when none has started, atrasada when any action
    is late (a late action is never averaged away), al día otherwise."""
    if rows.empty:
        return pd.DataFrame(columns=[by, "actual", "expected", "state", "n", *STATES])
    w = rows["weight"].astype(float)
    grouped = rows.assign(_wa=w * rows["actual"], _we=w * rows["expected"], _w=w).groupby(by)
    out = pd.DataFrame({"actual": grouped["_wa"].sum() / grouped["_w"].sum(),
                        "expected": grouped["_we"].sum() / grouped["_w"].sum(),
                        "n": grouped.size()})
    counts = rows.groupby([by, "state"]).size().unstack(fill_value=0).reindex(columns=list(STATES), fill_value=0)
    out = out.join(counts)
    out["state"] = ["terminada" if r.terminada == r.n else "sin_iniciar" if r.sin_iniciar == r.n else
                    "atrasada" if r.atrasada else "al_dia" for r in out.itertuples()]
    return out.reset_index()


def history(store: Store, code: str) -> pd.DataFrame:
    """Every progress row ever recorded for an action, newest first within each quarter."""
    df = store.query("SELECT * FROM action_progress WHERE action = ? ORDER BY year DESC, period DESC, id DESC",
                     [code])
    df["kind"] = ["anulacion" if v else ("correccion" if pd.notna(s) else "reporte")
                  for v, s in zip(df["is_void"], df["supersedes"])]
    return df


# -- the write path -----------------------------------------------------------------------------
@dataclass
class ProgressEntry:
    action: str
    period: object = None          # the quarter (1..4) of the action's vigencia
    progress: object = None        # percent, as typed ("45,5")
    analysis: str = ""
    evidence_url: str = ""
    year: object = None            # the vigencia, when the person wrote it (an upload): checked against the action's


@dataclass
class PreparedProgress:
    row: dict
    exception_id: int | None
    label: str


def action_of(cur, code: str, on: date) -> dict:
    """The action as the plan stands on `on`, or a Spanish rejection."""
    rows = plan_mod.frame(cur, "plan_action", on)
    found = rows[rows["code"] == str(code).strip()]
    if found.empty:
        raise Rejected(f"La acción «{code}» no existe en el Plan de Acción vigente.")
    return found.iloc[0].to_dict()


def _percent(raw) -> float:
    value, _ = validation.parse_number(raw, "El avance")
    if not 0 <= value <= 100:
        raise Rejected(f"El avance debe estar entre 0 % y 100 % (se escribió {fmt.number(value, 1)} %).")
    return round(value, 1)


def _current(cur, code: str, year: int, quarter: int) -> dict | None:
    """The row in force now for an action-quarter (a void included), or None."""
    found = cur.execute("SELECT * FROM action_progress WHERE action = ? AND year = ? AND period = ? "
                        "ORDER BY id DESC LIMIT 1", [code, year, quarter]).fetchall()
    return dict(zip([d[0] for d in cur.description], found[0])) if found else None


def _quarter(action: dict, entry: ProgressEntry, now: datetime) -> tuple[int, int, date, str]:
    """(vigencia, quarter, quarter's end, label) of an entry, or a Spanish rejection."""
    year = int(action["year"])
    if not validation.blank(entry.year) and validation.whole(entry.year, "El año") != year:
        raise Rejected(f"La acción {action['code']} es de la vigencia {year}, no de {entry.year}.")
    quarter = validation.whole(entry.period, "El trimestre")
    if not 1 <= quarter <= QUARTERS:
        raise Rejected("El trimestre debe ser 1, 2, 3 o 4.")
    label = f"{action['code']} {period_label(year, 'T', quarter)}"
    if now.date() < date(year, 3 * quarter - 2, 1):
        raise Rejected(f"El trimestre {label} aún no ha empezado: reporte el avance de un trimestre en curso "
                       "o cerrado.")
    return year, quarter, period_end(year, "T", quarter), label


def _open_exception(cur, code: str, year: int, quarter: int) -> int | None:
    return cur.execute("SELECT min(id) FROM action_lock_exception WHERE action = ? AND year = ? AND period = ? "
                       "AND used_by_progress IS NULL", [code, year, quarter]).fetchone()[0]


def _check_lock(cur, code: str, year: int, quarter: int, end: date, label: str) -> int | None:
    """The period lock, as for values: a locked quarter takes a write only through an open exception."""
    through = writes.locked_through(cur)
    if through is None or end > through:
        return None
    exception = _open_exception(cur, code, year, quarter)
    if exception is None:
        raise Rejected(f"El periodo {label} está cerrado: el Comité revisó los periodos hasta el "
                       f"{fmt.long_date(through)}. Solo un administrador puede abrir una excepción con motivo.")
    return exception


def _check_expected(current, expected_id: int | None, label: str) -> None:
    if expected_id is not None and (current is None or int(current["id"]) != int(expected_id)):
        raise Rejected(f"Otra persona cambió el avance de {label} mientras usted editaba. Revise el avance "
                       "vigente y vuelva a intentar.")


def prepare(cur, user, entry: ProgressEntry, mode: str, now: datetime, reason: str | None = None,
            expected_id: int | None = None, settings: Settings | None = None) -> PreparedProgress:
    """Check one progress entry against the action, the permissions, the lock and the stored state
    (the form and the Excel upload share it)."""
    action = action_of(cur, entry.action, now.date())
    check(user, mode)
    if not user.can(mode, action["process"]):
        raise PermissionDenied(f"Solo puede reportar el avance de las acciones de su proceso ({user.process}); "
                               f"la acción {action['code']} es del proceso {action['process']}.")
    year, quarter, end, label = _quarter(action, entry, now)
    current = _current(cur, action["code"], year, quarter)
    live = current is not None and not current["is_void"]
    if mode == "report" and live:
        raise Rejected(f"El avance de {label} ya fue reportado ({fmt.number(current['progress'], 1)} %). "
                       "Para cambiarlo use «Corregir» e indique el motivo.")
    if mode == "correct":
        _check_expected(current, expected_id, label)
        if not live:
            raise Rejected(f"El periodo {label} no tiene un avance vigente que corregir: use «Reportar».")
        reason = validation.reason(reason)
    exception = _check_lock(cur, action["code"], year, quarter, end, label)
    progress = _percent(entry.progress)
    analysis = validation.text(entry.analysis, "analysis")
    evidence = validation.evidence_link(entry.evidence_url)
    settings = settings or writes.settings_of(cur)
    start, finish = pd.Timestamp(action["start_date"]).date(), pd.Timestamp(action["end_date"]).date()
    due = expected(start, finish, end, milestones.parse(action.get("milestones")))
    if state(progress, due, end, start, settings.on_track_tolerance) == "atrasada" \
            and len(analysis) < validation.MIN_REASON:
        raise Rejected("La acción queda atrasada frente a lo programado: escriba el análisis (causas y "
                       f"acciones, al menos {validation.MIN_REASON} caracteres).")
    row = {"action": action["code"], "year": year, "period": quarter, "period_end": end, "progress": progress,
           "analysis": analysis or None, "evidence_url": evidence or None, "recorded_at": now,
           "recorded_by": user.username, "supersedes": None if current is None else int(current["id"]),
           "reason": reason or None, "is_void": False}
    return PreparedProgress(row, exception, label)


_AUDITED = {"report": "reportar_avance", "correct": "corregir_avance", "void": "anular_avance",
            "bulk": "carga_masiva_avance"}


def write(cur, prepared: list[PreparedProgress], mode: str, now: datetime) -> list[int]:
    """Append the prepared rows, mark the lock exceptions they use, audit each one, and recompute
    GD-03 once per quarter touched."""
    ids = writes.append_versions(cur, "action_progress", _COLUMNS, prepared, "action_lock_exception",
                                 "used_by_progress", lambda row: f"avance {fmt.number(row['progress'], 1)} %",
                                 _AUDITED[mode], now)
    by = prepared[0].row["recorded_by"] if prepared else None
    for year, quarter in sorted({(p.row["year"], p.row["period"]) for p in prepared}):
        refresh_computed(cur, year, quarter, now, by)
    return ids


def _save(store: Store, username, entry: ProgressEntry, mode: str, now: datetime | None,
          reason: str | None = None, expected_id: int | None = None) -> int:
    with store.transaction() as cur:
        now = now or datetime.now()  # inside the write lock, like every writer
        user = require(cur, username, mode)
        return write(cur, [prepare(cur, user, entry, mode, now, reason, expected_id)], mode, now)[0]


def report(store: Store, username, entry: ProgressEntry, now: datetime | None = None) -> int:
    """A leader reports an action's progress for a quarter (only for their own process)."""
    return _save(store, username, entry, "report", now)


def correct(store: Store, username, entry: ProgressEntry, reason: str, expected_id: int | None = None,
            now: datetime | None = None) -> int:
    """A new version of a quarter's progress, with its reason (a concurrent change is refused)."""
    return _save(store, username, entry, "correct", now, reason, expected_id)


def void(store: Store, username, code: str, quarter, reason: str, *, expected_id: int,
         now: datetime | None = None) -> int:
    """An administrator voids a quarter's progress: a new row with is_void, nothing deleted; like a
    value's void it names the row it replaces and respects the period lock."""
    with store.transaction() as cur:
        now = now or datetime.now()
        user = require(cur, username, "void")
        action = action_of(cur, code, now.date())
        year, quarter, end, label = _quarter(action, ProgressEntry(code, quarter), now)
        current = _current(cur, action["code"], year, quarter)
        _check_expected(current, expected_id, label)
        if current is None or current["is_void"]:
            raise Rejected(f"El periodo {label} no tiene un avance vigente que anular.")
        cleaned = validation.reason(reason)
        exception = _check_lock(cur, action["code"], year, quarter, end, label)
        row = {c: None for c in _COLUMNS} | {
            "action": action["code"], "year": year, "period": quarter, "period_end": end, "recorded_at": now,
            "recorded_by": user.username, "supersedes": int(current["id"]), "reason": cleaned, "is_void": True}
        return write(cur, [PreparedProgress(row, exception, label)], "void", now)[0]


def open_exception(store: Store, username, code: str, quarter, reason: str, now: datetime | None = None) -> int:
    """An administrator allows one more write to a locked action-quarter, with a reason."""
    with store.transaction() as cur:
        now = now or datetime.now()
        user = require(cur, username, "exception")
        action = action_of(cur, code, now.date())
        year, quarter, end, label = _quarter(action, ProgressEntry(code, quarter), now)
        through = writes.locked_through(cur)
        if through is None or end > through:
            raise Rejected(f"El periodo {label} no está cerrado: no necesita excepción.")
        if _open_exception(cur, action["code"], year, quarter) is not None:
            raise Rejected(f"Ya hay una excepción abierta para {label}.")
        cleaned = validation.reason(reason)
        new_id = cur.execute(
            "INSERT INTO action_lock_exception (action, year, period, reason, opened_at, opened_by) "
            "VALUES (?, ?, ?, ?, ?, ?) RETURNING id", [action["code"], year, quarter, cleaned, now, user.username]
        ).fetchone()[0]
        audit(cur, user.username, "abrir_excepcion", label, cleaned, now)
        return new_id


def computed_value(src, year: int, quarter: int, known_on: date) -> float | None:
    """GD-03's value for a quarter: the compliance of the vigencia's actions at the quarter's end,
    with the plan of that day and the progress known on `known_on`."""
    end = period_end(year, "T", quarter)
    actions = plan_mod.frame(src, "plan_action", end)
    actions = actions[actions["year"] == year]
    settings = writes.settings_of(src)
    return compliance(judged(actions, latest_progress(src, known_on, end), end, settings, end))


def refresh_computed(cur, year: int, quarter: int, now: datetime, by: str) -> None:
    """Write, through the measurement write path, the quarter's value of every indicator computed
    from the Plan de Acción, when it changed."""
    fichas = cur.execute("SELECT * FROM indicator WHERE computed_from = ? AND frequency = 'T'", [COMPUTED]).fetchall()
    names = [d[0] for d in cur.description]
    value = computed_value(cur, year, quarter, now.date())
    if value is None:
        return
    for ficha in (dict(zip(names, f)) for f in fichas):
        writes.record_computed(cur, ficha, year, quarter, round(value, 1), now, by,
                               "Calculado del avance de las acciones del Plan de Acción de la vigencia.",
                               "Recalculado del Plan de Acción tras un cambio en el avance de las acciones.")
