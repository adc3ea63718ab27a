-- The yearly Plan de Acción (issue 11):
--   * plan_action: the actions of each vigencia, plan data like indicators (created and changed by
--     planeación through plan_change, with history and effective dates).
--   * action_progress: each action's progress (%) per quarterly cut-off, append-only like
--     measurement (a correction names the row it supersedes; nothing is updated or deleted).
--   * indicator.computed_from: 'plan_de_accion' when the indicator's value is computed from the
--     Plan de Acción instead of typed (GD-03).
--   * the policy model each plan follows (plan.policy_model), the elements of each model
--     (policy_element) and each indicator's element in each model (indicator_element): plan data.
--   * plan_change.item also allows 'plan_action', 'policy_element', 'indicator_element' (DuckDB cannot alter a CHECK: the table is rebuilt).

ALTER TABLE indicator ADD COLUMN computed_from TEXT;
ALTER TABLE plan ADD COLUMN policy_model TEXT;

CREATE TABLE policy_element (
    model TEXT NOT NULL,             -- 'MGD-2018' (Decreto 1008 de 2018), 'MGD-2022' (Decreto 767 de 2022)
    code TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('componente', 'habilitador', 'linea_de_accion', 'iniciativa_dinamizadora')),
    name TEXT NOT NULL,
    position INTEGER NOT NULL,
    PRIMARY KEY (model, code)
);

CREATE TABLE indicator_element (
    indicator TEXT NOT NULL REFERENCES indicator (code),
    model TEXT NOT NULL,
    element TEXT NOT NULL,
    PRIMARY KEY (indicator, model)
);

CREATE TABLE plan_action (
    code TEXT PRIMARY KEY,           -- 'PA24-03'
    year INTEGER NOT NULL,           -- the vigencia
    text TEXT NOT NULL,              -- the action
    product TEXT,                    -- product or goal
    activity TEXT NOT NULL REFERENCES activity (code),
    process TEXT NOT NULL REFERENCES process (code),
    start_date DATE NOT NULL,
    end_date DATE NOT NULL,
    weight DOUBLE NOT NULL DEFAULT 1,
    budget DOUBLE,
    indicator TEXT REFERENCES indicator (code)
);

CREATE SEQUENCE action_progress_id START 1;

CREATE TABLE action_progress (
    id BIGINT PRIMARY KEY DEFAULT nextval('action_progress_id'),
    action TEXT NOT NULL REFERENCES plan_action (code),
    year INTEGER NOT NULL,
    period INTEGER NOT NULL,         -- the quarter of the vigencia
    period_end DATE NOT NULL,
    progress DOUBLE,
    analysis TEXT,
    evidence_url TEXT,
    recorded_at TIMESTAMP NOT NULL,
    recorded_by TEXT NOT NULL,
    supersedes BIGINT,
    reason TEXT,
    is_void BOOLEAN NOT NULL DEFAULT false
);

CREATE INDEX action_progress_lookup ON action_progress (action, year, period);

CREATE TABLE plan_change_v6 (
    id BIGINT PRIMARY KEY DEFAULT nextval('plan_change_id'),
    item TEXT NOT NULL CHECK (item IN ('entity', 'setting', 'plan', 'objective', 'process',
                                       'responsible_role', 'activity', 'indicator',
                                       'indicator_objective', 'target', 'plan_action',
                                       'policy_element', 'indicator_element')),
    item_key TEXT NOT NULL,
    effective_from DATE NOT NULL,
    retired BOOLEAN NOT NULL DEFAULT false,
    data JSON,
    recorded_at TIMESTAMP NOT NULL,
    recorded_by TEXT NOT NULL,
    reason TEXT NOT NULL
);
INSERT INTO plan_change_v6 SELECT id, item, item_key, effective_from, retired, data, recorded_at, recorded_by,
    reason FROM plan_change;
DROP TABLE plan_change;
ALTER TABLE plan_change_v6 RENAME TO plan_change;
CREATE INDEX plan_change_lookup ON plan_change (item, item_key);
