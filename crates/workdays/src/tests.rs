use time::macros::date;
use time::{Date, Duration, Month, Weekday};

use super::clocks::{self, Deadline};
use super::*;

// ---------------------------------------------------------------------------------------------
// Independent recomputation of the England and Wales rules, and naive reference implementations
// ---------------------------------------------------------------------------------------------

/// Easter Sunday by the Anonymous Gregorian algorithm (Meeus/Jones/Butcher).
fn easter_sunday(year: i32) -> Date {
    let a = year % 19;
    let b = year / 100;
    let c = year % 100;
    let d = b / 4;
    let e = b % 4;
    let f = (b + 8) / 25;
    let g = (b - f + 1) / 3;
    let h = (19 * a + b - d - g + 15) % 30;
    let i = c / 4;
    let k = c % 4;
    let l = (32 + 2 * e + 2 * i - h - k) % 7;
    let m = (a + 11 * h + 22 * l) / 451;
    let month = (h + l - 7 * m + 114) / 31;
    let day = (h + l - 7 * m + 114) % 31 + 1;
    let month = Month::try_from(u8::try_from(month).unwrap()).unwrap();
    Date::from_calendar_date(year, month, u8::try_from(day).unwrap()).unwrap()
}

fn ymd(year: i32, month: Month, day: u8) -> Date {
    Date::from_calendar_date(year, month, day).unwrap()
}

fn first_monday(year: i32, month: Month) -> Date {
    let mut date = ymd(year, month, 1);
    while date.weekday() != Weekday::Monday {
        date = date.next_day().unwrap();
    }
    date
}

fn last_monday(year: i32, month: Month) -> Date {
    let mut date = ymd(year, month, month.length(year));
    while date.weekday() != Weekday::Monday {
        date = date.previous_day().unwrap();
    }
    date
}

fn is_weekend(date: Date) -> bool {
    matches!(date.weekday(), Weekday::Saturday | Weekday::Sunday)
}

/// The regular England and Wales bank holidays of `year`, without one-offs or moves.
fn regular_bank_holidays(year: i32) -> Vec<Date> {
    let mut days = Vec::new();

    // New Year's Day, or the following Monday when it falls on a weekend.
    let mut new_year = ymd(year, Month::January, 1);
    while is_weekend(new_year) {
        new_year = new_year.next_day().unwrap();
    }
    days.push(new_year);

    let easter = easter_sunday(year);
    days.push(easter - Duration::days(2)); // Good Friday
    days.push(easter + Duration::days(1)); // Easter Monday

    days.push(first_monday(year, Month::May)); // Early May bank holiday
    days.push(last_monday(year, Month::May)); // Spring bank holiday
    days.push(last_monday(year, Month::August)); // Summer bank holiday

    // Christmas Day and Boxing Day, with substitute days.
    let christmas = ymd(year, Month::December, 25);
    let (christmas_holiday, boxing_holiday) = match christmas.weekday() {
        // 25 Sat, 26 Sun: Mon 27 and Tue 28.
        Weekday::Saturday => (27, 28),
        // 25 Sun, 26 Mon: Mon 26 is Boxing Day, Tue 27 substitutes for Christmas Day.
        Weekday::Sunday => (26, 27),
        // 25 Fri, 26 Sat: Mon 28 substitutes for Boxing Day.
        Weekday::Friday => (25, 28),
        _ => (25, 26),
    };
    days.push(ymd(year, Month::December, christmas_holiday));
    days.push(ymd(year, Month::December, boxing_holiday));

    days.sort();
    days
}

/// The England and Wales bank holidays of `year`: the regular rules plus the known exceptions.
fn expected_bank_holidays(year: i32) -> Vec<Date> {
    let mut days = regular_bank_holidays(year);
    let mut replace = |from: Date, to: Date| {
        let index = days
            .iter()
            .position(|&d| d == from)
            .expect("day to replace");
        days[index] = to;
    };
    match year {
        // Early May bank holiday moved to Friday 8 May for the 75th anniversary of VE Day.
        2020 => replace(date!(2020 - 05 - 04), date!(2020 - 05 - 08)),
        2022 => {
            // Spring bank holiday moved to Thursday 2 June for the Platinum Jubilee ...
            replace(date!(2022 - 05 - 30), date!(2022 - 06 - 02));
            // ... with an extra Platinum Jubilee bank holiday on Friday 3 June;
            days.push(date!(2022 - 06 - 03));
            // State Funeral of Queen Elizabeth II.
            days.push(date!(2022 - 09 - 19));
        }
        // Coronation of King Charles III.
        2023 => days.push(date!(2023 - 05 - 08)),
        _ => {}
    }
    days.sort();
    days
}

