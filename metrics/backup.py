"""Backups and restores of the database file, each proven readable before it is trusted.

A backup is a checkpointed copy taken while holding the store's write lock (no write lands half-way
through the copy), then verified. A restore never touches the live file until the end: the
candidate (with its `.wal`, where its last commits may still be) is copied to a scratch file next to
the live one, verified and rebuilt there into a new file, which is migrated and stamped in the audit
log and only then swapped in with one atomic rename; the replaced file is kept aside under a dated
name.

Verification (`verify`, the one check for both) runs in a child process that replays the `.wal`,
reads every table whole, checks the schema version and the plan's consistency, and rebuilds the
file into a new one with the same rows. A damaged file can make DuckDB raise or crash; in a child
neither takes down the caller (the dashboard, or the command line half-way through a restore), and
the caller reports it in Spanish.
"""
from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import uuid
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import duckdb

from metrics.accounts import audit, require
from metrics.store import Store, StoreError, migrations

BACKUP_DIR_NAME = "respaldos"
DEFAULT_KEEP = 14
CHECK_TIMEOUT_S = 900
_STAMP = "%Y%m%d-%H%M%S"
_NOTHING_CHANGED = "La base de datos {db} no se modificó."
_OTHER_BACKUP = "Use otra copia de seguridad (las verificadas están en la carpeta «respaldos»)."


@dataclass(frozen=True)
class Verified:
    """What the check found in a good file: its schema version and the rows of each table."""

    version: int
    rows: dict[str, int]

    @property
    def measurements(self) -> int:
        return self.rows.get("measurement", 0)


class _Refused(Exception):
    """A reason, in Spanish, why the child refuses a file."""


# -- backups -----------------------------------------------------------------------------------

def default_backup_path(db_path: Path, now: datetime | None = None) -> Path:
    now = now or datetime.now()
    return db_path.parent / BACKUP_DIR_NAME / f"{db_path.stem}-{now.strftime(_STAMP)}.duckdb"


def backup(store: Store, destination: Path | str, username: str | None = None) -> Verified:
    """Copy the database to `destination` and verify the copy (an administrator from the app, or the CLI).

    A copy that fails the verification is deleted, so no unusable file waits to be restored.
    """
    destination = Path(destination)
    if destination.exists():
        raise StoreError(f"Ya existe el archivo {destination}.", "Elija otro nombre para la copia de seguridad.")
    destination.parent.mkdir(parents=True, exist_ok=True)
    with store.transaction() as cur:
        if username is not None:
            require(cur, username, "backup")
        audit(cur, username or "linea-de-comandos", "copia_de_seguridad", destination.name)
    with store._write_lock:   # no write between the checkpoint and the end of the copy
        store.checkpoint()
        _copy_in_child(store.path, destination)
    try:
        return verify(destination)
    except StoreError as exc:
        _remove(destination)
        raise StoreError(f"La copia de seguridad {destination} no pasó la verificación: {exc.message} "
                         "Se borró esa copia; la base de datos no se modificó.",
                         "Revise el espacio libre en disco y vuelva a intentarlo.") from exc


def prune(folder: Path, db_path: Path, keep: int) -> list[Path]:
    """Delete the oldest dated backups of this database in `folder` beyond the newest `keep`.

    Only files named as `default_backup_path` names them count; a copy saved under another name is
    never deleted. `keep` is at least 1 (the command line checks it).
    """
    dated = re.compile(re.escape(Path(db_path).stem) + r"-\d{8}-\d{6}\.duckdb")
    found = sorted(p for p in Path(folder).glob("*.duckdb") if dated.fullmatch(p.name))
    old = found[:max(len(found) - keep, 0)]
    for path in old:
        _remove(path)
    return old


def _copy_in_child(source: Path, destination: Path) -> None:
    """Copy the open database file from a child process.

    DuckDB holds the file with a POSIX (fcntl) lock, and POSIX drops all of a process's locks on a
    file as soon as the process closes *any* descriptor of it; copying from this process would
    silently release the lock and let a second program open the database.
    """
    subprocess.run([sys.executable, "-c", "import shutil, sys; shutil.copyfile(sys.argv[1], sys.argv[2])",
                    str(source), str(destination)], check=True, timeout=CHECK_TIMEOUT_S)


