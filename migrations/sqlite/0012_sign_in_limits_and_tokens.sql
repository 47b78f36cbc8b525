-- Sign-in guesses are counted per address in one row, reserved atomically before the
-- password is checked, so parallel guesses cannot all be checked (issue 9, item 4).
CREATE TABLE sign_in_attempts (
    email TEXT PRIMARY KEY,
    attempts INTEGER NOT NULL,
    window_started_at TEXT NOT NULL
);
DROP TABLE sign_in_failures;

-- Sessions end after a time without use as well as at a fixed lifetime (item 13); the sign-in
-- form no longer needs an anonymous session row (item 9).
ALTER TABLE sessions ADD COLUMN last_used_at TEXT;
UPDATE sessions SET last_used_at = created_at;
DELETE FROM sessions WHERE user_id IS NULL;

-- The business unit lists every token of its partnership; archiving revokes by organisation
-- and by the person who created them.
CREATE INDEX api_tokens_organisation ON api_tokens (organisation_id, revoked_at);
CREATE INDEX api_tokens_created_by ON api_tokens (created_by);
