-- Email reminders (issue 12, point 2): every message sent by `python -m metrics.recordatorios` is
-- recorded here, one row per period reminded (a leader's message) or one row per digest (the
-- Personero's weekly summary: indicator, year and period are NULL), so a second run the same day
-- does not remind the same period twice, and a second run the same week sends no second digest.
-- Nothing of the SMTP settings is stored: they come from the environment at each run.

CREATE SEQUENCE reminder_sent_id START 1;

CREATE TABLE reminder_sent (
    id BIGINT PRIMARY KEY DEFAULT nextval('reminder_sent_id'),
    sent_on DATE NOT NULL,                 -- the day the run was for (--hoy)
    sent_at TIMESTAMP NOT NULL,
    username TEXT NOT NULL,
    email TEXT NOT NULL,
    kind TEXT NOT NULL,                    -- 'lider' (periods owed) or 'personero' (weekly digest)
    indicator TEXT,
    year INTEGER,
    period INTEGER,
    subject TEXT NOT NULL
);

CREATE INDEX reminder_sent_day ON reminder_sent (sent_on, username);
