-- Assurance deep dives and moderation (issue 13, point 5).
--
-- A deep-dive sample of a round: drawn by stated criteria with a seed (both kept, so the draw
-- can be repeated and explained), or chosen by hand. Every draw is kept; the round's current
-- sample is its latest one not replaced (replaced_at IS NULL). A sample is replaced only before
-- moderation of it has begun. method: drawn, by_hand. seed: the draw's seed as decimal text (an
-- unsigned 64-bit number). rule: the sampling rule as JSON (fraction, strata, criteria).
CREATE TABLE assurance_samples (
    id INTEGER PRIMARY KEY,
    partnership_id INTEGER NOT NULL REFERENCES partnerships (id),
    round_id INTEGER NOT NULL REFERENCES assurance_rounds (id),
    method TEXT NOT NULL,
    seed TEXT,
    rule TEXT NOT NULL DEFAULT '',
    criteria TEXT NOT NULL,
    drawn_by_name TEXT NOT NULL,
    drawn_at TEXT NOT NULL,
    replaced_at TEXT
);
CREATE INDEX assurance_samples_round ON assurance_samples (partnership_id, round_id, id);

-- The returns in a sample, in the order drawn, each with why it was chosen.
CREATE TABLE assurance_sample_returns (
    id INTEGER PRIMARY KEY,
    partnership_id INTEGER NOT NULL REFERENCES partnerships (id),
    sample_id INTEGER NOT NULL REFERENCES assurance_samples (id),
    return_id INTEGER NOT NULL REFERENCES assurance_returns (id),
    position INTEGER NOT NULL,
    reason TEXT NOT NULL
);
CREATE UNIQUE INDEX assurance_sample_returns_return ON assurance_sample_returns (sample_id, return_id);

-- One panel member's judgement of one standard of a return: agreement with the self-grade
-- (agrees = 1, grade = the self-grade) or a moderated grade, with a comment.
CREATE TABLE assurance_moderations (
    id INTEGER PRIMARY KEY,
    partnership_id INTEGER NOT NULL REFERENCES partnerships (id),
    return_id INTEGER NOT NULL REFERENCES assurance_returns (id),
    standard_id INTEGER NOT NULL REFERENCES assurance_standards (id),
    moderator_user_id INTEGER NOT NULL REFERENCES users (id),
    moderator_name TEXT NOT NULL,
    agrees INTEGER NOT NULL,
    grade TEXT NOT NULL,
    comment TEXT NOT NULL DEFAULT '',
    recorded_at TEXT NOT NULL
);
CREATE UNIQUE INDEX assurance_moderations_judgement
    ON assurance_moderations (return_id, standard_id, moderator_user_id);

-- The feedback letter to a moderated return's organisation: drafted from the moderated grades,
-- edited by the business unit, then sent (status: draft, sent).
CREATE TABLE assurance_letters (
    id INTEGER PRIMARY KEY,
    partnership_id INTEGER NOT NULL REFERENCES partnerships (id),
    return_id INTEGER NOT NULL REFERENCES assurance_returns (id),
    opening TEXT NOT NULL,
    strengths TEXT NOT NULL,
    areas_to_develop TEXT NOT NULL,
    closing TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'draft',
    updated_by_name TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    sent_by_name TEXT,
    sent_at TEXT
);
CREATE UNIQUE INDEX assurance_letters_return ON assurance_letters (return_id);
