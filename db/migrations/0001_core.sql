-- Core tables: small key/value store for the bot itself (command-sync hash and the like).
CREATE TABLE IF NOT EXISTS meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
