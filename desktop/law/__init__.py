"""Reading the law as DOJ writes it: section strings, partial dates, levels and names
(normalize), and the statutory disqualifier lists kept as data (disqualifier_data). A leaf:
importers, the engine, the queue and the orders all read sections through it."""
