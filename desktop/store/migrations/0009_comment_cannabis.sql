-- Issue 13: a cannabis section named only in the COMMENT_TEXT of a count of another offense is
-- shown to a clerk (flag possible_prop64_in_comment). The evaluation finds such counts through
-- this partial index: only rows whose comment names 11357-11360 (well under 1 % of a DOJ file)
-- enter it, so an import pays one LIKE per row with a comment, and an evaluation no full scan.
-- desktop/rules/evaluate.py repeats this WHERE term so the planner can use the index.
CREATE INDEX counts_comment_cannabis ON counts(county)
    WHERE comment LIKE '%1135%' OR comment LIKE '%11360%';
