-- The plan (entity, plans, objectives, processes, activities, indicators, targets) and the
-- append-only measurements. Codes are the stable keys the pages and the URLs use.

CREATE TABLE entity (
    name TEXT NOT NULL,
    short_name TEXT,
    motto TEXT,
    address TEXT,
    city TEXT,
    mission TEXT NOT NULL,
    vision TEXT NOT NULL,
    quality_policy TEXT,
    policy_code TEXT,
    policy_name TEXT,
    policy_owner_process TEXT,
    policy_version INTEGER,
    policy_approved_on DATE
);

CREATE TABLE setting (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

CREATE TABLE plan (
    code TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    start_date DATE NOT NULL,
    end_date DATE NOT NULL,
    vision_horizon DATE
);

CREATE TABLE objective (
    code TEXT PRIMARY KEY,
    kind TEXT NOT NULL CHECK (kind IN ('institucional', 'general', 'especifico')),
    text TEXT NOT NULL,
    weight DOUBLE NOT NULL DEFAULT 0,
    position INTEGER NOT NULL
);

CREATE TABLE process (
    code TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    type TEXT NOT NULL CHECK (type IN ('estrategico', 'misional', 'apoyo', 'evaluacion')),
    leader_role TEXT,
    description TEXT
);

CREATE TABLE responsible_role (
    position INTEGER PRIMARY KEY,
    text TEXT NOT NULL
);

CREATE TABLE activity (
    code TEXT PRIMARY KEY,
    text TEXT NOT NULL,
    process TEXT NOT NULL REFERENCES process (code),
    position INTEGER NOT NULL
);

CREATE TABLE activity_progress (
    activity TEXT NOT NULL REFERENCES activity (code),
    as_of DATE NOT NULL,
    progress DOUBLE NOT NULL,
    note TEXT,
    PRIMARY KEY (activity, as_of)
);

CREATE TABLE indicator (
    code TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    objective TEXT,
    definition TEXT,
    formula TEXT,
    numerator TEXT,
    denominator TEXT,
    unit TEXT NOT NULL,
    polarity TEXT NOT NULL CHECK (polarity IN ('up', 'down')),
    accumulation TEXT NOT NULL CHECK (accumulation IN ('flujo', 'stock', 'acumulado')),
    frequency TEXT NOT NULL CHECK (frequency IN ('M', 'T', 'S', 'A')),
    baseline DOUBLE,
    baseline_year INTEGER,
    red_below DOUBLE,
    green_from DOUBLE,
    process TEXT NOT NULL REFERENCES process (code),
    element TEXT,
    source TEXT,
    indicator_type TEXT,
    level TEXT,
    valid_min DOUBLE,
    valid_max DOUBLE,
    public BOOLEAN NOT NULL DEFAULT false,
    weight DOUBLE NOT NULL DEFAULT 1,
    start_year INTEGER NOT NULL
);

CREATE TABLE indicator_objective (
    indicator TEXT NOT NULL REFERENCES indicator (code),
    objective TEXT NOT NULL REFERENCES objective (code),
    weight DOUBLE NOT NULL CHECK (weight > 0),
    PRIMARY KEY (indicator, objective)
);

CREATE TABLE target (
    indicator TEXT NOT NULL REFERENCES indicator (code),
    year INTEGER NOT NULL,
    target DOUBLE NOT NULL,
    PRIMARY KEY (indicator, year)
);

CREATE SEQUENCE measurement_id START 1;

-- Append-only: a correction is a new row naming the row it supersedes; a void is a row
-- with is_void = true. Nothing is updated or deleted.
CREATE TABLE measurement (
    id BIGINT PRIMARY KEY DEFAULT nextval('measurement_id'),
    indicator TEXT NOT NULL REFERENCES indicator (code),
    year INTEGER NOT NULL,
    period INTEGER NOT NULL,
    period_end DATE NOT NULL,
    value DOUBLE,
    numerator DOUBLE,
    denominator DOUBLE,
    analysis TEXT,
    evidence_url TEXT,
    recorded_at TIMESTAMP NOT NULL,
    recorded_by TEXT NOT NULL,
    supersedes BIGINT,
    reason TEXT,
    is_void BOOLEAN NOT NULL DEFAULT false
);

CREATE INDEX measurement_lookup ON measurement (indicator, year, period);
