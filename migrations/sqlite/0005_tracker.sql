-- The learning improvement tracker: recommendations from any source (a review, an audit, the
-- scrutineer, a meeting, a risk), each turned into actions with an owning organisation, a due
-- date, progress notes, evidence and an impact measure revisited after completion. Uploaded
-- files live in the kernel's file store so backups carry them.
CREATE TABLE stored_files (
    id INTEGER PRIMARY KEY,
    file_name TEXT NOT NULL,
    content_type TEXT NOT NULL,
    size_bytes INTEGER NOT NULL,
    sha256 TEXT NOT NULL,
    content_base64 TEXT NOT NULL,
    uploaded_by TEXT NOT NULL,
    uploaded_at TEXT NOT NULL
);

CREATE TABLE recommendations (
    id INTEGER PRIMARY KEY,
    reference TEXT NOT NULL,
    source_kind TEXT NOT NULL,
    source_id INTEGER,
    source_label TEXT NOT NULL,
    recommendation TEXT NOT NULL,
    priority_item_id INTEGER REFERENCES business_plan_priorities (id),
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    archived_at TEXT
);
CREATE UNIQUE INDEX recommendations_reference ON recommendations (upper(reference));
CREATE INDEX recommendations_source ON recommendations (source_kind, source_id);

CREATE TABLE tracker_actions (
    id INTEGER PRIMARY KEY,
    recommendation_id INTEGER NOT NULL REFERENCES recommendations (id),
    title TEXT NOT NULL,
    owner_organisation_id INTEGER NOT NULL REFERENCES organisations (id),
    owner_person_id INTEGER REFERENCES people (id),
    due_on TEXT NOT NULL,
    status TEXT NOT NULL,
    impact_indicator_id INTEGER REFERENCES indicators (id),
    impact_measure TEXT NOT NULL,
    completed_on TEXT,
    revisit_on TEXT,
    revisited_on TEXT,
    closed_on TEXT,
    -- Evidence up to this id was judged before the action was last reopened; only later
    -- evidence can close it.
    evidence_floor INTEGER NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    archived_at TEXT
);
CREATE INDEX tracker_actions_recommendation ON tracker_actions (recommendation_id);
CREATE INDEX tracker_actions_owner ON tracker_actions (owner_organisation_id);

-- Progress notes, status changes and revisits, oldest first: the action's story.
CREATE TABLE action_updates (
    id INTEGER PRIMARY KEY,
    action_id INTEGER NOT NULL REFERENCES tracker_actions (id),
    kind TEXT NOT NULL,
    status_before TEXT NOT NULL,
    status_after TEXT NOT NULL,
    note TEXT NOT NULL,
    written_by TEXT NOT NULL,
    written_at TEXT NOT NULL
);
CREATE INDEX action_updates_action ON action_updates (action_id);

CREATE TABLE action_evidence (
    id INTEGER PRIMARY KEY,
    action_id INTEGER NOT NULL REFERENCES tracker_actions (id),
    description TEXT NOT NULL,
    link TEXT,
    file_id INTEGER REFERENCES stored_files (id),
    added_by TEXT NOT NULL,
    added_at TEXT NOT NULL
);
CREATE INDEX action_evidence_action ON action_evidence (action_id);

-- The Monday digest to action owners goes once per week, however many instances run.
CREATE TABLE tracker_digest_runs (
    week_starting TEXT PRIMARY KEY,
    sent_at TEXT NOT NULL
);
