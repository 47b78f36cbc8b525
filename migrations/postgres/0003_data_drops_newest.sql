-- The data drop list reads the newest drops first and stops at its page size.
CREATE INDEX data_drops_newest ON data_drops (period_start, id);
