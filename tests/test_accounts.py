"""Accounts: hashing, sign-in throttling by name and by address with temporary locks, the same
message for every failure, audit, and permissions enforced in metrics/."""
from datetime import datetime, timedelta

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


def fail(store, name: str, times: int, start, address: str = "10.0.0.9", already: int = 0):
    """`times` wrong attempts, each as soon as the wait the previous ones imposed allows; the time of
    the last one."""
    t = start
    for n in range(1, times + 1):
        with pytest.raises(Rejected, match="incorrectos"):
            accounts.sign_in(store, name, "mala-clave-000", now=t, address=address)
        if n < times:
            t += timedelta(seconds=accounts.wait_seconds(already + n))
    return t


def test_failures_slow_down_the_account_then_lock_it_for_a_while_and_the_lock_expires(store):
    limits = accounts.ACCOUNT_LIMITS
    t = fail(store, "admin", limits.throttle_after, NOW)
    with pytest.raises(Rejected, match="Espere"):   # right after: must wait, even with the right password
        accounts.sign_in(store, "admin", PASSWORD, now=t + timedelta(seconds=0.5), address="10.0.0.9")
    t = fail(store, "admin", limits.lock_after - limits.throttle_after,
             t + timedelta(seconds=accounts.wait_seconds(limits.throttle_after)), already=limits.throttle_after)
    with pytest.raises(Rejected, match="suspendido"):
        accounts.sign_in(store, "admin", PASSWORD, now=t + limits.lock_for - timedelta(seconds=1),
                         address="10.0.0.7")         # the lock is on the account, from any address
    # the administrator's own next attempt, once the lock has run out, gets in
    assert accounts.sign_in(store, "admin", PASSWORD, now=t + limits.lock_for, address="10.0.0.7").role == "administrador"


def test_an_administrator_lifts_a_lock_from_the_app_functions(store):
    t = fail(store, "lider.ti", accounts.ACCOUNT_LIMITS.lock_after, NOW)
    with pytest.raises(Rejected, match="suspendido"):
        accounts.sign_in(store, "lider.ti", PASSWORD, now=t, address="10.0.0.9")
    locks = accounts.temporary_locks(store, now=t)
    assert ("cuenta", "lider.ti") in set(zip(locks["scope"], locks["key"]))
    with pytest.raises(PermissionDenied):
        accounts.lift_lock(store, "personero", "cuenta", "lider.ti")
    accounts.lift_lock(store, "admin", "cuenta", "lider.ti")
    assert accounts.sign_in(store, "lider.ti", PASSWORD, now=t, address="10.0.0.8").username == "lider.ti"
    assert "desbloquear_cuenta" in set(accounts.audit_log(store)["action"])


def test_one_address_guessing_many_names_is_slowed_and_locked_without_locking_the_accounts(store):
    limits = accounts.ADDRESS_LIMITS
    t = NOW
    for i in range(limits.lock_after):          # a different name each time: no account reaches its limit
        with pytest.raises(Rejected):
            accounts.sign_in(store, f"nombre{i}", "mala-clave-000", now=t, address="10.6.6.6")
        t += timedelta(seconds=accounts.wait_seconds(i + 1, limits) + 1)
    with pytest.raises(Rejected, match="suspendido"):
        accounts.sign_in(store, "consulta", PASSWORD, now=t, address="10.6.6.6")
    assert accounts.sign_in(store, "consulta", PASSWORD, now=t, address="10.0.0.5").role == "consulta"
    accounts.lift_lock(store, "admin", "direccion", "10.6.6.6")
    assert accounts.sign_in(store, "consulta", PASSWORD, now=t, address="10.6.6.6").role == "consulta"