# -- verification ------------------------------------------------------------------------------

def verify(path: Path | str) -> Verified:
    """Prove that a database file (with its `.wal`) is whole and restorable, or raise StoreError.

    The file itself is never opened: a scratch copy next to it is rebuilt in a child process.
    """
    path = Path(path)
    _require_file(path)
    scratch = _scratch_copy(path, path.parent, "verificando")
    try:
        return _check_in_child(scratch, path)
    finally:
        _remove(scratch)
        _remove(_rebuilt(scratch))


def _rebuilt(scratch: Path) -> Path:
    return scratch.with_name(scratch.stem + ".reconstruida.duckdb")


def _check_in_child(scratch: Path, shown: Path, *extra: str) -> Verified:
    """Run `_check` on `scratch` in a child; any failure becomes a StoreError naming `shown`."""
    cmd = [sys.executable, "-m", "metrics.backup", "verificar", str(scratch), *extra]
    try:
        out = subprocess.run(cmd, capture_output=True, text=True, timeout=CHECK_TIMEOUT_S,
                             cwd=Path(__file__).resolve().parent.parent)
    except subprocess.TimeoutExpired:
        raise _unusable(shown, f"la verificación tardó más de {CHECK_TIMEOUT_S // 60} minutos") from None
    try:
        answer = json.loads(out.stdout.strip().splitlines()[-1])
    except (IndexError, ValueError):
        answer = {"refused": "la verificación terminó de forma anormal, lo que indica un archivo dañado"
                             f" (código {out.returncode})"}
    if "refused" in answer:
        raise _unusable(shown, answer["refused"])
    return Verified(answer["version"], answer["rows"])


def _unusable(path: Path, reason: str) -> StoreError:
    return StoreError(f"El archivo {path} no se puede usar: {reason}.", _OTHER_BACKUP)


def _check(path: Path) -> Verified:
    """In the child: replay the `.wal`, read every table whole, check version and plan, and rebuild.

    The rebuild copies every table into a new file (`_rebuilt(path)`) and must give back the same
    rows. It also reads what a scan cannot reach: a damaged index block passes a full table scan and
    breaks the first save afterwards, but a rebuilt file has new indexes, built from the rows.
    """
    try:
        con = duckdb.connect(str(path))
    except duckdb.Error:
        raise _Refused("DuckDB no lo puede abrir: está incompleto, dañado o no es una base de datos") from None
    try:
        tables = [t for (t,) in con.execute(
            "SELECT table_name FROM information_schema.tables "
            "WHERE table_catalog = current_database() AND table_schema = 'main' AND table_type = 'BASE TABLE' "
            "ORDER BY table_name").fetchall()]
        if "schema_migration" not in tables:
            raise _Refused("no es una base de datos de este tablero (no tiene la tabla de versiones del esquema)")
        version = con.execute("SELECT coalesce(max(version), 0) FROM schema_migration").fetchone()[0]
        newest = migrations()[-1][0]
        if version > newest:
            raise _Refused(f"tiene el esquema versión {version}, más nuevo que el que conoce esta versión "
                           f"de la aplicación (hasta {newest}); actualice la aplicación primero")
        found = _fingerprints(con, "", tables)
        _check_plan(con)
        con.execute(f"ATTACH '{_rebuilt(path)}' AS rebuilt")
        try:
            con.execute(f'COPY FROM DATABASE "{con.execute("SELECT current_database()").fetchone()[0]}" TO rebuilt')
        except duckdb.Error:
            raise _Refused("sus datos no se pueden copiar a una base nueva (claves repetidas o "
                           "restricciones rotas)") from None
        if _fingerprints(con, "rebuilt.", tables) != found:
            raise _Refused("la copia reconstruida no tiene las mismas filas")
        con.execute("DETACH rebuilt")
        return Verified(int(version), {table: rows for table, (rows, _) in found.items()})
    finally:
        con.close()


