-- Orders a judge signs as printed (issue 17) and batches that complete around a bad record (issue 12 §4).
-- Additive only: new columns on orders, and new tables.

-- How the order was signed: 'digital' (PAdES by ReliefDesk), 'ink' (wet ink on the printed order) or
-- 'external' (the court's own case or document system). NULL on orders made before this migration
-- (they were all digital).
ALTER TABLE orders ADD COLUMN signature_method TEXT;
-- The unsigned order printed for a wet-ink or external signature, and its hash.
ALTER TABLE orders ADD COLUMN unsigned_path TEXT;
ALTER TABLE orders ADD COLUMN unsigned_sha256 TEXT;
-- Who recorded an ink or external signature, and when; the scanned signed copy, when attached.
ALTER TABLE orders ADD COLUMN signature_recorded_by TEXT;
ALTER TABLE orders ADD COLUMN signature_recorded_at TEXT;
ALTER TABLE orders ADD COLUMN scan_path TEXT;
ALTER TABLE orders ADD COLUMN scan_sha256 TEXT;
-- A correction is a new order naming the one it amends (signed orders are never edited).
ALTER TABLE orders ADD COLUMN amends_order_no TEXT;
ALTER TABLE orders ADD COLUMN amend_reason TEXT;
-- The names as printed on the order (natural order, the court's style), for the Orders list.
ALTER TABLE orders ADD COLUMN printed_names TEXT;
-- Why the order could not be produced in the last render (NULL once produced), and warnings the clerk
-- must see (a field cut to its limit).
ALTER TABLE orders ADD COLUMN problem TEXT;
ALTER TABLE orders ADD COLUMN warnings TEXT;

-- The terms of a resentencing (HS 11361.8(b)-(d)) entered by the judge; the resentencing order of the
-- case is produced only once they exist.
CREATE TABLE resentence_terms (
    batch_id INTEGER NOT NULL,
    case_id INTEGER NOT NULL REFERENCES cases(id),
    credit_days INTEGER NOT NULL CHECK (credit_days >= 0),
    disposition TEXT NOT NULL CHECK (disposition IN ('released', 'supervision')),
    supervision_kind TEXT,             -- e.g. 'misdemeanor probation' (disposition = supervision)
    supervision_months INTEGER,        -- at most 12 (HS 11361.8(c))
    hearing_date TEXT,                 -- ISO date when there was a hearing, else NULL (on the papers)
    hearing_department TEXT,
    entered_by TEXT NOT NULL,
    entered_at TEXT NOT NULL,
    PRIMARY KEY (batch_id, case_id)
);

-- Per judicial officer: the title printed under the name and in the signature appearance, and an
-- optional image of the handwritten signature for the signature line.
CREATE TABLE signer_settings (
    user TEXT PRIMARY KEY COLLATE NOCASE,
    display_name TEXT,                 -- as printed under the signature line, e.g. 'Hon. Ana Ruiz'
    title TEXT,
    signature_image BLOB,
    image_sha256 TEXT,
    updated_by TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
