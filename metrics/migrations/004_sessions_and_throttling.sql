-- Sessions that survive a reload, and sign-in throttling that cannot be used to lock people out
-- (issue "Safe to run in production"):
--   * app_session: one row per signed-in browser. The random token travels only in a cookie; the
--     database keeps its sha256, so a copy of the database cannot be used to take over a session.
--     A session ends at expires_at (absolute), after the idle timeout since last_seen_at, or when
--     revoked (sign-out, password change, account deactivated).
--   * sign_in_throttle: consecutive failed sign-ins per account name and per client address, with a
--     temporary lock that expires by itself (locked_until). Unknown names get a row too, keyed by a
--     keyed hash of the typed text (never the text), so a wrong name and a real one behave alike.
--     It replaces the per-account counters of app_user, whose lock lasted until an administrator
--     lifted it from the command line.

CREATE TABLE app_session (
    token_hash TEXT PRIMARY KEY,          -- sha256 of the cookie's token, hexadecimal
    username TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    last_seen_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL,
    revoked_at TIMESTAMP
);

CREATE INDEX app_session_user ON app_session (username);

CREATE TABLE sign_in_throttle (
    scope TEXT NOT NULL CHECK (scope IN ('cuenta', 'direccion')),
    key TEXT NOT NULL,                    -- the account's username, '#' + keyed hash of an unknown name, or the address
    failed_attempts INTEGER NOT NULL,
    last_failed_at TIMESTAMP NOT NULL,
    locked_until TIMESTAMP,
    PRIMARY KEY (scope, key)
);

-- Settings of sign-in and sessions, apart from `setting` (which is part of the plan, its history and
-- the data hash of every report): the session times and the random key for hashing unknown names.
CREATE TABLE security_setting (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

-- A lock of the old kind (permanent) becomes a temporary one that has already expired.
INSERT INTO sign_in_throttle
    SELECT 'cuenta', username, failed_attempts, coalesce(last_failed_at, locked_at), NULL
    FROM app_user WHERE failed_attempts > 0 AND coalesce(last_failed_at, locked_at) IS NOT NULL;

ALTER TABLE app_user DROP COLUMN failed_attempts;
ALTER TABLE app_user DROP COLUMN last_failed_at;
ALTER TABLE app_user DROP COLUMN locked_at;
