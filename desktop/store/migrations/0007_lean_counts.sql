-- Leaner indexes of counts: each one is paid on every one of the ~million rows a DOJ import
-- writes (measured ~0.6 s per index per million rows), and only cannabis counts are looked up.
-- counts_section: the queue's section filter goes through the base section and compares the
-- subdivision after. counts_conviction_date: the queue sorts by conviction date with a unary +
-- (never through an index) and nothing filters on it.
DROP INDEX IF EXISTS counts_section;
DROP INDEX IF EXISTS counts_conviction_date;
-- counts_base_county becomes partial: only HS 11357-11360 (and look-alikes such as 11357.5),
-- ~5 % of a DOJ file. A query uses it only when its WHERE repeats these two range terms
-- (desktop/rules/evaluate.py, desktop/review/queue.py).
DROP INDEX IF EXISTS counts_base_county;
CREATE INDEX counts_cannabis ON counts(base_section, county)
    WHERE base_section >= '11357' AND base_section < '11361';
