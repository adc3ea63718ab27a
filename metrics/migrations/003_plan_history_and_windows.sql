-- The plan becomes the entity's own and changes with history (issue "Your plan, your database"):
--   * plan_change: append-only versions of any plan row, each with the date from which it is in
--     force, who recorded it, when and why. The rows of the plan tables are the plan as first
--     loaded (inicializar / the seed); a cut-off applies every change effective on or before it.
--   * reporting windows per indicator: a period's value is due report_due_days after the period
--     closes (NULL: the entity's grace_days), or, when report_due_date ('MM-DD') is set, on that
--     day of the year after the period's year (FURAG, ITA: published months after the year closes).
--   * the role planeacion (Oficina de Planeación): changes the plan, never the accounts.

ALTER TABLE indicator ADD COLUMN report_due_days INTEGER;
ALTER TABLE indicator ADD COLUMN report_due_date TEXT;

CREATE SEQUENCE plan_change_id START 1;

CREATE TABLE plan_change (
    id BIGINT PRIMARY KEY DEFAULT nextval('plan_change_id'),
    item TEXT NOT NULL CHECK (item IN ('entity', 'setting', 'plan', 'objective', 'process',
                                       'responsible_role', 'activity', 'indicator',
                                       'indicator_objective', 'target')),
    item_key TEXT NOT NULL,          -- the row's key: 'GD-05', 'GD-05|2025', 'GD-05|OE1', ...
    effective_from DATE NOT NULL,    -- every cut-off on or after this date sees the change
    retired BOOLEAN NOT NULL DEFAULT false,
    data JSON,                       -- the whole row after the change; NULL when retired
    recorded_at TIMESTAMP NOT NULL,
    recorded_by TEXT NOT NULL,
    reason TEXT NOT NULL
);

CREATE INDEX plan_change_lookup ON plan_change (item, item_key);

CREATE TABLE app_user_v3 (
    username TEXT PRIMARY KEY,
    full_name TEXT NOT NULL,
    email TEXT,
    role TEXT NOT NULL CHECK (role IN ('administrador', 'personero', 'planeacion', 'lider', 'consulta')),
    process TEXT,
    password_hash TEXT NOT NULL,
    active BOOLEAN NOT NULL DEFAULT true,
    failed_attempts INTEGER NOT NULL DEFAULT 0,
    last_failed_at TIMESTAMP,
    locked_at TIMESTAMP,
    last_login_at TIMESTAMP,
    created_at TIMESTAMP NOT NULL,
    created_by TEXT NOT NULL,
    CHECK (role <> 'lider' OR process IS NOT NULL)
);
INSERT INTO app_user_v3 SELECT username, full_name, email, role, process, password_hash, active,
    failed_attempts, last_failed_at, locked_at, last_login_at, created_at, created_by FROM app_user;
DROP TABLE app_user;
ALTER TABLE app_user_v3 RENAME TO app_user;
