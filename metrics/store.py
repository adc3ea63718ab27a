"""The DuckDB store: one connection per process, a cursor per call, one write lock.

DuckDB allows one writing process per file. Inside the process a single root connection is
shared; every read takes its own cursor and materialises its result before returning (DuckDB 2.0
results hold the connection until read), and every write goes through `transaction()`, which
serialises writers with a lock so two sessions saving at once both land, one after the other.
"""
from __future__ import annotations

import logging
import os
import re
import threading
from contextlib import contextmanager
from pathlib import Path
from typing import Callable, Iterator

import duckdb
import pandas as pd

from metrics import asof

MIGRATIONS_DIR = Path(__file__).parent / "migrations"
PROJECT_DIR = Path(__file__).resolve().parent.parent
DB_ENV = "PERSONERIA_DB"
DEFAULT_DB = PROJECT_DIR / "data" / "demo.duckdb"
log = logging.getLogger(__name__)
# Python steps that finish a migration in its transaction: what the SQL file cannot say on its own
# without copying a rule that has its home in metrics/ (007 fills the as-of store from measurement).
AFTER_MIGRATION = {7: asof.rebuild}
# Every table a figure reads that the app writes to, with what changes when it does: append-only
# tables by their last id (and count, for the values), small edited ones by a hash of the columns a
# page shows (app_user: never last_login_at or password_hash, which a sign-in or a new password change).
# The plan tables themselves change only with a plan_change row (or when a database is built).
FIGURE_TABLES = {
    "measurement": ("count(*)", "max(id)"),
    "plan_change": ("max(id)",),
    "period_lock": ("max(id)",),
    "lock_exception": ("max(id)", "count(used_by_measurement)"),
    "improvement_action": ("max(id)", "max(updated_at)"),
    "action_progress": ("max(id)",),
    "setting": ("bit_xor(hash(key, value))",),
    "app_user": ("bit_xor(hash(username, full_name, email, role, process, active))",),
}
STAMP_SEPARATOR = "|"   # between the parts of a stamp (a hash part may be negative: never "-")


class StoreError(Exception):
    """A problem with the database file, told in Spanish with what to do about it."""

    def __init__(self, message: str, hint: str):
        super().__init__(message)
        self.message = message
        self.hint = hint


def default_db_path() -> Path:
    """The database path: the PERSONERIA_DB environment variable, else the built-in demo."""
    return Path(os.environ.get(DB_ENV) or DEFAULT_DB)


def migrations() -> list[tuple[int, str, str]]:
    """(version, name, sql) of every numbered migration, in order."""
    found = []
    for path in sorted(MIGRATIONS_DIR.glob("[0-9][0-9][0-9]_*.sql")):
        version = int(path.name[:3])
        found.append((version, path.stem[4:], path.read_text(encoding="utf-8")))
    return found


# Commits per database file in this process. DuckDB lets one process at a time open a file for writing,
# so every write a server can see is a commit counted here (by any Store on that file): the stamp is
# read again only after one, instead of on every call (a page asks it many times per run).
_COMMITS: dict[Path, int] = {}
_COMMITS_LOCK = threading.Lock()


def _count_commit(path: Path) -> None:
    with _COMMITS_LOCK:
        _COMMITS[path] = _COMMITS.get(path, 0) + 1


