"""A production database is never the demo.

A new PERSONERIA_DB path is never built (every page says how to create it); `inicializar` creates
the plan with no values, no accounts and anonymous reading off; the demo accounts never sign in
there; `crear-admin` needs `inicializar` first; `inicializar` never replaces a file.
"""
import io
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from metrics import accounts, admin, seed
from metrics import plan as plan_mod
from metrics.accounts import Rejected
from metrics.store import PROJECT_DIR, Store, StoreError

DASHBOARD = str(PROJECT_DIR / "dashboard.py")
PAGES = sorted(p.stem for p in (PROJECT_DIR / "app_pages").glob("*.py"))
PASSWORD = "clave-de-la-entidad-1"


@pytest.fixture
def new_path(tmp_path, monkeypatch):
    """PERSONERIA_DB names a file that does not exist yet."""
    path = tmp_path / "tablero.duckdb"
    monkeypatch.setenv("PERSONERIA_DB", str(path))
    yield path
    from ui import state
    state._store.clear()


def run_admin(*args, stdin: str = "") -> int:
    import sys
    old, sys.stdin = sys.stdin, io.StringIO(stdin)
    try:
        return admin.main(list(args))
    finally:
        sys.stdin = old


def initialized(path: Path) -> Path:
    assert run_admin("inicializar", "--db", str(path)) == 0
    return path


def test_open_store_on_a_new_path_creates_nothing_and_says_how(new_path):
    with pytest.raises(StoreError) as err:
        seed.open_store()                       # the path of PERSONERIA_DB
    assert "No existe la base de datos" in err.value.message
    assert f"inicializar --db {new_path}" in err.value.hint and "crear-admin" in err.value.hint
    with pytest.raises(StoreError):
        seed.open_store(new_path)               # the same path given explicitly, as the pages do
    assert list(new_path.parent.iterdir()) == []


@pytest.mark.parametrize("page", PAGES)
def test_every_page_on_a_new_path_says_how_to_create_the_database(new_path, page):
    at = AppTest.from_file(DASHBOARD, default_timeout=60).run()
    if page != "resumen":
        at.switch_page(f"app_pages/{page}.py").run()
    assert not at.exception, [e.value for e in at.exception]
    assert [e.value for e in at.error] == [f"**No se puede abrir la base de datos.** No existe la base de datos "
                                           f"{new_path}. El tablero no la crea por su cuenta: solo la base de "
                                           "demostración se construye sola."]
    assert any(f"inicializar --db {new_path}" in i.value for i in at.info)
    assert not at.metric and not at.warning       # no figure and no demo banner
    assert list(new_path.parent.iterdir()) == []


def test_inicializar_builds_the_plan_without_values_accounts_or_anonymous_reading(tmp_path, capsys):
    path = initialized(tmp_path / "tablero.duckdb")
    assert "crear-admin" in capsys.readouterr().out
    assert sorted(tmp_path.iterdir()) == [path]   # built aside, renamed, nothing left behind
    store = Store(path)
    try:
        assert store.scalar("SELECT count(*) FROM measurement") == 0
        assert store.scalar("SELECT count(*) FROM app_user") == 0
        assert store.scalar("SELECT count(*) FROM plan_change") == 0
        assert store.scalar("SELECT count(*) FROM setting WHERE key = 'demo'") == 0
        assert not accounts.anonymous_reading(store)
        plan = plan_mod.load(store)
        assert not plan.is_demo
        expected = seed.seed_frames()
        assert {t: len(f) for t, f in plan_mod.frames(store).items()} == {t: len(f) for t, f in expected.items()}
        for username, _, _, _, password in accounts.DEMO_ACCOUNTS:
            with pytest.raises(Rejected, match="incorrectos"):
                accounts.sign_in(store, username, password)
    finally:
        store.close()


def test_the_demo_accounts_do_not_sign_in_on_a_new_database(new_path):
    initialized(new_path)
    at = AppTest.from_file(DASHBOARD, default_timeout=60).run()
    assert any("Ingrese para consultar" in t.value for t in at.title)    # no anonymous reading
    assert not at.metric and not any("demostración" in w.value for w in at.warning)
    at.text_input(key="ingreso_usuario").input("admin.demo")
    at.text_input(key="ingreso_clave").input("Demo-Admin-2024")
    next(b for b in at.button if b.label == "Ingresar").click()
    at.run()
    assert not at.exception
    assert "usuario" not in at.session_state
    assert any("incorrectos" in e.value for e in at.error)
    assert any("Ingrese para consultar" in t.value for t in at.title)


def test_crear_admin_needs_inicializar_first(tmp_path, capsys):
    path = tmp_path / "tablero.duckdb"
    create = ("crear-admin", "--db", str(path), "--usuario", "jefe.planeacion", "--nombre", "Jefe", "--clave-stdin")
    assert run_admin(*create, stdin=PASSWORD + "\n") == 1
    assert "inicializar" in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []
    initialized(path)
    assert run_admin(*create, stdin=PASSWORD + "\n") == 0
    store = Store(path)
    try:
        assert accounts.sign_in(store, "jefe.planeacion", PASSWORD).role == "administrador"
        assert store.scalar("SELECT count(*) FROM app_user") == 1
    finally:
        store.close()


def test_inicializar_never_replaces_a_database(tmp_path, capsys):
    path = initialized(tmp_path / "tablero.duckdb")
    assert run_admin("crear-admin", "--db", str(path), "--usuario", "jefe", "--nombre", "Jefe", "--clave-stdin",
                     stdin=PASSWORD + "\n") == 0
    before = path.read_bytes()
    capsys.readouterr()
    assert run_admin("inicializar", "--db", str(path)) == 1
    assert "Ya existe la base de datos" in capsys.readouterr().err
    assert path.read_bytes() == before


def test_inicializar_refuses_the_demo_path(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(seed, "DEFAULT_DB", tmp_path / "demo.duckdb")
    assert run_admin("inicializar", "--db", str(tmp_path / "demo.duckdb")) == 1
    assert "base de demostración" in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []
