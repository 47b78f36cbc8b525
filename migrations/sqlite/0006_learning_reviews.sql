-- Learning reviews (rapid reviews, local CSPRs, learning circles, reflective reviews, thematic
-- audits), their findings tagged with the business unit's themes, the triage of national and
-- other areas' reviews, and the advance warnings of the statutory clocks already e-mailed.
CREATE TABLE learning_themes (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    description TEXT NOT NULL,
    created_at TEXT NOT NULL,
    archived_at TEXT
);
CREATE UNIQUE INDEX learning_themes_name ON learning_themes (upper(name));

CREATE TABLE learning_reviews (
    id INTEGER PRIMARY KEY,
    reference TEXT NOT NULL,
    review_type TEXT NOT NULL,
    subject TEXT NOT NULL,
    serious_incident_id INTEGER REFERENCES serious_incidents (id),
    chair_role TEXT NOT NULL,
    summary TEXT NOT NULL,
    started_on TEXT NOT NULL,
    completed_on TEXT,
    panel_response TEXT NOT NULL,
    decision TEXT NOT NULL,
    decision_rationale TEXT NOT NULL,
    status TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    archived_at TEXT
);
CREATE UNIQUE INDEX learning_reviews_reference ON learning_reviews (upper(reference));

CREATE TABLE learning_review_agencies (
    review_id INTEGER NOT NULL REFERENCES learning_reviews (id),
    organisation_id INTEGER NOT NULL REFERENCES organisations (id),
    PRIMARY KEY (review_id, organisation_id)
);

CREATE TABLE learning_findings (
    id INTEGER PRIMARY KEY,
    review_id INTEGER NOT NULL REFERENCES learning_reviews (id),
    finding TEXT NOT NULL,
    created_at TEXT NOT NULL,
    archived_at TEXT
);
CREATE INDEX learning_findings_review ON learning_findings (review_id);

CREATE TABLE learning_finding_themes (
    finding_id INTEGER NOT NULL REFERENCES learning_findings (id),
    theme_id INTEGER NOT NULL REFERENCES learning_themes (id),
    PRIMARY KEY (finding_id, theme_id)
);

CREATE TABLE national_reviews (
    id INTEGER PRIMARY KEY,
    title TEXT NOT NULL,
    source TEXT NOT NULL,
    published_on TEXT NOT NULL,
    link TEXT NOT NULL,
    created_at TEXT NOT NULL,
    archived_at TEXT
);

CREATE TABLE national_review_recommendations (
    id INTEGER PRIMARY KEY,
    national_review_id INTEGER NOT NULL REFERENCES national_reviews (id),
    recommendation TEXT NOT NULL,
    triage_decision TEXT,
    triage_rationale TEXT NOT NULL,
    triaged_by TEXT,
    triaged_at TEXT,
    created_at TEXT NOT NULL
);
CREATE INDEX national_review_recommendations_review ON national_review_recommendations (national_review_id);

CREATE TABLE learning_clock_warnings (
    id INTEGER PRIMARY KEY,
    serious_incident_id INTEGER NOT NULL REFERENCES serious_incidents (id),
    clock TEXT NOT NULL,
    kind TEXT NOT NULL,
    due_on TEXT NOT NULL,
    sent_at TEXT NOT NULL
);
CREATE UNIQUE INDEX learning_clock_warnings_once ON learning_clock_warnings (serious_incident_id, clock, kind);