def _fingerprints(con, prefix: str, tables: list[str]) -> dict[str, tuple]:
    """(rows, hash of every value) of each table; reading each row whole checks each data block."""
    found = {}
    for table in tables:
        try:
            found[table] = con.execute(f'SELECT count(*), bit_xor(hash(x)) FROM {prefix}"{table}" AS x').fetchone()
        except duckdb.Error:
            raise _Refused(f"la tabla {table} no se puede leer completa (el archivo está incompleto o dañado)") \
                from None
    return found


# One query per rule of a usable plan: (SQL that counts the violations, what is wrong, in Spanish).
_PLAN_RULES = [
    ("SELECT count(*) != 1 FROM entity", "no tiene exactamente una entidad"),
    ("SELECT count(*) = 0 FROM plan", "no tiene ningún plan"),
    ("SELECT count(*) FROM indicator i LEFT JOIN process p ON p.code = i.process WHERE p.code IS NULL",
     "hay indicadores de un proceso que no existe"),
    ("SELECT count(*) FROM target t LEFT JOIN indicator i ON i.code = t.indicator WHERE i.code IS NULL",
     "hay metas de un indicador que no existe"),
    ("SELECT count(*) FROM measurement m LEFT JOIN indicator i ON i.code = m.indicator WHERE i.code IS NULL",
     "hay valores de un indicador que no existe"),
]


def _check_plan(con) -> None:
    for sql, problem in _PLAN_RULES:
        try:
            broken = con.execute(sql).fetchone()[0]
        except duckdb.Error:
            raise _Refused("le faltan tablas del plan (no es una base de datos de este tablero)") from None
        if broken:
            raise _Refused(f"el plan no es coherente: {problem}")


def _prepare(path: Path, source_name: str, kept_name: str | None, now: datetime) -> None:
    """In the child, after `_check`: bring the rebuilt file to the current schema and record the restore."""
    store = Store(path)
    try:
        with store.transaction() as cur:
            audit(cur, "linea-de-comandos", "restaurar", source_name,
                  f"archivo anterior guardado en {kept_name}" if kept_name else None, now)
        store.checkpoint()
    finally:
        store.close()


def _child_main(argv: list[str]) -> int:
    """`python -m metrics.backup verificar COPIA [ORIGEN GUARDADO FECHA]`: one JSON line on stdout.

    With the three extra arguments the rebuilt file is also prepared to replace the live one.
    """
    path = Path(argv[1])
    try:
        found = _check(path)
        if len(argv) > 2:
            _prepare(_rebuilt(path), argv[2], argv[3] or None, datetime.fromisoformat(argv[4]))
    except _Refused as exc:
        print(json.dumps({"refused": str(exc)}))
        return 1
    except (duckdb.Error, StoreError):
        print(json.dumps({"refused": "no se pudo llevar al esquema actual de la aplicación"}))
        return 1
    print(json.dumps({"version": found.version, "rows": found.rows}))
    return 0


# -- restore -----------------------------------------------------------------------------------

