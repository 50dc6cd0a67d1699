-- Issue 20: the package-workspace triggers of migration 0021 leave every ordinary database.
-- There their WHEN clause is false, but SQLite still runs a trigger program for every row a
-- statement touches: ~11 µs a row, more than the row's own insert, so a county evaluation spent
-- half a second of its one writing process on review_items' INSERT trigger alone (46,450 rows),
-- and bulk approvals, batches and purges paid the same on their tables. The same triggers are
-- now made only in a judge's package workspace (desktop/store/workspace_guards.py: when the
-- workspace is built, and again whenever one is opened, so a workspace made by an older version
-- keeps its guards after this migration).
DROP TRIGGER IF EXISTS workspace_no_import;
DROP TRIGGER IF EXISTS workspace_no_evaluation;
DROP TRIGGER IF EXISTS workspace_no_new_batch;
DROP TRIGGER IF EXISTS workspace_no_new_batch_item;
DROP TRIGGER IF EXISTS workspace_batch_item_fixed;
DROP TRIGGER IF EXISTS workspace_no_batch_item_delete;
DROP TRIGGER IF EXISTS workspace_determinations_fixed;
DROP TRIGGER IF EXISTS workspace_determinations_kept;
DROP TRIGGER IF EXISTS workspace_counts_fixed;
DROP TRIGGER IF EXISTS workspace_counts_kept;
DROP TRIGGER IF EXISTS workspace_subjects_fixed;
DROP TRIGGER IF EXISTS workspace_subjects_kept;
DROP TRIGGER IF EXISTS workspace_decisions_fixed;
DROP TRIGGER IF EXISTS workspace_no_new_decision;
DROP TRIGGER IF EXISTS workspace_decisions_kept;
DROP TRIGGER IF EXISTS workspace_judges_only;
DROP TRIGGER IF EXISTS workspace_judges_stay;