/// Day-by-day reference for `add_working_days`.
fn naive_add(calendar: &Calendar, start: Date, n: u32) -> Date {
    let mut date = start;
    if n == 0 {
        while !calendar.is_working_day(date) {
            date = date.next_day().unwrap();
        }
        return date;
    }
    let mut counted = 0;
    while counted < n {
        date = date.next_day().unwrap();
        if calendar.is_working_day(date) {
            counted += 1;
        }
    }
    date
}

/// Day-by-day reference for `working_days_between`.
fn naive_between(calendar: &Calendar, from: Date, to: Date) -> i64 {
    let (lo, hi, sign) = if from <= to {
        (from, to, 1)
    } else {
        (to, from, -1)
    };
    let mut count = 0;
    let mut date = lo;
    while date < hi {
        date = date.next_day().unwrap();
        if calendar.is_working_day(date) {
            count += 1;
        }
    }
    sign * count
}

fn days_from(start: Date, end_inclusive: Date) -> impl Iterator<Item = Date> {
    std::iter::successors(Some(start), |d| d.next_day()).take_while(move |&d| d <= end_inclusive)
}

// ---------------------------------------------------------------------------------------------
// The bundled list
// ---------------------------------------------------------------------------------------------

#[test]
fn easter_algorithm_matches_known_easter_sundays() {
    let known = [
        date!(2018 - 04 - 01),
        date!(2019 - 04 - 21),
        date!(2020 - 04 - 12),
        date!(2021 - 04 - 04),
        date!(2022 - 04 - 17),
        date!(2023 - 04 - 09),
        date!(2024 - 03 - 31),
        date!(2025 - 04 - 20),
        date!(2026 - 04 - 05),
        date!(2027 - 03 - 28),
        date!(2028 - 04 - 16),
        date!(2029 - 04 - 01),
        date!(2030 - 04 - 21),
    ];
    for easter in known {
        assert_eq!(easter_sunday(easter.year()), easter);
        assert_eq!(easter.weekday(), Weekday::Sunday);
    }
}

#[test]
fn bundled_list_matches_recomputed_rules_for_every_year() {
    assert_eq!(bank_holidays::FIRST_YEAR, 2018);
    assert_eq!(bank_holidays::LAST_YEAR, 2030);
    for year in bank_holidays::FIRST_YEAR..=bank_holidays::LAST_YEAR {
        let bundled: Vec<Date> = bank_holidays::ENGLAND_AND_WALES
            .iter()
            .copied()
            .filter(|d| d.year() == year)
            .collect();
        assert_eq!(
            bundled,
            expected_bank_holidays(year),
            "bank holidays of {year}"
        );
    }
    // Nothing outside the covered years.
    assert!(
        bank_holidays::ENGLAND_AND_WALES
            .iter()
            .all(|d| (bank_holidays::FIRST_YEAR..=bank_holidays::LAST_YEAR).contains(&d.year()))
    );
}

#[test]
fn bundled_list_is_sorted_unique_weekdays_with_expected_counts() {
    let list = bank_holidays::ENGLAND_AND_WALES;
    assert!(
        list.windows(2).all(|w| w[0] < w[1]),
        "sorted, no duplicates"
    );
    assert!(
        list.iter().all(|&d| !is_weekend(d)),
        "every bank holiday is a weekday"
    );
    // 8 a year, plus the Platinum Jubilee and the State Funeral in 2022 and the Coronation in
    // 2023 (the 2020 and 2022 moves do not change the count).
    assert_eq!(list.len(), 13 * 8 + 3);
    for year in 2018..=2030 {
        let count = list.iter().filter(|d| d.year() == year).count();
        let expected = match year {
            2022 => 10,
            2023 => 9,
            _ => 8,
        };
        assert_eq!(count, expected, "{year}");
    }
    assert_eq!(Calendar::england_and_wales().holidays(), list);
}

