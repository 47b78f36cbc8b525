//! Training (issue 14), the store beneath the pages: 500 people booking a 60-place session at
//! once get exactly 60 places and 440 places on the waiting list in arrival order; cancelled
//! places are offered to the first waiting, offers pass on when declined or expired, and an
//! expired offer cannot be taken; a late cancellation and a no-show charge the organisation
//! (never the voluntary sector), a waiver needs a reason and is audited with the appeal; double
//! bookings, bookings outside the booking window and another partnership's sessions are
//! refused; an online attendance report is matched by e-mail, refused whole with its unknown
//! e-mails listed, and marks by the 80% rule. On SQLite and PostgreSQL.

use masa::kernel::audit::Actor;
use masa::kernel::db::{Db, retrying};
use masa::kernel::ids::{PartnershipId, UserId};
use masa::kernel::{Change, Scope};
use masa::training::attendance::AttendanceMark;
use masa::training::bookings::{self, BookingError, Offer};
use masa::training::charges;
use masa::training::model::{
    Cancellation, ChargeDecision, ChargeRefusal, ChargeState, TrainingPolicy, TrainingSessionId,
};
use masa::training::register::{self, AttendanceImported};
use masa::training::store::{self, NewCourse, NewSession};
use masa::training::waiting::Place;
use masa_workdays::Calendar;
use time::macros::datetime;
use time::{Duration, OffsetDateTime};

use crate::on_both_backends;
use crate::support::TestApp;

const PARTNERSHIP: PartnershipId = PartnershipId::new(1);
/// "Now" for these tests: a Monday in January 2026, a month before the session.
const NOW: OffsetDateTime = datetime!(2026-01-05 09:00 UTC);
/// Thursday 5 February 2026, 09:30.
const STARTS: OffsetDateTime = datetime!(2026-02-05 09:30 UTC);

async fn begin(db: &Db) -> Change {
    Change::begin(db, Actor::system("tests", PARTNERSHIP))
        .await
        .expect("change")
}

/// An organisation of this kind, inserted directly.
async fn organisation(app: &TestApp, name: &str, kind: &str) -> i64 {
    sqlx::query_scalar(
        "INSERT INTO organisations (name, kind, sector, active_from, created_at, updated_at, \
         partnership_id) VALUES ($1, $2, 'other', '2020-01-01', '2026-01-01T00:00:00Z', \
         '2026-01-01T00:00:00Z', 1) RETURNING id",
    )
    .bind(name)
    .bind(kind)
    .fetch_one(&app.db.pool)
    .await
    .expect("organisation")
}

/// `count` learners of `organisation`, inserted directly with one (unusable) hash: hashing a
/// password 500 times would be the slowest part of the test.
async fn learners(app: &TestApp, prefix: &str, organisation: i64, count: usize) -> Vec<UserId> {
    let mut ids = Vec::with_capacity(count);
    for n in 0..count {
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO users (email, display_name, password_hash, organisation_id, roles, \
             created_at, updated_at, partnership_id) VALUES ($1, $2, 'not-a-hash', $3, \
             'practitioner', '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z', 1) RETURNING id",
        )
        .bind(format!("{prefix}{n}@example.org"))
        .bind(format!("Learner {prefix}{n}"))
        .bind(organisation)
        .fetch_one(&app.db.pool)
        .await
        .expect("learner");
        ids.push(UserId::new(id));
    }
    ids
}

async fn session(app: &TestApp, capacity: i64) -> TrainingSessionId {
    let policy = TrainingPolicy::default();
    let mut change = begin(&app.db).await;
    let course = store::add_course(
        &mut change,
        &NewCourse {
            title: "Working Together 2023".into(),
            description: "The statutory guidance in practice".into(),
            outcomes: "Know who does what".into(),
            audience: "All practitioners".into(),
            level: "Level 2".into(),
            duration_minutes: 150,
            needs_manager_approval: false,
            priorities: vec![],
        },
    )
    .await
    .expect("course");
    let mut new = NewSession::with_policy(
        course,
        STARTS,
        STARTS + Duration::minutes(150),
        capacity,
        &policy,
    );
    new.online_link = Some("https://meet.example/wt23".into());
    new.booking_opens_at = NOW - Duration::days(10);
    new.booking_closes_at = STARTS - Duration::days(1);
    new.late_cancellation_charge_pence = 3500;
    let id = store::add_session(&mut change, &new)
        .await
        .expect("session");
    change.commit().await.expect("commit");
    id
}

