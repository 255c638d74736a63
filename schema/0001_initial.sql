-- Karyo dataset store, migration 0001: the initial schema.
--
-- Migrations are append-only: never edit a migration that has shipped; add 0002_*.sql instead.
-- tools/embed-schema copies these files into Sources/KaryoStore/Schema/EmbeddedMigrations.swift.
--
-- Privacy rule: no table holds a lab's patient, case or cell identifier, a file name or a path.
-- identity_keys holds only keyed hashes (HMAC-SHA256 with the per-project secret.key).
-- Times are ISO-8601 UTC text with milliseconds, e.g. 2025-01-31T12:00:00.000Z.

CREATE TABLE config (
    key   TEXT PRIMARY KEY NOT NULL,
    value TEXT NOT NULL
) STRICT, WITHOUT ROWID;

CREATE TABLE labs (
    id         INTEGER PRIMARY KEY,
    name       TEXT NOT NULL UNIQUE CHECK (length(name) > 0),
    created_at TEXT NOT NULL
) STRICT;

CREATE TABLE patients (
    id         INTEGER PRIMARY KEY,
    token      TEXT NOT NULL UNIQUE CHECK (token GLOB 'p-?*'),
    lab_id     INTEGER NOT NULL REFERENCES labs(id),
    created_at TEXT NOT NULL
) STRICT;

CREATE TABLE cases (
    id         INTEGER PRIMARY KEY,
    token      TEXT NOT NULL UNIQUE CHECK (token GLOB 'c-?*'),
    patient_id INTEGER NOT NULL REFERENCES patients(id),
    created_at TEXT NOT NULL
) STRICT;
CREATE INDEX cases_by_patient ON cases(patient_id);

CREATE TABLE cells (
    id         INTEGER PRIMARY KEY,
    token      TEXT NOT NULL UNIQUE CHECK (token GLOB 'm-?*'),
    case_id    INTEGER NOT NULL REFERENCES cases(id),
    created_at TEXT NOT NULL
) STRICT;
CREATE INDEX cells_by_case ON cells(case_id);

-- Keyed lookup of lab identifiers: lookup_key = hex HMAC-SHA256(secret, kind, lab, identifiers).
-- target_id is a patients, cases or cells id according to kind. Never exported.
CREATE TABLE identity_keys (
    lookup_key TEXT PRIMARY KEY NOT NULL
        CHECK (length(lookup_key) = 64 AND lookup_key NOT GLOB '*[^0-9a-f]*'),
    kind       TEXT NOT NULL CHECK (kind IN ('patient', 'case', 'cell')),
    target_id  INTEGER NOT NULL
) STRICT, WITHOUT ROWID;

-- Registry of content-addressed files under .karyo/blobs (hash = lowercase hex SHA-256).
CREATE TABLE blobs (
    hash       TEXT PRIMARY KEY NOT NULL
        CHECK (length(hash) = 64 AND hash NOT GLOB '*[^0-9a-f]*'),
    byte_size  INTEGER NOT NULL CHECK (byte_size >= 0),
    created_at TEXT NOT NULL
) STRICT, WITHOUT ROWID;

CREATE TABLE import_batches (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    lab_id      INTEGER NOT NULL REFERENCES labs(id),
    started_at  TEXT NOT NULL,
    finished_at TEXT,
    imported    INTEGER CHECK (imported >= 0),
    duplicates  INTEGER CHECK (duplicates >= 0),
    failed      INTEGER CHECK (failed >= 0),
    CHECK ((finished_at IS NULL) = (imported IS NULL)
       AND (finished_at IS NULL) = (duplicates IS NULL)
       AND (finished_at IS NULL) = (failed IS NULL))
) STRICT;

-- One image of one cell. AUTOINCREMENT: ids are never reused, so versions.max_sample_id is a
-- valid watermark. current_label / current_label_event_id cache the latest label event
-- (maintained by the label_events_cache trigger; verify checks them).
CREATE TABLE samples (
    id                     INTEGER PRIMARY KEY AUTOINCREMENT,
    token                  TEXT NOT NULL UNIQUE CHECK (token GLOB 's-?*'),
    cell_id                INTEGER NOT NULL REFERENCES cells(id),
    blob_hash              TEXT NOT NULL UNIQUE REFERENCES blobs(hash),
    width                  INTEGER NOT NULL CHECK (width > 0),
    height                 INTEGER NOT NULL CHECK (height > 0),
    source_format          TEXT NOT NULL,
    source_bit_depth       INTEGER NOT NULL CHECK (source_bit_depth > 0),
    source_color_model     TEXT NOT NULL,
    kind                   TEXT NOT NULL CHECK (kind IN ('karyogram', 'metaphase', 'unknown')),
    imported_at            TEXT NOT NULL,
    import_batch_id        INTEGER REFERENCES import_batches(id),
    current_label          TEXT CHECK (current_label IN ('positive', 'negative', 'unsure')),
    current_label_event_id INTEGER REFERENCES label_events(id),
    -- How the stored image was made from the lab's file (decoder, pixel mapping, code version,
    -- de-identification), as JSON. Never a file name or an identifier.
    provenance             TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(provenance))
) STRICT;
CREATE INDEX samples_by_cell ON samples(cell_id);
CREATE INDEX samples_by_label ON samples(current_label);

