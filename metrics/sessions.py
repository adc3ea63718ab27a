"""Sessions that survive a reload: a random token per signed-in browser, kept in the database only as
its sha256, so neither the database nor a backup of it can be used to take over a session.

A session ends at its absolute lifetime, after the idle timeout, or when revoked: signing out,
changing or resetting the password and deactivating the account revoke every session of the account.
Both times are settings (table `security_setting`, not the plan's `setting`) with the defaults below.
"""
from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from metrics.store import Store

LIFETIME_SETTING, LIFETIME_HOURS = "session_hours", 8
IDLE_SETTING, IDLE_MINUTES = "session_idle_minutes", 30
TOUCH_EVERY = timedelta(minutes=1)   # last_seen_at is written at most this often (a rerun is not a write)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def _setting(store: Store, key: str, default: int) -> int:
    value = store.scalar("SELECT value FROM security_setting WHERE key = ?", [key])
    try:
        return int(value) if value is not None and int(value) > 0 else default
    except ValueError:
        return default


def lifetime(store: Store) -> timedelta:
    return timedelta(hours=_setting(store, LIFETIME_SETTING, LIFETIME_HOURS))


def idle_timeout(store: Store) -> timedelta:
    return timedelta(minutes=_setting(store, IDLE_SETTING, IDLE_MINUTES))


def start(store: Store, username: str, now: datetime | None = None) -> str:
    """A new session for `username`, right after a successful sign-in; its token, for the cookie only."""
    now = now or datetime.now()
    token = secrets.token_urlsafe(32)
    ends = now + lifetime(store)
    with store.transaction() as cur:
        cur.execute("INSERT INTO app_session (token_hash, username, created_at, last_seen_at, expires_at) "
                    "VALUES (?, ?, ?, ?, ?)", [token_hash(token), username, now, now, ends])
        cur.execute("DELETE FROM app_session WHERE expires_at < ?", [now - timedelta(days=30)])
    return token


def resume(store: Store, token: str, now: datetime | None = None) -> str | None:
    """The username behind a live session token of an active account, or None; refreshes its idle clock."""
    now = now or datetime.now()
    hashed = token_hash(token)
    row = store.row("SELECT s.username, s.last_seen_at FROM app_session s JOIN app_user u USING (username) "
                    "WHERE s.token_hash = ? AND s.revoked_at IS NULL AND u.active AND ? < s.expires_at",
                    [hashed, now])
    if row is None:
        return None
    username, last_seen = row
    if now >= last_seen + idle_timeout(store):
        return None
    if now - last_seen >= TOUCH_EVERY:
        with store.transaction() as cur:
            cur.execute("UPDATE app_session SET last_seen_at = ? WHERE token_hash = ? AND last_seen_at < ?",
                        [now, hashed, now])
    return username


def revoke_all(cur, username: str, now: datetime, keep: str | None = None) -> int:
    """End every live session of `username` (but the one whose token is `keep`); how many ended.

    Call it inside the transaction of the change that requires it (sign-out, password, deactivation).
    """
    kept = token_hash(keep) if keep else ""
    ended = cur.execute("UPDATE app_session SET revoked_at = ? WHERE username = ? AND revoked_at IS NULL "
                        "AND token_hash <> ? RETURNING token_hash", [now, username, kept]).fetchall()
    return len(ended)


def set_times(cur, hours: int, idle_minutes: int) -> None:
    """Store the absolute lifetime and the idle timeout (the caller checks the permission and audits)."""
    for key, value in ((LIFETIME_SETTING, hours), (IDLE_SETTING, idle_minutes)):
        cur.execute("INSERT OR REPLACE INTO security_setting VALUES (?, ?)", [key, str(int(value))])
