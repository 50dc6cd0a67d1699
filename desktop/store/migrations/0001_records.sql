-- Imported files, rejected rows, and the criminal-history records themselves.
CREATE TABLE imports (
    id INTEGER PRIMARY KEY,
    file_name TEXT NOT NULL,
    file_path TEXT,
    file_size INTEGER,
    sha256 TEXT NOT NULL UNIQUE,
    format TEXT NOT NULL,              -- 'doj' | 'court-csv' | 'prosecution-responses'
    has_header INTEGER,
    rows_read INTEGER NOT NULL DEFAULT 0,
    rows_kept INTEGER NOT NULL DEFAULT 0,
    rows_rejected INTEGER NOT NULL DEFAULT 0,
    imported_by TEXT,
    imported_at TEXT NOT NULL
);

CREATE TABLE rejected_rows (
    id INTEGER PRIMARY KEY,
    import_id INTEGER NOT NULL REFERENCES imports(id) ON DELETE CASCADE,
    line INTEGER NOT NULL,             -- 1-based physical line in the file (header = line 1)
    column_name TEXT,                  -- the offending column, when one is to blame
    reason TEXT NOT NULL,
    raw TEXT                           -- the row as read (decoded), truncated to 10,000 characters
);
CREATE INDEX rejected_rows_import ON rejected_rows(import_id, line);

CREATE TABLE subjects (
    id INTEGER PRIMARY KEY,
    import_id INTEGER NOT NULL REFERENCES imports(id),
    source_key TEXT NOT NULL,          -- DOJ SUBJECT_ID, or the court extract's person key
    cii TEXT,
    name TEXT,
    akas TEXT NOT NULL DEFAULT '[]',   -- JSON list of other names seen on the record
    dob TEXT,                          -- ISO date or NULL
    gender TEXT,
    deceased INTEGER NOT NULL DEFAULT 0,
    registered_290 INTEGER NOT NULL DEFAULT 0,
    source_line INTEGER NOT NULL,
    UNIQUE (import_id, source_key)
);
CREATE INDEX subjects_cii ON subjects(cii);
CREATE INDEX subjects_name ON subjects(name);

-- DECEASED and REGISTRATION steps and other non-count events on a record.
CREATE TABLE subject_events (
    id INTEGER PRIMARY KEY,
    subject_id INTEGER NOT NULL REFERENCES subjects(id),
    kind TEXT NOT NULL,                -- 'deceased' | 'registration'
    event_date TEXT,
    description TEXT,
    county TEXT,
    source_line INTEGER NOT NULL
);
CREATE INDEX subject_events_subject ON subject_events(subject_id);

-- One row per court event (DOJ: first six digits of CNT_ORDER = cycle + step).
CREATE TABLE cases (
    id INTEGER PRIMARY KEY,
    subject_id INTEGER NOT NULL REFERENCES subjects(id),
    event_key TEXT NOT NULL,
    case_number TEXT,                  -- OFN of the court-action rows
    county TEXT,
    court TEXT,
    event_date TEXT,
    cycle_date TEXT,
    UNIQUE (subject_id, event_key)
);
CREATE INDEX cases_number ON cases(case_number);

CREATE TABLE counts (
    id INTEGER PRIMARY KEY,
    case_id INTEGER NOT NULL REFERENCES cases(id),
    subject_id INTEGER NOT NULL REFERENCES subjects(id),
    import_id INTEGER NOT NULL REFERENCES imports(id),
    source_file TEXT NOT NULL,
    source_line INTEGER NOT NULL,      -- first physical line of this count in the file
    extra_lines TEXT,                  -- further lines that added sentence parts, comma separated
    cnt_order TEXT NOT NULL,
    count_no INTEGER,
    step_type TEXT,                    -- 'COURT ACTION', 'ARREST/DETAINED/CITED', ...
    county TEXT,
    offense_text TEXT,                 -- section text as written (OFFENSE_DESCR or COMMENT_TEXT)
    section TEXT,                      -- normalised, e.g. '11357(B)(2)'
    base_section TEXT,                 -- digits and dots before the first '(' e.g. '11357', '11357.5'
    code TEXT,                         -- HS, PC, BP, VC, WI, MV ...
    level TEXT,                        -- F | M | I | NULL
    disposition TEXT,
    convicted INTEGER NOT NULL DEFAULT 0,
    conviction_date TEXT,
    cycle_date TEXT,
    sentence TEXT NOT NULL DEFAULT '[]', -- JSON list of {kind, length, unit}
    sentence_end TEXT,
    juvenile INTEGER NOT NULL DEFAULT 0, -- adjudicated in juvenile court (WIC 602)
    comment TEXT,
    UNIQUE (subject_id, cnt_order)
);
-- Few indexes on purpose: every index slows a million-row import. Counts of a case are found
-- through their subject (UNIQUE (subject_id, cnt_order) above).
CREATE INDEX counts_base_county ON counts(base_section, county);
