-- Two indexes of counts that no query needs, dropped because every index of counts is paid on
-- each of the ~million rows a DOJ import writes (measured ~0.65 s each on 1M rows):
-- counts_section: the queue's section filter goes through counts_base_county (base_section
-- first) and then compares the full section; counts_conviction_date: the queue sorts by the
-- conviction date with a unary + (never through an index) and nothing filters on it.
DROP INDEX IF EXISTS counts_section;
DROP INDEX IF EXISTS counts_conviction_date;
