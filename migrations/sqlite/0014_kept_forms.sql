-- A form posted after its session ended, kept for a few minutes under a cookie's token so the
-- person can send it again once signed in (kernel::kept_forms). Belongs to no one until then.
CREATE TABLE kept_forms (
    token_hash TEXT PRIMARY KEY,
    path TEXT NOT NULL,
    body TEXT NOT NULL,
    created_at TEXT NOT NULL
);
