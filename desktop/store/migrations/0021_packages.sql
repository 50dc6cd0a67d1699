-- Issue 15: batch packages between the clerk's PC and the judge's PC (desktop/exchange,
-- docs/packages.md). A live database is never shared over a network; a batch travels as a file.

-- The clerk's side: every package sent to a judge, what the batch was when it left, and the
-- answer imported for it (one answer per package: a second import is a replay and is refused).
CREATE TABLE package_sends (
    package_id TEXT PRIMARY KEY,           -- random id written into the package
    batch_id INTEGER NOT NULL,
    sha256 TEXT NOT NULL,                  -- of the package's manifest.json (it lists every part's hash)
    file_sha256 TEXT NOT NULL,             -- of the package file as written
    batch_state TEXT NOT NULL,             -- JSON: table -> row key -> row digest at sending
    judge TEXT,                            -- the judge it is addressed to, when named
    sent_by TEXT NOT NULL,
    sent_at TEXT NOT NULL,
    file_name TEXT,
    answer_id TEXT UNIQUE,                 -- set when its answer is imported
    answer_sha256 TEXT,
    answer_judge TEXT,
    answer_host TEXT,                      -- the judge's machine named in the answer
    answered_at TEXT,                      -- when the judge wrote the answer (judge's clock)
    imported_by TEXT,
    imported_at TEXT,
    import_seq INTEGER                     -- the package.import_answer audit entry
);
CREATE INDEX package_sends_batch ON package_sends(batch_id);

-- Audit heads (seq:hash) of a judge's workspace log printed into orders signed there: an order
-- signed on the judge's PC carries the head of that PC's log, not of this database's. Recorded
-- only by an answer import, whose audit entry lists them (so the chain covers them).
CREATE TABLE foreign_audit_heads (
    head TEXT PRIMARY KEY,
    package_id TEXT NOT NULL,
    audit_seq INTEGER NOT NULL
);

