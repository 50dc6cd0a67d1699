-- Indexes for the review queue's ordered-id query (desktop/review/queue.py, queue_ids_query).
-- counts_queue: the count's join keys in a narrow index; the ids query reads it (INDEXED BY)
-- instead of the wide counts rows when a list needs the person's name or the case number.
CREATE INDEX counts_queue ON counts(id, subject_id, case_id);
-- determinations_flags: the flag filter (instr over flags) scans this instead of determinations,
-- whose rows carry the explanation JSON.
CREATE INDEX determinations_flags ON determinations(flags);
