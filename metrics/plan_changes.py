"""The one write path for changes to the plan: append-only versions with an effective date.

A change never updates a plan row: it appends one `plan_change` per added, changed or retired row
(the whole row after the change, or `retired`), in force from `effective_from`, with who, when and
why, in one transaction that checks the permission "plan" against the stored account, validates
the resulting plan with `plan_rules` and writes an audit row. When anything is rejected nothing is
written.

Every writer takes `seen`, the `latest_id()` the editor had when it showed the rows: when another
change touched the same rows since, nothing is written (PlanConflict) instead of overwriting it.

A row created in the app also gets a row in its own table (the foreign keys need it: measurement
→ indicator, indicator → process, ...) and a first version `retired` from BEGINNING, so it is absent
at every cut-off before its effective date and present from then on.
"""
from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from datetime import date, datetime

import pandas as pd

from metrics import accounts, fmt
from metrics import plan as plan_mod
from metrics import plan_rules
from metrics.accounts import Rejected
from metrics.plan import COLUMN_LABELS, KEY_SEPARATOR, KEYS, TABLE_LABELS, TABLES
from metrics.plan_rules import Problem
from metrics.validation import reason as check_reason
from metrics.store import Store

BEGINNING = date(1900, 1, 1)   # a row created in the app is retired from here until its effective date
EARLIEST_EFFECTIVE = date(2000, 1, 1)
SHOWN_PROBLEMS = 25
# retiring a row retires the rows that only make sense with it
_DEPENDENTS = {"indicator": (("target", "indicator"), ("indicator_objective", "indicator"),
                             ("indicator_element", "indicator")),
               "objective": (("indicator_objective", "objective"),)}


class PlanConflict(Rejected):
    """Someone else changed the same rows after the editor showed them: nothing is written, so
    their change is never overwritten unseen."""


class PlanRejected(Rejected):
    """A plan change refused by the rules: the message lists them; `problems` has each one."""

    def __init__(self, problems: list[Problem], intro: str = "No se guardó ningún cambio del plan."):
        lines = [f"- {p}" for p in problems[:SHOWN_PROBLEMS]]
        if len(problems) > SHOWN_PROBLEMS:
            lines.append(f"- … y {len(problems) - SHOWN_PROBLEMS} problemas más.")
        super().__init__(f"{intro} Corrija lo siguiente:\n" + "\n".join(lines))
        self.problems = problems


# -- writing -----------------------------------------------------------------------------------
def save_plan(store: Store, username, frames: dict[str, pd.DataFrame], reason: str, effective_from: date,
              now: datetime | None = None, seen: int | None = None) -> int:
    """Make the plan in force from `effective_from` equal to `frames` (the tables given; a table
    left out stays as it is). Returns the number of rows changed (0: nothing to change)."""
    given = {t: f for t, f in frames.items() if t in KEYS}
    return _save(store, username, reason, effective_from, lambda current: current | given, now, seen=seen)


def save_rows(store: Store, username, item: str, rows: pd.DataFrame | Iterable[dict], reason: str,
              effective_from: date, scope: dict | None = None, now: datetime | None = None,
              seen: int | None = None) -> int:
    """Add or change some rows of one table. Each given row replaces the row with its key (a column
    left out keeps its value); with `scope` (e.g. {"indicator": "GD-05"}) the given rows are all the
    rows of that scope, and a row of the scope that is not given is retired."""
    return save_many(store, username, [(item, rows, scope)], reason, effective_from, now, seen=seen)


def save_many(store: Store, username, edits: Iterable[tuple[str, pd.DataFrame | Iterable[dict], dict | None]],
              reason: str, effective_from: date, now: datetime | None = None,
              creating: tuple[str, str] | None = None, seen: int | None = None) -> int:
    """Several `save_rows` (item, rows, scope) as one change: a new indicator with its targets and links.
    `creating` (item, key) says the row is meant to be new: a key ever used before is refused, so a
    new indicator never inherits the values and history of a retired one."""
    edits = list(edits)

    def edit(current):
        for item, rows, scope in edits:
            current = current | {item: _upsert(current[item], item, rows, scope)}
        return current
    return _save(store, username, reason, effective_from, edit, now, creating, seen)


def _upsert(table: pd.DataFrame, item: str, rows, scope: dict | None) -> pd.DataFrame:
    given = rows.to_dict("records") if isinstance(rows, pd.DataFrame) else [dict(r) for r in rows]
    old = {plan_mod.key_of(item, r): r for r in table.to_dict("records")}
    merged = [{**old.get(_raw_key(item, r), {}), **r} for r in given]
    keep = table[~_keys(item, table).isin({_raw_key(item, r) for r in given})]
    if scope:
        keep = keep[~_in_scope(keep, scope)]
    added = pd.DataFrame(merged, columns=table.columns)
    return pd.concat([keep, added], ignore_index=True) if len(keep) else added


