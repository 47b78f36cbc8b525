-- Kernel: the e-mail outbox (messages are queued here in the same transaction as the change
-- that caused them, and sent later).
CREATE TABLE email_outbox (
    id INTEGER PRIMARY KEY,
    to_address TEXT NOT NULL,
    subject TEXT NOT NULL,
    body TEXT NOT NULL,
    created_at TEXT NOT NULL,
    sent_at TEXT,
    attempts INTEGER NOT NULL DEFAULT 0,
    last_error TEXT
);
CREATE INDEX email_outbox_unsent ON email_outbox (sent_at, id);

-- Dataset: the indicator catalogue, collection periods, data drops with their values and
-- storyboard, and per-organisation API tokens.
CREATE TABLE indicators (
    id INTEGER PRIMARY KEY,
    code TEXT NOT NULL,
    name TEXT NOT NULL,
    definition TEXT NOT NULL,
    unit TEXT NOT NULL,
    polarity TEXT NOT NULL,
    frequency TEXT NOT NULL,
    owner_organisation_id INTEGER NOT NULL REFERENCES organisations (id),
    priority_item_id INTEGER REFERENCES business_plan_priorities (id),
    target REAL,
    suppression_threshold INTEGER NOT NULL DEFAULT 0,
    decimals INTEGER NOT NULL DEFAULT 0,
    source TEXT NOT NULL DEFAULT '',
    active_from TEXT NOT NULL,
    active_to TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    archived_at TEXT
);
CREATE UNIQUE INDEX indicators_code ON indicators (upper(code));
CREATE INDEX indicators_owner ON indicators (owner_organisation_id);

CREATE TABLE indicator_themes (
    indicator_id INTEGER NOT NULL REFERENCES indicators (id),
    plan_item_id INTEGER NOT NULL REFERENCES business_plan_priorities (id),
    PRIMARY KEY (indicator_id, plan_item_id)
);

CREATE TABLE indicator_comparators (
    id INTEGER PRIMARY KEY,
    indicator_id INTEGER NOT NULL REFERENCES indicators (id),
    period_start TEXT NOT NULL,
    name TEXT NOT NULL,
    value REAL NOT NULL
);
CREATE UNIQUE INDEX indicator_comparators_one ON indicator_comparators (indicator_id, period_start, name);

CREATE TABLE collection_periods (
    id INTEGER PRIMARY KEY,
    period_start TEXT NOT NULL,
    due_on TEXT NOT NULL,
    closed_at TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE UNIQUE INDEX collection_periods_period ON collection_periods (period_start);

CREATE TABLE data_drops (
    id INTEGER PRIMARY KEY,
    organisation_id INTEGER NOT NULL REFERENCES organisations (id),
    period_start TEXT NOT NULL,
    version INTEGER NOT NULL,
    status TEXT NOT NULL,
    channel TEXT NOT NULL,
    working_well TEXT NOT NULL DEFAULT '',
    worried_about TEXT NOT NULL DEFAULT '',
    doing_about_it TEXT NOT NULL DEFAULT '',
    previous_actions TEXT NOT NULL DEFAULT '',
    created_by INTEGER REFERENCES users (id),
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    submitted_by INTEGER REFERENCES users (id),
    submitted_at TEXT,
    decided_by INTEGER REFERENCES users (id),
    decided_at TEXT,
    decision_comment TEXT NOT NULL DEFAULT ''
);
CREATE UNIQUE INDEX data_drops_version ON data_drops (organisation_id, period_start, version);
CREATE INDEX data_drops_status ON data_drops (status, period_start);

CREATE TABLE data_values (
    id INTEGER PRIMARY KEY,
    data_drop_id INTEGER NOT NULL REFERENCES data_drops (id),
    indicator_id INTEGER NOT NULL REFERENCES indicators (id),
    value REAL NOT NULL,
    note TEXT NOT NULL DEFAULT '',
    outlier_confirmed INTEGER NOT NULL DEFAULT 0
);
CREATE UNIQUE INDEX data_values_one ON data_values (data_drop_id, indicator_id);
CREATE INDEX data_values_indicator ON data_values (indicator_id);

CREATE TABLE api_tokens (
    id INTEGER PRIMARY KEY,
    organisation_id INTEGER NOT NULL REFERENCES organisations (id),
    label TEXT NOT NULL,
    token_hash TEXT NOT NULL,
    created_by INTEGER REFERENCES users (id),
    created_at TEXT NOT NULL,
    last_used_at TEXT,
    revoked_at TEXT
);
CREATE UNIQUE INDEX api_tokens_hash ON api_tokens (token_hash);