CREATE TRIGGER samples_no_delete BEFORE DELETE ON samples
BEGIN
    SELECT RAISE(ABORT, 'samples cannot be deleted');
END;

CREATE TRIGGER samples_immutable_columns
BEFORE UPDATE OF id, token, cell_id, blob_hash, width, height, source_format, source_bit_depth,
    source_color_model, kind, imported_at, import_batch_id ON samples
BEGIN
    SELECT RAISE(ABORT, 'sample records are immutable');
END;

CREATE TABLE derived_images (
    id           INTEGER PRIMARY KEY,
    sample_id    INTEGER NOT NULL REFERENCES samples(id),
    blob_hash    TEXT NOT NULL REFERENCES blobs(hash),
    step         TEXT NOT NULL CHECK (length(step) > 0),
    parameters   TEXT NOT NULL CHECK (json_valid(parameters)),
    input_hash   TEXT NOT NULL,
    code_version TEXT NOT NULL,
    created_at   TEXT NOT NULL,
    UNIQUE (sample_id, step, blob_hash, input_hash, parameters, code_version)
) STRICT;
CREATE INDEX derived_images_by_blob ON derived_images(blob_hash);

-- Append-only label history. label NULL = the label was withdrawn (the sample is unlabelled
-- again and leaves the dataset at the next commit). AUTOINCREMENT keeps ids monotonic, so
-- versions.max_label_event_id is a valid watermark.
CREATE TABLE label_events (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    sample_id  INTEGER NOT NULL REFERENCES samples(id),
    label      TEXT CHECK (label IN ('positive', 'negative', 'unsure')),
    source     TEXT NOT NULL CHECK (source IN ('karyotype', 'fish', 'pcr', 'reviewer', 'model')),
    author     TEXT NOT NULL CHECK (length(author) > 0),
    reason     TEXT,
    karyotype  TEXT,
    created_at TEXT NOT NULL,
    CHECK (label IS NOT NULL OR karyotype IS NULL)
) STRICT;
CREATE INDEX label_events_by_sample ON label_events(sample_id, id);

CREATE TRIGGER label_events_no_update BEFORE UPDATE ON label_events
BEGIN
    SELECT RAISE(ABORT, 'label_events is append-only');
END;

CREATE TRIGGER label_events_no_delete BEFORE DELETE ON label_events
BEGIN
    SELECT RAISE(ABORT, 'label_events is append-only');
END;

CREATE TRIGGER label_events_cache AFTER INSERT ON label_events
BEGIN
    UPDATE samples SET current_label = NEW.label, current_label_event_id = NEW.id
    WHERE id = NEW.sample_id;
END;

-- Immutable dataset versions, a linear chain (each parent is the previous version). A version's
-- members are stored as a delta from its parent in version_changes. id = "v-" + the first 20 hex
-- chars of SHA-256("karyo-version-v1\0" || content_sum); content_sum (32 bytes, little-endian) is
-- the sum modulo 2^256 of SHA-256("karyo-member-v1\0" || sample token || "\0" || label || "\0" ||
-- split) over all members.
CREATE TABLE versions (
    seq                 INTEGER PRIMARY KEY AUTOINCREMENT,
    id                  TEXT NOT NULL UNIQUE
        CHECK (length(id) = 22 AND id GLOB 'v-*' AND substr(id, 3) NOT GLOB '*[^0-9a-f]*'),
    parent_id           TEXT REFERENCES versions(id),
    message             TEXT NOT NULL,
    author              TEXT NOT NULL CHECK (length(author) > 0),
    created_at          TEXT NOT NULL,
    member_count        INTEGER NOT NULL CHECK (member_count >= 0),
    train_positive      INTEGER NOT NULL CHECK (train_positive >= 0),
    train_negative      INTEGER NOT NULL CHECK (train_negative >= 0),
    train_unsure        INTEGER NOT NULL CHECK (train_unsure >= 0),
    validation_positive INTEGER NOT NULL CHECK (validation_positive >= 0),
    validation_negative INTEGER NOT NULL CHECK (validation_negative >= 0),
    validation_unsure   INTEGER NOT NULL CHECK (validation_unsure >= 0),
    test_positive       INTEGER NOT NULL CHECK (test_positive >= 0),
    test_negative       INTEGER NOT NULL CHECK (test_negative >= 0),
    test_unsure         INTEGER NOT NULL CHECK (test_unsure >= 0),
    added_count         INTEGER NOT NULL CHECK (added_count >= 0),
    removed_count       INTEGER NOT NULL CHECK (removed_count >= 0),
    updated_count       INTEGER NOT NULL CHECK (updated_count >= 0),
    content_sum         BLOB NOT NULL CHECK (length(content_sum) = 32),
    max_label_event_id  INTEGER NOT NULL CHECK (max_label_event_id >= 0),
    max_sample_id       INTEGER NOT NULL CHECK (max_sample_id >= 0),
    CHECK (member_count = train_positive + train_negative + train_unsure
        + validation_positive + validation_negative + validation_unsure
        + test_positive + test_negative + test_unsure)
) STRICT;

