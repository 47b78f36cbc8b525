-- A round's returns, within the partnership every query names (issue 13, the returns dashboard
-- at national scale). The dashboard counts a round's returns and reads a page of them by
-- organisation name; the analysis tallies them. With only (round_id, organisation_id) and
-- (partnership_id, organisation_id), SQLite (which keeps no statistics here) chose the
-- partnership's index and read every return of every round; this one answers
-- "partnership_id = ? AND round_id = ?" alone, and holds the organisation for the page's sort.
CREATE INDEX assurance_returns_round ON assurance_returns (partnership_id, round_id, organisation_id);