class Store:
    """An open database file with its migrations applied."""

    def __init__(self, path: Path | str):
        self.path = Path(path)
        self._write_lock = threading.RLock()
        self._commit_listeners: list[Callable[[], None]] = []
        self._commits_key = self.path.resolve()
        self._stamp_seen: tuple[int, str] | None = None   # (commits counted when read, stamp)
        self._root = _connect(self.path)
        try:
            self._migrate()
            self._stamp_sql = self._figure_stamp_sql()
        except BaseException:
            self._root.close()
            raise

    # -- reading -----------------------------------------------------------------------------
    def query(self, sql: str, params: list | dict | None = None) -> pd.DataFrame:
        """Run a read and return the whole result as a DataFrame."""
        cur = self._root.cursor()
        try:
            return cur.execute(sql, params or []).df()
        finally:
            cur.close()

    def row(self, sql: str, params: list | dict | None = None) -> tuple | None:
        """Run a read that returns at most one row."""
        cur = self._root.cursor()
        try:
            return cur.execute(sql, params or []).fetchone()
        finally:
            cur.close()

    def scalar(self, sql: str, params: list | dict | None = None):
        """Run a read that returns one value."""
        found = self.row(sql, params)
        return found[0] if found else None

    def stamp(self) -> str:
        """A cheap fingerprint for cache keys that changes with every write a figure can show, and only
        with those: values, plan changes, locks and exceptions, settings, improvement and action plans,
        accounts as the pages name them. Sign-ins, sessions, passwords, reminders and audit rows leave
        it alone, so they never empty the caches. One query over small aggregates (min/max statistics),
        run again only after a commit to this file."""
        commits = _COMMITS.get(self._commits_key, 0)
        seen = self._stamp_seen
        if seen is not None and seen[0] == commits:
            return seen[1]
        # counted before reading: a commit landing meanwhile leaves a count that no longer matches
        stamp = STAMP_SEPARATOR.join(str(x) for x in self.row(self._stamp_sql))
        self._stamp_seen = (commits, stamp)
        return stamp

    def changed_tables(self, old: str, new: str) -> set[str]:
        """The figure tables written between two stamps of this store (all of them when the stamps do not
        come from the same layout): what a cache may keep, and what it must recompute."""
        before, after = old.split(STAMP_SEPARATOR), new.split(STAMP_SEPARATOR)
        if len(before) != len(after) or len(after) != len(self._stamp_tables):
            return set(FIGURE_TABLES)
        return {table for table, a, b in zip(self._stamp_tables, before, after) if a != b}

    def _figure_stamp_sql(self) -> str:
        read = [(table, expr) for table, exprs in FIGURE_TABLES.items() if self.has_table(table) for expr in exprs]
        self._stamp_tables = [table for table, _ in read]
        return "SELECT " + ", ".join(f"(SELECT {expr} FROM {table})" for table, expr in read)

    def has_table(self, name: str) -> bool:
        return bool(self.scalar(
            "SELECT count(*) FROM information_schema.tables WHERE table_name = ?", [name]))

    def schema_version(self) -> int:
        return int(self.scalar("SELECT coalesce(max(version), 0) FROM schema_migration"))

    # -- writing -----------------------------------------------------------------------------
    @contextmanager
    def transaction(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """One serialised write transaction: everything inside commits together or not at all. After a
        commit the `on_commit` listeners run, outside the write lock, so the next writer never waits
        for them."""
        with self._write_lock:
            cur = self._root.cursor()
            cur.begin()
            try:
                yield cur
                cur.commit()
                _count_commit(self._commits_key)  # after the commit: a stamp read before it is read again
            except BaseException:
                cur.rollback()
                raise
            finally:
                cur.close()
        for listener in list(self._commit_listeners):
            try:
                listener()
            except Exception:  # a listener (a cache warm-up) never undoes or fails a committed write
                log.exception("Falló una tarea posterior a una escritura")

    def on_commit(self, listener: Callable[[], None]) -> None:
        """Call `listener()` after every committed transaction (e.g. to recompute caches)."""
        self._commit_listeners.append(listener)

    def checkpoint(self) -> None:
        with self._write_lock:
            self._root.execute("CHECKPOINT")

    def close(self) -> None:
        self._root.close()

    # -- schema ------------------------------------------------------------------------------
    def _migrate(self) -> None:
        with self.transaction() as cur:
            cur.execute("CREATE TABLE IF NOT EXISTS schema_migration ("
                        "version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TIMESTAMP NOT NULL)")
        known = migrations()
        applied = self.schema_version()
        newest = known[-1][0] if known else 0
        if applied > newest:
            raise StoreError(
                f"La base de datos {self.path} tiene el esquema versión {applied}, más nuevo que el que "
                f"conoce esta versión de la aplicación (hasta {newest}).",
                "Actualice la aplicación a la versión con la que se creó la base de datos, "
                "o restaure una copia de seguridad compatible.")
        for version, name, sql in known:
            if version <= applied:
                continue
            with self.transaction() as cur:
                cur.execute(sql)
                if version in AFTER_MIGRATION:
                    AFTER_MIGRATION[version](cur)
                cur.execute("INSERT INTO schema_migration VALUES (?, ?, now())", [version, name])
        if applied < newest:
            self.checkpoint()


def _connect(path: Path) -> duckdb.DuckDBPyConnection:
    if not path.parent.is_dir():
        raise StoreError(
            f"La carpeta de la base de datos no existe: {path.parent}.",
            f"Cree la carpeta o cambie la variable de entorno {DB_ENV} a una ruta válida.")
    try:
        return duckdb.connect(str(path))
    except duckdb.IOException as exc:
        text = str(exc)
        if "lock" in text.lower():
            pid = re.search(r"PID (\d+)", text)
            who = f" (proceso {pid.group(1)})" if pid else ""
            raise StoreError(
                f"La base de datos {path} está en uso por otro programa{who}.",
                "Solo un proceso puede escribir en el archivo. Cierre la otra instancia del tablero "
                f"o de la herramienta de línea de comandos, o apunte {DB_ENV} a una copia.") from exc
        raise StoreError(f"No se pudo abrir la base de datos {path}: {text}",
                         "Verifique los permisos del archivo y que no esté dañado; "
                         "si lo está, restaure la última copia de seguridad.") from exc
    except duckdb.Error as exc:
        raise StoreError(f"El archivo {path} no es una base de datos válida: {exc}",
                         "Restaure la última copia de seguridad o borre el archivo para "
                         "reconstruir la base de demostración.") from exc