CREATE TRIGGER versions_linear BEFORE INSERT ON versions
WHEN NEW.parent_id IS NOT (SELECT id FROM versions ORDER BY seq DESC LIMIT 1)
BEGIN
    SELECT RAISE(ABORT, 'a new version must have the latest version as its parent');
END;

CREATE TRIGGER versions_no_update BEFORE UPDATE ON versions
BEGIN
    SELECT RAISE(ABORT, 'versions are immutable');
END;

CREATE TRIGGER versions_no_delete BEFORE DELETE ON versions
BEGIN
    SELECT RAISE(ABORT, 'versions are immutable');
END;

-- The delta of a version from its parent. label/split: the member's state after the change;
-- for 'remove', the state it had before. old_label: the label before an 'update'.
CREATE TABLE version_changes (
    version_seq INTEGER NOT NULL REFERENCES versions(seq),
    sample_id   INTEGER NOT NULL REFERENCES samples(id),
    op          TEXT NOT NULL CHECK (op IN ('add', 'remove', 'update')),
    label       TEXT NOT NULL CHECK (label IN ('positive', 'negative', 'unsure')),
    split       TEXT NOT NULL CHECK (split IN ('train', 'validation', 'test')),
    old_label   TEXT CHECK (old_label IN ('positive', 'negative', 'unsure')),
    PRIMARY KEY (version_seq, sample_id),
    CHECK ((op = 'update') = (old_label IS NOT NULL))
) STRICT, WITHOUT ROWID;
CREATE INDEX version_changes_by_sample ON version_changes(sample_id, version_seq);

CREATE TRIGGER version_changes_no_update BEFORE UPDATE ON version_changes
BEGIN
    SELECT RAISE(ABORT, 'version changes are immutable');
END;

CREATE TRIGGER version_changes_no_delete BEFORE DELETE ON version_changes
BEGIN
    SELECT RAISE(ABORT, 'version changes are immutable');
END;

-- The split of each patient, fixed when the patient's first sample joins a committed version, so a
-- patient never changes split and never straddles two. stratum: the class the patient was counted
-- in for stratification (positive when any of its first samples was positive).
CREATE TABLE patient_splits (
    patient_id  INTEGER PRIMARY KEY REFERENCES patients(id),
    split       TEXT NOT NULL CHECK (split IN ('train', 'validation', 'test')),
    stratum     TEXT NOT NULL CHECK (stratum IN ('positive', 'negative')),
    version_seq INTEGER NOT NULL REFERENCES versions(seq)
) STRICT;

CREATE TRIGGER patient_splits_no_update BEFORE UPDATE ON patient_splits
BEGIN
    SELECT RAISE(ABORT, 'patient splits are immutable');
END;

CREATE TRIGGER patient_splits_no_delete BEFORE DELETE ON patient_splits
BEGIN
    SELECT RAISE(ABORT, 'patient splits are immutable');
END;

-- Patients per stratum and split, kept in step with patient_splits by a trigger, so a commit reads
-- six numbers instead of counting every patient.
CREATE TABLE split_tallies (
    stratum  TEXT NOT NULL CHECK (stratum IN ('positive', 'negative')),
    split    TEXT NOT NULL CHECK (split IN ('train', 'validation', 'test')),
    patients INTEGER NOT NULL CHECK (patients >= 0),
    PRIMARY KEY (stratum, split)
) STRICT, WITHOUT ROWID;

CREATE TRIGGER patient_splits_tally AFTER INSERT ON patient_splits
BEGIN
    INSERT INTO split_tallies(stratum, split, patients) VALUES (NEW.stratum, NEW.split, 1)
        ON CONFLICT(stratum, split) DO UPDATE SET patients = patients + 1;
END;

CREATE TABLE tags (
    name       TEXT PRIMARY KEY NOT NULL CHECK (length(name) > 0),
    version_id TEXT NOT NULL REFERENCES versions(id),
    created_at TEXT NOT NULL
) STRICT, WITHOUT ROWID;
CREATE INDEX tags_by_version ON tags(version_id);

CREATE TABLE exports (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    version_id      TEXT NOT NULL REFERENCES versions(id),
    parameters      TEXT NOT NULL CHECK (json_valid(parameters)),
    manifest_sha256 TEXT NOT NULL
        CHECK (length(manifest_sha256) = 64 AND manifest_sha256 NOT GLOB '*[^0-9a-f]*'),
    created_at      TEXT NOT NULL
) STRICT;
CREATE INDEX exports_by_version ON exports(version_id);
