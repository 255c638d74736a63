-- Karyo dataset store, migration 0003: the review web app (`karyo serve`, issue 8).
--
-- Accounts with roles, password hashes (bcrypt, never the password), web sessions (only the
-- SHA-256 of a session id is stored, never the id itself), login attempts for rate limiting,
-- and blind double reading: two readers per sample, their reads, and the adjudication of
-- disagreements. Review decisions themselves are label events (source 'reviewer') in
-- label_events; double_readings.label_event_id links the event a double reading produced.
-- No patient identity: samples are named by row id only.

CREATE TABLE accounts (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    name          TEXT NOT NULL UNIQUE
        CHECK (length(name) BETWEEN 1 AND 64 AND name NOT GLOB '*[^A-Za-z0-9._-]*'),
    role          TEXT NOT NULL CHECK (role IN ('admin', 'curator', 'reviewer')),
    -- bcrypt hash ($2b$...) of the password
    password_hash TEXT NOT NULL CHECK (length(password_hash) >= 50),
    disabled      INTEGER NOT NULL DEFAULT 0 CHECK (disabled IN (0, 1)),
    created_at    TEXT NOT NULL
) STRICT;

CREATE TRIGGER accounts_no_delete BEFORE DELETE ON accounts
BEGIN
    SELECT RAISE(ABORT, 'accounts cannot be deleted (disable them)');
END;

-- id_hash: lowercase hex SHA-256 of the random session id held in the browser's cookie.
CREATE TABLE web_sessions (
    id_hash      TEXT PRIMARY KEY NOT NULL
        CHECK (length(id_hash) = 64 AND id_hash NOT GLOB '*[^0-9a-f]*'),
    account_id   INTEGER NOT NULL REFERENCES accounts(id),
    csrf_token   TEXT NOT NULL CHECK (length(csrf_token) >= 32),
    created_at   TEXT NOT NULL,
    last_seen_at TEXT NOT NULL,
    expires_at   TEXT NOT NULL
) STRICT, WITHOUT ROWID;
CREATE INDEX web_sessions_by_account ON web_sessions(account_id);

-- client: the peer address of the login request (or 'unknown').
CREATE TABLE login_attempts (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    account_name TEXT NOT NULL,
    client       TEXT NOT NULL,
    succeeded    INTEGER NOT NULL CHECK (succeeded IN (0, 1)),
    created_at   TEXT NOT NULL
) STRICT;
CREATE INDEX login_attempts_by_name ON login_attempts(account_name, created_at);
CREATE INDEX login_attempts_by_client ON login_attempts(client, created_at);

-- A sample sent to two readers who do not see each other's call. label_event_id: the label
-- event the reading produced (set once: when both reads agree, or by the adjudication).
CREATE TABLE double_readings (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    sample_id      INTEGER NOT NULL REFERENCES samples(id),
    reader1_id     INTEGER NOT NULL REFERENCES accounts(id),
    reader2_id     INTEGER NOT NULL REFERENCES accounts(id),
    created_by     INTEGER NOT NULL REFERENCES accounts(id),
    created_at     TEXT NOT NULL,
    label_event_id INTEGER REFERENCES label_events(id),
    CHECK (reader1_id <> reader2_id)
) STRICT;
CREATE INDEX double_readings_by_sample ON double_readings(sample_id);
CREATE INDEX double_readings_by_reader1 ON double_readings(reader1_id);
CREATE INDEX double_readings_by_reader2 ON double_readings(reader2_id);

CREATE TRIGGER double_readings_once BEFORE UPDATE ON double_readings
WHEN OLD.label_event_id IS NOT NULL
    OR NEW.id IS NOT OLD.id OR NEW.sample_id IS NOT OLD.sample_id
    OR NEW.reader1_id IS NOT OLD.reader1_id OR NEW.reader2_id IS NOT OLD.reader2_id
    OR NEW.created_by IS NOT OLD.created_by OR NEW.created_at IS NOT OLD.created_at
BEGIN
    SELECT RAISE(ABORT, 'a double reading is resolved once and otherwise immutable');
END;

CREATE TRIGGER double_readings_no_delete BEFORE DELETE ON double_readings
BEGIN
    SELECT RAISE(ABORT, 'double readings cannot be deleted');
END;

-- One reader's blind call on a double reading (append-only, one per reader).
CREATE TABLE blind_reads (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    reading_id INTEGER NOT NULL REFERENCES double_readings(id),
    reader_id  INTEGER NOT NULL REFERENCES accounts(id),
    decision   TEXT NOT NULL CHECK (decision IN ('positive', 'negative', 'unsure')),
    comment    TEXT,
    created_at TEXT NOT NULL,
    UNIQUE (reading_id, reader_id)
) STRICT;

CREATE TRIGGER blind_reads_no_update BEFORE UPDATE ON blind_reads
BEGIN
    SELECT RAISE(ABORT, 'blind reads are append-only');
END;

CREATE TRIGGER blind_reads_no_delete BEFORE DELETE ON blind_reads
BEGIN
    SELECT RAISE(ABORT, 'blind reads are append-only');
END;

-- The adjudicator's call on a double reading whose readers disagreed (one per reading).
CREATE TABLE adjudications (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    reading_id     INTEGER NOT NULL UNIQUE REFERENCES double_readings(id),
    adjudicator_id INTEGER NOT NULL REFERENCES accounts(id),
    decision       TEXT NOT NULL CHECK (decision IN ('positive', 'negative', 'unsure')),
    comment        TEXT,
    label_event_id INTEGER NOT NULL REFERENCES label_events(id),
    created_at     TEXT NOT NULL
) STRICT;

CREATE TRIGGER adjudications_no_update BEFORE UPDATE ON adjudications
BEGIN
    SELECT RAISE(ABORT, 'adjudications are append-only');
END;

CREATE TRIGGER adjudications_no_delete BEFORE DELETE ON adjudications
BEGIN
    SELECT RAISE(ABORT, 'adjudications are append-only');
END;
