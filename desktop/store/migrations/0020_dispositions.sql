-- Every count reaches a court disposition (issue 19): matters filed at the counter (CR-400) or
-- opened for a bulk-list count the prosecution challenged, the prosecution's responses (CR-402),
-- notices, hearings, and the judicial officer's ruling per count. Orders are made from rulings.

-- A petition (still serving, HS 11361.8(a)), an application (sentence completed, 11361.8(e)) or a
-- challenge to a count on DOJ's bulk list (11361.9(b)-(d)).
CREATE TABLE matters (
    id INTEGER PRIMARY KEY,
    subject_id INTEGER NOT NULL REFERENCES subjects(id),
    kind TEXT NOT NULL CHECK (kind IN ('petition', 'application', 'challenge')),
    court_case_number TEXT,            -- the court's own number for the filing
    filed_on TEXT,                     -- ISO date filed (for a challenge: the response's date)
    served_on TEXT,                    -- ISO date served on the prosecution; deadlines count from it
    filer_kind TEXT CHECK (filer_kind IS NULL OR filer_kind IN
        ('person', 'attorney', 'public_defender', 'prosecution', 'court')),
    filer_name TEXT,
    hearing_requested INTEGER NOT NULL DEFAULT 0,
    source TEXT NOT NULL DEFAULT 'records' CHECK (source IN ('records', 'court_file')),
    status TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'ruled', 'ordered', 'withdrawn')),
    note TEXT,
    opened_by TEXT NOT NULL,
    opened_at TEXT NOT NULL
);
CREATE INDEX matters_subject ON matters(subject_id);

-- The counts a matter asks about (a challenge: the challenged counts).
CREATE TABLE matter_counts (
    matter_id INTEGER NOT NULL REFERENCES matters(id),
    count_id INTEGER NOT NULL REFERENCES counts(id),
    PRIMARY KEY (matter_id, count_id)
) WITHOUT ROWID;
CREATE INDEX matter_counts_count ON matter_counts(count_id);

-- The prosecution's response (CR-402), entered by a clerk; count_id NULL = every count of the
-- matter. Responses imported from a prosecution file stay in prosecution_responses.
CREATE TABLE matter_responses (
    id INTEGER PRIMARY KEY,
    matter_id INTEGER NOT NULL REFERENCES matters(id),
    count_id INTEGER REFERENCES counts(id),
    position TEXT NOT NULL CHECK (position IN
        ('does_not_oppose', 'opposes_criteria', 'opposes_public_safety', 'requests_hearing')),
    response_date TEXT NOT NULL,
    note TEXT,
    entered_by TEXT NOT NULL,
    entered_at TEXT NOT NULL
);

-- Hearings. A continuance marks this hearing 'continued' and schedules a new one (continued_to).
CREATE TABLE hearings (
    id INTEGER PRIMARY KEY,
    matter_id INTEGER NOT NULL REFERENCES matters(id),
    hearing_date TEXT NOT NULL,        -- ISO date
    hearing_time TEXT,                 -- 'HH:MM', 24-hour
    department TEXT,
    status TEXT NOT NULL DEFAULT 'scheduled'
        CHECK (status IN ('scheduled', 'held', 'continued', 'vacated')),
    continued_to INTEGER REFERENCES hearings(id),
    scheduled_by TEXT NOT NULL,
    scheduled_at TEXT NOT NULL
);
CREATE INDEX hearings_date ON hearings(hearing_date);

-- Notices given: under 11361.9(d) the prosecution notifies the public defender, who notifies the
-- person; the court's own hearing notice and proof of service are recorded here too.
CREATE TABLE matter_notices (
    id INTEGER PRIMARY KEY,
    matter_id INTEGER NOT NULL REFERENCES matters(id),
    hearing_id INTEGER REFERENCES hearings(id),
    from_party TEXT NOT NULL,          -- 'prosecution' | 'public_defender' | 'court' | a name
    to_party TEXT NOT NULL,            -- 'public_defender' | 'person' | 'counsel' | 'prosecution' | a name
    notified_on TEXT NOT NULL,         -- ISO date
    method TEXT,                       -- 'mail' | 'personal' | 'electronic' | ...
    entered_by TEXT NOT NULL,
    entered_at TEXT NOT NULL
);

-- The judicial officer's ruling on one count. A later ruling on the same count supersedes it.
CREATE TABLE rulings (
    id INTEGER PRIMARY KEY,
    count_id INTEGER NOT NULL REFERENCES counts(id),
    matter_id INTEGER REFERENCES matters(id),
    hearing_id INTEGER REFERENCES hearings(id),   -- NULL = ruled on the papers
    outcome TEXT NOT NULL CHECK (outcome IN ('granted', 'granted_other_relief', 'denied')),
    relief TEXT,                       -- determinations' vocabulary; NULL when denied
    resentence_target TEXT,
    finding TEXT CHECK (finding IS NULL OR finding IN ('criteria_not_met', 'public_safety')),
    finding_text TEXT,                 -- the finding in the judge's words, printed on the order
    credit_days INTEGER CHECK (credit_days IS NULL OR credit_days >= 0),
    supervision_kind TEXT,
    supervision_months INTEGER CHECK (supervision_months IS NULL OR supervision_months BETWEEN 0 AND 12),
    ruled_by TEXT NOT NULL,
    ruled_at TEXT NOT NULL,
    order_id INTEGER REFERENCES orders(id),       -- the order that carries this ruling
    superseded_by INTEGER REFERENCES rulings(id),
    CHECK ((outcome = 'denied') = (relief IS NULL)),
    CHECK ((outcome = 'denied') = (finding IS NOT NULL))
);
CREATE INDEX rulings_count ON rulings(count_id);
CREATE INDEX rulings_order ON rulings(order_id);
