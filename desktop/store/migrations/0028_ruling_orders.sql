-- migrate: foreign_keys=off
-- Orders made from rulings (issue 19 §3-4): orders after hearing, denial orders, orders on a
-- petition or application (CR-403) and resentencing orders of a matter have no review batch, and
-- name their matter and hearing. SQLite cannot change a CHECK or a NOT NULL in place, so `orders`
-- is rebuilt with the same rows, ids and columns (the runner turns foreign keys off for this
-- migration and checks them all before it commits: order_counts and rulings point at orders).
-- Its indexes and the under_seal triggers are made again; a denied count (order_counts.relief =
-- 'denied') is never put under seal.

DROP TRIGGER IF EXISTS under_seal_order_signed;
DROP TRIGGER IF EXISTS under_seal_order_unsigned;
DROP TRIGGER IF EXISTS under_seal_order_inserted;
DROP TRIGGER IF EXISTS under_seal_order_deleted;
DROP TRIGGER IF EXISTS under_seal_count_added;
DROP TRIGGER IF EXISTS under_seal_count_removed;

CREATE TABLE orders_new (
    id INTEGER PRIMARY KEY,
    order_no TEXT NOT NULL UNIQUE,         -- '<prefix>-<installation>-<county code>-<year>-<seq>'
    kind TEXT NOT NULL CHECK (kind IN ('one_case', 'bulk', 'resentence',
                                       'after_hearing', 'denial', 'petition_order')),
    batch_id INTEGER,                      -- the accepted review batch; NULL for an order made from rulings
    case_id INTEGER REFERENCES cases(id),  -- the case of a one-case or resentencing order; NULL for bulk
    county TEXT NOT NULL,
    county_code TEXT NOT NULL,
    year INTEGER NOT NULL,
    seq INTEGER NOT NULL,
    order_date TEXT NOT NULL,              -- ISO date printed on the order; fixed when first prepared
    template_name TEXT NOT NULL,
    template_version TEXT NOT NULL,
    content_sha256 TEXT,                   -- sha256 of the unsigned rendering (same input, same content)
    file_path TEXT,
    sha256 TEXT,                           -- sha256 of the signed PDF file
    pages INTEGER,
    signer TEXT,                           -- certificate common name, e.g. 'Hon. Ana Ruiz'
    signer_title TEXT,
    signer_cert_sha256 TEXT,
    signed_by TEXT,                        -- the ReliefDesk user (judge) who signed
    signed_at TEXT,
    printed_at TEXT,
    printed_by TEXT,
    status TEXT NOT NULL DEFAULT 'prepared' CHECK (status IN ('prepared', 'signed', 'printed')),
    created_by TEXT,
    created_at TEXT NOT NULL,
    signature_method TEXT,
    unsigned_path TEXT,
    unsigned_sha256 TEXT,
    signature_recorded_by TEXT,
    signature_recorded_at TEXT,
    scan_path TEXT,
    scan_sha256 TEXT,
    amends_order_no TEXT,
    amend_reason TEXT,
    printed_names TEXT,
    problem TEXT,
    warnings TEXT,
    planned_path TEXT,
    audit_head TEXT,
    matter_id INTEGER REFERENCES matters(id),    -- an order made from the rulings of a matter
    hearing_id INTEGER REFERENCES hearings(id),  -- ... at this hearing (NULL: ruled on the papers)
    CHECK (batch_id IS NOT NULL OR matter_id IS NOT NULL),
    UNIQUE (county_code, year, seq)
);
INSERT INTO orders_new (id, order_no, kind, batch_id, case_id, county, county_code, year, seq,
    order_date, template_name, template_version, content_sha256, file_path, sha256, pages, signer,
    signer_title, signer_cert_sha256, signed_by, signed_at, printed_at, printed_by, status,
    created_by, created_at, signature_method, unsigned_path, unsigned_sha256, signature_recorded_by,
    signature_recorded_at, scan_path, scan_sha256, amends_order_no, amend_reason, printed_names,
    problem, warnings, planned_path, audit_head)
