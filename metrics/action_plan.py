"""The yearly Plan de Acción: planned against actual, states, roll-ups, progress reports and GD-03.

The actions are plan data (`plan_action`, changed through plan_changes with history and effective
dates). Their progress is append-only like the measurements (`action_progress`): the progress in
force for a quarter at a cut-off is the last row recorded by then, a void hides it.

An action's *expected* progress grows linearly from 0 % the day before its start to 100 % on its
end date; at a cut-off it is read at the last quarterly cut-off on or before it (the plan is followed
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
from datetime import date, datetime, timedelta

import pandas as pd

from metrics import fmt, validation, writes
from metrics import plan as plan_mod
from metrics.accounts import Rejected, audit, check, require
from metrics.periods import period_end, period_label
from metrics.scoring import Settings
from metrics.store import Store

STATES = ("terminada", "al_dia", "atrasada", "sin_iniciar")
COMPUTED = "plan_de_accion"
QUARTERS = 4
_COLUMNS = ("action", "year", "period", "period_end", "progress", "analysis", "evidence_url", "recorded_at",
            "recorded_by", "supersedes", "reason", "is_void")


# -- planned against actual ---------------------------------------------------------------------
def expected(start: date, end: date, as_of: date) -> float:
    """Expected progress (0..100) at a cut-off: linear from the day before `start` to `end`."""
    if as_of < start:
        return 0.0
    if as_of >= end:
        return 100.0
    return 100.0 * ((as_of - start).days + 1) / ((end - start).days + 1)


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
    return _read(src, sql, [known_on + timedelta(days=1), through or date.max])


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
    out["expected"] = [expected(s, e, reference) for s, e in zip(starts, ends)]
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


def _action(cur, code: str, on: date) -> dict:
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


def _save(store: Store, username, entry: ProgressEntry, mode: str, now: datetime | None,
          reason: str | None = None, expected_id: int | None = None) -> int:
    with store.transaction() as cur:
        now = now or datetime.now()  # inside the write lock, like every writer
        user = require(cur, username, mode)
        action = _action(cur, entry.action, now.date())
        check(user, mode, action["process"])
        year = int(action["year"])
        quarter = validation.whole(entry.period, "El trimestre")
        if not 1 <= quarter <= QUARTERS:
            raise Rejected("El trimestre debe ser 1, 2, 3 o 4.")
        end = period_end(year, "T", quarter)
        label = f"{action['code']} {period_label(year, 'T', quarter)}"
        if now.date() < date(year, 3 * quarter - 2, 1):
            raise Rejected(f"El trimestre {label} aún no ha empezado: reporte el avance de un trimestre en curso "
                           "o cerrado.")
        through = writes.locked_through(cur)
        if through is not None and end <= through:
            raise Rejected(f"El periodo {label} está cerrado: el Comité revisó los periodos hasta el "
                           f"{fmt.long_date(through)}.")
        found = cur.execute("SELECT * FROM action_progress WHERE action = ? AND year = ? AND period = ? "
                            "ORDER BY id DESC LIMIT 1", [action["code"], year, quarter]).fetchall()
        current = dict(zip([d[0] for d in cur.description], found[0])) if found else None
        live = current is not None and not current["is_void"]
        if mode == "report" and live:
            raise Rejected(f"El avance de {label} ya fue reportado ({fmt.number(current['progress'], 1)} %). "
                           "Para cambiarlo use «Corregir» e indique el motivo.")
        if mode == "correct":
            if expected_id is not None and (current is None or int(current["id"]) != int(expected_id)):
                raise Rejected(f"Otra persona cambió el avance de {label} mientras usted editaba. Revise el avance "
                               "vigente y vuelva a intentar.")
            if not live:
                raise Rejected(f"El periodo {label} no tiene un avance vigente que corregir: use «Reportar».")
            reason = validation.reason(reason)
        progress = _percent(entry.progress)
        analysis = validation.text(entry.analysis, "analysis")
        evidence = validation.evidence_link(entry.evidence_url)
        settings = writes.settings_of(cur)
        start, finish = pd.Timestamp(action["start_date"]).date(), pd.Timestamp(action["end_date"]).date()
        if (state(progress, expected(start, finish, end), end, start, settings.on_track_tolerance) == "atrasada"
                and len(analysis) < validation.MIN_REASON):
            raise Rejected("La acción queda atrasada frente a lo programado: escriba el análisis (causas y "
                           f"acciones, al menos {validation.MIN_REASON} caracteres).")
        row = {"action": action["code"], "year": year, "period": quarter, "period_end": end, "progress": progress,
               "analysis": analysis or None, "evidence_url": evidence or None, "recorded_at": now,
               "recorded_by": user.username, "supersedes": None if current is None else int(current["id"]),
               "reason": reason or None, "is_void": False}
        insert = (f"INSERT INTO action_progress ({', '.join(_COLUMNS)}) VALUES ({', '.join('?' * len(_COLUMNS))}) "
                  "RETURNING id")
        new_id = cur.execute(insert, [row[c] for c in _COLUMNS]).fetchone()[0]
        audit(cur, user.username, "reportar_avance" if mode == "report" else "corregir_avance",
              f"{label} (versión {new_id})", f"avance {fmt.number(progress, 1)} %"
              + (f"; motivo: {reason}" if reason else ""), now)
        refresh_computed(cur, year, quarter, now, user.username)
        return new_id


def report(store: Store, username, entry: ProgressEntry, now: datetime | None = None) -> int:
    """A leader reports an action's progress for a quarter (only for their own process)."""
    return _save(store, username, entry, "report", now)


def correct(store: Store, username, entry: ProgressEntry, reason: str, expected_id: int | None = None,
            now: datetime | None = None) -> int:
    """A new version of a quarter's progress, with its reason (a concurrent change is refused)."""
    return _save(store, username, entry, "correct", now, reason, expected_id)


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
    fichas = cur.execute("SELECT * FROM indicator WHERE computed_from = ?", [COMPUTED]).fetchall()
    names = [d[0] for d in cur.description]
    value = computed_value(cur, year, quarter, now.date())
    if value is None:
        return
    value = round(value, 1)
    for ficha in (dict(zip(names, f)) for f in fichas):
        if ficha["frequency"] != "T":
            continue
        current = writes.in_force(cur, ficha["code"], year, quarter)
        live = current[0] if current and not current[0]["is_void"] else None
        if live is not None and float(live["value"]) == value:
            continue
        label = f"{ficha['code']} {period_label(year, 'T', quarter)}"
        row = {c: None for c in writes._COLUMNS} | {
            "indicator": ficha["code"], "year": year, "period": quarter, "period_end": period_end(year, "T", quarter),
            "value": value, "analysis": "Calculado del avance de las acciones del Plan de Acción de la vigencia.",
            "recorded_at": now, "recorded_by": by, "is_void": False,
            "supersedes": None if not current else int(current[0]["id"]),
            "reason": None if live is None else "Recalculado del Plan de Acción tras un reporte de avance."}
        writes.write(cur, [writes.Prepared(row, None, label, None)], "correct" if live is not None else "report", now)