def retire(store: Store, username, item: str, keys: Iterable[str], reason: str, effective_from: date,
           now: datetime | None = None, seen: int | None = None) -> int:
    """Retire rows from `effective_from` on (their history and past scores stay); an indicator takes
    its targets and objective links with it, an objective its links."""
    keys = {str(k) for k in keys}

    def edit(current):
        table = current[item]
        gone = _keys(item, table).isin(keys)
        changed = {item: table[~gone]}
        codes = set(table.loc[gone, "code"]) if "code" in table else set()
        for dependent, column in _DEPENDENTS.get(item, ()):
            frame = current[dependent]
            changed[dependent] = frame[~frame[column].isin(codes)]
        return current | changed
    return _save(store, username, reason, effective_from, edit, now, seen=seen)


def _keys(item: str, table: pd.DataFrame) -> pd.Series:
    return pd.Series([plan_mod.key_of(item, r) for r in table.to_dict("records")], index=table.index, dtype=object)


def _raw_key(item: str, row: dict) -> str:
    return plan_mod.key_of(item, {c: row.get(c) for c in KEYS[item]})


def _in_scope(frame: pd.DataFrame, scope: dict) -> pd.Series:
    mask = pd.Series(True, index=frame.index)
    for column, value in scope.items():
        mask &= frame[column].astype(str) == str(value)
    return mask


def _effective(effective_from) -> date:
    if isinstance(effective_from, datetime):
        effective_from = effective_from.date()
    if not isinstance(effective_from, date):
        raise Rejected("Escriba la fecha desde la cual rige el cambio (dd/mm/aaaa).")
    if effective_from < EARLIEST_EFFECTIVE:
        raise Rejected(f"La fecha desde la cual rige el cambio debe ser posterior al "
                       f"{fmt.short_date(EARLIEST_EFFECTIVE)}.")
    return effective_from


def _save(store: Store, username, reason: str, effective_from, edit: Callable, now: datetime | None,
          creating: tuple[str, str] | None = None, seen: int | None = None) -> int:
    now = now or datetime.now()
    with store.transaction() as cur:
        who = accounts.COMMAND_LINE if username is accounts.CLI else accounts.require(cur, username, "plan").username
        check_reason(reason)
        effective_from = _effective(effective_from)
        if creating and creating[1] and _ever_used(cur, *creating):
            item, key = creating
            raise Rejected(f"El código {key} ya se usó en {TABLE_LABELS[item].lower()} (vigente o retirado): "
                           "elíjalo en la lista para editarlo, o use otro código.")
        current = plan_mod.frames(cur, effective_from)
        proposed = edit(dict(current))
        after, problems = plan_rules.checked(proposed)
        if problems:
            _refuse_new_problems(current, problems)
        changes = _diff_rows(current, proposed, after)
        if not changes:
            return 0
        if seen is not None:
            _refuse_stale(cur, changes, seen)
        later = {day: plan_mod.frames(cur, day) for day in _later_dates(cur, effective_from)}
        _append(cur, changes, effective_from, who, reason.strip(), now)
        for day, before in later.items():
            _refuse_new_problems(before, plan_rules.validate(plan_mod.frames(cur, day)),
                                 f"No se guardó ningún cambio: el plan que rige desde el {fmt.short_date(day)} "
                                 "(un cambio ya programado) quedaría con problemas.")
        tables = ", ".join(TABLE_LABELS[t] for t in TABLES if any(c[0] == t for c in changes))
        accounts.audit(cur, who, "cambiar_plan", tables, _audit_detail(changes, effective_from, reason), now)
    return len(changes)


def _audit_detail(changes: list[tuple[str, str, dict | None]], effective_from: date, reason: str,
                  listed: int = 30) -> str:
    rows = ", ".join(f"{TABLE_LABELS[t]} {k} ({'retirado' if r is None else 'nuevo o modificado'})"
                     for t, k, r in changes[:listed])
    more = f" y {len(changes) - listed} más" if len(changes) > listed else ""
    n = len(changes)
    return (f"{n} {'fila' if n == 1 else 'filas'} desde el {fmt.short_date(effective_from)}: {rows}{more}; "
            f"motivo: {reason.strip()}")


def latest_id(store: Store) -> int:
    """The newest plan change: an editor keeps it as `seen` and passes it back when saving."""
    return int(store.scalar("SELECT coalesce(max(id), 0) FROM plan_change"))


