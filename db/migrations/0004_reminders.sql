-- Reminders that are never lost (issue 6), and the per-user settings they need.
-- Times are whole UNIX seconds (UTC); a reminder is never early, so due times are rounded up.

-- One row per user who set a time zone or a daily nudge. Read it through db/reminders.py.
CREATE TABLE reminder_prefs (
    user_id      INTEGER PRIMARY KEY,
    timezone     TEXT,                          -- IANA name; NULL = never set (UTC is used)
    nudge_time   TEXT,                          -- 'HH:MM' local time of the daily nudge; NULL = off
    updated_at   INTEGER NOT NULL
);

CREATE TABLE reminders (
    id             INTEGER PRIMARY KEY,
    user_id        INTEGER NOT NULL,
    kind           TEXT    NOT NULL DEFAULT 'custom'
                   CHECK (kind IN ('custom', 'nudge', 'follow_up', 'packet', 'tonight')),
    text           TEXT    NOT NULL,
    status         TEXT    NOT NULL DEFAULT 'pending'
                   CHECK (status IN ('pending', 'sending', 'sent', 'undeliverable', 'failed', 'cancelled')),
    due_at         INTEGER NOT NULL,            -- when the scheduler next tries (moves on retry backoff)
    scheduled_for  INTEGER NOT NULL,            -- the moment promised to the user (lateness is measured from it)
    attempts       INTEGER NOT NULL DEFAULT 0,
    last_error     TEXT,
    claimed_at     INTEGER,                     -- when it went to 'sending' (stale claims are retried)
    sent_at        INTEGER,
    created_at     INTEGER NOT NULL,
    referee_id     INTEGER,                     -- follow-up / packet / tonight reminders name one referee
    recurrence     TEXT,                        -- 'HH:MM' on the one pending row of a daily nudge chain
    told           INTEGER NOT NULL DEFAULT 0 CHECK (told IN (0, 1))  -- user told it could not be delivered
);

-- The scheduler's query: the earliest pending reminder, and every due one.
CREATE INDEX reminders_by_status_due ON reminders (status, due_at);
-- Per-user listings and the "tell the user next time" check.
CREATE INDEX reminders_by_user ON reminders (user_id, status, due_at);
-- Cancelling a referee's follow-ups when its status moves on.
CREATE INDEX reminders_by_referee ON reminders (referee_id) WHERE referee_id IS NOT NULL;
