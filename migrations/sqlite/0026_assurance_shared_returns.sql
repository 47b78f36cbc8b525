-- One return for several partnerships (issue 13, point 7): an organisation that works across
-- several partnerships of the installation (a police force, an ICB, probation) answers an audit
-- once, in one partnership (the answering return), and shares it with another partnership's
-- round that asks it the same framework. The other partnership's own return for it then follows
-- the answering one: copied when it is submitted, reopened when it is reopened; that
-- partnership's business unit reads and moderates its copy. A return follows at most one.
CREATE TABLE assurance_return_shares (
    id INTEGER PRIMARY KEY,
    partnership_id INTEGER NOT NULL REFERENCES partnerships (id),
    return_id INTEGER NOT NULL REFERENCES assurance_returns (id),
    answered_by_partnership_id INTEGER NOT NULL REFERENCES partnerships (id),
    answered_by_return_id INTEGER NOT NULL REFERENCES assurance_returns (id),
    shared_by_name TEXT NOT NULL,
    shared_at TEXT NOT NULL,
    last_copied_at TEXT
);
CREATE UNIQUE INDEX assurance_return_shares_return ON assurance_return_shares (return_id);
CREATE INDEX assurance_return_shares_answering ON assurance_return_shares (answered_by_return_id);
