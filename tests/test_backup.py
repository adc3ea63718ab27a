"""Backup and restore with the real thing: real backups, damaged as a disk or a copy would damage them.

Every refused restore must leave the live database byte for byte as it was (and openable), leave no
scratch file behind, and say why in Spanish without DuckDB's English; a good one must bring back
every row, including commits still in the source's `.wal`.
"""
import hashlib
import os
import shutil
import signal
import subprocess
import sys
import textwrap
from datetime import datetime, timedelta
from pathlib import Path

import duckdb
import pytest

from metrics import accounts, actions, admin, backup, writes
from metrics.store import PROJECT_DIR, Store, StoreError, migrations
from tests.reporting_helpers import NOW, fresh_store

TABLES = ["measurement", "app_user", "period_lock", "lock_exception", "improvement_action", "indicator", "target",
          "setting"]
GD06_AUGUST = "SELECT value FROM measurement WHERE indicator = 'GD-06' AND year = 2025 AND period = 8"
ENGLISH = ("IO Error", "Exception", "Traceback", "Corrupt", "checksum", "Could not")


def dump(store) -> dict:
    return {t: store.query(f"SELECT * FROM {t} ORDER BY ALL").to_csv(index=False) for t in TABLES}


def cli(*args: str) -> subprocess.CompletedProcess:
    """The command-line tool as the entity's staff runs it, in its own process."""
    return subprocess.run([sys.executable, "-m", "metrics.admin", *args], capture_output=True, text=True,
                          cwd=PROJECT_DIR, timeout=300)


def fingerprint(folder: Path) -> dict[str, str]:
    """Every file in the folder with the hash of its bytes."""
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir()) if p.is_file()}


@pytest.fixture(scope="module")
def real_backup(tmp_path_factory) -> Path:
    """A backup made by `respaldar` from a database with the demo values."""
    folder = tmp_path_factory.mktemp("origen")
    store = fresh_store(folder, with_demo=True)
    writes.report(store, "lider.ti", writes.Entry("GD-06", 2025, 8, "99,1"), now=NOW)
    path = store.path
    store.close()
    out = cli("--db", str(path), "respaldar", "--destino", str(folder / "respaldo.duckdb"))
    assert out.returncode == 0, out.stderr
    return folder / "respaldo.duckdb"


@pytest.fixture()
def live(tmp_path) -> Path:
    """The production database, alone in its folder, different from the backup."""
    folder = tmp_path / "vivo"
    folder.mkdir()
    store = fresh_store(folder)
    entry = writes.Entry("GD-06", 2025, 8, "12", analysis="Caída del enlace de internet")
    writes.report(store, "lider.ti", entry, now=NOW)
    path = store.path
    store.close()
    return path


def assert_refused_and_untouched(live: Path, candidate: Path, *expected: str) -> str:
    before = fingerprint(live.parent)
    out = cli("--db", str(live), "restaurar", "--origen", str(candidate))
    assert out.returncode == 1, out.stdout
    assert "No se restauró nada" in out.stderr and f"La base de datos {live} no se modificó" in out.stderr
    for text in expected:
        assert text in out.stderr, out.stderr
    assert not [w for w in ENGLISH if w in out.stderr], out.stderr
    assert fingerprint(live.parent) == before          # same bytes, no scratch file left behind
    store = Store(live)                                  # and it still opens, with its own value
    assert store.scalar(GD06_AUGUST) == 12
    store.close()
    return out.stderr


def test_backup_then_restore_gives_back_exactly_what_was_saved(tmp_path):
    store = fresh_store(tmp_path, with_demo=True)
    writes.report(store, "lider.ti", writes.Entry("GD-06", 2025, 8, "99,1"), now=NOW)
    writes.lock_periods(store, "personero", NOW.date() - timedelta(days=90), "Comité", now=NOW)
    actions.add_action(store, "lider.ti", "GD-06", "Segundo enlace de internet", "Jefe de TI", NOW.date())
    before = dump(store)
    copy = tmp_path / "respaldos" / "copia.duckdb"
    found = backup.backup(store, copy, "admin")
    assert found.version == store.schema_version()
    assert found.rows["measurement"] == store.scalar("SELECT count(*) FROM measurement") > 0
    with pytest.raises(StoreError, match="Ya existe"):
        backup.backup(store, copy, "admin")
    writes.correct(store, "admin", writes.Entry("GD-06", 2025, 8, "50", analysis="Caída del enlace"),
                      "Ajuste después de la copia", now=NOW + timedelta(days=1))
    path = store.path
    out = cli("--db", str(path), "restaurar", "--origen", str(copy))   # the running app still holds the file
    assert out.returncode == 1 and "está en uso por otro programa" in out.stderr
    store.close()
    out = cli("--db", str(path), "restaurar", "--origen", str(copy))
    assert out.returncode == 0, out.stderr
    kept = next(tmp_path.glob("test.antes-de-restaurar-*.duckdb"))
    assert f"El archivo anterior quedó en {kept}." in out.stdout
    restored = Store(path)
    assert dump(restored) == before
    assert restored.scalar("SELECT action FROM audit_log ORDER BY id DESC LIMIT 1") == "restaurar"
    restored.close()
    previous = Store(kept)   # the replaced file, with the correction made after the backup
    assert previous.scalar("SELECT count(*) FROM measurement WHERE reason = 'Ajuste después de la copia'") == 1
    previous.close()


