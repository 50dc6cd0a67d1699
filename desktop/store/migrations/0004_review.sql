-- Review: local accounts, the clerk's decision history, openings, batches for the judge, settings.
CREATE TABLE users (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE COLLATE NOCASE,   -- 'Alice' and 'alice' are one account
    role TEXT NOT NULL CHECK (role IN ('clerk', 'judge', 'admin')),
    pw_hash TEXT NOT NULL,             -- 'scrypt$n$r$p$salt_hex$hash_hex'
    active INTEGER NOT NULL DEFAULT 1,
    created_at TEXT NOT NULL,
    created_by TEXT                    -- NULL for the first administrator
);

-- One row per count per decision step; rows of one step share `step` (undo reverses a whole step).
CREATE TABLE review_log (
    id INTEGER PRIMARY KEY,
    step INTEGER NOT NULL,
    count_id INTEGER NOT NULL REFERENCES counts(id),
    user TEXT NOT NULL,
    action TEXT NOT NULL,              -- approve | reject | change | defer | bulk_approve | send_back | undo
    old_state TEXT NOT NULL,           -- JSON of the review_items row before
    new_state TEXT NOT NULL,           -- JSON of the review_items row after
    at TEXT NOT NULL,
    undone INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX review_log_user_step ON review_log(user, step);
CREATE INDEX review_log_count ON review_log(count_id, id);

-- Who has opened (read) which count, and when they last did: bulk approval and the judge's sample.
CREATE TABLE openings (
    user TEXT NOT NULL,
    count_id INTEGER NOT NULL REFERENCES counts(id),
    at TEXT NOT NULL,
    PRIMARY KEY (user, count_id)
) WITHOUT ROWID;
CREATE INDEX openings_count ON openings(count_id);

CREATE TABLE batches (
    id INTEGER PRIMARY KEY,
    status TEXT NOT NULL DEFAULT 'submitted' CHECK (status IN ('submitted', 'accepted')),
    prepared_by TEXT NOT NULL,
    submitted_at TEXT NOT NULL,
    sample_seed INTEGER,               -- set when the judge first draws the sample
    sample_percent REAL,
    sample_min INTEGER,
    sampled_by TEXT,
    sampled_at TEXT,
    accepted_by TEXT,
    accepted_at TEXT
);

CREATE TABLE batch_items (
    batch_id INTEGER NOT NULL REFERENCES batches(id),
    count_id INTEGER NOT NULL REFERENCES counts(id),
    relief TEXT,                       -- the relief granted as submitted (after a change)
    resentence_target TEXT,
    rule_path TEXT,
    sampled INTEGER NOT NULL DEFAULT 0,
    judge_status TEXT CHECK (judge_status IS NULL OR judge_status IN ('accepted', 'sent_back')),
    judge_note TEXT,
    judged_by TEXT,
    judged_at TEXT,
    PRIMARY KEY (batch_id, count_id)
);
CREATE INDEX batch_items_count ON batch_items(count_id, judge_status);

CREATE TABLE settings (
    key TEXT PRIMARY KEY,
    value TEXT
);
INSERT INTO settings (key, value) VALUES
    ('bulk_min_opened', '3'),
    ('sample_percent', '10'),
    ('sample_min_per_stratum', '1');

-- The queue filters and sorts on these.
CREATE INDEX determinations_relief ON determinations(relief);
CREATE INDEX determinations_rule_path ON determinations(rule_path, relief);
CREATE INDEX review_items_status_count ON review_items(status, count_id);
CREATE INDEX counts_section ON counts(section);
CREATE INDEX counts_conviction_date ON counts(conviction_date);
