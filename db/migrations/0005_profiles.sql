-- The applicant profile /plan remembers (one row per user).
CREATE TABLE IF NOT EXISTS applicant_profiles (
    user_id            INTEGER PRIMARY KEY,
    profile            TEXT,
    reapplying         INTEGER NOT NULL DEFAULT 0 CHECK (reapplying IN (0, 1)),
    clinically_active  INTEGER NOT NULL DEFAULT 1 CHECK (clinically_active IN (0, 1)),
    updated_at         TEXT NOT NULL
);
