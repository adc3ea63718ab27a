-- The Plan de Acción, continued (issue 11):
--   * plan_action.milestones: the progress (%) planned on given dates, as text «31/03/2025: 20;
--     30/06/2025: 60» (metrics/milestones.py); empty means linear between the start and end dates.
--     Plan data: it travels with the action in plan_change, with history and effective dates.
--   * action_lock_exception: one more write to a locked action-quarter, opened by an administrator
--     with a reason, like lock_exception for an indicator-period (used once, by one progress row).

ALTER TABLE plan_action ADD COLUMN milestones TEXT;

CREATE SEQUENCE action_lock_exception_id START 1;

CREATE TABLE action_lock_exception (
    id BIGINT PRIMARY KEY DEFAULT nextval('action_lock_exception_id'),
    action TEXT NOT NULL,
    year INTEGER NOT NULL,
    period INTEGER NOT NULL,
    reason TEXT NOT NULL,
    opened_at TIMESTAMP NOT NULL,
    opened_by TEXT NOT NULL,
    used_by_progress BIGINT,
    used_at TIMESTAMP
);

-- The half-yearly percentage of the six DE-P-007 activities read from a CSV: replaced by the actions'
-- progress (action_progress), which the activities roll up; nothing reads it any more.
DROP TABLE activity_progress;
