-- Karyo dataset store, migration 0002: training runs, flag runs and review queues (issue 7).
--
-- A training run trains a model on one dataset version and evaluates it; its weights are a
-- content-addressed blob (blobs table), its configuration, metrics and per-epoch curves are JSON.
-- A flag run scores the members of one version and fills two review queues: 'uncertainty'
-- (entropy, margin, BALD) and 'label-error' (confident learning on out-of-fold probabilities).
-- Review decisions are NOT stored here: they are label events (source 'reviewer') in
-- label_events. An item counts as decided when its sample has a reviewer label event newer than
-- the flag run's max_label_event_id watermark.
--
-- All three tables are append-only. No patient identity: items name samples by row id only.

CREATE TABLE training_runs (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    version_id     TEXT NOT NULL REFERENCES versions(id),
    -- what the run was for: 'train' (karyo train), 'loop' (a karyo loop round), 'fold' (one fold
    -- of a cross-validation made by karyo flag)
    purpose        TEXT NOT NULL CHECK (purpose IN ('train', 'loop', 'fold')),
    train_split    TEXT NOT NULL CHECK (train_split IN ('train', 'validation', 'test')),
    eval_split     TEXT NOT NULL CHECK (eval_split IN ('train', 'validation', 'test')),
    -- architecture, input size, optimiser, epochs, batch size, augmentation... (JSON object)
    model_config   TEXT NOT NULL CHECK (json_valid(model_config)),
    seed           INTEGER NOT NULL,
    code_version   TEXT NOT NULL CHECK (length(code_version) > 0),
    -- SafeTensors checkpoint; NULL when the run kept no weights (cross-validation folds)
    weights_blob   TEXT REFERENCES blobs(hash),
    -- evaluation metrics with confidence intervals (JSON object)
    metrics        TEXT NOT NULL CHECK (json_valid(metrics)),
    -- per-epoch curves: loss and accuracy per epoch (JSON object)
    curves         TEXT NOT NULL CHECK (json_valid(curves)),
    -- free-form facts about the run (arm of a loop round, counts of skipped samples) (JSON object)
    details        TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(details)),
    author         TEXT NOT NULL CHECK (length(author) > 0),
    started_at     TEXT NOT NULL,
    finished_at    TEXT NOT NULL
) STRICT;
CREATE INDEX training_runs_by_version ON training_runs(version_id, id);

CREATE TRIGGER training_runs_no_update BEFORE UPDATE ON training_runs
BEGIN
    SELECT RAISE(ABORT, 'training runs are immutable');
END;

CREATE TRIGGER training_runs_no_delete BEFORE DELETE ON training_runs
BEGIN
    SELECT RAISE(ABORT, 'training runs are immutable');
END;

CREATE TABLE flag_runs (
    id                  INTEGER PRIMARY KEY AUTOINCREMENT,
    version_id          TEXT NOT NULL REFERENCES versions(id),
    -- the run whose model scored the uncertainty queue (NULL if none was kept)
    training_run_id     INTEGER REFERENCES training_runs(id),
    -- folds, MC dropout passes, thresholds... (JSON object)
    method              TEXT NOT NULL CHECK (json_valid(method)),
    seed                INTEGER NOT NULL,
    code_version        TEXT NOT NULL CHECK (length(code_version) > 0),
    author              TEXT NOT NULL CHECK (length(author) > 0),
    -- label_events.id watermark when the queues were made; later reviewer events decide items
    max_label_event_id  INTEGER NOT NULL CHECK (max_label_event_id >= 0),
    uncertainty_count   INTEGER NOT NULL CHECK (uncertainty_count >= 0),
    label_error_count   INTEGER NOT NULL CHECK (label_error_count >= 0),
    -- members that could not be scored (no model input image), counted, never silently dropped
    skipped_count       INTEGER NOT NULL CHECK (skipped_count >= 0),
    created_at          TEXT NOT NULL
) STRICT;
CREATE INDEX flag_runs_by_version ON flag_runs(version_id, id);

CREATE TRIGGER flag_runs_no_update BEFORE UPDATE ON flag_runs
BEGIN
    SELECT RAISE(ABORT, 'flag runs are immutable');
END;

CREATE TRIGGER flag_runs_no_delete BEFORE DELETE ON flag_runs
BEGIN
    SELECT RAISE(ABORT, 'flag runs are immutable');
END;

-- One flagged sample in one queue of one flag run. rank 1 = most in need of review.
-- model_probability: the model's probability that the sample is t(9;22)-positive.
-- label: the sample's label when it was flagged; split: its split in the flagged version.
CREATE TABLE review_queue_items (
    id                INTEGER PRIMARY KEY AUTOINCREMENT,
    flag_run_id       INTEGER NOT NULL REFERENCES flag_runs(id),
    queue             TEXT NOT NULL CHECK (queue IN ('uncertainty', 'label-error')),
    sample_id         INTEGER NOT NULL REFERENCES samples(id),
    rank              INTEGER NOT NULL CHECK (rank >= 1),
    score             REAL NOT NULL,
    reason            TEXT NOT NULL CHECK (length(reason) > 0),
    model_probability REAL NOT NULL CHECK (model_probability >= 0 AND model_probability <= 1),
    label             TEXT NOT NULL CHECK (label IN ('positive', 'negative', 'unsure')),
    split             TEXT NOT NULL CHECK (split IN ('train', 'validation', 'test')),
    created_at        TEXT NOT NULL,
    UNIQUE (flag_run_id, queue, rank),
    UNIQUE (flag_run_id, queue, sample_id)
) STRICT;
CREATE INDEX review_queue_items_by_sample ON review_queue_items(sample_id, flag_run_id);

CREATE TRIGGER review_queue_items_no_update BEFORE UPDATE ON review_queue_items
BEGIN
    SELECT RAISE(ABORT, 'review queue items are immutable');
END;

CREATE TRIGGER review_queue_items_no_delete BEFORE DELETE ON review_queue_items
BEGIN
    SELECT RAISE(ABORT, 'review queue items are immutable');
END;
