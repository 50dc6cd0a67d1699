-- Issue 13 §3: never decide on a partial record.
-- A field a kept row could not read (a date such as `x`, a partial date 19700000, a malformed
-- sentence) is left unknown and reported here with its line, column and value; the row is kept.
CREATE TABLE row_warnings (
    id INTEGER PRIMARY KEY,
    import_id INTEGER NOT NULL REFERENCES imports(id) ON DELETE CASCADE,
    line INTEGER NOT NULL,             -- 1-based physical line in the file
    column_name TEXT NOT NULL,
    value TEXT,                        -- the value as written
    reason TEXT NOT NULL,              -- what could not be read and what was kept
    subject_key TEXT                   -- the row's SUBJECT_ID
);
CREATE INDEX row_warnings_import ON row_warnings(import_id, line);
-- The SUBJECT_ID of a rejected row where it could be read: every determination of that person
-- is made on a partial record (flag record_incomplete, at best needs_review).
ALTER TABLE rejected_rows ADD COLUMN subject_key TEXT;
CREATE INDEX rejected_rows_subject ON rejected_rows(subject_key) WHERE subject_key IS NOT NULL;
