-- Issue 18: sealed records, access and retention.
-- 1. A fourth role, records_officer: reads every record, including sealed counts (as a judge
--    may), and runs the retention listing and purge; decides nothing. SQLite cannot change a
--    CHECK constraint in place, so the users table is rebuilt with the same rows and ids.
CREATE TABLE users_new (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE COLLATE NOCASE,
    role TEXT NOT NULL CHECK (role IN ('clerk', 'judge', 'admin', 'records_officer')),
    pw_hash TEXT NOT NULL,
    active INTEGER NOT NULL DEFAULT 1,
    created_at TEXT NOT NULL,
    created_by TEXT
);
INSERT INTO users_new (id, name, role, pw_hash, active, created_at, created_by)
    SELECT id, name, role, pw_hash, active, created_at, created_by FROM users;
DROP TABLE users;
ALTER TABLE users_new RENAME TO users;

-- 2. Purges: one row per `reliefdesk purge` (the purge report's facts, no personal data).
--    The person's rows are gone; what stays is the court's record of its orders (orders,
--    order_counts, and the case and count rows they name, stripped of everything else).
CREATE TABLE purges (
    id INTEGER PRIMARY KEY,
    at TEXT NOT NULL,
    by_user TEXT NOT NULL,
    retention_days INTEGER NOT NULL,
    finished_before TEXT NOT NULL,         -- people whose work finished before this date
    people INTEGER NOT NULL,
    counts_deleted INTEGER NOT NULL,
    counts_kept INTEGER NOT NULL,          -- counts named by an order, kept stripped
    determinations_deleted INTEGER NOT NULL,
    orders_kept INTEGER NOT NULL,
    backups_removed INTEGER NOT NULL DEFAULT 0,
    audit_seq INTEGER                      -- the tombstone entry in the audit log
);

-- 3. Counts under seal: every count of a signed order (signed_at set, or status signed/printed;
--    a wet-ink order recorded as signed sets these too). Kept by triggers on the orders
--    register, however an order comes to be signed, so the queue's default filter is one
--    lookup by count id (the queue query must not join the register for every row).
CREATE TABLE under_seal (
    count_id INTEGER PRIMARY KEY,
    order_id INTEGER NOT NULL,
    sealed_at TEXT
);
CREATE INDEX under_seal_order ON under_seal(order_id);
INSERT OR IGNORE INTO under_seal (count_id, order_id, sealed_at)
    SELECT oc.count_id, o.id, o.signed_at FROM order_counts oc JOIN orders o ON o.id = oc.order_id
    WHERE o.signed_at IS NOT NULL OR o.status IN ('signed', 'printed');
CREATE TRIGGER under_seal_order_signed AFTER UPDATE OF status, signed_at ON orders
WHEN NEW.signed_at IS NOT NULL OR NEW.status IN ('signed', 'printed')
BEGIN
    INSERT OR IGNORE INTO under_seal (count_id, order_id, sealed_at)
        SELECT count_id, NEW.id, NEW.signed_at FROM order_counts WHERE order_id = NEW.id;
END;
CREATE TRIGGER under_seal_order_unsigned AFTER UPDATE OF status, signed_at ON orders
WHEN NOT (NEW.signed_at IS NOT NULL OR NEW.status IN ('signed', 'printed'))
BEGIN
    DELETE FROM under_seal WHERE order_id = NEW.id;
END;
CREATE TRIGGER under_seal_order_inserted AFTER INSERT ON orders
WHEN NEW.signed_at IS NOT NULL OR NEW.status IN ('signed', 'printed')
BEGIN
    INSERT OR IGNORE INTO under_seal (count_id, order_id, sealed_at)
        SELECT count_id, NEW.id, NEW.signed_at FROM order_counts WHERE order_id = NEW.id;
END;
CREATE TRIGGER under_seal_order_deleted AFTER DELETE ON orders
BEGIN
    DELETE FROM under_seal WHERE order_id = OLD.id;
END;
CREATE TRIGGER under_seal_count_added AFTER INSERT ON order_counts
WHEN EXISTS (SELECT 1 FROM orders o WHERE o.id = NEW.order_id
             AND (o.signed_at IS NOT NULL OR o.status IN ('signed', 'printed')))
BEGIN
    INSERT OR IGNORE INTO under_seal (count_id, order_id, sealed_at)
        SELECT NEW.count_id, o.id, o.signed_at FROM orders o WHERE o.id = NEW.order_id;
END;
CREATE TRIGGER under_seal_count_removed AFTER DELETE ON order_counts
BEGIN
    DELETE FROM under_seal WHERE count_id = OLD.count_id AND order_id = OLD.order_id;
END;
