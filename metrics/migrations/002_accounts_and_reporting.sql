-- Accounts, the audit log, period locks with their exceptions, and the plan de mejoramiento.
-- Passwords are stored only as argon2 hashes. The audit log and the locks are append-only.

CREATE TABLE app_user (
    username TEXT PRIMARY KEY,
    full_name TEXT NOT NULL,
    email TEXT,
    role TEXT NOT NULL CHECK (role IN ('administrador', 'personero', 'lider', 'consulta')),
    process TEXT,                        -- the process a líder de proceso reports for
    password_hash TEXT NOT NULL,
    active BOOLEAN NOT NULL DEFAULT true,
    failed_attempts INTEGER NOT NULL DEFAULT 0,
    last_failed_at TIMESTAMP,
    locked_at TIMESTAMP,                 -- set after too many failed attempts; an administrator clears it
    last_login_at TIMESTAMP,
    created_at TIMESTAMP NOT NULL,
    created_by TEXT NOT NULL,
    CHECK (role <> 'lider' OR process IS NOT NULL)
);

CREATE SEQUENCE audit_log_id START 1;

CREATE TABLE audit_log (
    id BIGINT PRIMARY KEY DEFAULT nextval('audit_log_id'),
    logged_at TIMESTAMP NOT NULL,
    username TEXT,                       -- NULL when the account is unknown (never the typed text)
    action TEXT NOT NULL,
    target TEXT,
    detail TEXT
);

CREATE SEQUENCE period_lock_id START 1;

-- Every period that ended on or before the latest locked_through is locked.
CREATE TABLE period_lock (
    id BIGINT PRIMARY KEY DEFAULT nextval('period_lock_id'),
    locked_through DATE NOT NULL,
    note TEXT,
    locked_at TIMESTAMP NOT NULL,
    locked_by TEXT NOT NULL
);

CREATE SEQUENCE lock_exception_id START 1;

-- One write to a locked indicator-period, opened by an administrator with a reason.
CREATE TABLE lock_exception (
    id BIGINT PRIMARY KEY DEFAULT nextval('lock_exception_id'),
    indicator TEXT NOT NULL,
    year INTEGER NOT NULL,
    period INTEGER NOT NULL,
    reason TEXT NOT NULL,
    opened_at TIMESTAMP NOT NULL,
    opened_by TEXT NOT NULL,
    used_by_measurement BIGINT,
    used_at TIMESTAMP
);

CREATE SEQUENCE improvement_action_id START 1;

CREATE TABLE improvement_action (
    id BIGINT PRIMARY KEY DEFAULT nextval('improvement_action_id'),
    indicator TEXT NOT NULL,
    year INTEGER,
    period INTEGER,
    action TEXT NOT NULL,
    responsible TEXT NOT NULL,
    due_date DATE NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('abierta', 'en_ejecucion', 'cerrada')),
    created_at TIMESTAMP NOT NULL,
    created_by TEXT NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    updated_by TEXT NOT NULL
);