SELECT id, order_no, kind, batch_id, case_id, county, county_code, year, seq,
    order_date, template_name, template_version, content_sha256, file_path, sha256, pages, signer,
    signer_title, signer_cert_sha256, signed_by, signed_at, printed_at, printed_by, status,
    created_by, created_at, signature_method, unsigned_path, unsigned_sha256, signature_recorded_by,
    signature_recorded_at, scan_path, scan_sha256, amends_order_no, amend_reason, printed_names,
    problem, warnings, planned_path, audit_head
FROM orders;
DROP TABLE orders;
ALTER TABLE orders_new RENAME TO orders;
CREATE INDEX orders_batch ON orders(batch_id);
CREATE INDEX orders_case ON orders(case_id);
CREATE INDEX orders_matter ON orders(matter_id);
CREATE INDEX orders_hearing ON orders(hearing_id);

-- Under seal: every granted count of a signed order (issue 18); a denied count never.
CREATE TRIGGER under_seal_order_signed AFTER UPDATE OF status, signed_at ON orders
WHEN NEW.signed_at IS NOT NULL OR NEW.status IN ('signed', 'printed')
BEGIN
    INSERT OR IGNORE INTO under_seal (count_id, order_id, sealed_at)
        SELECT count_id, NEW.id, NEW.signed_at FROM order_counts
        WHERE order_id = NEW.id AND relief <> 'denied';
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
        SELECT count_id, NEW.id, NEW.signed_at FROM order_counts
        WHERE order_id = NEW.id AND relief <> 'denied';
END;
CREATE TRIGGER under_seal_order_deleted AFTER DELETE ON orders
BEGIN
    DELETE FROM under_seal WHERE order_id = OLD.id;
END;
CREATE TRIGGER under_seal_count_added AFTER INSERT ON order_counts
WHEN NEW.relief <> 'denied' AND EXISTS (SELECT 1 FROM orders o WHERE o.id = NEW.order_id
             AND (o.signed_at IS NOT NULL OR o.status IN ('signed', 'printed')))
BEGIN
    INSERT OR IGNORE INTO under_seal (count_id, order_id, sealed_at)
        SELECT NEW.count_id, o.id, o.signed_at FROM orders o WHERE o.id = NEW.order_id;
END;
CREATE TRIGGER under_seal_count_removed AFTER DELETE ON order_counts
BEGIN
    DELETE FROM under_seal WHERE count_id = OLD.count_id AND order_id = OLD.order_id;
END;

-- Certified copies of orders made by a clerk (issue 19 §4): who asked, as whom, which clerk, when,
-- and the copy's file and SHA-256. sealed = 1 when the order's counts were under seal then.
CREATE TABLE certified_copies (
    id INTEGER PRIMARY KEY,
    order_id INTEGER NOT NULL REFERENCES orders(id),
    requester_kind TEXT NOT NULL CHECK (requester_kind IN ('person', 'counsel', 'agency', 'public')),
    requester_name TEXT NOT NULL,
    clerk TEXT NOT NULL,
    made_at TEXT NOT NULL,
    sealed INTEGER NOT NULL DEFAULT 0,
    file_path TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    original_sha256 TEXT                   -- the order's file the copy was made from
);
CREATE INDEX certified_copies_order ON certified_copies(order_id);

-- When a signed order was reported: one row per order in each DOJ update (HS 11361.9(f)) or
-- court-update export written, so "when was my record reported to DOJ" has an answer per order.
CREATE TABLE order_reports (
    order_id INTEGER NOT NULL REFERENCES orders(id),
    kind TEXT NOT NULL CHECK (kind IN ('doj-update', 'court-update')),
    at TEXT NOT NULL,
    by_user TEXT,
    file_sha256 TEXT NOT NULL,
    rows INTEGER NOT NULL,
    PRIMARY KEY (order_id, kind, at)
) WITHOUT ROWID;
