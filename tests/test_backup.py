"""Backup and restore: a round trip that compares every table, and the command-line tool."""
import subprocess
import sys
from datetime import timedelta

import pytest

from metrics import accounts, actions, admin, backup, writes
from metrics.store import Store, StoreError
from tests.reporting_helpers import NOW, fresh_store

TABLES = ["measurement", "app_user", "period_lock", "lock_exception", "improvement_action", "indicator", "target",
          "setting"]


def dump(store) -> dict:
    return {t: store.query(f"SELECT * FROM {t} ORDER BY ALL").to_csv(index=False) for t in TABLES}


def test_backup_then_restore_gives_back_exactly_what_was_saved(tmp_path):
    store = fresh_store(tmp_path, with_demo=True)
    writes.report(store, "lider.ti", writes.Entry("GD-06", 2025, 8, "99,1"), now=NOW)
    writes.lock_periods(store, "personero", NOW.date() - timedelta(days=90), "Comité", now=NOW)
    actions.add_action(store, "lider.ti", "GD-06", "Segundo enlace de internet", "Jefe de TI", NOW.date())
    before = dump(store)
    copy = backup.backup(store, tmp_path / "respaldos" / "copia.duckdb", "admin")
    assert backup.verify(copy) == store.schema_version()
    with pytest.raises(StoreError, match="Ya existe"):
        backup.backup(store, copy, "admin")
    writes.correct(store, "admin", writes.Entry("GD-06", 2025, 8, "50", analysis="Caída del enlace"),
                      "Ajuste después de la copia", now=NOW + timedelta(days=1))
    path = store.path
    with pytest.raises(StoreError, match="en uso"):      # the running app still holds the file
        _restore_in_another_process(copy, path)
    store.close()
    kept = backup.restore(copy, path)
    assert kept is not None and kept.exists()
    restored = Store(path)
    assert dump(restored) == before
    assert restored.scalar("SELECT action FROM audit_log ORDER BY id DESC LIMIT 1") == "restaurar"
    restored.close()


def _restore_in_another_process(copy, path):
    out = subprocess.run([sys.executable, "-m", "metrics.admin", "--db", str(path), "restaurar", "--origen",
                          str(copy)], capture_output=True, text=True, timeout=60)
    if out.returncode:
        raise StoreError(out.stderr, "")


def test_only_an_administrator_backs_up_from_the_app(tmp_path):
    store = fresh_store(tmp_path)
    with pytest.raises(accounts.PermissionDenied):
        backup.backup(store, tmp_path / "x.duckdb", "personero")
    store.close()


def test_restore_refuses_a_file_that_is_not_a_backup(tmp_path):
    bad = tmp_path / "malo.duckdb"
    bad.write_bytes(b"no soy una base de datos")
    with pytest.raises(StoreError):
        backup.restore(bad, tmp_path / "destino.duckdb")


def test_command_line_creates_the_first_admin_resets_and_backs_up(tmp_path, monkeypatch, capsys):
    db = tmp_path / "nueva.duckdb"
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