#[test]
fn bundled_2025_to_2027_by_hand() {
    let calendar = Calendar::england_and_wales();
    let years: Vec<Date> = calendar
        .holidays()
        .iter()
        .copied()
        .filter(|d| (2025..=2027).contains(&d.year()))
        .collect();
    assert_eq!(
        years,
        [
            date!(2025 - 01 - 01), // Wed
            date!(2025 - 04 - 18), // Fri, Good Friday
            date!(2025 - 04 - 21), // Mon, Easter Monday
            date!(2025 - 05 - 05), // Mon
            date!(2025 - 05 - 26), // Mon
            date!(2025 - 08 - 25), // Mon
            date!(2025 - 12 - 25), // Thu
            date!(2025 - 12 - 26), // Fri
            date!(2026 - 01 - 01), // Thu
            date!(2026 - 04 - 03), // Fri, Good Friday
            date!(2026 - 04 - 06), // Mon, Easter Monday
            date!(2026 - 05 - 04), // Mon
            date!(2026 - 05 - 25), // Mon
            date!(2026 - 08 - 31), // Mon
            date!(2026 - 12 - 25), // Fri
            date!(2026 - 12 - 28), // Mon, Boxing Day substitute
            date!(2027 - 01 - 01), // Fri
            date!(2027 - 03 - 26), // Fri, Good Friday
            date!(2027 - 03 - 29), // Mon, Easter Monday
            date!(2027 - 05 - 03), // Mon
            date!(2027 - 05 - 31), // Mon
            date!(2027 - 08 - 30), // Mon
            date!(2027 - 12 - 27), // Mon, Christmas Day substitute
            date!(2027 - 12 - 28), // Tue, Boxing Day substitute
        ]
    );
}

#[test]
fn one_off_and_moved_days() {
    let calendar = Calendar::england_and_wales();
    for one_off in [
        date!(2020 - 05 - 08),
        date!(2022 - 06 - 02),
        date!(2022 - 06 - 03),
        date!(2022 - 09 - 19),
        date!(2023 - 05 - 08),
    ] {
        assert!(!calendar.is_working_day(one_off), "{one_off}");
    }
    // The days the moves replaced are ordinary working days.
    assert!(calendar.is_working_day(date!(2020 - 05 - 04)));
    assert!(calendar.is_working_day(date!(2022 - 05 - 30)));
}

// ---------------------------------------------------------------------------------------------
// Working-day arithmetic, checked by hand
// ---------------------------------------------------------------------------------------------

#[test]
fn weekends_and_plain_weeks() {
    let calendar = Calendar::england_and_wales();
    // Week of Monday 2 to Friday 6 March 2026, then Monday 9 to Friday 13: no bank holidays.
    let friday = date!(2026 - 03 - 06);
    assert_eq!(friday.weekday(), Weekday::Friday);
    assert_eq!(calendar.add_working_days(friday, 5), date!(2026 - 03 - 13)); // next Friday
    assert_eq!(calendar.add_working_days(friday, 1), date!(2026 - 03 - 09)); // Monday
    assert_eq!(calendar.add_working_days(friday, 0), friday);
    // A weekend start: Saturday + 0 rolls to Monday; Saturday + 1 is also Monday (the first
    // working day after Saturday); Sunday + 5 is Friday.
    assert_eq!(
        calendar.add_working_days(date!(2026 - 03 - 07), 0),
        date!(2026 - 03 - 09)
    );
    assert_eq!(
        calendar.add_working_days(date!(2026 - 03 - 07), 1),
        date!(2026 - 03 - 09)
    );
    assert_eq!(
        calendar.add_working_days(date!(2026 - 03 - 08), 5),
        date!(2026 - 03 - 13)
    );
    assert!(!calendar.is_working_day(date!(2026 - 03 - 07)));
    assert!(!calendar.is_working_day(date!(2026 - 03 - 08)));
    assert!(calendar.is_working_day(date!(2026 - 03 - 09)));
    // Two weeks and a day.
    assert_eq!(calendar.add_working_days(friday, 11), date!(2026 - 03 - 23));
}

