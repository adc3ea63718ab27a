"""The plan de mejoramiento: improvement actions (what, who, by when) for indicators out of range.

Written like every other change: inside `Store.transaction()`, the account checked as stored, the
time stamp taken inside the write lock, and an audit row in the same transaction.
"""
from __future__ import annotations

from datetime import date, datetime

import pandas as pd

from metrics import validation, values
from metrics.accounts import Rejected, audit, require
from metrics.store import Store
from metrics.vocabulary import ACTION_STATUSES
from metrics.writes import ficha_of


def add_action(store: Store, username, indicator: str, action: str, responsible: str, due_date: date,
               year: int | None = None, period: int | None = None, now: datetime | None = None) -> int:
    """Record an improvement action (what, who, by when) for an indicator out of range."""
    with store.transaction() as cur:
        now = now or datetime.now()
        user = require(cur, username, "actions", ficha_of(cur, indicator)["process"])
        what = validation.text(action, "action")
        who = validation.text(responsible, "responsible")
        if len(what) < validation.MIN_REASON:
            raise Rejected(f"Describa la acción de mejora (al menos {validation.MIN_REASON} caracteres).")
        if not who:
            raise Rejected("Indique el responsable de la acción (cargo o dependencia).")
        if not isinstance(due_date, date):
            raise Rejected("Indique la fecha límite de la acción.")
        new_id = cur.execute(
            "INSERT INTO improvement_action (indicator, year, period, action, responsible, due_date, status, "
            "created_at, created_by, updated_at, updated_by) VALUES (?, ?, ?, ?, ?, ?, 'abierta', ?, ?, ?, ?) "
            "RETURNING id",
            [indicator, year, period, what, who, due_date, now, user.username, now, user.username]).fetchone()[0]
        audit(cur, user.username, "crear_accion_mejora", f"{indicator} (acción {new_id})",
              f"{what}; responsable {who}; vence {due_date.isoformat()}", now)
        return new_id


def set_action_status(store: Store, username, action_id: int, new_status: str, now: datetime | None = None) -> None:
    if new_status not in ACTION_STATUSES:
        raise Rejected(f"Estado desconocido: {new_status}.")
    with store.transaction() as cur:
        now = now or datetime.now()
        found = cur.execute("SELECT indicator, status FROM improvement_action WHERE id = ?", [action_id]).fetchone()
        if found is None:
            raise Rejected(f"No existe la acción de mejora {action_id}.")
        user = require(cur, username, "actions", ficha_of(cur, found[0])["process"])
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
        [values.seen_before(as_of), *params])
    df["overdue"] = (df["status"] != "cerrada") & (pd.to_datetime(df["due_date"]).dt.date < as_of)
    return df


def overdue_actions(store: Store, as_of: date) -> pd.DataFrame:
    df = actions(store, as_of)
    return df[df["overdue"]]
