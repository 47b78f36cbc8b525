-- The QA plan on a page (issue 13): the partnership's planned assurance activities for the year
-- (case-file audits, CSPR triage events, training reports, moderation panels ...). Rounds of the
-- s11 and s175 audits are on the plan from assurance_rounds itself, not copied here. An activity
-- taken off the plan is kept with removed_at (the audit trail names it).
CREATE TABLE assurance_plan_activities (
    id INTEGER PRIMARY KEY,
    partnership_id INTEGER NOT NULL REFERENCES partnerships (id),
    kind TEXT NOT NULL,
    title TEXT NOT NULL,
    starts_on TEXT NOT NULL,
    ends_on TEXT NOT NULL,
    lead TEXT NOT NULL DEFAULT '',
    notes TEXT NOT NULL DEFAULT '',
    created_by_name TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    removed_at TEXT
);
CREATE INDEX assurance_plan_activities_dates ON assurance_plan_activities (partnership_id, starts_on);