#[test]
fn fifteen_working_days_over_christmas_2025() {
    let calendar = Calendar::england_and_wales();
    // Notified Thursday 18 December 2025. Counting working days after it:
    //   Fri 19 Dec = 1, Mon 22 = 2, Tue 23 = 3, Wed 24 = 4,
    //   (Thu 25 Christmas Day, Fri 26 Boxing Day, Sat 27, Sun 28 skipped)
    //   Mon 29 = 5, Tue 30 = 6, Wed 31 = 7,
    //   (Thu 1 Jan 2026 New Year's Day skipped)
    //   Fri 2 Jan = 8, (Sat 3, Sun 4) Mon 5 = 9, Tue 6 = 10, Wed 7 = 11, Thu 8 = 12, Fri 9 = 13,
    //   (Sat 10, Sun 11) Mon 12 = 14, Tue 13 January 2026 = 15.
    let notified = date!(2025 - 12 - 18);
    assert_eq!(notified.weekday(), Weekday::Thursday);
    let due = date!(2026 - 01 - 13);
    assert_eq!(calendar.add_working_days(notified, 15), due);
    assert_eq!(calendar.working_days_between(notified, due), 15);
    assert_eq!(
        clocks::rapid_review_due(&calendar, notified, notified),
        Deadline {
            due,
            working_days_left: 15
        }
    );
    // Without the bank holidays it would be three working days earlier: Thu 8 January.
    let weekends_only = Calendar::from_holidays([]);
    assert_eq!(
        weekends_only.add_working_days(notified, 15),
        date!(2026 - 01 - 08)
    );
}

#[test]
fn easter_2026_crossings() {
    let calendar = Calendar::england_and_wales();
    let good_friday = date!(2026 - 04 - 03);
    let easter_monday = date!(2026 - 04 - 06);
    assert!(!calendar.is_working_day(good_friday));
    assert!(!calendar.is_working_day(easter_monday));
    assert!(calendar.is_holiday(good_friday) && calendar.is_holiday(easter_monday));
    // Thursday 2 April + 1: Fri 3 to Mon 6 skipped, Tuesday 7 April.
    assert_eq!(
        calendar.add_working_days(date!(2026 - 04 - 02), 1),
        date!(2026 - 04 - 07)
    );
    // Good Friday + 0 rolls forward to Tuesday 7 April.
    assert_eq!(
        calendar.add_working_days(good_friday, 0),
        date!(2026 - 04 - 07)
    );
    // Aware Monday 30 March: Tue 31 = 1, Wed 1 Apr = 2, Thu 2 = 3, Tue 7 = 4, Wed 8 April = 5.
    let deadline =
        clocks::panel_notification_due(&calendar, date!(2026 - 03 - 30), date!(2026 - 03 - 30));
    assert_eq!(deadline.due, date!(2026 - 04 - 08));
    assert_eq!(deadline.working_days_left, 5);
    // Over the long weekend only Tuesday 7 April counts.
    assert_eq!(
        calendar.working_days_between(date!(2026 - 04 - 02), date!(2026 - 04 - 07)),
        1
    );
    assert_eq!(
        calendar.working_days_between(date!(2026 - 04 - 07), date!(2026 - 04 - 02)),
        -1
    );
    // Wed 1 to Wed 8 April: Thu 2, Tue 7, Wed 8.
    assert_eq!(
        calendar.working_days_between(date!(2026 - 04 - 01), date!(2026 - 04 - 08)),
        3
    );
}