/// One booking in its own change, tried again while the database says it lost a race.
async fn book(
    db: &Db,
    session: TrainingSessionId,
    learner: UserId,
    now: OffsetDateTime,
) -> Result<bookings::Booked, BookingError> {
    retrying(|| async {
        let mut change = Change::begin(db, Actor::system("tests", PARTNERSHIP)).await?;
        let booked = bookings::book(&mut change, session, learner, now).await?;
        change.commit().await.map_err(|error| match error {
            masa::kernel::store::ChangeError::Database(error) => BookingError::Database(error),
            other => panic!("{other}"),
        })?;
        Ok(booked)
    })
    .await
}

/// (queue position, booking id, status) of the session's bookings, in arrival order.
async fn queue(app: &TestApp, session: TrainingSessionId) -> Vec<(i64, i64, String)> {
    bookings::session_bookings(Scope::new(&app.db, PARTNERSHIP), session)
        .await
        .expect("bookings")
        .into_iter()
        .map(|b| (b.queue_position, b.id.get(), b.status))
        .collect()
}

async fn places_held(app: &TestApp, session: TrainingSessionId) -> i64 {
    store::session_places(Scope::new(&app.db, PARTNERSHIP), session)
        .await
        .expect("session")
        .expect("it exists")
        .places_held
}

on_both_backends!(five_hundred_people_book_sixty_places_at_once, |app| {
    let police = organisation(app, "Cheshire Constabulary", "statutory_partner").await;
    let people = learners(app, "officer", police, 500).await;
    let session = session(app, 60).await;

    let started = std::time::Instant::now();
    let tasks: Vec<_> = people
        .iter()
        .map(|&learner| {
            let db = app.db.clone();
            tokio::spawn(async move { (learner, book(&db, session, learner, NOW).await) })
        })
        .collect();
    let mut outcomes = Vec::new();
    for task in tasks {
        outcomes.push(task.await.expect("task"));
    }
    eprintln!(
        "{:?}: 500 simultaneous bookings took {:?}",
        app.db.backend,
        started.elapsed()
    );

    let mut confirmed = 0;
    let mut waiting = 0;
    for (learner, outcome) in &outcomes {
        match outcome {
            Ok(booked) if booked.place == Place::Confirmed => confirmed += 1,
            Ok(_) => waiting += 1,
            Err(error) => panic!("{learner:?} was refused: {error}"),
        }
    }
    assert_eq!((confirmed, waiting), (60, 440));

    // Arrival order is commit order: positions 1..=500 once each, the first 60 confirmed,
    // and the booking ids (and their audit entries) made in the same order.
    let rows = queue(app, session).await;
    assert_eq!(rows.len(), 500);
    let positions: Vec<i64> = rows.iter().map(|(p, _, _)| *p).collect();
    assert_eq!(positions, (1..=500).collect::<Vec<i64>>());
    assert!(rows[..60].iter().all(|(_, _, s)| s == "confirmed"));
    assert!(rows[60..].iter().all(|(_, _, s)| s == "waiting"));
    assert!(
        rows.windows(2).all(|w| w[0].1 < w[1].1),
        "ids follow arrival"
    );
    let audited: Vec<i64> = sqlx::query_scalar(
        "SELECT entity_id FROM audit_events WHERE entity_type = 'training_booking' ORDER BY id",
    )
    .fetch_all(&app.db.pool)
    .await
    .unwrap();
    assert_eq!(
        audited,
        rows.iter().map(|(_, id, _)| *id).collect::<Vec<_>>()
    );
    let distinct: i64 = app
        .count("SELECT COUNT(DISTINCT learner_user_id) FROM training_bookings")
        .await;
    assert_eq!(distinct, 500, "no one holds two bookings");
    assert_eq!(places_held(app, session).await, 60);
    let listed = store::upcoming_sessions(Scope::new(&app.db, PARTNERSHIP), NOW, 10)
        .await
        .unwrap();
    assert_eq!(
        (listed.len(), listed[0].places_left, listed[0].waiting),
        (1, 0, 440)
    );

    // Ten cancel, a month ahead: free, and the first ten waiting are offered, in order.
    let policy = TrainingPolicy::default();
    let calendar = Calendar::england_and_wales();
    let mut offered: Vec<Offer> = Vec::new();
    for (_, id, _) in &rows[..10] {
        let mut change = begin(&app.db).await;
        let cancelled = bookings::cancel(
            &mut change,
            masa::training::model::BookingId::new(*id),
            NOW,
            &calendar,
            &policy,
        )
        .await
        .expect("cancelled");
        change.commit().await.expect("commit");
        assert_eq!(cancelled.cancellation, Some(Cancellation::Free));
        assert_eq!(cancelled.charge, None);
        assert_eq!(cancelled.offers.len(), 1);
        offered.extend(cancelled.offers);
    }
    let first_waiting: Vec<i64> = rows[60..70].iter().map(|(_, id, _)| *id).collect();
    assert_eq!(
        offered.iter().map(|o| o.booking.get()).collect::<Vec<_>>(),
        first_waiting
    );
    // A month before the session (more than 7 days away): 48 hours to answer.
    assert!(
        offered
            .iter()
            .all(|o| o.expires_at == NOW + Duration::hours(48))
    );
    let rows = queue(app, session).await;
    let count = |status: &str| rows.iter().filter(|(_, _, s)| s == status).count();
    assert_eq!(
        (
            count("confirmed"),
            count("offered"),
            count("waiting"),
            count("cancelled")
        ),
        (50, 10, 430, 10)
    );
    assert_eq!(places_held(app, session).await, 60);
});

