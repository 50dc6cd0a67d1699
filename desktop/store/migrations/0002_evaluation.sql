-- Evaluation runs and the engine's determinations, and prosecution responses (HS 11361.9(b)-(c)).
CREATE TABLE prosecution_responses (
    id INTEGER PRIMARY KEY,
    import_id INTEGER REFERENCES imports(id),
    case_number TEXT NOT NULL,
    count_no INTEGER,                  -- NULL = the whole case
    response TEXT NOT NULL CHECK (response IN ('challenged', 'not_challenged')),
    ground TEXT,                       -- 'criteria' | 'public_safety' | free text
    response_date TEXT,
    source_line INTEGER
);
CREATE INDEX prosecution_responses_case ON prosecution_responses(case_number);

CREATE TABLE evaluation_runs (
    id INTEGER PRIMARY KEY,
    county TEXT NOT NULL,
    policy_name TEXT NOT NULL,
    policy_version TEXT NOT NULL,
    policy_json TEXT NOT NULL,
    as_of TEXT NOT NULL,
    engine_version TEXT NOT NULL,
    created_by TEXT,
    started_at TEXT NOT NULL,
    finished_at TEXT,
    status TEXT NOT NULL DEFAULT 'running',   -- 'running' | 'complete'
    totals TEXT
);

CREATE TABLE determinations (
    id INTEGER PRIMARY KEY,
    run_id INTEGER NOT NULL REFERENCES evaluation_runs(id) ON DELETE CASCADE,
    count_id INTEGER NOT NULL REFERENCES counts(id),
    subject_id INTEGER NOT NULL REFERENCES subjects(id),
    relief TEXT NOT NULL,
    resentence_target TEXT,
    rule_path TEXT NOT NULL,
    flags TEXT NOT NULL DEFAULT '',    -- ';'-joined flag names
    explanation TEXT NOT NULL,         -- JSON: {engine_version, policy, steps:[{rule, text, statute, facts}]}
    UNIQUE (run_id, count_id)
);
CREATE INDEX determinations_count ON determinations(count_id);

-- The review state of every evaluated count: which determination the clerk is looking at and what
-- was decided. Evaluation writes determination_id; desktop/review owns the decision columns.
CREATE TABLE review_items (
    count_id INTEGER PRIMARY KEY REFERENCES counts(id),
    determination_id INTEGER NOT NULL REFERENCES determinations(id),
    status TEXT NOT NULL DEFAULT 'pending'
        CHECK (status IN ('pending', 'approved', 'rejected', 'changed', 'deferred')),
    decided_relief TEXT,               -- for 'changed': the relief the clerk chose
    decided_target TEXT,               -- for 'changed' to resentence: its target
    reason TEXT,
    decided_by TEXT,
    decided_at TEXT,
    rereview INTEGER NOT NULL DEFAULT 0,   -- 1 when a re-evaluation changed the determination
    previous_decision TEXT                 -- JSON of the decision that re-evaluation reopened
);
CREATE INDEX review_items_determination ON review_items(determination_id);
CREATE INDEX review_items_status ON review_items(status);
