-- The reports (issue 12): each generated version of a yearly or quarterly report, its figures
-- and sections frozen as JSON; a version once approved is never changed again (reports::store
-- refuses). The approved PDF is kept in the kernel's file store with its SHA-256.
CREATE TABLE report_versions (
    id INTEGER PRIMARY KEY,
    partnership_id INTEGER NOT NULL REFERENCES partnerships (id),
    kind TEXT NOT NULL,
    period TEXT NOT NULL,
    number INTEGER NOT NULL,
    status TEXT NOT NULL DEFAULT 'draft',
    document TEXT NOT NULL,
    failed_checks INTEGER NOT NULL DEFAULT 0,
    generated_by INTEGER NOT NULL REFERENCES users (id),
    generated_by_name TEXT NOT NULL,
    generated_at TEXT NOT NULL,
    approved_by INTEGER REFERENCES users (id),
    approved_by_name TEXT,
    approved_at TEXT,
    pdf_file_id INTEGER REFERENCES stored_files (id),
    pdf_sha256 TEXT
);
CREATE UNIQUE INDEX report_versions_number ON report_versions (partnership_id, kind, period, number);

-- The narrative parts (foreword, achievements, what next), append-only: each save is a new row.
CREATE TABLE report_narratives (
    id INTEGER PRIMARY KEY,
    partnership_id INTEGER NOT NULL REFERENCES partnerships (id),
    kind TEXT NOT NULL,
    period TEXT NOT NULL,
    part TEXT NOT NULL,
    text TEXT NOT NULL,
    written_by INTEGER NOT NULL REFERENCES users (id),
    written_by_name TEXT NOT NULL,
    written_at TEXT NOT NULL
);
CREATE INDEX report_narratives_part ON report_narratives (partnership_id, kind, period, part);

-- Comments on a report version by the business unit, chairs and members.
CREATE TABLE report_comments (
    id INTEGER PRIMARY KEY,
    partnership_id INTEGER NOT NULL REFERENCES partnerships (id),
    version_id INTEGER NOT NULL REFERENCES report_versions (id),
    author INTEGER NOT NULL REFERENCES users (id),
    author_name TEXT NOT NULL,
    body TEXT NOT NULL,
    at TEXT NOT NULL
);
CREATE INDEX report_comments_version ON report_comments (version_id);
