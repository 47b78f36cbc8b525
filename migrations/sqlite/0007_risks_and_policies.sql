-- Tracker: the risk register (risks scored likelihood x impact before and after controls, every
-- re-score kept, controls with their owner and effectiveness) and the policy tracker (policies
-- and procedures with owner group, version, review date, and every approved version kept).
-- Dates are ISO-8601 text; nothing is deleted (risks close, controls retire).
CREATE TABLE risks (
    id INTEGER PRIMARY KEY,
    reference TEXT NOT NULL,
    title TEXT NOT NULL,
    description TEXT NOT NULL,
    cause TEXT NOT NULL,
    effect TEXT NOT NULL,
    owner_organisation_id INTEGER NOT NULL REFERENCES organisations (id),
    owner_role TEXT NOT NULL,
    theme TEXT NOT NULL DEFAULT '',
    inherent_likelihood INTEGER NOT NULL CHECK (inherent_likelihood BETWEEN 1 AND 5),
    inherent_impact INTEGER NOT NULL CHECK (inherent_impact BETWEEN 1 AND 5),
    residual_likelihood INTEGER NOT NULL CHECK (residual_likelihood BETWEEN 1 AND 5),
    residual_impact INTEGER NOT NULL CHECK (residual_impact BETWEEN 1 AND 5),
    review_on TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('open', 'closed', 'tolerated')),
    closed_on TEXT,
    closure_rationale TEXT NOT NULL DEFAULT '',
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE UNIQUE INDEX risks_reference ON risks (upper(reference));

CREATE TABLE risk_scores (
    id INTEGER PRIMARY KEY,
    risk_id INTEGER NOT NULL REFERENCES risks (id),
    scored_on TEXT NOT NULL,
    scored_by TEXT NOT NULL,
    inherent_likelihood INTEGER NOT NULL CHECK (inherent_likelihood BETWEEN 1 AND 5),
    inherent_impact INTEGER NOT NULL CHECK (inherent_impact BETWEEN 1 AND 5),
    residual_likelihood INTEGER NOT NULL CHECK (residual_likelihood BETWEEN 1 AND 5),
    residual_impact INTEGER NOT NULL CHECK (residual_impact BETWEEN 1 AND 5),
    rationale TEXT NOT NULL,
    recorded_at TEXT NOT NULL
);
CREATE INDEX risk_scores_risk ON risk_scores (risk_id, scored_on);

CREATE TABLE risk_controls (
    id INTEGER PRIMARY KEY,
    risk_id INTEGER NOT NULL REFERENCES risks (id),
    description TEXT NOT NULL,
    owner TEXT NOT NULL,
    effectiveness TEXT NOT NULL CHECK (effectiveness IN ('effective', 'partly_effective', 'not_effective', 'not_assessed')),
    created_at TEXT NOT NULL,
    retired_at TEXT
);
CREATE INDEX risk_controls_risk ON risk_controls (risk_id);

CREATE TABLE policies (
    id INTEGER PRIMARY KEY,
    title TEXT NOT NULL,
    owner_group_id INTEGER NOT NULL REFERENCES partnership_groups (id),
    version TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('draft', 'approved', 'under_review', 'withdrawn')),
    approved_on TEXT,
    next_review_on TEXT,
    document_url TEXT NOT NULL DEFAULT '',
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE UNIQUE INDEX policies_title ON policies (upper(title));

CREATE TABLE policy_versions (
    id INTEGER PRIMARY KEY,
    policy_id INTEGER NOT NULL REFERENCES policies (id),
    version TEXT NOT NULL,
    approved_on TEXT NOT NULL,
    next_review_on TEXT NOT NULL,
    document_url TEXT NOT NULL DEFAULT '',
    note TEXT NOT NULL DEFAULT '',
    recorded_by TEXT NOT NULL,
    recorded_at TEXT NOT NULL
);
CREATE INDEX policy_versions_policy ON policy_versions (policy_id, approved_on);

-- Uploaded copies of a policy's document, each for the version current when it was uploaded;
-- the files themselves are in the kernel's file store.
CREATE TABLE policy_documents (
    id INTEGER PRIMARY KEY,
    policy_id INTEGER NOT NULL REFERENCES policies (id),
    version TEXT NOT NULL,
    file_id INTEGER NOT NULL REFERENCES stored_files (id),
    uploaded_by TEXT NOT NULL,
    uploaded_at TEXT NOT NULL
);
CREATE INDEX policy_documents_policy ON policy_documents (policy_id);
