"""The password policy (metrics/passwords.py): each rule rejects with its own Spanish message, the
command line and the app apply the same policy, and --clave-stdin drops the line ending."""
import subprocess
import sys

import pytest

from metrics import accounts, admin, passwords
from metrics.accounts import Rejected
from metrics.store import PROJECT_DIR, Store
from tests.reporting_helpers import fresh_store


@pytest.mark.parametrize("password, username, reason", [
    ("            ", "ana.perez", "solo espacios"),
    ("", "ana.perez", "solo espacios"),
    (" una-frase-larga-de-clave", "ana.perez", "empezar ni terminar con espacios"),
    ("una-frase-larga-de-clave\t", "ana.perez", "empezar ni terminar con espacios"),
    ("Corta-123", "ana.perez", "al menos 12 caracteres"),
    ("aaaaaaaaaaaaaaa", "ana.perez", "mismo carácter repetido"),
    ("Mi-ANA.PEREZ-de-2025", "ana.perez", "nombre de usuario"),
    ("123456789012", "ana.perez", "contraseñas más comunes"),
    ("Cartagena2024!", "ana.perez", "contraseñas más comunes"),          # compared regardless of case
    ("QWERTYUIOPASDF", "ana.perez", "contraseñas más comunes"),
])
def test_each_rule_rejects_with_its_message(password, username, reason):
    assert reason in passwords.problem(password, username)


@pytest.mark.parametrize("password", [p for *_, p in accounts.DEMO_ACCOUNTS] + ["Llueve en la bahía de noche"])
def test_good_and_demo_passwords_pass(password):
    assert passwords.problem(password, "ana.perez") is None


def test_the_shipped_list_is_large_and_on_disk():
    assert passwords.COMMON_PASSWORDS.is_relative_to(PROJECT_DIR)
    assert len(passwords._common()) > 10_000


def test_the_app_functions_use_the_policy_and_write_nothing_when_it_fails(tmp_path):
    store = fresh_store(tmp_path)
    with pytest.raises(Rejected, match="mismo carácter"):
        accounts.create_user(store, "admin", "nuevo", "Nuevo", "consulta", "z" * 20)
    with pytest.raises(Rejected, match="nombre de usuario"):
        accounts.set_password(store, "admin", "lider.ti", "clave-de-LIDER.TI-2025")
    assert store.scalar("SELECT count(*) FROM app_user WHERE username = 'nuevo'") == 0
    store.close()


def cli(*args: str, stdin: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "metrics.admin", *args], input=stdin.encode(), capture_output=True,
                          cwd=PROJECT_DIR, timeout=120)


@pytest.fixture
def new_db(tmp_path):
    """A production database as `inicializar` leaves it: the plan, no accounts."""
    path = tmp_path / "n.duckdb"
    assert admin.main(["inicializar", "--db", str(path)]) == 0
    return path


@pytest.mark.parametrize("weak", ["aaaaaaaaaaaa", "1234567890", "          ", "123456789012"])
def test_the_command_line_refuses_weak_passwords_in_spanish(new_db, weak):
    done = cli("--db", str(new_db), "crear-admin", "--usuario", "jefe", "--nombre", "Jefe",
               "--clave-stdin", stdin=weak + "\n")
    assert done.returncode == 1
    assert done.stderr.decode().startswith("Error: La contraseña")
    assert "Traceback" not in done.stderr.decode()


@pytest.mark.parametrize("ending", ["\r\n", "\r", "\n"])
def test_clave_stdin_drops_the_line_ending_and_the_administrator_then_signs_in(new_db, ending):
    db = new_db
    done = cli("--db", str(db), "crear-admin", "--usuario", "jefe.ti", "--nombre", "Jefe de TI", "--clave-stdin",
               stdin="Bahia-de-las-Animas-7" + ending)
    assert done.returncode == 0, done.stderr.decode()
    store = Store(db)
    assert accounts.sign_in(store, "jefe.ti", "Bahia-de-las-Animas-7").role == "administrador"
    store.close()
    done = cli("--db", str(db), "restablecer-clave", "--usuario", "jefe.ti", "--clave-stdin",
               stdin="Castillo-San-Felipe-9" + ending)
    assert done.returncode == 0, done.stderr.decode()
    store = Store(db)
    assert accounts.sign_in(store, "jefe.ti", "Castillo-San-Felipe-9").role == "administrador"
    store.close()
