-- PostgreSQL checks data_values' references once per statement from this version (see its
-- migration 0010). SQLite keeps its per-row foreign keys: there they cost little, as every
-- lookup is an in-process B-tree probe.
SELECT 1;
