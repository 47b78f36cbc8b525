-- Assurance (issue 13): audit frameworks as data (standards and questions), versioned so a round
-- keeps the version it was opened with; rounds sent to a population of organisations; one return
-- per organisation, its answers, evidence and extensions. A published framework version is never
-- changed (assurance::store refuses); editing one starts a new draft version.
CREATE TABLE assurance_frameworks (
    id INTEGER PRIMARY KEY,
    partnership_id INTEGER NOT NULL REFERENCES partnerships (id),
    code TEXT NOT NULL,
    title TEXT NOT NULL,
    description TEXT NOT NULL,
    created_at TEXT NOT NULL,
    archived_at TEXT
);
CREATE UNIQUE INDEX assurance_frameworks_code ON assurance_frameworks (partnership_id, code);

CREATE TABLE assurance_framework_versions (
    id INTEGER PRIMARY KEY,
    partnership_id INTEGER NOT NULL REFERENCES partnerships (id),
    framework_id INTEGER NOT NULL REFERENCES assurance_frameworks (id),
    number INTEGER NOT NULL,
    status TEXT NOT NULL DEFAULT 'draft',
    note TEXT NOT NULL DEFAULT '',
    created_by_name TEXT NOT NULL,
    created_at TEXT NOT NULL,
    published_at TEXT
);
CREATE UNIQUE INDEX assurance_framework_versions_number
    ON assurance_framework_versions (framework_id, number);

CREATE TABLE assurance_standards (
    id INTEGER PRIMARY KEY,
    version_id INTEGER NOT NULL REFERENCES assurance_framework_versions (id),
    number INTEGER NOT NULL,
    title TEXT NOT NULL,
    summary TEXT NOT NULL DEFAULT ''
);
CREATE UNIQUE INDEX assurance_standards_number ON assurance_standards (version_id, number);

-- kind: grade, yes_no, number, choice, text. choices: one per line (choice only). applies_to:
-- comma-separated settings ("secondary,college"); empty means every organisation.
CREATE TABLE assurance_questions (
    id INTEGER PRIMARY KEY,
    version_id INTEGER NOT NULL REFERENCES assurance_framework_versions (id),
    standard_id INTEGER NOT NULL REFERENCES assurance_standards (id),
    position INTEGER NOT NULL,
    code TEXT NOT NULL,
    kind TEXT NOT NULL,
    text TEXT NOT NULL,
    guidance TEXT NOT NULL DEFAULT '',
    evidence TEXT NOT NULL DEFAULT '',
    choices TEXT NOT NULL DEFAULT '',
    applies_to TEXT NOT NULL DEFAULT ''
);
CREATE UNIQUE INDEX assurance_questions_code ON assurance_questions (version_id, code);
CREATE INDEX assurance_questions_standard ON assurance_questions (standard_id, position);

-- The setting an organisation is audited as (primary, secondary, college ...), for questions that
-- apply to some settings only; none for agencies.
CREATE TABLE assurance_settings (
    organisation_id INTEGER PRIMARY KEY REFERENCES organisations (id),
    partnership_id INTEGER NOT NULL REFERENCES partnerships (id),
    setting TEXT NOT NULL,
    inspection_grade INTEGER,
    last_inspected_on TEXT,
    new_provision INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE assurance_rounds (
    id INTEGER PRIMARY KEY,
    partnership_id INTEGER NOT NULL REFERENCES partnerships (id),
    framework_id INTEGER NOT NULL REFERENCES assurance_frameworks (id),
    version_id INTEGER NOT NULL REFERENCES assurance_framework_versions (id),
    title TEXT NOT NULL,
    opens_on TEXT NOT NULL,
    due_on TEXT NOT NULL,
    target_percent INTEGER NOT NULL,
    previous_round_id INTEGER REFERENCES assurance_rounds (id),
    status TEXT NOT NULL DEFAULT 'open',
    created_by_name TEXT NOT NULL,
    created_at TEXT NOT NULL,
    closed_at TEXT
);
CREATE INDEX assurance_rounds_framework ON assurance_rounds (partnership_id, framework_id, opens_on);

-- One return per organisation per round. status: not_started, in_progress, submitted, moderated
-- (partly complete is derived: submitted with required graded questions unanswered).
CREATE TABLE assurance_returns (
    id INTEGER PRIMARY KEY,
    partnership_id INTEGER NOT NULL REFERENCES partnerships (id),
    round_id INTEGER NOT NULL REFERENCES assurance_rounds (id),
    organisation_id INTEGER NOT NULL REFERENCES organisations (id),
    status TEXT NOT NULL DEFAULT 'not_started',
    due_on TEXT NOT NULL,
    previous_return_id INTEGER REFERENCES assurance_returns (id),
    submitted_at TEXT,
    submitted_by_name TEXT,
    reopened_count INTEGER NOT NULL DEFAULT 0,
    -- The actions of the organisation's previous return, and how many it says it completed
    -- (the seed's "completed every action from the previous audit").
    previous_actions INTEGER NOT NULL DEFAULT 0,
    previous_actions_completed INTEGER NOT NULL DEFAULT 0,
    updated_at TEXT NOT NULL
);
CREATE UNIQUE INDEX assurance_returns_organisation ON assurance_returns (round_id, organisation_id);
CREATE INDEX assurance_returns_partnership ON assurance_returns (partnership_id, organisation_id);

-- An answer: grade (a code of the framework's scale), or yes/no, a number, a choice or text, by
-- the question's kind. to_review: pre-filled from the last round and not yet looked at.
CREATE TABLE assurance_answers (
    id INTEGER PRIMARY KEY,
    return_id INTEGER NOT NULL REFERENCES assurance_returns (id),
    question_id INTEGER NOT NULL REFERENCES assurance_questions (id),
    grade TEXT,
    yes_no INTEGER,
    number REAL,
    choice TEXT,
    text TEXT,
    to_review INTEGER NOT NULL DEFAULT 0,
    answered_by_name TEXT NOT NULL,
    answered_at TEXT NOT NULL
);
CREATE UNIQUE INDEX assurance_answers_question ON assurance_answers (return_id, question_id);

-- Evidence for an answer: text or a link (files through the kernel's file store).
CREATE TABLE assurance_evidence (
    id INTEGER PRIMARY KEY,
    return_id INTEGER NOT NULL REFERENCES assurance_returns (id),
    question_id INTEGER NOT NULL REFERENCES assurance_questions (id),
    kind TEXT NOT NULL,
    text TEXT NOT NULL DEFAULT '',
    url TEXT NOT NULL DEFAULT '',
    file_id INTEGER REFERENCES stored_files (id),
    reused_from_id INTEGER REFERENCES assurance_evidence (id),
    added_by_name TEXT NOT NULL,
    added_at TEXT NOT NULL
);
CREATE INDEX assurance_evidence_return ON assurance_evidence (return_id, question_id);

-- Extensions granted to a return: each is kept, the return's due_on is the latest.
CREATE TABLE assurance_extensions (
    id INTEGER PRIMARY KEY,
    return_id INTEGER NOT NULL REFERENCES assurance_returns (id),
    due_on TEXT NOT NULL,
    reason TEXT NOT NULL,
    granted_by_name TEXT NOT NULL,
    granted_at TEXT NOT NULL
);
CREATE INDEX assurance_extensions_return ON assurance_extensions (return_id);