#[test]
fn year_end_2026_27() {
    let calendar = Calendar::england_and_wales();
    // 25 Dec 2026 is a Friday; Boxing Day (Saturday) is substituted by Monday 28 December.
    assert_eq!(date!(2026 - 12 - 25).weekday(), Weekday::Friday);
    for day in [
        date!(2026 - 12 - 25),
        date!(2026 - 12 - 26),
        date!(2026 - 12 - 27),
        date!(2026 - 12 - 28),
        date!(2027 - 01 - 01),
    ] {
        assert!(!calendar.is_working_day(day), "{day}");
    }
    assert!(calendar.is_working_day(date!(2026 - 12 - 29)));
    assert!(calendar.is_working_day(date!(2026 - 12 - 31)));
    // Thursday 24 December + 1 = Tuesday 29 December.
    assert_eq!(
        calendar.add_working_days(date!(2026 - 12 - 24), 1),
        date!(2026 - 12 - 29)
    );
    // Wednesday 23 December + 5: Thu 24 = 1, Tue 29 = 2, Wed 30 = 3, Thu 31 = 4,
    // (Fri 1 Jan New Year's Day) Mon 4 January 2027 = 5.
    assert_eq!(
        calendar.add_working_days(date!(2026 - 12 - 23), 5),
        date!(2027 - 01 - 04)
    );
    assert_eq!(
        calendar.working_days_between(date!(2026 - 12 - 24), date!(2027 - 01 - 04)),
        4
    );
    // Notified Thursday 17 December 2026 + 15: Fri 18 = 1, Mon 21 = 2, Tue 22 = 3, Wed 23 = 4,
    // Thu 24 = 5, Tue 29 = 6, Wed 30 = 7, Thu 31 = 8, Mon 4 Jan = 9, Tue 5 = 10, Wed 6 = 11,
    // Thu 7 = 12, Fri 8 = 13, Mon 11 = 14, Tue 12 January 2027 = 15.
    assert_eq!(
        calendar.add_working_days(date!(2026 - 12 - 17), 15),
        date!(2027 - 01 - 12)
    );
}

#[test]
fn working_days_in_a_whole_year() {
    let calendar = Calendar::england_and_wales();
    // 2026 starts on a Thursday and has 365 days: 52 weeks and a Thursday, so 261 weekdays,
    // less its 8 bank holidays (all on weekdays).
    assert_eq!(
        calendar.working_days_between(date!(2025 - 12 - 31), date!(2026 - 12 - 31)),
        253
    );
    // 2022: 1 Jan is a Saturday, 365 days, so 52 weeks and a Saturday: 260 weekdays, less 10.
    assert_eq!(
        calendar.working_days_between(date!(2021 - 12 - 31), date!(2022 - 12 - 31)),
        250
    );
}

