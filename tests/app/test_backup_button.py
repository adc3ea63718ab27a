"""AppTest: an administrator's backup from Administrar is written, verified and announced in Spanish."""
import pytest
from streamlit.testing.v1 import AppTest

from metrics import backup
from metrics.accounts import User
from tests.reporting_helpers import fresh_store

ADMIN = User("admin", "Admin", "administrador", None)


@pytest.fixture
def db(tmp_path, monkeypatch):
    store = fresh_store(tmp_path, with_demo=True)
    store.close()
    path = tmp_path / "test.duckdb"
    monkeypatch.setenv("PERSONERIA_DB", str(path))
    from ui import state
    yield state._store(str(path))   # the same process-wide store the pages use
    state._store.clear()


def test_an_administrator_makes_a_verified_backup_from_the_app(db):
    at = AppTest.from_file("../../dashboard.py", default_timeout=120)
    at.session_state["usuario"] = ADMIN
    at.run()
    at.switch_page("app_pages/administrar.py").run()
    assert not at.exception
    next(b for b in at.button if b.label == "Crear copia de seguridad ahora").click()
    at.run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    assert any("Copia de seguridad creada" in s.value for s in at.success)
    (copy,) = (db.path.parent / backup.BACKUP_DIR_NAME).glob("test-*.duckdb")
    assert backup.verify(copy).rows["measurement"] == db.scalar("SELECT count(*) FROM measurement")
    assert not [p for p in copy.parent.iterdir() if p.name.startswith(".")]   # no scratch file left
