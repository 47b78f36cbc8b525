-- Learning: bank holidays the business unit adds to the bundled England and Wales list, and
-- serious incident notifications with the dates that start and stop their statutory clocks.
CREATE TABLE bank_holidays (
    id INTEGER PRIMARY KEY,
    day TEXT NOT NULL,
    name TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE UNIQUE INDEX bank_holidays_day ON bank_holidays (day);

CREATE TABLE serious_incidents (
    id INTEGER PRIMARY KEY,
    reference TEXT NOT NULL,
    subject TEXT NOT NULL,
    summary TEXT NOT NULL,
    became_aware_on TEXT NOT NULL,
    notified_on TEXT,
    rapid_review_completed_on TEXT,
    local_review_decided_on TEXT,
    local_review_published_on TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    archived_at TEXT
);
CREATE UNIQUE INDEX serious_incidents_reference ON serious_incidents (upper(reference));