def test_a_truncated_backup_is_refused_and_the_live_database_untouched(real_backup, live, tmp_path):
    half = tmp_path / "mitad.duckdb"
    with open(half, "wb") as out:   # the issue's `head -c 5M respaldo.duckdb > mitad.duckdb`
        subprocess.run(["head", "-c", "5M", str(real_backup)], stdout=out, check=True)
    assert half.stat().st_size < real_backup.stat().st_size
    assert_refused_and_untouched(live, half, "mitad.duckdb no se puede usar", "incompleto o dañado")


def test_a_corrupted_backup_is_refused_and_the_live_database_untouched(real_backup, live, tmp_path):
    damaged = tmp_path / "danado.duckdb"
    shutil.copyfile(real_backup, damaged)
    size = damaged.stat().st_size
    with open(damaged, "r+b") as f:   # a quarter of the file overwritten from the middle on
        f.seek(size // 2)
        f.write(b"\xff" * (size // 4))
    assert_refused_and_untouched(live, damaged, "danado.duckdb no se puede usar", "dañado")


def test_a_damaged_index_is_left_behind_by_the_rebuild(real_backup, live, tmp_path):
    """A full scan never reads an index block; a damaged one would break the first save after the
    restore. The restore rebuilds the file, with new indexes made from the rows, so nothing breaks."""
    damaged = tmp_path / "indice-danado.duckdb"
    shutil.copyfile(real_backup, damaged)
    con = duckdb.connect(str(damaged), read_only=True)
    block_size, blocks = con.execute("SELECT block_size, total_blocks FROM pragma_database_size()").fetchone()
    needed = {b for (b,) in con.execute("SELECT block_id FROM pragma_metadata_info()").fetchall()}
    for (table,) in con.execute("SELECT table_name FROM duckdb_tables()").fetchall():
        for block, more in con.execute(f"SELECT block_id, additional_block_ids FROM pragma_storage_info('{table}') "
                                       "WHERE block_id >= 0").fetchall():
            needed |= {block, *(more or [])}
    con.close()
    with open(damaged, "r+b") as f:   # every block that holds neither rows nor the catalogue: indexes, free space
        for block in set(range(blocks)) - needed:
            f.seek(3 * 4096 + block * block_size + 64)
            f.write(b"\xff" * 4096)
    def save(store):
        writes.correct(store, "admin", writes.Entry("GD-06", 2025, 8, "98,5"), "Dato revisado", now=NOW)

    opened = Store(damaged)
    with pytest.raises(duckdb.Error, match="checksum"):   # the file as it is cannot take a save
        save(opened)
    opened.close()
    out = cli("--db", str(live), "restaurar", "--origen", str(damaged))
    assert out.returncode == 0, out.stderr
    restored, original = Store(live), Store(real_backup)
    assert dump(restored) == dump(original)
    original.close()
    save(restored)
    assert restored.scalar("SELECT count(*) FROM measurement WHERE reason = 'Dato revisado'") == 1
    restored.close()


def test_a_backup_from_a_newer_schema_is_refused_and_the_live_database_untouched(real_backup, live, tmp_path):
    newer = tmp_path / "nuevo.duckdb"
    shutil.copyfile(real_backup, newer)
    con = duckdb.connect(str(newer))
    con.execute("INSERT INTO schema_migration VALUES (999, 'del futuro', now())")
    con.close()
    assert_refused_and_untouched(live, newer, "esquema versión 999", f"(hasta {migrations()[-1][0]})")


def test_an_inconsistent_plan_is_refused(real_backup, live, tmp_path):
    headless = tmp_path / "sin-entidad.duckdb"
    shutil.copyfile(real_backup, headless)
    con = duckdb.connect(str(headless))
    con.execute("DELETE FROM entity")
    con.close()
    assert_refused_and_untouched(live, headless, "no tiene exactamente una entidad")


def test_a_file_that_is_not_a_backup_is_refused(live, tmp_path):
    bad = tmp_path / "malo.duckdb"
    bad.write_bytes(b"no soy una base de datos" * 1000)
    assert_refused_and_untouched(live, bad, "DuckDB no lo puede abrir")
    other = tmp_path / "otra.duckdb"
    duckdb.connect(str(other)).execute("CREATE TABLE cosa (x INTEGER)").close()
    assert_refused_and_untouched(live, other, "no es una base de datos de este tablero")


def test_a_check_that_crashes_is_reported_in_spanish_and_changes_nothing(real_backup, live, tmp_path, monkeypatch):
    """DuckDB may crash on a damaged file: the child dies by a signal; the caller lives and explains."""
    crashing = tmp_path / "python-que-falla"
    crashing.write_text("#!/bin/sh\nkill -SEGV $$\n")
    crashing.chmod(0o755)
    real_python = sys.executable
    monkeypatch.setattr(backup.sys, "executable", str(crashing))
    monkeypatch.setattr(backup, "_held_by_another_program", lambda path: False)
    before = fingerprint(live.parent)
    with pytest.raises(StoreError) as refused:
        backup.restore(real_backup, live)
    assert "terminó de forma anormal" in refused.value.message and "no se modificó" in refused.value.message
    assert fingerprint(live.parent) == before
    monkeypatch.setattr(backup.sys, "executable", real_python)
    assert backup.verify(real_backup).version == migrations()[-1][0]


WRITER = textwrap.dedent("""
    import os, signal, sys
    from metrics import asof
    from metrics.store import Store
    store = Store(sys.argv[1])
    with store.transaction() as cur:
        for i in range(12):
            cur.execute("INSERT INTO measurement (indicator, year, period, period_end, value, recorded_at, "
                        "recorded_by) VALUES ('GD-05', 2031, 1, '2031-03-31', ?, now(), 'wal')", [i])
        asof.index_new(cur)
    os.kill(os.getpid(), signal.SIGKILL)   # no checkpoint, no clean close: the rows live only in the .wal
""")


def test_commits_still_in_the_source_wal_are_restored(real_backup, live, tmp_path):
    source = tmp_path / "con-wal.duckdb"
    shutil.copyfile(real_backup, source)
    writer = subprocess.run([sys.executable, "-c", WRITER, str(source)], cwd=PROJECT_DIR, capture_output=True)
    assert writer.returncode == -signal.SIGKILL, writer.stderr
    wal = source.with_name(source.name + ".wal")
    assert wal.exists() and wal.stat().st_size > 0
    source_bytes = fingerprint(tmp_path)
    out = cli("--db", str(live), "restaurar", "--origen", str(source))
    assert out.returncode == 0, out.stderr
    assert fingerprint(tmp_path) == source_bytes          # the source itself is only read
    restored = Store(live)
    assert restored.query("SELECT value FROM measurement WHERE year = 2031 ORDER BY value")["value"].tolist() == \
        list(range(12))
    restored.close()
    opened = Store(source)                                # the source opened normally agrees
    assert opened.scalar("SELECT count(*) FROM measurement WHERE year = 2031") == 12
    opened.close()


def test_restoring_over_a_crashed_database_keeps_its_wal_with_it(real_backup, live, tmp_path):
    """A stale .wal left beside the restored file would be replayed into it; it goes with the kept file."""
    writer = subprocess.run([sys.executable, "-c", WRITER, str(live)], cwd=PROJECT_DIR, capture_output=True)
    assert writer.returncode == -signal.SIGKILL
    out = cli("--db", str(live), "restaurar", "--origen", str(real_backup))
    assert out.returncode == 0, out.stderr
    kept = next(live.parent.glob("test.antes-de-restaurar-*.duckdb"))
    assert not live.with_name(live.name + ".wal").exists() and kept.with_name(kept.name + ".wal").exists()
    restored = Store(live)
    assert restored.scalar("SELECT count(*) FROM measurement WHERE year = 2031") == 0
    assert restored.scalar(GD06_AUGUST) == 99.1
    restored.close()
    previous = Store(kept)
    assert previous.scalar("SELECT count(*) FROM measurement WHERE year = 2031") == 12
    previous.close()


def test_a_swap_that_fails_puts_everything_back(real_backup, live, monkeypatch):
    writer = subprocess.run([sys.executable, "-c", WRITER, str(live)], cwd=PROJECT_DIR, capture_output=True)
    assert writer.returncode == -signal.SIGKILL
    before = fingerprint(live.parent)
    real_replace = os.replace

    def replace(src, dst):
        if Path(dst) == live:
            raise PermissionError(13, "Permiso denegado")
        real_replace(src, dst)

    monkeypatch.setattr(backup.os, "replace", replace)
    with pytest.raises(StoreError, match="no se pudo reemplazar el archivo .* no se modificó"):
        backup.restore(real_backup, live)
    assert fingerprint(live.parent) == before   # the live file and its .wal, and nothing else


def test_an_older_schema_is_restored_and_brought_up_to_date(live, tmp_path):
    old = tmp_path / "version-1.duckdb"
    con = duckdb.connect(str(old))
    con.execute("CREATE TABLE schema_migration (version INTEGER PRIMARY KEY, name TEXT NOT NULL, "
                "applied_at TIMESTAMP NOT NULL)")
    version, name, sql = migrations()[0]
    con.execute(sql)
    con.execute("INSERT INTO schema_migration VALUES (?, ?, now())", [version, name])
    con.execute("INSERT INTO entity (name, mission, vision) VALUES ('Personería', 'Misión', 'Visión')")
    con.execute("INSERT INTO plan VALUES ('PEI', 'Plan', '2024-03-01', '2028-02-29', NULL)")
    con.close()
    out = cli("--db", str(live), "restaurar", "--origen", str(old))
    assert out.returncode == 0, out.stderr
    assert "esquema versión 1" in out.stdout
    restored = Store(live)
    assert restored.schema_version() == migrations()[-1][0]
    assert restored.scalar("SELECT action FROM audit_log ORDER BY id DESC LIMIT 1") == "restaurar"
    restored.close()


def test_respaldar_keeps_the_newest_n_of_this_database(tmp_path):
    store = fresh_store(tmp_path)
    path = store.path
    store.close()
    folder = tmp_path / backup.BACKUP_DIR_NAME
    folder.mkdir()
    old = [folder / f"test-2026010{d}-020000.duckdb" for d in range(1, 6)]
    others = [folder / "otra-20250101-020000.duckdb", folder / "test-antes-del-cambio.duckdb"]
    for p in old + others:
        shutil.copyfile(path, p)
    out = cli("--db", str(path), "respaldar", "--conservar", "3")
    assert out.returncode == 0, out.stderr
    assert "guardada y verificada" in out.stdout and "Se borraron 3 copias antiguas" in out.stdout
    dated = sorted(p.name for p in folder.glob("test-*-*.duckdb") if p not in others)
    assert dated[:2] == [old[3].name, old[4].name] and len(dated) == 3   # the two newest old ones and today's
    assert all(p.exists() for p in others)
    assert not list(folder.glob(".*"))                                  # no scratch file left
    out = cli("--db", str(path), "respaldar", "--conservar", "0")
    assert out.returncode == 2 and "no es un número entero de 1 o más" in out.stderr


def test_a_backup_that_fails_its_verification_is_deleted(tmp_path, monkeypatch):
    store = fresh_store(tmp_path, with_demo=True)

    def copy_half(source, destination):
        destination.write_bytes(source.read_bytes()[:4_000_000])

    monkeypatch.setattr(backup, "_copy_in_child", copy_half)
    dest = tmp_path / "respaldos" / "copia.duckdb"
    with pytest.raises(StoreError) as refused:
        backup.backup(store, dest)
    assert "no pasó la verificación" in refused.value.message and "Se borró esa copia" in refused.value.message
    assert not dest.exists() and not list(dest.parent.iterdir())
    store.close()


def test_only_an_administrator_backs_up_from_the_app(tmp_path):
    store = fresh_store(tmp_path)
    with pytest.raises(accounts.PermissionDenied):
        backup.backup(store, tmp_path / "x.duckdb", "personero")
    store.close()


def test_command_line_creates_the_first_admin_resets_and_backs_up(tmp_path, monkeypatch, capsys):
    db = tmp_path / "nueva.duckdb"
    assert admin.main(["--db", str(db), "inicializar"]) == 0   # crear-admin never creates the database
    monkeypatch.setattr("sys.stdin", _Lines("clave-inicial-segura\n"))
    assert admin.main(["--db", str(db), "crear-admin", "--usuario", "jefe", "--nombre", "Jefe", "--clave-stdin"]) == 0
    monkeypatch.setattr("sys.stdin", _Lines("otra-clave-inicial\n"))
    assert admin.main(["--db", str(db), "crear-admin", "--usuario", "otro", "--nombre", "Otro", "--clave-stdin"]) == 1
    assert "ya tiene un administrador" in capsys.readouterr().err
    monkeypatch.setattr("sys.stdin", _Lines("clave-cambiada-123\n"))
    assert admin.main(["--db", str(db), "restablecer-clave", "--usuario", "jefe", "--clave-stdin"]) == 0
    assert admin.main(["--db", str(db), "respaldar", "--destino", str(tmp_path / "r.duckdb")]) == 0
    store = Store(db)
    assert accounts.sign_in(store, "jefe", "clave-cambiada-123").role == "administrador"
    text = store.query("SELECT * FROM audit_log").to_string() + store.query("SELECT * FROM app_user").to_string()
    assert "clave-cambiada-123" not in text and "clave-inicial-segura" not in text
    store.close()


class _Lines:
    def __init__(self, text):
        self._lines = iter(text.splitlines(keepends=True))

    def readline(self):
        return next(self._lines, "")