def _refuse_stale(cur, changes: list[tuple[str, str, dict | None]], seen: int) -> None:
    newer = cur.execute("SELECT DISTINCT item, item_key, recorded_by FROM plan_change WHERE id > ?", [seen]).fetchall()
    touched = {(t, k) for t, k, _ in changes}
    clash = sorted({(item, key, by) for item, key, by in newer if (item, key) in touched})
    if clash:
        rows = ", ".join(f"{TABLE_LABELS[item]} {key} ({by})" for item, key, by in clash[:10])
        raise PlanConflict(f"No se guardó nada: mientras usted editaba, otra persona cambió {rows}. El formulario "
                           "muestra ahora el plan vigente; revise y vuelva a guardar.")


def _ever_used(cur, item: str, key: str) -> bool:
    return bool(cur.execute(f"SELECT 1 FROM {item} WHERE {plan_mod.key_sql(item)} = ? UNION ALL "
                            "SELECT 1 FROM plan_change WHERE item = ? AND item_key = ?", [key, item, key]).fetchone())


def _rows_by_key(table: str, frame: pd.DataFrame) -> dict[str, dict]:
    rows, _ = plan_rules.coerce(table, frame)
    return {plan_mod.key_of(table, r): r for r in rows}


def _data(row: dict) -> str:
    return json.dumps(row, ensure_ascii=False, default=lambda x: x.isoformat())


def _diff(current: dict, proposed: dict) -> list[tuple[str, str, dict | None]]:
    """(table, key, row after the change or None when retired), in write order."""
    return _diff_rows(current, proposed, {t: plan_rules.coerce(t, proposed[t])[0] for t in TABLES
                                          if proposed[t] is not current[t]})


def _diff_rows(current: dict, proposed: dict, typed: dict[str, list[dict]]) -> list[tuple[str, str, dict | None]]:
    changes = []
    for table in TABLES:
        if proposed[table] is current[table]:
            continue
        before = _rows_by_key(table, current[table])
        after = {plan_mod.key_of(table, r): r for r in typed[table]}
        for key, row in after.items():
            if key not in before or _data(before[key]) != _data(row):
                changes.append((table, key, row))
        changes += [(table, key, None) for key in before if key not in after]
    return changes


def _append(cur, changes: list[tuple[str, str, dict | None]], effective_from: date, by: str, reason: str,
            now: datetime) -> None:
    """Write the versions in two statements per table at most, so a workbook that changes thousands
    of rows costs about what one row does."""
    records = []   # (item, item_key, effective_from, retired, data)
    for table in TABLES:
        mine = [(key, row) for t, key, row in changes if t == table]
        added = [key for key, row in mine if row is not None]
        if added:
            have = {k for (k,) in cur.execute(f"SELECT {plan_mod.key_sql(table)} FROM {table} "
                                              f"WHERE list_contains(?, {plan_mod.key_sql(table)})", [added]).fetchall()}
            fresh = pd.DataFrame({"data": [_data(row) for key, row in mine if row is not None and key not in have]})
            if len(fresh):
                _with_frame(cur, fresh, f"INSERT INTO {table} BY NAME SELECT unnest(from_json(data::JSON, "
                                        f"'{plan_mod.json_structure(table)}')) FROM _frame")
                records += [(table, key, BEGINNING.isoformat(), True, None) for key, row in mine
                            if row is not None and key not in have]
        records += [(table, key, effective_from.isoformat(), row is None, None if row is None else _data(row))
                    for key, row in mine]
    frame = pd.DataFrame(records, columns=["item", "item_key", "effective_from", "retired", "data"], dtype=object)
    frame["order"] = range(len(frame))
    _with_frame(cur, frame, "INSERT INTO plan_change (item, item_key, effective_from, retired, data, recorded_at, "
                            "recorded_by, reason) SELECT item, item_key, effective_from::DATE, retired::BOOLEAN, "
                            "data::JSON, ?, ?, ? FROM _frame ORDER BY \"order\"", [now, by, reason])


def _with_frame(cur, frame: pd.DataFrame, sql: str, params: list | None = None) -> None:
    cur.register("_frame", frame)
    try:
        cur.execute(sql, params or [])
    finally:
        cur.unregister("_frame")


def _refuse_new_problems(before: dict, problems: list[Problem], intro: str | None = None) -> None:
    """Refuse a change that leaves the plan (`before` it) with a problem it did not have. A problem
    already there (a plan loaded before a rule existed) does not block unrelated changes, and can be fixed."""
    if problems:
        known = set(plan_rules.validate(before))
        new = [p for p in problems if p not in known]
        if new:
            raise PlanRejected(new, *([intro] if intro else []))


def _later_dates(cur, effective_from: date) -> list[date]:
    """The dates of changes already recorded to take effect after this one: each keeps its own rows,
    and the plan from then on must stay valid (e.g. not link an indicator this change retires)."""
    return [d for (d,) in cur.execute("SELECT DISTINCT effective_from FROM plan_change WHERE effective_from > ? "
                                      "ORDER BY 1", [effective_from]).fetchall()]


