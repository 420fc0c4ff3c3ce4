-- The referee tracker: the people who could write a letter, and the concrete bullets for each one.
-- Values of label / kind / status / area come from bot/advice/vocab.py and are validated in db/referees.py.
CREATE TABLE IF NOT EXISTS referees (
    id           INTEGER PRIMARY KEY,
    user_id      INTEGER NOT NULL,
    name         TEXT    NOT NULL,
    name_key     TEXT    NOT NULL,            -- casefolded name: one "Dr Rao" per user, whatever the case
    label        TEXT    NOT NULL,
    kind         TEXT,
    title        TEXT,
    institution  TEXT,
    email        TEXT,
    how_known    TEXT,
    known_for    TEXT,
    last_worked  TEXT,                        -- ISO date
    status       TEXT    NOT NULL DEFAULT 'not_asked',
    letter_date  TEXT,                        -- ISO date
    circled      INTEGER NOT NULL DEFAULT 0 CHECK (circled IN (0, 1)),
    notes        TEXT,
    created_at   TEXT    NOT NULL,            -- ISO datetime, UTC
    updated_at   TEXT    NOT NULL,
    UNIQUE (user_id, name_key),
    UNIQUE (user_id, id)
);

CREATE TABLE IF NOT EXISTS referee_bullets (
    id          INTEGER PRIMARY KEY,
    user_id     INTEGER NOT NULL,
    referee_id  INTEGER NOT NULL,
    position    INTEGER NOT NULL,
    area        TEXT    NOT NULL,
    text        TEXT    NOT NULL,
    UNIQUE (referee_id, position),
    -- the pair keeps a bullet's owner equal to its referee's owner
    FOREIGN KEY (user_id, referee_id) REFERENCES referees (user_id, id) ON DELETE CASCADE
);

CREATE INDEX IF NOT EXISTS referee_bullets_by_referee ON referee_bullets (user_id, referee_id, position);
