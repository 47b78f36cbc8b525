-- Training (issue 14): courses, venues, sessions, trainers, bookings with a waiting list, and the
-- charges for no-shows and late cancellations. Tables are named training_* (`sessions` is the
-- kernel's sign-in sessions). Times are RFC 3339 UTC text, money integer pence.

-- The partnership's charging and waiting-list policy; a partnership without a row has the
-- defaults of `training::model::TrainingPolicy`.
CREATE TABLE training_policies (
    partnership_id INTEGER PRIMARY KEY REFERENCES partnerships (id),
    charged_kinds TEXT NOT NULL,
    cut_off_working_days INTEGER NOT NULL,
    no_show_charge_pence INTEGER NOT NULL,
    late_cancellation_charge_pence INTEGER NOT NULL,
    offer_hours_far INTEGER NOT NULL,
    offer_hours_near INTEGER NOT NULL,
    offer_hours_last INTEGER NOT NULL,
    no_offers_within_hours INTEGER NOT NULL,
    attended_percent INTEGER NOT NULL,
    updated_at TEXT NOT NULL
);

CREATE TABLE training_courses (
    id INTEGER PRIMARY KEY,
    partnership_id INTEGER NOT NULL REFERENCES partnerships (id),
    title TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    outcomes TEXT NOT NULL DEFAULT '',
    audience TEXT NOT NULL DEFAULT '',
    level TEXT NOT NULL DEFAULT '',
    duration_minutes INTEGER NOT NULL,
    needs_manager_approval INTEGER NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    archived_at TEXT
);
CREATE INDEX training_courses_partnership ON training_courses (partnership_id, title);

-- A course's topics: the business plan priorities it serves.
CREATE TABLE training_course_priorities (
    partnership_id INTEGER NOT NULL REFERENCES partnerships (id),
    course_id INTEGER NOT NULL REFERENCES training_courses (id),
    priority_id INTEGER NOT NULL REFERENCES business_plan_priorities (id),
    PRIMARY KEY (course_id, priority_id)
);

CREATE TABLE training_venues (
    id INTEGER PRIMARY KEY,
    partnership_id INTEGER NOT NULL REFERENCES partnerships (id),
    name TEXT NOT NULL,
    address TEXT NOT NULL DEFAULT '',
    capacity INTEGER NOT NULL CHECK (capacity > 0),
    created_at TEXT NOT NULL,
    archived_at TEXT
);
CREATE INDEX training_venues_partnership ON training_venues (partnership_id, name);

-- places_held counts confirmed and offered bookings; next_queue_position hands out arrival
-- order. Both change only while the session row is locked (see training::store::book).
CREATE TABLE training_sessions (
    id INTEGER PRIMARY KEY,
    partnership_id INTEGER NOT NULL REFERENCES partnerships (id),
    course_id INTEGER NOT NULL REFERENCES training_courses (id),
    starts_at TEXT NOT NULL,
    ends_at TEXT NOT NULL,
    venue_id INTEGER REFERENCES training_venues (id),
    online_link TEXT,
    capacity INTEGER NOT NULL CHECK (capacity > 0),
    booking_opens_at TEXT NOT NULL,
    booking_closes_at TEXT NOT NULL,
    cut_off_working_days INTEGER NOT NULL,
    no_show_charge_pence INTEGER NOT NULL DEFAULT 0,
    late_cancellation_charge_pence INTEGER NOT NULL DEFAULT 0,
    places_held INTEGER NOT NULL DEFAULT 0 CHECK (places_held >= 0 AND places_held <= capacity),
    next_queue_position INTEGER NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    cancelled_at TEXT,
    CHECK (venue_id IS NOT NULL OR online_link IS NOT NULL)
);
CREATE INDEX training_sessions_starts ON training_sessions (partnership_id, starts_at);

CREATE TABLE training_session_trainers (
    id INTEGER PRIMARY KEY,
    partnership_id INTEGER NOT NULL REFERENCES partnerships (id),
    session_id INTEGER NOT NULL REFERENCES training_sessions (id),
    name TEXT NOT NULL,
    organisation_id INTEGER REFERENCES organisations (id),
    user_id INTEGER REFERENCES users (id)
);
CREATE INDEX training_session_trainers_session ON training_session_trainers (session_id);

CREATE TABLE training_bookings (
    id INTEGER PRIMARY KEY,
    partnership_id INTEGER NOT NULL REFERENCES partnerships (id),
    session_id INTEGER NOT NULL REFERENCES training_sessions (id),
    learner_user_id INTEGER NOT NULL REFERENCES users (id),
    organisation_id INTEGER REFERENCES organisations (id),
    status TEXT NOT NULL,
    queue_position INTEGER NOT NULL,
    offer_expires_at TEXT,
    attended_minutes INTEGER,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
-- One live booking per person and session: ended ones (cancelled, an offer declined or expired,
-- the list left) do not stop a new one.
CREATE UNIQUE INDEX training_bookings_one_live ON training_bookings (session_id, learner_user_id)
    WHERE status NOT IN ('cancelled', 'late_cancelled', 'offer_declined', 'offer_expired', 'left_waiting_list');
CREATE INDEX training_bookings_queue ON training_bookings (session_id, status, queue_position);
CREATE INDEX training_bookings_learner ON training_bookings (partnership_id, learner_user_id);
CREATE INDEX training_bookings_offers ON training_bookings (partnership_id, status, offer_expires_at);

CREATE TABLE training_charges (
    id INTEGER PRIMARY KEY,
    partnership_id INTEGER NOT NULL REFERENCES partnerships (id),
    booking_id INTEGER NOT NULL REFERENCES training_bookings (id),
    organisation_id INTEGER NOT NULL REFERENCES organisations (id),
    amount_pence INTEGER NOT NULL CHECK (amount_pence >= 0),
    reason TEXT NOT NULL,
    state TEXT NOT NULL,
    waiver_reason TEXT,
    appeal_reason TEXT,
    decided_by_name TEXT,
    decided_at TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE UNIQUE INDEX training_charges_booking ON training_charges (booking_id);
CREATE INDEX training_charges_organisation ON training_charges (partnership_id, organisation_id, created_at);
