-- The guards of a judge's package workspace, made only in workspaces (not a migration: see
-- desktop/store/workspace_guards.py and migration 0029). Each statement is CREATE TRIGGER IF NOT
-- EXISTS, so running the file again makes only the guards a workspace lacks.
-- The judge's side: a package workspace is a database built from a package (settings key
-- 'package_workspace' set). In it the clerk's data is read-only: nothing is imported, evaluated
-- or submitted, no decision is changed except the judge's send-back, and no account but a judge's
-- exists. These triggers are a second wall behind the role checks (a workspace has no clerk or
-- administrator). Their WHEN clause is true in a workspace (kept as 0021 wrote it).
CREATE TRIGGER IF NOT EXISTS workspace_no_import BEFORE INSERT ON imports
WHEN EXISTS (SELECT 1 FROM settings WHERE key = 'package_workspace')
BEGIN SELECT RAISE(ABORT, 'package workspace: records cannot be imported into a judge''s package workspace; import them at the clerk''s desk'); END;
CREATE TRIGGER IF NOT EXISTS workspace_no_evaluation BEFORE INSERT ON evaluation_runs
WHEN EXISTS (SELECT 1 FROM settings WHERE key = 'package_workspace')
BEGIN SELECT RAISE(ABORT, 'package workspace: the clerk''s determinations cannot be re-evaluated in a judge''s package workspace'); END;
CREATE TRIGGER IF NOT EXISTS workspace_no_new_batch BEFORE INSERT ON batches
WHEN EXISTS (SELECT 1 FROM settings WHERE key = 'package_workspace')
BEGIN SELECT RAISE(ABORT, 'package workspace: batches are submitted at the clerk''s desk, not in a judge''s package workspace'); END;
CREATE TRIGGER IF NOT EXISTS workspace_no_new_batch_item BEFORE INSERT ON batch_items
WHEN EXISTS (SELECT 1 FROM settings WHERE key = 'package_workspace')
BEGIN SELECT RAISE(ABORT, 'package workspace: the batch of a package cannot be changed'); END;
CREATE TRIGGER IF NOT EXISTS workspace_batch_item_fixed BEFORE UPDATE OF batch_id, count_id, relief, resentence_target, rule_path ON batch_items
WHEN EXISTS (SELECT 1 FROM settings WHERE key = 'package_workspace')
BEGIN SELECT RAISE(ABORT, 'package workspace: the clerk''s batch cannot be changed'); END;
CREATE TRIGGER IF NOT EXISTS workspace_no_batch_item_delete BEFORE DELETE ON batch_items
WHEN EXISTS (SELECT 1 FROM settings WHERE key = 'package_workspace')
BEGIN SELECT RAISE(ABORT, 'package workspace: the clerk''s batch cannot be changed'); END;
CREATE TRIGGER IF NOT EXISTS workspace_determinations_fixed BEFORE UPDATE ON determinations
WHEN EXISTS (SELECT 1 FROM settings WHERE key = 'package_workspace')
BEGIN SELECT RAISE(ABORT, 'package workspace: the determinations of a package cannot be changed'); END;
CREATE TRIGGER IF NOT EXISTS workspace_determinations_kept BEFORE DELETE ON determinations
WHEN EXISTS (SELECT 1 FROM settings WHERE key = 'package_workspace')
BEGIN SELECT RAISE(ABORT, 'package workspace: the determinations of a package cannot be changed'); END;
CREATE TRIGGER IF NOT EXISTS workspace_counts_fixed BEFORE UPDATE ON counts
WHEN EXISTS (SELECT 1 FROM settings WHERE key = 'package_workspace')
BEGIN SELECT RAISE(ABORT, 'package workspace: the records of a package cannot be changed'); END;
CREATE TRIGGER IF NOT EXISTS workspace_counts_kept BEFORE DELETE ON counts
WHEN EXISTS (SELECT 1 FROM settings WHERE key = 'package_workspace')
BEGIN SELECT RAISE(ABORT, 'package workspace: the records of a package cannot be changed'); END;
CREATE TRIGGER IF NOT EXISTS workspace_subjects_fixed BEFORE UPDATE ON subjects
WHEN EXISTS (SELECT 1 FROM settings WHERE key = 'package_workspace')
BEGIN SELECT RAISE(ABORT, 'package workspace: the records of a package cannot be changed'); END;
CREATE TRIGGER IF NOT EXISTS workspace_subjects_kept BEFORE DELETE ON subjects
WHEN EXISTS (SELECT 1 FROM settings WHERE key = 'package_workspace')
BEGIN SELECT RAISE(ABORT, 'package workspace: the records of a package cannot be changed'); END;
-- The clerk's decisions: only the judge's send-back (back to pending, the decision kept as
-- previous_decision, the batch item marked sent_back first) may change a review item.
CREATE TRIGGER IF NOT EXISTS workspace_decisions_fixed BEFORE UPDATE ON review_items
WHEN EXISTS (SELECT 1 FROM settings WHERE key = 'package_workspace')
 AND NOT (NEW.status = 'pending' AND OLD.status IN ('approved', 'changed')
          AND NEW.determination_id = OLD.determination_id
          AND NEW.previous_decision IS NOT NULL
          AND EXISTS (SELECT 1 FROM batch_items bi WHERE bi.count_id = NEW.count_id
                      AND bi.judge_status = 'sent_back'))
BEGIN SELECT RAISE(ABORT, 'package workspace: the clerk''s decisions cannot be changed in a judge''s package workspace; send the count back with a note instead'); END;
CREATE TRIGGER IF NOT EXISTS workspace_no_new_decision BEFORE INSERT ON review_items
WHEN EXISTS (SELECT 1 FROM settings WHERE key = 'package_workspace')
BEGIN SELECT RAISE(ABORT, 'package workspace: the clerk''s decisions cannot be changed in a judge''s package workspace'); END;
CREATE TRIGGER IF NOT EXISTS workspace_decisions_kept BEFORE DELETE ON review_items
WHEN EXISTS (SELECT 1 FROM settings WHERE key = 'package_workspace')
BEGIN SELECT RAISE(ABORT, 'package workspace: the clerk''s decisions cannot be changed in a judge''s package workspace'); END;
CREATE TRIGGER IF NOT EXISTS workspace_judges_only BEFORE INSERT ON users
WHEN NEW.role != 'judge' AND EXISTS (SELECT 1 FROM settings WHERE key = 'package_workspace')
BEGIN SELECT RAISE(ABORT, 'package workspace: only the judge has an account in a judge''s package workspace'); END;
CREATE TRIGGER IF NOT EXISTS workspace_judges_stay BEFORE UPDATE OF role ON users
WHEN NEW.role != 'judge' AND EXISTS (SELECT 1 FROM settings WHERE key = 'package_workspace')
BEGIN SELECT RAISE(ABORT, 'package workspace: only the judge has an account in a judge''s package workspace'); END;
