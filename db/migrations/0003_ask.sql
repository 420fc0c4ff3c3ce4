-- The "ask for a strong letter" checklist: which steps are done for each (user, referee), and the label of
-- the last reply the applicant pasted (the reply text itself is never stored).
CREATE TABLE IF NOT EXISTS ask_progress (
    user_id      INTEGER NOT NULL,
    referee_id   INTEGER NOT NULL,
    step_key     TEXT    NOT NULL,            -- a key from bot/advice/ask_script.py STEPS
    done_at      TEXT    NOT NULL,            -- ISO datetime, UTC
    reply_label  TEXT CHECK (reply_label IS NULL OR reply_label IN ('enthusiastic', 'hedged', 'declined')),
    PRIMARY KEY (user_id, referee_id, step_key),
    -- the pair keeps a row's owner equal to its referee's owner; deleting the referee deletes its progress
    FOREIGN KEY (user_id, referee_id) REFERENCES referees (user_id, id) ON DELETE CASCADE
);
