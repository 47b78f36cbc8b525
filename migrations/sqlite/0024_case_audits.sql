-- Multi-agency case-file audits (issue 13, point 6): a themed audit with its participating
-- agencies and a question template graded good / requires improvement / inadequate; cases by
-- pseudonym only; each agency's graded answers per case; a round-table outcome per case;
-- findings, which may be raised in the improvement tracker; a re-audit links to the audit before
-- it and copies its questions and cases (copied_from_id), so the two can be compared.
CREATE TABLE case_audits (
    id INTEGER PRIMARY KEY,
    partnership_id INTEGER NOT NULL REFERENCES partnerships (id),
    title TEXT NOT NULL,
    theme TEXT NOT NULL,
    held_on TEXT NOT NULL,
    lead TEXT NOT NULL,
    grade_scale TEXT NOT NULL,
    previous_audit_id INTEGER REFERENCES case_audits (id),
    created_by_name TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE INDEX case_audits_held ON case_audits (partnership_id, held_on);

CREATE TABLE case_audit_agencies (
    id INTEGER PRIMARY KEY,
    partnership_id INTEGER NOT NULL REFERENCES partnerships (id),
    audit_id INTEGER NOT NULL REFERENCES case_audits (id),
    organisation_id INTEGER NOT NULL REFERENCES organisations (id)
);
CREATE UNIQUE INDEX case_audit_agencies_organisation ON case_audit_agencies (audit_id, organisation_id);

CREATE TABLE case_audit_questions (
    id INTEGER PRIMARY KEY,
    partnership_id INTEGER NOT NULL REFERENCES partnerships (id),
    audit_id INTEGER NOT NULL REFERENCES case_audits (id),
    position INTEGER NOT NULL,
    text TEXT NOT NULL,
    guidance TEXT NOT NULL DEFAULT '',
    copied_from_id INTEGER REFERENCES case_audit_questions (id)
);
CREATE UNIQUE INDEX case_audit_questions_position ON case_audit_questions (audit_id, position);

-- round_table_grade: the grade the agencies agreed at the round-table, with its learning.
CREATE TABLE case_audit_cases (
    id INTEGER PRIMARY KEY,
    partnership_id INTEGER NOT NULL REFERENCES partnerships (id),
    audit_id INTEGER NOT NULL REFERENCES case_audits (id),
    pseudonym TEXT NOT NULL,
    context TEXT NOT NULL DEFAULT '',
    copied_from_id INTEGER REFERENCES case_audit_cases (id),
    round_table_grade TEXT,
    round_table_learning TEXT NOT NULL DEFAULT '',
    round_table_by_name TEXT,
    round_table_at TEXT,
    created_at TEXT NOT NULL
);
CREATE UNIQUE INDEX case_audit_cases_pseudonym ON case_audit_cases (audit_id, pseudonym);

CREATE TABLE case_audit_answers (
    id INTEGER PRIMARY KEY,
    partnership_id INTEGER NOT NULL REFERENCES partnerships (id),
    case_id INTEGER NOT NULL REFERENCES case_audit_cases (id),
    question_id INTEGER NOT NULL REFERENCES case_audit_questions (id),
    organisation_id INTEGER NOT NULL REFERENCES organisations (id),
    grade TEXT NOT NULL,
    comment TEXT NOT NULL DEFAULT '',
    answered_by_name TEXT NOT NULL,
    answered_at TEXT NOT NULL
);
CREATE UNIQUE INDEX case_audit_answers_question
    ON case_audit_answers (case_id, question_id, organisation_id);

-- recommendation_id: the improvement tracker's recommendation raised from the finding.
CREATE TABLE case_audit_findings (
    id INTEGER PRIMARY KEY,
    partnership_id INTEGER NOT NULL REFERENCES partnerships (id),
    audit_id INTEGER NOT NULL REFERENCES case_audits (id),
    position INTEGER NOT NULL,
    theme TEXT NOT NULL,
    kind TEXT NOT NULL,
    text TEXT NOT NULL,
    recommendation TEXT NOT NULL DEFAULT '',
    recommendation_id INTEGER REFERENCES recommendations (id),
    created_by_name TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE UNIQUE INDEX case_audit_findings_position ON case_audit_findings (audit_id, position);
