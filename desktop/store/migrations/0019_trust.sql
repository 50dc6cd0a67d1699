-- Trust, second pass (issue 12).
-- row_seals: for every audit entry that changed a determination, a review decision, a batch item or
-- a batch, the SHA-256 of each changed row as the program left it. The entry's payload carries the
-- SHA-256 over its seals ("rows_sha256"), so the hash chain covers them; `audit verify` compares
-- the newest seal of every row with the row as it is now (desktop/audit/seals.py).
CREATE TABLE row_seals (
    tbl TEXT NOT NULL,                 -- determinations | review_items | batch_items | batches
    row_key TEXT NOT NULL,             -- the row's key as text: id, count_id, 'batch_id:count_id'
    seq INTEGER NOT NULL,              -- the audit entry that left the row in this state
    digest TEXT NOT NULL,              -- sha256 of the row's canonical text (hex), see seals.py
    PRIMARY KEY (tbl, row_key, seq)
) WITHOUT ROWID;
CREATE TRIGGER row_seals_no_update BEFORE UPDATE ON row_seals
BEGIN SELECT RAISE(ABORT, 'row_seals is append-only'); END;
CREATE TRIGGER row_seals_no_delete BEFORE DELETE ON row_seals
BEGIN SELECT RAISE(ABORT, 'row_seals is append-only'); END;

-- The judge's acceptance of a batch, sealed: the manifest (every count with its relief and target,
-- the sample, the judge, the time) as canonical JSON, its SHA-256 (also in the batch.accept audit
-- entry) and, when the judge accepted with a key, an RSA signature over the manifest and the
-- certificate that made it. Orders are built from this manifest.
CREATE TABLE batch_manifests (
    batch_id INTEGER PRIMARY KEY,
    manifest TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    signature TEXT,                    -- base64 RSA PKCS#1 v1.5 / SHA-256 over the manifest bytes
    certificate TEXT,                  -- base64 DER certificate of the signing key
    cert_sha256 TEXT
);
CREATE TRIGGER batch_manifests_no_update BEFORE UPDATE ON batch_manifests
BEGIN SELECT RAISE(ABORT, 'batch_manifests is append-only'); END;
CREATE TRIGGER batch_manifests_no_delete BEFORE DELETE ON batch_manifests
BEGIN SELECT RAISE(ABORT, 'batch_manifests is append-only'); END;

-- Where a prepared order's file is to be written, chosen (never an existing file) before the
-- first attempt, so a rerun after a crash finishes its own file and nobody else's.
ALTER TABLE orders ADD COLUMN planned_path TEXT;
-- The audit head (seq:hash) at signing time, also inside the signed PDF's metadata.
ALTER TABLE orders ADD COLUMN audit_head TEXT;

-- Order numbers are unique beyond one database: the court's prefix plus this installation's id,
-- set once here (8 random hex digits) and never changed.
INSERT OR IGNORE INTO settings (key, value) VALUES ('installation_id', upper(hex(randomblob(4))));
INSERT OR IGNORE INTO settings (key, value) VALUES ('order_prefix', 'P64');