-- The judge's side: a package workspace is a database built from a package (settings key
-- 'package_workspace' set). In it the clerk's data is read-only: nothing is imported, evaluated
-- or submitted, no decision is changed except the judge's send-back, and no account but a judge's
-- exists. These triggers are a second wall behind the role checks (a workspace has no clerk or
-- administrator). In the clerk's database the WHEN clause is false and they do nothing.
CREATE TRIGGER workspace_no_import BEFORE INSERT ON imports
WHEN EXISTS (SELECT 1 FROM settings WHERE key = 'package_workspace')
BEGIN SELECT RAISE(ABORT, 'package workspace: records cannot be imported into a judge''s package workspace; import them at the clerk''s desk'); END;
CREATE TRIGGER workspace_no_evaluation BEFORE INSERT ON evaluation_runs
WHEN EXISTS (SELECT 1 FROM settings WHERE key = 'package_workspace')
BEGIN SELECT RAISE(ABORT, 'package workspace: the clerk''s determinations cannot be re-evaluated in a judge''s package workspace'); END;
CREATE TRIGGER workspace_no_new_batch BEFORE INSERT ON batches
WHEN EXISTS (SELECT 1 FROM settings WHERE key = 'package_workspace')
BEGIN SELECT RAISE(ABORT, 'package workspace: batches are submitted at the clerk''s desk, not in a judge''s package workspace'); END;
CREATE TRIGGER workspace_no_new_batch_item BEFORE INSERT ON batch_items
WHEN EXISTS (SELECT 1 FROM settings WHERE key = 'package_workspace')
BEGIN SELECT RAISE(ABORT, 'package workspace: the batch of a package cannot be changed'); END;
CREATE TRIGGER workspace_batch_item_fixed BEFORE UPDATE OF batch_id, count_id, relief, resentence_target, rule_path ON batch_items
WHEN EXISTS (SELECT 1 FROM settings WHERE key = 'package_workspace')
BEGIN SELECT RAISE(ABORT, 'package workspace: the clerk''s batch cannot be changed'); END;
CREATE TRIGGER workspace_no_batch_item_delete BEFORE DELETE ON batch_items
WHEN EXISTS (SELECT 1 FROM settings WHERE key = 'package_workspace')
BEGIN SELECT RAISE(ABORT, 'package workspace: the clerk''s batch cannot be changed'); END;
CREATE TRIGGER workspace_determinations_fixed BEFORE UPDATE ON determinations
WHEN EXISTS (SELECT 1 FROM settings WHERE key = 'package_workspace')
BEGIN SELECT RAISE(ABORT, 'package workspace: the determinations of a package cannot be changed'); END;
CREATE TRIGGER workspace_determinations_kept BEFORE DELETE ON determinations
WHEN EXISTS (SELECT 1 FROM settings WHERE key = 'package_workspace')
BEGIN SELECT RAISE(ABORT, 'package workspace: the determinations of a package cannot be changed'); END;
CREATE TRIGGER workspace_counts_fixed BEFORE UPDATE ON counts
WHEN EXISTS (SELECT 1 FROM settings WHERE key = 'package_workspace')
BEGIN SELECT RAISE(ABORT, 'package workspace: the records of a package cannot be changed'); END;
CREATE TRIGGER workspace_counts_kept BEFORE DELETE ON counts
WHEN EXISTS (SELECT 1 FROM settings WHERE key = 'package_workspace')
BEGIN SELECT RAISE(ABORT, 'package workspace: the records of a package cannot be changed'); END;
CREATE TRIGGER workspace_subjects_fixed BEFORE UPDATE ON subjects
WHEN EXISTS (SELECT 1 FROM settings WHERE key = 'package_workspace')
BEGIN SELECT RAISE(ABORT, 'package workspace: the records of a package cannot be changed'); END;
CREATE TRIGGER workspace_subjects_kept BEFORE DELETE ON subjects
WHEN EXISTS (SELECT 1 FROM settings WHERE key = 'package_workspace')
BEGIN SELECT RAISE(ABORT, 'package workspace: the records of a package cannot be changed'); END;
-- The clerk's decisions: only the judge's send-back (back to pending, the decision kept as
-- previous_decision, the batch item marked sent_back first) may change a review item.
CREATE TRIGGER workspace_decisions_fixed BEFORE UPDATE ON review_items
WHEN EXISTS (SELECT 1 FROM settings WHERE key = 'package_workspace')
 AND NOT (NEW.status = 'pending' AND OLD.status IN ('approved', 'changed')
          AND NEW.determination_id = OLD.determination_id
          AND NEW.previous_decision IS NOT NULL
          AND EXISTS (SELECT 1 FROM batch_items bi WHERE bi.count_id = NEW.count_id
                      AND bi.judge_status = 'sent_back'))
BEGIN SELECT RAISE(ABORT, 'package workspace: the clerk''s decisions cannot be changed in a judge''s package workspace; send the count back with a note instead'); END;
CREATE TRIGGER workspace_no_new_decision BEFORE INSERT ON review_items
WHEN EXISTS (SELECT 1 FROM settings WHERE key = 'package_workspace')
BEGIN SELECT RAISE(ABORT, 'package workspace: the clerk''s decisions cannot be changed in a judge''s package workspace'); END;
CREATE TRIGGER workspace_decisions_kept BEFORE DELETE ON review_items
WHEN EXISTS (SELECT 1 FROM settings WHERE key = 'package_workspace')
BEGIN SELECT RAISE(ABORT, 'package workspace: the clerk''s decisions cannot be changed in a judge''s package workspace'); END;
CREATE TRIGGER workspace_judges_only BEFORE INSERT ON users
WHEN NEW.role != 'judge' AND EXISTS (SELECT 1 FROM settings WHERE key = 'package_workspace')
BEGIN SELECT RAISE(ABORT, 'package workspace: only the judge has an account in a judge''s package workspace'); END;
CREATE TRIGGER workspace_judges_stay BEFORE UPDATE OF role ON users
WHEN NEW.role != 'judge' AND EXISTS (SELECT 1 FROM settings WHERE key = 'package_workspace')
BEGIN SELECT RAISE(ABORT, 'package workspace: only the judge has an account in a judge''s package workspace'); END;
