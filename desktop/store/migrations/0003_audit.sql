-- Append-only, hash-chained audit log. Triggers refuse UPDATE and DELETE from ordinary code.
CREATE TABLE audit_log (
    seq INTEGER PRIMARY KEY,
    at TEXT NOT NULL,                  -- UTC, ISO 8601 with microseconds
    user TEXT,
    action TEXT NOT NULL,
    targets TEXT NOT NULL,             -- JSON list of target ids
    payload TEXT NOT NULL,             -- canonical JSON
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL
);
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