def test_no_message_tells_whether_an_account_exists_is_deactivated_or_locked(store):
    accounts.update_user(store, "admin", "personero", "personero", None, active=False)
    answers = {}
    for name, password in (("no.existe", "mala-clave-000"), ("consulta", "mala-clave-000"),
                           ("personero", "mala-clave-000"), ("personero", PASSWORD)):
        with pytest.raises(Rejected) as refused:
            accounts.sign_in(store, name, password, now=NOW, address=f"10.1.0.{len(answers)}")
        answers[name, password] = refused.value.message
    assert set(answers.values()) == {accounts.BAD_CREDENTIALS}
    # a wrong name and a real one are throttled and locked alike, and say so in the same words
    waits = {}
    for name in ("no.existe.2", "lider.ac"):
        t = fail(store, name, accounts.ACCOUNT_LIMITS.lock_after, NOW + timedelta(minutes=1), address=f"10.2.0.{len(waits)}")
        with pytest.raises(Rejected) as refused:
            accounts.sign_in(store, name, PASSWORD, now=t, address=f"10.3.0.{len(waits)}")
        waits[name] = refused.value.message
    assert waits["no.existe.2"] == waits["lider.ac"] and "suspendido" in waits["lider.ac"]
    assert "no.existe" not in store.query("SELECT * FROM sign_in_throttle").to_string()


def test_a_locked_account_cannot_save_and_an_unlocked_one_can(store):
    now = datetime.now()     # require() checks the lock against the clock of the write
    fail(store, "lider.ti", accounts.ACCOUNT_LIMITS.lock_after, now - timedelta(minutes=2))
    entry = writes.Entry("GD-06", 2025, 1, "99")
    with pytest.raises(PermissionDenied, match="suspendido"):
        writes.report(store, "lider.ti", entry, now=NOW)
    assert store.scalar("SELECT count(*) FROM measurement") == 0
    accounts.lift_lock(store, "admin", "cuenta", "lider.ti")
    writes.report(store, "lider.ti", entry, now=NOW)
    assert store.scalar("SELECT count(*) FROM measurement") == 1


def test_wait_grows_and_is_capped():
    for limits in (accounts.ACCOUNT_LIMITS, accounts.ADDRESS_LIMITS):
        waits = [accounts.wait_seconds(n, limits) for n in range(40)]
        assert waits[:limits.throttle_after] == [0] * limits.throttle_after
        assert waits == sorted(waits) and max(waits) == accounts.MAX_WAIT


def test_reset_password_unlocks_and_old_password_stops_working(store):
    fail(store, "lider.ac", accounts.ACCOUNT_LIMITS.lock_after, NOW)
    accounts.set_password(store, None, "lider.ac", "otra-clave-bien-segura")
    with pytest.raises(Rejected, match="incorrectos"):
        accounts.sign_in(store, "lider.ac", PASSWORD, now=NOW + timedelta(minutes=1))
    assert accounts.sign_in(store, "lider.ac", "otra-clave-bien-segura", now=NOW + timedelta(minutes=1))


def test_short_password_rejected(store):
    with pytest.raises(Rejected, match="al menos 12"):
        accounts.create_user(store, "admin", "nuevo", "Nuevo", "consulta", "corta-de-11")
    assert store.scalar("SELECT count(*) FROM app_user WHERE username = 'nuevo'") == 0


@pytest.mark.parametrize("who", ["lider.ti", "personero", "consulta"])
def test_only_an_administrator_manages_accounts(store, who):
    with pytest.raises(PermissionDenied):
        accounts.create_user(store, who, "intruso", "Intruso", "administrador", "clave-larga-12345")


def test_first_admin_only_once(tmp_path):
    from metrics import seed
    path = tmp_path / "nueva.duckdb"
    seed.build(path, with_demo=False)
    from metrics.store import Store
    s = Store(path)
    assert s.scalar("SELECT count(*) FROM app_user") == 0
    assert not accounts.anonymous_reading(s)        # off by default outside the demo
    accounts.create_first_admin(s, "jefe.ti", "Jefe de TI", "clave-muy-segura-2")
    with pytest.raises(Rejected, match="ya tiene un administrador"):
        accounts.create_first_admin(s, "otro", "Otro", "clave-muy-segura-2")
    s.close()


def test_deactivated_account_cannot_sign_in_or_write(store):
    accounts.update_user(store, "admin", "lider.ti", "lider", "TI", active=False)
    with pytest.raises(Rejected, match="incorrectos"):   # even with the right password: no hint
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


def test_sign_in_failures_and_session_settings_leave_the_reports_data_hash_alone(store):
    from metrics import export
    before = export.data_hash(store, NOW.date())
    with pytest.raises(Rejected):
        accounts.sign_in(store, "nadie", "mala-clave-000", now=NOW)
    accounts.set_session_times(store, "admin", 4, 20)
    assert export.data_hash(store, NOW.date()) == before