# -- reading the history -----------------------------------------------------------------------
def versions(store: Store, item: str, key: str) -> pd.DataFrame:
    """Every version of one plan row in the order they take effect, the row as first loaded first.
    Columns: effective_from (None for the first load), recorded_at, recorded_by, reason, retired,
    data (the whole row, or None when retired) and change (what changed, in Spanish)."""
    base = store.query(f"SELECT * FROM {item} WHERE {plan_mod.key_sql(item)} = ?", [key])
    changes = store.query("SELECT effective_from, recorded_at, recorded_by, reason, retired, data FROM plan_change "
                          "WHERE item = ? AND item_key = ? ORDER BY effective_from, id", [item, key])
    return _versions(item, base, changes)


def indicator_versions(store: Store, code: str) -> pd.DataFrame:
    """The versions of an indicator's ficha, targets and objective links that changed after the
    plan was first loaded, for the Indicador page; `what` names the row ('Ficha', 'Meta 2025', ...)."""
    changed = store.query(
        "SELECT DISTINCT item, item_key FROM plan_change WHERE (item = 'indicator' AND item_key = ?) "
        "OR (item IN ('target', 'indicator_objective') AND starts_with(item_key, ?)) "
        "ORDER BY CASE item WHEN 'indicator' THEN 0 WHEN 'target' THEN 1 ELSE 2 END, item_key",
        [code, code + KEY_SEPARATOR])
    parts = []
    for item, key in changed.itertuples(index=False):
        v = versions(store, item, key)
        v.insert(0, "what", _what(item, key))
        parts.append(v)
    return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(
        columns=["what", "effective_from", "recorded_at", "recorded_by", "reason", "retired", "data", "change"])


def _what(item: str, key: str) -> str:
    rest = key.split(KEY_SEPARATOR)[1:]
    return {"indicator": "Ficha", "target": f"Meta {''.join(rest)}",
            "indicator_objective": f"Aporte a {''.join(rest)}"}[item]


def _versions(item: str, base: pd.DataFrame, changes: pd.DataFrame) -> pd.DataFrame:
    rows = []
    created = not changes.empty and bool(changes.iloc[0]["retired"]) and \
        pd.Timestamp(changes.iloc[0]["effective_from"]).date() == BEGINNING
    if not base.empty and not created:
        first, _ = plan_rules.coerce(item, base)
        rows.append({"effective_from": None, "recorded_at": None, "recorded_by": None,
                     "reason": "Plan cargado inicialmente", "retired": False, "data": first[0]})
    for c in changes.iloc[1:].itertuples() if created else changes.itertuples():
        rows.append({"effective_from": pd.Timestamp(c.effective_from).date(), "recorded_at": c.recorded_at,
                     "recorded_by": c.recorded_by, "reason": c.reason, "retired": bool(c.retired),
                     "data": None if c.retired else json.loads(c.data)})
    previous = None
    for row in rows:
        row["change"] = describe(item, previous, row["data"])
        previous = row["data"] if row["data"] is not None else previous
    if created and rows:
        rows[0]["change"] = "Creado en la aplicación"
    return pd.DataFrame(rows, columns=["effective_from", "recorded_at", "recorded_by", "reason", "retired", "data",
                                       "change"])


def describe(item: str, before: dict | None, after: dict | None) -> str:
    """What a version changed, in Spanish: 'Meta: 71 → 75', 'Retirado', 'Creado'."""
    if after is None:
        return "Retirado"
    if before is None:
        return "Versión inicial"
    labels = COLUMN_LABELS[item]
    parts = []
    for column, value in after.items():
        old = before.get(column)
        if _same(old, value):
            continue
        if isinstance(value, str) and len(value) > 40 or isinstance(old, str) and len(old) > 40:
            parts.append(f"{labels.get(column, column)} (texto cambiado)")
        else:
            parts.append(f"{labels.get(column, column)}: {_shown(old)} → {_shown(value)}")
    return "; ".join(parts) or f"Sin cambios en {TABLE_LABELS[item].lower()}"


def _same(a, b) -> bool:
    if isinstance(a, (int, float)) and isinstance(b, (int, float)) and not isinstance(a, bool):
        return float(a) == float(b)
    return str(a) == str(b) if a is not None and b is not None else a is None and b is None


def _shown(x) -> str:
    if x is None:
        return "—"
    if isinstance(x, bool):
        return "Sí" if x else "No"
    if isinstance(x, (int, float)):
        return fmt.number(x, 0 if float(x).is_integer() else 2)
    return str(x)
