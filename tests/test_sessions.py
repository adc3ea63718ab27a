"""Browser sessions (metrics/sessions.py): stored only as a hash, absolute and idle expiry with an
injected clock, and revoked by signing out, a password change or deactivating the account."""
from datetime import timedelta

import pytest

from metrics import accounts, sessions
from tests.reporting_helpers import NOW, PASSWORD, fresh_store


@pytest.fixture
def store(tmp_path):
    s = fresh_store(tmp_path)
    yield s
    s.close()


def test_the_token_is_random_and_stored_only_as_its_sha256(store):
    tokens = {sessions.start(store, "lider.ti", now=NOW) for _ in range(3)}
    assert len(tokens) == 3 and all(len(t) >= 40 for t in tokens)
    stored = store.query("SELECT * FROM app_session").to_string()
    assert not any(t in stored for t in tokens)
    assert all(sessions.token_hash(t) in stored for t in tokens)


def test_a_session_dies_after_the_idle_timeout_and_activity_keeps_it_alive(store):
    token = sessions.start(store, "lider.ti", now=NOW)
    idle = sessions.idle_timeout(store)
    assert idle == timedelta(minutes=sessions.IDLE_MINUTES)
    t = NOW
    for _ in range(4):                         # used every 20 minutes: 80 minutes later still alive
        t += idle - timedelta(minutes=10)
        assert sessions.resume(store, token, now=t) == "lider.ti"
    assert sessions.resume(store, token, now=t + idle) is None


def test_a_session_ends_at_its_absolute_lifetime_even_when_used(store):
    token = sessions.start(store, "lider.ti", now=NOW)
    end = NOW + sessions.lifetime(store)
    t = NOW
    while t + timedelta(minutes=20) < end:
        t += timedelta(minutes=20)
        assert sessions.resume(store, token, now=t) == "lider.ti"
    assert sessions.resume(store, token, now=end) is None


def test_the_times_are_settings_an_administrator_changes(store):
    accounts.set_session_times(store, "admin", 2, 10)
    token = sessions.start(store, "lider.ti", now=NOW)
    assert sessions.resume(store, token, now=NOW + timedelta(minutes=9)) == "lider.ti"
    assert sessions.resume(store, token, now=NOW + timedelta(minutes=20)) is None
    with pytest.raises(accounts.PermissionDenied):
        accounts.set_session_times(store, "lider.ti", 24, 600)
    with pytest.raises(accounts.Rejected, match="entre 1 y 24 horas"):
        accounts.set_session_times(store, "admin", 100, 10)


@pytest.mark.parametrize("end", ["salida", "restablecer", "desactivar"])
def test_sign_out_password_reset_and_deactivation_end_every_session_of_the_account(store, end):
    mine = [sessions.start(store, "lider.ti", now=NOW) for _ in range(2)]
    other = sessions.start(store, "lider.ac", now=NOW)
    if end == "salida":
        accounts.sign_out(store, "lider.ti", now=NOW)
    elif end == "restablecer":
        accounts.set_password(store, "admin", "lider.ti", "Nueva-clave-del-lider-9")
    else:
        accounts.update_user(store, "admin", "lider.ti", "lider", "TI", active=False)
    later = NOW + timedelta(minutes=1)
    assert [sessions.resume(store, t, now=later) for t in mine] == [None, None]
    assert sessions.resume(store, other, now=later) == "lider.ac"


def test_changing_ones_own_password_keeps_this_session_and_ends_the_others(store):
    here, elsewhere = (sessions.start(store, "lider.ti", now=NOW) for _ in range(2))
    with pytest.raises(accounts.Rejected, match="actual no es correcta"):
        accounts.change_own_password(store, "lider.ti", "no-es-la-clave", "Otra-frase-bien-larga", keep_token=here,
                                     now=NOW)
    with pytest.raises(accounts.Rejected, match="al menos 12"):
        accounts.change_own_password(store, "lider.ti", PASSWORD, "corta", keep_token=here, now=NOW)
    assert sessions.resume(store, elsewhere, now=NOW) == "lider.ti"       # nothing changed yet
    accounts.change_own_password(store, "lider.ti", PASSWORD, "Otra-frase-bien-larga", keep_token=here, now=NOW)
    assert sessions.resume(store, here, now=NOW) == "lider.ti"
    assert sessions.resume(store, elsewhere, now=NOW) is None
    assert accounts.sign_in(store, "lider.ti", "Otra-frase-bien-larga", now=NOW).username == "lider.ti"
    assert "cambiar_clave" in set(accounts.audit_log(store)["action"])
