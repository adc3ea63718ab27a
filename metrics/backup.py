"""Backups and restores of the database file.

A backup is a checkpointed copy taken while holding the store's write lock, so no write can land
half-way through the copy; it is then opened to prove it is a readable database. A restore
refuses while another program holds the file, checks the backup first, keeps the replaced file
aside, and records itself in the audit log of the restored database.
"""
from __future__ import annotations

import shutil
import subprocess
import sys
from datetime import datetime
from pathlib import Path

import duckdb

from metrics.accounts import audit, require
from metrics.store import Store, StoreError, _connect

BACKUP_DIR_NAME = "respaldos"


def default_backup_path(db_path: Path, now: datetime | None = None) -> Path:
    now = now or datetime.now()
    return db_path.parent / BACKUP_DIR_NAME / f"{db_path.stem}-{now.strftime('%Y%m%d-%H%M%S')}.duckdb"


def backup(store: Store, destination: Path | str, username: str | None = None) -> Path:
    """Copy the database to `destination` (an administrator from the app, or the command line)."""
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
    verify(destination)
    return destination


def _copy_in_child(source: Path, destination: Path) -> None:
    """Copy the open database file from a child process.

    DuckDB holds the file with a POSIX (fcntl) lock, and POSIX drops all of a process's locks on a
    file as soon as the process closes *any* descriptor of it; copying from this process would
    silently release the lock and let a second program open the database.
    """
    subprocess.run([sys.executable, "-c", "import shutil, sys; shutil.copyfile(sys.argv[1], sys.argv[2])",
                    str(source), str(destination)], check=True, timeout=600)


def verify(path: Path | str) -> int:
    """Open a backup read-only and return its schema version, or raise StoreError."""
    path = Path(path)
    if not path.is_file():
        raise StoreError(f"No existe la copia de seguridad {path}.", "Revise la ruta del archivo.")
    try:
        con = duckdb.connect(str(path), read_only=True)
    except duckdb.Error as exc:
        raise StoreError(f"El archivo {path} no es una base de datos válida: {exc}",
                         "Use otra copia de seguridad.") from exc
    try:
        return int(con.execute("SELECT max(version) FROM schema_migration").fetchone()[0])
    except duckdb.Error as exc:
        raise StoreError(f"El archivo {path} no es una base de datos de este tablero.",
                         "Use una copia de seguridad hecha con el comando respaldar.") from exc
    finally:
        con.close()


def restore(source: Path | str, db_path: Path | str, now: datetime | None = None) -> Path | None:
    """Replace the database at `db_path` with the backup `source`; the old file is kept aside.

    Run it with the dashboard stopped: if another program holds the file, StoreError says so.
    Returns where the replaced file was kept (None if there was none).
    """
    source, db_path, now = Path(source), Path(db_path), now or datetime.now()
    verify(source)
    kept = None
    if db_path.exists():
        _connect(db_path).close()   # raises the Spanish "en uso" StoreError while the app holds it
        kept = db_path.with_name(f"{db_path.stem}.antes-de-restaurar-{now.strftime('%Y%m%d-%H%M%S')}{db_path.suffix}")
        shutil.move(db_path, kept)
        wal = db_path.with_name(db_path.name + ".wal")
        if wal.exists():
            shutil.move(wal, kept.with_name(kept.name + ".wal"))
    shutil.copyfile(source, db_path)
    store = Store(db_path)
    try:
        with store.transaction() as cur:
            audit(cur, "linea-de-comandos", "restaurar", source.name,
                  f"archivo anterior guardado en {kept.name}" if kept else None, now)
    finally:
        store.close()
    return kept