on_both_backends!(offers_pass_on_and_charges_follow_the_policy, |app| {
    let police = organisation(app, "Cheshire Constabulary", "statutory_partner").await;
    let charity = organisation(app, "Halton Carers", "voluntary").await;
    let officers = learners(app, "officer", police, 4).await;
    let volunteer = learners(app, "volunteer", charity, 1).await[0];
    let session = session(app, 2).await;
    let policy = TrainingPolicy::default();
    let calendar = Calendar::england_and_wales();

    let a = book(&app.db, session, officers[0], NOW).await.unwrap();
    let b = book(&app.db, session, volunteer, NOW).await.unwrap();
    let c = book(&app.db, session, officers[1], NOW).await.unwrap();
    let d = book(&app.db, session, officers[2], NOW).await.unwrap();
    assert_eq!(
        (a.place, b.place, c.place, d.place),
        (
            Place::Confirmed,
            Place::Confirmed,
            Place::Waiting,
            Place::Waiting
        )
    );

    // A second booking by the same person is refused, while the first is live.
    assert!(matches!(
        book(&app.db, session, officers[1], NOW).await,
        Err(BookingError::AlreadyBooked)
    ));
    // Outside the booking window, and a forged session.
    assert!(matches!(
        book(&app.db, session, officers[3], STARTS - Duration::hours(12)).await,
        Err(BookingError::Closed)
    ));
    assert!(matches!(
        book(&app.db, session, officers[3], NOW - Duration::days(30)).await,
        Err(BookingError::NotOpenYet)
    ));
    assert!(matches!(
        book(&app.db, TrainingSessionId::new(9999), officers[3], NOW).await,
        Err(BookingError::NoSuchSession)
    ));

    // The volunteer cancels late (Tuesday 3 February, past the cut-off of Monday 2nd): charged
    // nothing, being voluntary sector; the place goes to c for 4 hours (under 3 days ahead).
    let late = datetime!(2026-02-03 06:00 UTC);
    let mut change = begin(&app.db).await;
    let cancelled = bookings::cancel(&mut change, b.booking, late, &calendar, &policy)
        .await
        .unwrap();
    change.commit().await.unwrap();
    assert_eq!(cancelled.cancellation, Some(Cancellation::Late));
    assert_eq!(cancelled.charge, None);
    assert_eq!(cancelled.offers.len(), 1);
    assert_eq!(cancelled.offers[0].booking, c.booking);
    assert_eq!(cancelled.offers[0].expires_at, late + Duration::hours(4));

    // c declines: d is offered; e books and waits; d lets the offer expire: e is offered.
    let mut change = begin(&app.db).await;
    let offers = bookings::decline_offer(&mut change, c.booking, late, &policy)
        .await
        .unwrap();
    change.commit().await.unwrap();
    assert_eq!(
        offers.iter().map(|o| o.booking).collect::<Vec<_>>(),
        vec![d.booking]
    );
    let e = book(&app.db, session, officers[3], late).await.unwrap();
    assert_eq!(
        e.place,
        Place::Waiting,
        "nobody jumps the queue while d is offered"
    );
    let after = late + Duration::hours(5);
    let mut change = begin(&app.db).await;
    let passed = bookings::expire_offers(&mut change, after, &policy)
        .await
        .unwrap();
    change.commit().await.unwrap();
    assert_eq!(passed.expired, vec![d.booking]);
    assert_eq!(
        passed.offers.iter().map(|o| o.booking).collect::<Vec<_>>(),
        vec![e.booking]
    );
    // The expired offer cannot be taken; the live one can, once.
    let mut change = begin(&app.db).await;
    assert!(matches!(
        bookings::accept_offer(&mut change, d.booking, after).await,
        Err(BookingError::OfferGone)
    ));
    bookings::accept_offer(&mut change, e.booking, after)
        .await
        .unwrap();
    change.commit().await.unwrap();
    let mut change = begin(&app.db).await;
    assert!(matches!(
        bookings::accept_offer(&mut change, e.booking, after).await,
        Err(BookingError::OfferGone)
    ));
    change.rollback().await.unwrap();
    assert_eq!(places_held(app, session).await, 2);

    // a cancels late: the police are charged £35.
    let mut change = begin(&app.db).await;
    let cancelled = bookings::cancel(&mut change, a.booking, after, &calendar, &policy)
        .await
        .unwrap();
    change.commit().await.unwrap();
    let charge = cancelled.charge.expect("charged");
    let found = charges::find_charge(Scope::new(&app.db, PARTNERSHIP), charge)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (found.amount_pence, found.state),
        (3500, ChargeState::Raised)
    );
    assert_eq!(found.organisation.get(), police);

    // e does not come: a no-show, charged £50.
    let mut change = begin(&app.db).await;
    let no_show = register::mark_attendance(
        &mut change,
        e.booking,
        AttendanceMark::NoShow,
        Some(0),
        &policy,
        STARTS + Duration::hours(3),
    )
    .await
    .unwrap()
    .expect("charged");
    change.commit().await.unwrap();
    let found = charges::find_charge(Scope::new(&app.db, PARTNERSHIP), no_show)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(found.amount_pence, 5000);

    // A waiver needs a reason; an appeal, then a waiver, each in the audit trail.
    let mut change = begin(&app.db).await;
    let refused = charges::decide(
        &mut change,
        no_show,
        &ChargeDecision::Waive { reason: " ".into() },
        NOW,
    )
    .await;
    assert!(matches!(
        refused,
        Err(charges::ChargeError::Refused(
            ChargeRefusal::WaiverNeedsReason
        ))
    ));
    change.rollback().await.unwrap();
    for decision in [
        ChargeDecision::Appeal {
            reason: "Called to an emergency".into(),
        },
        ChargeDecision::Waive {
            reason: "Emergency call-out confirmed".into(),
        },
    ] {
        let mut change = begin(&app.db).await;
        charges::decide(&mut change, no_show, &decision, NOW)
            .await
            .unwrap();
        change.commit().await.unwrap();
    }
    let found = charges::find_charge(Scope::new(&app.db, PARTNERSHIP), no_show)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(found.state, ChargeState::Waived);
    assert_eq!(
        found.waiver_reason.as_deref(),
        Some("Emergency call-out confirmed")
    );
    assert_eq!(
        found.appeal_reason.as_deref(),
        Some("Called to an emergency")
    );
    let audited = app
        .count("SELECT COUNT(*) FROM audit_events WHERE entity_type = 'training_charge'")
        .await;
    assert_eq!(audited, 4, "two raised, one appealed, one waived");

    let mine = bookings::learner_bookings(Scope::new(&app.db, PARTNERSHIP), volunteer)
        .await
        .unwrap();
    assert_eq!(mine.len(), 1);
    assert_eq!(mine[0].status, "late_cancelled");
    // One place is free and nobody waits: the catalogue shows it.
    let listed = store::upcoming_sessions(Scope::new(&app.db, PARTNERSHIP), after, 10)
        .await
        .unwrap();
    assert_eq!((listed[0].places_left, listed[0].online), (1, true));

    // A cancelled booking does not stop the same person booking again.
    let again = book(&app.db, session, volunteer, after).await.unwrap();
    assert_eq!(again.place, Place::Confirmed);
});

