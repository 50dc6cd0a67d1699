-- Court orders made from accepted review batches, and the counts each order covers.
-- batch_id carries no foreign key: the batches table comes from migration 0004 (review), and an order
-- row must never be refused because of migration order.
CREATE TABLE orders (
    id INTEGER PRIMARY KEY,
    order_no TEXT NOT NULL UNIQUE,         -- 'P64-<county code>-<year>-<seq>', e.g. P64-36-2025-000017
    kind TEXT NOT NULL CHECK (kind IN ('one_case', 'bulk', 'resentence')),
    batch_id INTEGER NOT NULL,
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
    UNIQUE (county_code, year, seq)
);
CREATE INDEX orders_batch ON orders(batch_id);
CREATE INDEX orders_case ON orders(case_id);

CREATE TABLE order_counts (
    order_id INTEGER NOT NULL REFERENCES orders(id),
    count_id INTEGER NOT NULL REFERENCES counts(id),
    case_id INTEGER NOT NULL REFERENCES cases(id),
    relief TEXT NOT NULL,
    resentence_target TEXT,
    PRIMARY KEY (order_id, count_id)
);
CREATE INDEX order_counts_count ON order_counts(count_id);