def restore(source: Path | str, db_path: Path | str, now: datetime | None = None) -> tuple[Verified, Path | None]:
    """Replace the database at `db_path` with the backup `source`; the old file is kept aside.

    Run it with the dashboard stopped: while another program holds the file, StoreError says so.
    On any failure the live database is untouched. Returns what was restored and where the replaced
    file was kept (None if there was none).
    """
    source, db_path, now = Path(source), Path(db_path), now or datetime.now()
    nothing_changed = _NOTHING_CHANGED.format(db=db_path)
    _require_file(source)
    if not db_path.parent.is_dir():
        raise StoreError(f"No existe la carpeta {db_path.parent}. {nothing_changed}", "Revise --db.")
    if db_path.exists() and _held_by_another_program(db_path):
        raise StoreError(f"La base de datos {db_path} está en uso por otro programa (el tablero u otra orden). "
                         f"No se restauró nada. {nothing_changed}",
                         "Detenga el tablero (systemctl stop tablero) y vuelva a ejecutar la orden.")
    kept = None
    if db_path.exists() or _wal(db_path).exists():
        kept = _free_name(db_path.with_name(f"{db_path.stem}.antes-de-restaurar-{now.strftime(_STAMP)}.duckdb"))
    scratch = _scratch_copy(source, db_path.parent, "restaurando")
    rebuilt = _rebuilt(scratch)
    try:
        try:
            found = _check_in_child(scratch, source, source.name, kept.name if kept else "", now.isoformat())
        except StoreError as exc:
            raise StoreError(f"No se restauró nada. {exc.message} {nothing_changed}", exc.hint) from None
        if not rebuilt.is_file() or _wal(rebuilt).exists():
            raise StoreError(f"No se restauró nada: la copia preparada quedó incompleta. {nothing_changed}",
                             _OTHER_BACKUP)
        if kept is not None:
            _keep_aside(db_path, kept)
        try:
            os.replace(rebuilt, db_path)
        except OSError as exc:
            if kept is not None:
                _put_back(kept, db_path)
            raise StoreError(f"No se restauró nada: no se pudo reemplazar el archivo ({exc.strerror}). "
                             f"{nothing_changed}", f"Revise los permisos de {db_path.parent}.") from None
        _sync_folder(db_path.parent)
    finally:
        _remove(scratch)
        _remove(rebuilt)
    return found, kept


def _keep_aside(db_path: Path, kept: Path) -> None:
    """Keep the live file (and its `.wal`) under `kept`; the live path still holds it until the swap.

    The `.wal` must leave: left beside the restored file it would be replayed into it.
    """
    if db_path.exists():
        try:
            os.link(db_path, kept)
        except OSError:    # a file system without hard links
            shutil.copy2(db_path, kept)
    if _wal(db_path).exists():
        os.replace(_wal(db_path), _wal(kept))


def _put_back(kept: Path, db_path: Path) -> None:
    """Undo `_keep_aside` when the swap failed: the `.wal` goes back beside the live file."""
    if _wal(kept).exists():
        os.replace(_wal(kept), _wal(db_path))
    if db_path.exists():
        kept.unlink(missing_ok=True)


def _held_by_another_program(path: Path) -> bool:
    """Whether another process holds DuckDB's lock on `path`, asked from a child (see `_copy_in_child`)."""
    probe = ("import fcntl, os, sys\nfd = os.open(sys.argv[1], os.O_RDWR)\n"
             "try:\n    fcntl.lockf(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)\nexcept OSError:\n    sys.exit(3)\n")
    return subprocess.run([sys.executable, "-c", probe, str(path)], capture_output=True,
                          timeout=60).returncode == 3


# -- files -------------------------------------------------------------------------------------

def _wal(path: Path) -> Path:
    return path.with_name(path.name + ".wal")


def _free_name(path: Path) -> Path:
    """`path`, or `path` with -2, -3… when taken: a kept file is never overwritten."""
    candidate, n = path, 1
    while candidate.exists():
        n += 1
        candidate = path.with_name(f"{path.stem}-{n}{path.suffix}")
    return candidate


def _require_file(path: Path) -> None:
    if not path.is_file():
        raise StoreError(f"No existe la copia de seguridad {path}.", "Revise la ruta del archivo.")


def _scratch_copy(source: Path, folder: Path, label: str) -> Path:
    """A hidden copy of `source` and its `.wal` in `folder`, where a rename onto the live file is atomic."""
    scratch = folder / f".{source.stem}.{label}-{uuid.uuid4().hex[:12]}.duckdb"
    try:
        shutil.copyfile(source, scratch)
        if _wal(source).exists():
            shutil.copyfile(_wal(source), _wal(scratch))
    except OSError as exc:
        _remove(scratch)
        raise StoreError(f"No se pudo copiar {source} para verificarlo ({exc.strerror}). "
                         "Nada se modificó.", f"Revise el espacio libre y los permisos de {folder}.") from None
    return scratch


def _remove(path: Path) -> None:
    for p in (path, _wal(path)):
        p.unlink(missing_ok=True)


def _sync_folder(folder: Path) -> None:
    """Make the rename itself durable."""
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


if __name__ == "__main__":
    sys.exit(_child_main(sys.argv[1:]))
