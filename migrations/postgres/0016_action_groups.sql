-- The partnership group that oversees an action (tracker::model::TrackerAction), if any: its
-- chair sees the action on their home page when it is overdue or its revisit is due.
ALTER TABLE tracker_actions ADD COLUMN overseeing_group_id BIGINT REFERENCES partnership_groups (id);
CREATE INDEX tracker_actions_overseeing_group ON tracker_actions (overseeing_group_id);