#[test]
fn working_days_between_has_symmetric_sign() {
    let calendar = Calendar::england_and_wales();
    let friday = date!(2026 - 03 - 06);
    let monday = date!(2026 - 03 - 09);
    assert_eq!(calendar.working_days_between(friday, monday), 1);
    assert_eq!(calendar.working_days_between(monday, friday), -1);
    assert_eq!(
        calendar.working_days_between(friday, date!(2026 - 03 - 13)),
        5
    );
    assert_eq!(
        calendar.working_days_between(date!(2026 - 03 - 13), friday),
        -5
    );
    // Saturday to Sunday and back: no working day in between.
    assert_eq!(
        calendar.working_days_between(date!(2026 - 03 - 07), date!(2026 - 03 - 08)),
        0
    );
    assert_eq!(
        calendar.working_days_between(date!(2026 - 03 - 08), date!(2026 - 03 - 07)),
        0
    );
    assert_eq!(calendar.working_days_between(friday, friday), 0);

    for a in days_from(date!(2025 - 12 - 01), date!(2026 - 02 - 15)) {
        for b in days_from(date!(2025 - 12 - 01), date!(2026 - 02 - 15)) {
            let ab = calendar.working_days_between(a, b);
            assert_eq!(ab, -calendar.working_days_between(b, a), "{a} {b}");
            assert_eq!(ab, naive_between(&calendar, a, b), "{a} {b}");
            if a >= b {
                assert!(ab <= 0);
            } else {
                assert!(ab >= 0);
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Months
// ---------------------------------------------------------------------------------------------

#[test]
fn add_months_clamps_to_month_end() {
    assert_eq!(add_months(date!(2026 - 08 - 31), 6), date!(2027 - 02 - 28));
    assert_eq!(add_months(date!(2027 - 08 - 31), 6), date!(2028 - 02 - 29)); // leap year
    assert_eq!(add_months(date!(2028 - 01 - 31), 1), date!(2028 - 02 - 29));
    assert_eq!(add_months(date!(2026 - 01 - 31), 1), date!(2026 - 02 - 28));
    assert_eq!(add_months(date!(2026 - 03 - 31), 1), date!(2026 - 04 - 30));
    assert_eq!(add_months(date!(2025 - 11 - 30), 3), date!(2026 - 02 - 28));
    assert_eq!(add_months(date!(2028 - 02 - 29), 12), date!(2029 - 02 - 28));
    assert_eq!(add_months(date!(2025 - 12 - 31), 12), date!(2026 - 12 - 31));
    assert_eq!(add_months(date!(2026 - 07 - 15), 18), date!(2028 - 01 - 15));
    assert_eq!(add_months(date!(2026 - 07 - 15), 0), date!(2026 - 07 - 15));
    assert_eq!(add_months(date!(2026 - 01 - 15), 6), date!(2026 - 07 - 15));
    assert_eq!(checked_add_months(Date::MAX, 1), None);
    assert_eq!(checked_add_months(Date::MAX, 0), Some(Date::MAX));
}

// ---------------------------------------------------------------------------------------------
// Deadlines
// ---------------------------------------------------------------------------------------------

#[test]
fn panel_notification_deadline_counts_down_and_goes_negative() {
    let calendar = Calendar::england_and_wales();
    // Aware Monday 2 March 2026: due Monday 9 March.
    let aware = date!(2026 - 03 - 02);
    let at = |today| clocks::panel_notification_due(&calendar, aware, today);
    assert_eq!(at(aware).due, date!(2026 - 03 - 09));
    assert_eq!(at(aware).working_days_left, 5);
    assert_eq!(at(date!(2026 - 03 - 06)).working_days_left, 1); // Friday
    assert_eq!(at(date!(2026 - 03 - 07)).working_days_left, 1); // Saturday
    let on_the_day = at(date!(2026 - 03 - 09));
    assert_eq!(on_the_day.working_days_left, 0);
    assert!(!on_the_day.is_overdue(date!(2026 - 03 - 09)));
    // Breached: Tuesday 10 March is one working day late; Saturday 14 March four (Tue-Fri).
    let late = at(date!(2026 - 03 - 10));
    assert_eq!(late.working_days_left, -1);
    assert!(late.is_overdue(date!(2026 - 03 - 10)));
    assert_eq!(at(date!(2026 - 03 - 14)).working_days_left, -4);

    // Aware Friday 6 March: due Friday 13 March; the Saturday after is overdue with 0 working
    // days left, the Monday after is -1.
    let aware = date!(2026 - 03 - 06);
    let saturday = date!(2026 - 03 - 14);
    let deadline = clocks::panel_notification_due(&calendar, aware, saturday);
    assert_eq!(deadline.due, date!(2026 - 03 - 13));
    assert_eq!(deadline.working_days_left, 0);
    assert!(deadline.is_overdue(saturday));
    let monday = date!(2026 - 03 - 16);
    assert_eq!(
        clocks::panel_notification_due(&calendar, aware, monday).working_days_left,
        -1
    );
}

#[test]
fn rapid_review_breached_gives_negative_days_left() {
    let calendar = Calendar::england_and_wales();
    // Due Tuesday 13 January 2026 (see fifteen_working_days_over_christmas_2025). On Tuesday
    // 20 January: Wed 14, Thu 15, Fri 16, Mon 19, Tue 20 late, so -5.
    let today = date!(2026 - 01 - 20);
    let deadline = clocks::rapid_review_due(&calendar, date!(2025 - 12 - 18), today);
    assert_eq!(
        deadline,
        Deadline {
            due: date!(2026 - 01 - 13),
            working_days_left: -5
        }
    );
    assert!(deadline.is_overdue(today));
}

#[test]
fn local_review_deadline_in_calendar_months() {
    let calendar = Calendar::england_and_wales();
    // Decided 31 August 2026: due Sunday 28 February 2027 (clamped, not moved off the weekend).
    let decided = date!(2026 - 08 - 31);
    let at = |today| clocks::local_review_due(&calendar, decided, today);
    assert_eq!(at(decided).due, date!(2027 - 02 - 28));
    assert_eq!(date!(2027 - 02 - 28).weekday(), Weekday::Sunday);
    // From Monday 1 February 2027: Tue 2 to Fri 5 (4), then three full weeks (15) = 19.
    assert_eq!(at(date!(2027 - 02 - 01)).working_days_left, 19);
    // Friday 26 February: nothing left to count, but not yet overdue.
    let friday = date!(2027 - 02 - 26);
    assert_eq!(at(friday).working_days_left, 0);
    assert!(!at(friday).is_overdue(friday));
    // Monday 1 March 2027: one working day late.
    assert_eq!(at(date!(2027 - 03 - 01)).working_days_left, -1);
    assert!(at(date!(2027 - 03 - 01)).is_overdue(date!(2027 - 03 - 01)));

    // Decided Thursday 15 January 2026: due Wednesday 15 July 2026. From Wednesday 1 July:
    // Thu 2, Fri 3, Mon 6 to Fri 10 (5), Mon 13, Tue 14, Wed 15 = 10.
    let deadline =
        clocks::local_review_due(&calendar, date!(2026 - 01 - 15), date!(2026 - 07 - 01));
    assert_eq!(deadline.due, date!(2026 - 07 - 15));
    assert_eq!(deadline.working_days_left, 10);
}

#[test]
fn statutory_constants() {
    assert_eq!(clocks::PANEL_NOTIFICATION_WORKING_DAYS, 5);
    assert_eq!(clocks::RAPID_REVIEW_WORKING_DAYS, 15);
    assert_eq!(clocks::LOCAL_REVIEW_MONTHS, 6);
}

// ---------------------------------------------------------------------------------------------
// Custom lists and coverage
// ---------------------------------------------------------------------------------------------

#[test]
fn from_holidays_custom_list() {
    // Unsorted, with a duplicate and a Saturday (3 May 2031).
    let calendar = Calendar::from_holidays([
        date!(2031 - 01 - 01),
        date!(2030 - 12 - 25),
        date!(2031 - 05 - 03),
        date!(2030 - 12 - 25),
    ]);
    assert_eq!(
        calendar.holidays(),
        [
            date!(2030 - 12 - 25),
            date!(2031 - 01 - 01),
            date!(2031 - 05 - 03)
        ]
    );
    assert_eq!(date!(2031 - 01 - 01).weekday(), Weekday::Wednesday);
    assert_eq!(date!(2031 - 05 - 03).weekday(), Weekday::Saturday);
    assert!(!calendar.is_working_day(date!(2031 - 01 - 01)));
    assert!(calendar.is_working_day(date!(2031 - 01 - 02)));
    // Not in this list, so a working day here.
    assert!(calendar.is_working_day(date!(2030 - 12 - 26)));
    // Tue 31 Dec 2030 + 1 skips Wed 1 January 2031.
    assert_eq!(
        calendar.add_working_days(date!(2030 - 12 - 31), 1),
        date!(2031 - 01 - 02)
    );
    // The Saturday holiday is not counted twice: Fri 2 May to Mon 5 May 2031 is 1 day.
    assert_eq!(
        calendar.working_days_between(date!(2031 - 05 - 02), date!(2031 - 05 - 05)),
        1
    );
    assert_eq!(
        calendar.add_working_days(date!(2031 - 05 - 02), 1),
        date!(2031 - 05 - 05)
    );
    assert_eq!(calendar.covered_until(), Some(2031));

    // The bundled list given as a custom list (in any order) is the same calendar.
    let reversed = bank_holidays::ENGLAND_AND_WALES.iter().rev().copied();
    assert_eq!(
        Calendar::from_holidays(reversed),
        Calendar::england_and_wales()
    );

    // An empty list: weekends only.
    let weekends_only = Calendar::from_holidays(Vec::new());
    assert!(weekends_only.is_working_day(date!(2025 - 12 - 25)));
    assert!(!weekends_only.is_working_day(date!(2025 - 12 - 27)));
    assert_eq!(weekends_only.covered_until(), None);
    assert!(!weekends_only.covers(date!(2025 - 12 - 25)));
}

#[test]
fn covered_until_and_beyond() {
    let calendar = Calendar::england_and_wales();
    assert_eq!(calendar.covered_until(), Some(2030));
    assert!(calendar.covers(date!(2018 - 01 - 01)));
    assert!(calendar.covers(date!(2030 - 12 - 31)));
    assert!(!calendar.covers(date!(2017 - 12 - 31)));
    assert!(!calendar.covers(date!(2031 - 01 - 01)));
    // Beyond the list only weekends are skipped: New Year's Day 2031 (a Wednesday) counts.
    assert!(calendar.is_working_day(date!(2031 - 01 - 01)));
    assert_eq!(
        calendar.add_working_days(date!(2030 - 12 - 31), 1),
        date!(2031 - 01 - 01)
    );
}

// ---------------------------------------------------------------------------------------------
// Property-style checks (deterministic)
// ---------------------------------------------------------------------------------------------

#[test]
fn add_then_count_round_trips() {
    let calendars = [
        Calendar::england_and_wales(),
        Calendar::from_holidays([]),
        // A dense custom list: every 3rd day of the first quarter of 2026 (some on weekends).
        Calendar::from_holidays(days_from(date!(2026 - 01 - 01), date!(2026 - 03 - 31)).step_by(3)),
    ];
    let ns: Vec<u32> = (0..=30).chain([31, 45, 60, 130, 261, 1000]).collect();
    let mut checked = 0_u32;
    for calendar in &calendars {
        for (i, start) in days_from(date!(2017 - 12 - 01), date!(2031 - 02 - 01)).enumerate() {
            // Every day for small n; every 7th day (all weekdays in turn) for the larger ones.
            for &n in ns.iter().filter(|&&n| n <= 30 || i % 7 == 0) {
                let result = calendar.add_working_days(start, n);
                assert!(calendar.is_working_day(result), "{start} + {n} = {result}");
                assert_eq!(result, naive_add(calendar, start, n), "{start} + {n}");
                if n == 0 {
                    assert!(result >= start);
                    let expected = if calendar.is_working_day(start) { 0 } else { 1 };
                    assert_eq!(calendar.working_days_between(start, result), expected);
                } else {
                    assert!(result > start);
                    assert_eq!(calendar.working_days_between(start, result), i64::from(n));
                    assert_eq!(calendar.working_days_between(result, start), -i64::from(n));
                    // The day before the result is still short of n.
                    let before = result.previous_day().unwrap();
                    assert_eq!(
                        calendar.working_days_between(start, before),
                        i64::from(n) - 1,
                        "{start} + {n}"
                    );
                }
                checked += 1;
            }
        }
    }
    assert!(checked > 400_000, "{checked}");
}

#[test]
fn fast_counting_matches_naive_counting() {
    let calendar = Calendar::england_and_wales();
    // Walk the days one by one, keeping a running count of working days up to each day; the
    // working days in (a, b] are then the difference of two running counts.
    let days: Vec<Date> = days_from(date!(2017 - 06 - 01), date!(2031 - 06 - 30)).collect();
    let mut running = Vec::with_capacity(days.len());
    let mut count = 0_i64;
    for &day in &days {
        if calendar.is_working_day(day) {
            count += 1;
        }
        running.push(count);
    }
    for i in (0..days.len()).step_by(13) {
        for j in (0..days.len()).step_by(5) {
            assert_eq!(
                calendar.working_days_between(days[i], days[j]),
                running[j] - running[i],
                "{} {}",
                days[i],
                days[j]
            );
        }
    }
}

#[test]
fn extreme_inputs_do_not_hang_or_overflow() {
    let calendar = Calendar::england_and_wales();
    assert_eq!(
        calendar.checked_add_working_days(date!(2026 - 01 - 01), u32::MAX),
        None
    );
    let near_end = Date::MAX - Duration::days(20);
    assert_eq!(calendar.checked_add_working_days(near_end, 100), None);
    assert!(calendar.checked_add_working_days(near_end, 5).is_some());
    // Across the whole range of time::Date.
    let far = calendar.working_days_between(Date::MIN, Date::MAX);
    assert_eq!(far, -calendar.working_days_between(Date::MAX, Date::MIN));
    assert!(far > 0);
    let start = date!(2026 - 01 - 02);
    let result = calendar.add_working_days(start, 1_000_000);
    assert_eq!(calendar.working_days_between(start, result), 1_000_000);
    assert!(calendar.is_working_day(result));
}
