"""Accounts: hashing, sign-in throttling and lock-out, audit, and permissions enforced in metrics/."""
from datetime import timedelta

import pytest

from metrics import accounts, actions, writes
from metrics.accounts import PermissionDenied, Rejected
from tests.reporting_helpers import NOW, PASSWORD, fresh_store


@pytest.fixture
def store(tmp_path):
    s = fresh_store(tmp_path)
    yield s
    s.close()


def test_password_is_stored_only_as_an_argon2_hash(store):
    hashes = store.query("SELECT password_hash FROM app_user")["password_hash"]
    assert all(h.startswith("$argon2") for h in hashes)
    everything = store.query("SELECT * FROM app_user").to_string() + store.query("SELECT * FROM audit_log").to_string()
    assert PASSWORD not in everything


def test_sign_in_returns_the_account_and_audits_it(store):
    user = accounts.sign_in(store, "lider.ti", PASSWORD, now=NOW)
    assert (user.role, user.process) == ("lider", "TI")
    log = store.query("SELECT * FROM audit_log WHERE action = 'ingreso'")
    assert list(log["username"]) == ["lider.ti"]


def test_wrong_password_and_unknown_user_give_the_same_message_and_never_log_the_typed_text(store):
    with pytest.raises(Rejected) as wrong:
        accounts.sign_in(store, "lider.ti", "no-es-la-clave", now=NOW)
    with pytest.raises(Rejected) as unknown:
        accounts.sign_in(store, "Secreto-Tecleado-En-Usuario", PASSWORD, now=NOW)
    assert wrong.value.message == unknown.value.message == accounts.BAD_CREDENTIALS
    log = store.query("SELECT * FROM audit_log").to_string()
    assert "Secreto-Tecleado-En-Usuario" not in log and "no-es-la-clave" not in log
    assert store.scalar("SELECT count(*) FROM audit_log WHERE action = 'ingreso_fallido'") == 2


def test_repeated_failures_slow_down_then_lock_the_account(store):
    t = NOW
    for attempt in range(1, accounts.LOCK_AFTER + 1):
        t += timedelta(seconds=accounts.wait_seconds(attempt - 1) + 1)
        with pytest.raises(Rejected):
            accounts.sign_in(store, "consulta", "mala-clave-000", now=t)
        if attempt == accounts.THROTTLE_AFTER:   # right after: must wait, even with the right password
            with pytest.raises(Rejected, match="Espere"):
                accounts.sign_in(store, "consulta", PASSWORD, now=t)
    with pytest.raises(Rejected, match="bloqueada"):
        accounts.sign_in(store, "consulta", PASSWORD, now=t + timedelta(hours=5))
    accounts.unlock(store, "admin", "consulta")
    assert accounts.sign_in(store, "consulta", PASSWORD, now=t + timedelta(hours=5)).role == "consulta"


def test_wait_grows_and_is_capped():
    waits = [accounts.wait_seconds(n) for n in range(12)]
    assert waits[:accounts.THROTTLE_AFTER] == [0] * accounts.THROTTLE_AFTER
    assert waits == sorted(waits) and max(waits) <= accounts.MAX_WAIT


def test_reset_password_unlocks_and_old_password_stops_working(store):
    accounts.set_password(store, None, "lider.ac", "otra-clave-segura")
    with pytest.raises(Rejected):
        accounts.sign_in(store, "lider.ac", PASSWORD, now=NOW)
    assert accounts.sign_in(store, "lider.ac", "otra-clave-segura", now=NOW + timedelta(seconds=5))


def test_short_password_rejected(store):
    with pytest.raises(Rejected, match="al menos"):
        accounts.create_user(store, "admin", "nuevo", "Nuevo", "consulta", "corta")


@pytest.mark.parametrize("who", ["lider.ti", "personero", "consulta"])
def test_only_an_administrator_manages_accounts(store, who):
    with pytest.raises(PermissionDenied):
        accounts.create_user(store, who, "intruso", "Intruso", "administrador", "clave-larga-1234")


def test_first_admin_only_once(tmp_path):
    from metrics import seed
    path = tmp_path / "nueva.duckdb"
    seed.build(path, with_demo=False)
    from metrics.store import Store
    s = Store(path)
    assert s.scalar("SELECT count(*) FROM app_user") == 0
    assert not accounts.anonymous_reading(s)        # off by default outside the demo
    accounts.create_first_admin(s, "jefe.ti", "Jefe de TI", "clave-muy-segura")
    with pytest.raises(Rejected, match="ya tiene un administrador"):
        accounts.create_first_admin(s, "otro", "Otro", "clave-muy-segura")
    s.close()


def test_deactivated_account_cannot_sign_in_or_write(store):
    accounts.update_user(store, "admin", "lider.ti", "lider", "TI", active=False)
    with pytest.raises(Rejected, match="desactivada"):
        accounts.sign_in(store, "lider.ti", PASSWORD, now=NOW)
    with pytest.raises(PermissionDenied):
        writes.report(store, "lider.ti", writes.Entry("GD-06", 2025, 1, "99"), now=NOW)


def test_permissions_matrix():
    lider = accounts.User("l", "L", "lider", "TI")
    assert lider.can("report", "TI") and not lider.can("report", "AC") and not lider.can("lock")
    assert not accounts.User("c", "C", "consulta").can("report")
    personero = accounts.User("p", "P", "personero")
    assert personero.can("lock") and personero.can("export") and not personero.can("report")
    assert all(accounts.User("a", "A", "administrador").can(p) for p in accounts.ACTION_NAMES)


def test_a_leader_cannot_write_another_process_by_calling_metrics_directly(store):
    with pytest.raises(PermissionDenied, match="su proceso"):
        writes.report(store, "lider.ti", writes.Entry("GD-21", 2025, 1, "90"), now=NOW)
    with pytest.raises(PermissionDenied):   # a forged User object does not help: the stored role counts
        writes.report(store, accounts.User("lider.ti", "X", "administrador"),
                         writes.Entry("GD-21", 2025, 1, "90"), now=NOW)
    assert store.scalar("SELECT count(*) FROM measurement") == 0


@pytest.mark.parametrize("write", [
    lambda s: writes.report(s, "consulta", writes.Entry("GD-06", 2025, 1, "99"), now=NOW),
    lambda s: writes.lock_periods(s, "consulta", NOW.date()),
    lambda s: actions.add_action(s, "consulta", "GD-06", "Revisar el servicio", "Jefe TI", NOW.date()),
    lambda s: writes.void(s, "consulta", "GD-06", 2025, 1, "no debería poder", expected_id=1),
    lambda s: accounts.set_anonymous_reading(s, "consulta", True),
])
def test_consulta_cannot_write_at_all(store, write):
    with pytest.raises(PermissionDenied):
        write(store)
    assert store.scalar("SELECT count(*) FROM measurement") == 0


def test_demo_accounts_one_per_role(tmp_path):
    from metrics import seed
    from metrics.store import Store
    path = tmp_path / "d2.duckdb"
    seed.build(path, with_demo=False)
    s = Store(path)
    accounts.create_demo_accounts(s)
    roles = set(s.query("SELECT role FROM app_user")["role"])
    assert roles == set(accounts.ROLES)
    assert accounts.anonymous_reading(s)
    for username, _, role, _, password in accounts.DEMO_ACCOUNTS:
        assert accounts.sign_in(s, username, password).role == role
    s.close()
