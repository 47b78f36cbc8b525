-- Dataset at national scale (150 partnerships, some 20 million values): a partnership's
-- scorecard reads its approved drops in period order and each drop's values through
-- data_values_one. data_drops_partnership (0008) finds the partnership's drops but not by
-- status, so with every partnership's drops in the table PostgreSQL preferred scanning them
-- all, then sorted the partnership's values (144,000 at 3,600 indicators and 40 quarters) on
-- disk. Led by the partnership and the status, and ordered by period, this index serves the
-- approved series and the quarter choices of one partnership alone and in order, with no sort.
CREATE INDEX data_drops_approved ON data_drops (partnership_id, status, period_start);
