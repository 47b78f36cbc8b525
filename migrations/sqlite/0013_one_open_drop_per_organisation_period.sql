-- An organisation has at most one open data drop (a draft, or one waiting for the business
-- unit's decision) per period, so two first saves racing to start a draft make one: the
-- second's insert finds the first's ("insert or find", dataset::store::start_draft).
-- Open versions left beside another by that race before this index are closed as returned:
-- a submitted one is kept (it awaits a decision), else the newest draft. Nothing is deleted.
UPDATE data_drops SET status = 'returned', decided_at = updated_at,
    decision_comment = 'Closed when MASA began allowing one open version per period: a newer version was started at the same moment.'
WHERE status IN ('draft', 'submitted') AND EXISTS (
    SELECT 1 FROM data_drops other
    WHERE other.organisation_id = data_drops.organisation_id
      AND other.period_start = data_drops.period_start
      AND other.id <> data_drops.id
      AND other.status IN ('draft', 'submitted')
      AND ((other.status = 'submitted' AND data_drops.status = 'draft')
           OR (other.status = data_drops.status AND other.version > data_drops.version))
);
CREATE UNIQUE INDEX data_drops_one_open ON data_drops (organisation_id, period_start)
    WHERE status IN ('draft', 'submitted');
