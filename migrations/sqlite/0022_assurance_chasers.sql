-- Reminders sent about returns not yet submitted (issue 13: "sends chasers through the e-mail
-- outbox on a working-day schedule"). A scheduled chaser is sent once per return, due date and
-- kind: an extension moves the due date, so the schedule starts again from the new one. A
-- reminder the business unit sends by hand ("manual") may be sent again.
CREATE TABLE assurance_chasers (
    id INTEGER PRIMARY KEY,
    partnership_id INTEGER NOT NULL REFERENCES partnerships (id),
    return_id INTEGER NOT NULL REFERENCES assurance_returns (id),
    kind TEXT NOT NULL,
    due_on TEXT NOT NULL,
    sent_on TEXT NOT NULL,
    recipients INTEGER NOT NULL,
    sent_by_name TEXT,
    created_at TEXT NOT NULL
);
CREATE UNIQUE INDEX assurance_chasers_once ON assurance_chasers (return_id, due_on, kind)
    WHERE kind <> 'manual';
CREATE INDEX assurance_chasers_return ON assurance_chasers (return_id, id);