on_both_backends!(
    an_attendance_report_marks_the_register_or_is_refused_whole,
    |app| {
        let council = organisation(app, "Halton Borough Council", "statutory_partner").await;
        let people = learners(app, "worker", council, 4).await;
        let session = session(app, 3).await;
        let policy = TrainingPolicy::default();
        let mut booked = Vec::new();
        for learner in &people {
            booked.push(book(&app.db, session, *learner, NOW).await.unwrap());
        }
        assert_eq!(booked[3].place, Place::Waiting);
        let after = STARTS + Duration::hours(3);

        // Another partnership cannot book it, nor see it.
        sqlx::query(
            "INSERT INTO partnerships (id, name, created_at, updated_at) \
         VALUES (2, 'Elsewhere', '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z')",
        )
        .execute(&app.db.pool)
        .await
        .unwrap();
        let mut elsewhere = Change::begin(&app.db, Actor::system("tests", PartnershipId::new(2)))
            .await
            .unwrap();
        assert!(matches!(
            bookings::book(&mut elsewhere, session, people[3], NOW).await,
            Err(BookingError::NoSuchSession)
        ));
        elsewhere.rollback().await.unwrap();

        // An e-mail on no booking (the waiting person's too): refused whole, listed, nothing saved.
        let report = vec![
            (" Worker0@Example.org".to_owned(), 150),
            ("stranger@example.org".to_owned(), 20),
            ("worker3@example.org".to_owned(), 60),
        ];
        let mut change = begin(&app.db).await;
        let refused = register::import_attendance(&mut change, session, &report, &policy, after)
            .await
            .unwrap();
        change.rollback().await.unwrap();
        assert_eq!(
            refused,
            AttendanceImported::UnknownEmails(vec![
                "stranger@example.org".to_owned(),
                "worker3@example.org".to_owned()
            ])
        );
        let marked = app
            .count("SELECT COUNT(*) FROM training_bookings WHERE attended_minutes IS NOT NULL")
            .await;
        assert_eq!(marked, 0);

        // worker0 stayed throughout, worker1 for an hour over two joins, worker2 never came.
        let report = vec![
            ("worker0@example.org".to_owned(), 150),
            ("WORKER1@example.org".to_owned(), 40),
            ("worker1@example.org ".to_owned(), 20),
        ];
        let mut change = begin(&app.db).await;
        let imported = register::import_attendance(&mut change, session, &report, &policy, after)
            .await
            .unwrap();
        change.commit().await.unwrap();
        let AttendanceImported::Marked { marks, charges } = imported else {
            panic!("refused: {imported:?}");
        };
        assert_eq!(
            marks,
            vec![
                (booked[0].booking, AttendanceMark::Attended),
                (booked[1].booking, AttendanceMark::PartlyAttended),
                (booked[2].booking, AttendanceMark::NoShow),
            ]
        );
        assert_eq!(charges.len(), 1, "the no-show is charged");
        let rows = queue(app, session).await;
        let statuses: Vec<&str> = rows.iter().map(|(_, _, s)| s.as_str()).collect();
        assert_eq!(
            statuses,
            vec!["attended", "partly_attended", "no_show", "waiting"]
        );
    }
);
