-- The partnership boundary: one installation can hold several Safeguarding Children
-- Partnerships (a region's, or a national service's 150). Every record a partnership owns
-- carries its partnership, directly on the tables that are listed or found by reference and
-- through its parent on the rest; names and references are unique within a partnership.
-- What was here before becomes partnership 1.

CREATE TABLE partnerships (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    archived_at TEXT
);
CREATE UNIQUE INDEX partnerships_name ON partnerships (lower(name));
INSERT INTO partnerships (id, name, created_at, updated_at)
VALUES (1, 'Our partnership', '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z');

ALTER TABLE organisations ADD COLUMN partnership_id INTEGER NOT NULL DEFAULT 1;
ALTER TABLE users ADD COLUMN partnership_id INTEGER NOT NULL DEFAULT 1;
CREATE INDEX users_partnership ON users (partnership_id);
ALTER TABLE audit_events ADD COLUMN partnership_id INTEGER NOT NULL DEFAULT 1;
CREATE INDEX audit_events_partnership ON audit_events (partnership_id, id);
ALTER TABLE people ADD COLUMN partnership_id INTEGER NOT NULL DEFAULT 1;
ALTER TABLE partnership_groups ADD COLUMN partnership_id INTEGER NOT NULL DEFAULT 1;
ALTER TABLE business_plans ADD COLUMN partnership_id INTEGER NOT NULL DEFAULT 1;
ALTER TABLE indicators ADD COLUMN partnership_id INTEGER NOT NULL DEFAULT 1;
ALTER TABLE collection_periods ADD COLUMN partnership_id INTEGER NOT NULL DEFAULT 1;
ALTER TABLE data_drops ADD COLUMN partnership_id INTEGER NOT NULL DEFAULT 1;
CREATE INDEX data_drops_partnership ON data_drops (partnership_id, period_start, id);
ALTER TABLE serious_incidents ADD COLUMN partnership_id INTEGER NOT NULL DEFAULT 1;
ALTER TABLE recommendations ADD COLUMN partnership_id INTEGER NOT NULL DEFAULT 1;
ALTER TABLE learning_themes ADD COLUMN partnership_id INTEGER NOT NULL DEFAULT 1;
ALTER TABLE learning_reviews ADD COLUMN partnership_id INTEGER NOT NULL DEFAULT 1;
ALTER TABLE national_reviews ADD COLUMN partnership_id INTEGER NOT NULL DEFAULT 1;
CREATE INDEX national_reviews_partnership ON national_reviews (partnership_id);
ALTER TABLE risks ADD COLUMN partnership_id INTEGER NOT NULL DEFAULT 1;
ALTER TABLE policies ADD COLUMN partnership_id INTEGER NOT NULL DEFAULT 1;

DROP INDEX organisations_name;
CREATE UNIQUE INDEX organisations_name ON organisations (partnership_id, lower(name));
DROP INDEX people_email;
CREATE UNIQUE INDEX people_email ON people (partnership_id, lower(email));
DROP INDEX partnership_groups_name;
CREATE UNIQUE INDEX partnership_groups_name ON partnership_groups (partnership_id, lower(name));
DROP INDEX business_plans_name;
CREATE UNIQUE INDEX business_plans_name ON business_plans (partnership_id, lower(name));
DROP INDEX indicators_code;
CREATE UNIQUE INDEX indicators_code ON indicators (partnership_id, upper(code));
DROP INDEX collection_periods_period;
CREATE UNIQUE INDEX collection_periods_period ON collection_periods (partnership_id, period_start);
DROP INDEX serious_incidents_reference;
CREATE UNIQUE INDEX serious_incidents_reference ON serious_incidents (partnership_id, upper(reference));
DROP INDEX recommendations_reference;
CREATE UNIQUE INDEX recommendations_reference ON recommendations (partnership_id, upper(reference));
DROP INDEX learning_themes_name;
CREATE UNIQUE INDEX learning_themes_name ON learning_themes (partnership_id, upper(name));
DROP INDEX learning_reviews_reference;
CREATE UNIQUE INDEX learning_reviews_reference ON learning_reviews (partnership_id, upper(reference));
DROP INDEX risks_reference;
CREATE UNIQUE INDEX risks_reference ON risks (partnership_id, upper(reference));
DROP INDEX policies_title;
CREATE UNIQUE INDEX policies_title ON policies (partnership_id, upper(title));

