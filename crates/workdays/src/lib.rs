//! Working-day arithmetic for MASA's statutory clocks.
//!
//! *Working Together to Safeguard Children 2023* sets several deadlines in **working days**
//! (see [`clocks`]). A working day is any Monday to Friday that is not a bank holiday; Saturdays
//! and Sundays are never working days. The bank holidays come from a [`Calendar`]: either the
//! England and Wales list bundled with MASA ([`Calendar::england_and_wales`], 2018 to 2030
//! inclusive) or an administrator-maintained list ([`Calendar::from_holidays`]).
//!
//! # Counting convention
//!
//! The day an event happens is day 0 and is never counted: "within 5 working days of becoming
//! aware on Friday" means by the end of the following Friday (in a week without bank holidays).
//! Accordingly:
//!
//! * [`Calendar::add_working_days`]`(start, n)` is the `n`th working day *after* `start`;
//! * [`Calendar::working_days_between`]`(from, to)` counts the working days in `(from, to]`
//!   (after `from`, up to and including `to`), negated when `to` is before `from`.
//!
//! For every `n >= 1`, `working_days_between(start, add_working_days(start, n)) == n`.
//!
//! # Coverage
//!
//! A calendar only knows the bank holidays it was given. Beyond the last year it covers
//! ([`Calendar::covered_until`]) only weekends are skipped, so deadlines may come out a day or
//! two early; the application should warn when the clock runs past that year.
#![forbid(unsafe_code)]

use std::cmp::Ordering;

use time::{Date, Month, Weekday};

pub mod bank_holidays;
pub mod clocks;

/// A set of non-working days (bank holidays); weekends are always non-working.
///
/// The holidays are kept sorted and without duplicates, so lookups are binary searches and
/// counting the working days between two dates does not walk the days one by one.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Calendar {
    /// The bank holidays, sorted ascending, without duplicates. May include weekend dates (an
    /// administrator may list one); they change nothing, as weekends are non-working anyway.
    holidays: Vec<Date>,
}

impl Calendar {
    /// England and Wales bank holidays bundled with MASA, 2018 to 2030 inclusive.
    ///
    /// The list is [`bank_holidays::ENGLAND_AND_WALES`], including the one-off days (State
    /// Funeral of Queen Elizabeth II, 19 September 2022; Coronation of King Charles III, 8 May
    /// 2023) and the moved days of 2020 (VE Day) and 2022 (Platinum Jubilee).
    pub fn england_and_wales() -> Calendar {
        Calendar {
            holidays: bank_holidays::ENGLAND_AND_WALES.to_vec(),
        }
    }

    /// From an administrator-maintained list (the app will keep one in its database).
    ///
    /// The dates may come in any order and may repeat; weekend dates are accepted and make no
    /// difference. An empty list gives a calendar where only weekends are non-working.
    pub fn from_holidays(dates: impl IntoIterator<Item = Date>) -> Calendar {
        let mut holidays: Vec<Date> = dates.into_iter().collect();
        holidays.sort_unstable();
        holidays.dedup();
        Calendar { holidays }
    }

    /// The bank holidays of this calendar, sorted ascending, without duplicates.
    pub fn holidays(&self) -> &[Date] {
        &self.holidays
    }

    /// Whether `date` is a bank holiday of this calendar (whatever day of the week it is).
    pub fn is_holiday(&self, date: Date) -> bool {
        self.holidays.binary_search(&date).is_ok()
    }

    /// Whether `date` is a working day: Monday to Friday and not a bank holiday.
    pub fn is_working_day(&self, date: Date) -> bool {
        is_weekday(date) && !self.is_holiday(date)
    }

    /// The date `n` working days after `start` (start itself not counted; n = 0 returns start
    /// rolled forward to a working day if it is not one).
    ///
    /// The result is always a working day. For `n >= 1` it is strictly after `start`, and
    /// `working_days_between(start, result) == n`.
    ///
    /// # Panics
    ///
    /// If the result would be after the last date [`time::Date`] can represent (the year 9999);
    /// see [`Calendar::checked_add_working_days`].
    pub fn add_working_days(&self, start: Date, n: u32) -> Date {
        self.checked_add_working_days(start, n)
            .expect("working-day arithmetic went beyond the range of time::Date")
    }

    /// As [`Calendar::add_working_days`], but `None` instead of a panic when the result would
    /// be beyond the range of [`time::Date`].
    pub fn checked_add_working_days(&self, start: Date, n: u32) -> Option<Date> {
        if n == 0 {
            return self.next_working_day_on_or_after(start);
        }
        // Jump straight to the date `remaining` weekdays ahead, then make up for the bank
        // holidays jumped over, until a jump crosses none. Each round ends on a weekday; the
        // last one crosses no holiday, so it ends on a working day.
        let mut date = start;
        let mut remaining = i64::from(n);
        while remaining > 0 {
            let target = weekdays_through(julian_day(date)) + remaining;
            let next = date_from_julian_day(nth_weekday(target))?;
            remaining = self.weekday_holidays_in(date, next);
            date = next;
        }
        Some(date)
    }

    /// `date` if it is a working day, otherwise the first working day after it; `None` only if
    /// there is no working day left before the end of the range of [`time::Date`].
    pub fn next_working_day_on_or_after(&self, date: Date) -> Option<Date> {
        let mut date = date;
        while !self.is_working_day(date) {
            date = date.next_day()?;
        }
        Some(date)
    }

    /// Working days after `from` up to and including `to` (0 when to <= from); negative when to < from.
    ///
    /// Precisely: when `from < to`, the number of working days `d` with `from < d <= to`; when
    /// `to < from`, minus the number of working days `d` with `to < d <= from`, so that
    /// `working_days_between(a, b) == -working_days_between(b, a)` always; 0 when equal.
    ///
    /// Used as "working days left" with `from` = today and `to` = the deadline: 0 on the
    /// deadline itself, negative once a working day after the deadline has begun.
    pub fn working_days_between(&self, from: Date, to: Date) -> i64 {
        match from.cmp(&to) {
            Ordering::Equal => 0,
            Ordering::Less => self.working_days_after_through(from, to),
            Ordering::Greater => -self.working_days_after_through(to, from),
        }
    }

    /// The last year the bundled or given list covers, so the app can warn when it runs out.
    ///
    /// This is the year of the latest holiday in the list; `None` for an empty list.
    pub fn covered_until(&self) -> Option<i32> {
        self.holidays.last().map(|date| date.year())
    }

    /// Whether `date` falls within the years this calendar covers (from the year of its first
    /// holiday to the year of its last). `false` for an empty calendar.
    pub fn covers(&self, date: Date) -> bool {
        match (self.holidays.first(), self.holidays.last()) {
            (Some(first), Some(last)) => (first.year()..=last.year()).contains(&date.year()),
            _ => false,
        }
    }

    /// Working days in `(from, to]`, for `from <= to`.
    fn working_days_after_through(&self, from: Date, to: Date) -> i64 {
        weekdays_through(julian_day(to))
            - weekdays_through(julian_day(from))
            - self.weekday_holidays_in(from, to)
    }

    /// Number of holidays `h` with `from < h <= to` that fall on a Monday to Friday.
    fn weekday_holidays_in(&self, from: Date, to: Date) -> i64 {
        let lo = self.holidays.partition_point(|&h| h <= from);
        let hi = self.holidays.partition_point(|&h| h <= to);
        debug_assert!(from <= to);
        let count = self.holidays[lo..hi]
            .iter()
            .filter(|&&h| is_weekday(h))
            .count();
        i64::try_from(count).expect("holiday count fits in i64")
    }
}

/// Adds calendar months, clamping to the month's last day (31 Aug + 6 months = 28/29 Feb).
///
/// The result is not moved off weekends or bank holidays.
///
/// # Panics
///
/// If the result would be beyond the range of [`time::Date`] (the year 9999); see
/// [`checked_add_months`].
pub fn add_months(date: Date, months: u32) -> Date {
    checked_add_months(date, months).expect("month arithmetic went beyond the range of time::Date")
}

/// As [`add_months`], but `None` instead of a panic when the result would be beyond the range of
/// [`time::Date`].
pub fn checked_add_months(date: Date, months: u32) -> Option<Date> {
    let index =
        i64::from(date.year()) * 12 + i64::from(u8::from(date.month()) - 1) + i64::from(months);
    let year = i32::try_from(index.div_euclid(12)).ok()?;
    let month = Month::try_from(u8::try_from(index.rem_euclid(12) + 1).ok()?).ok()?;
    let day = date.day().min(month.length(year));
    Date::from_calendar_date(year, month, day).ok()
}

/// Monday to Friday.
fn is_weekday(date: Date) -> bool {
    !matches!(date.weekday(), Weekday::Saturday | Weekday::Sunday)
}

/// The Julian day number of `date`. Julian day 0 (and every multiple of 7) is a Monday.
fn julian_day(date: Date) -> i64 {
    i64::from(date.to_julian_day())
}

fn date_from_julian_day(julian_day: i64) -> Option<Date> {
    Date::from_julian_day(i32::try_from(julian_day).ok()?).ok()
}

/// A running count of weekdays (Monday to Friday) up to and including Julian day `jd`, from an
/// arbitrary origin: only differences between two values are meaningful, and
/// `weekdays_through(b) - weekdays_through(a)` is the number of weekdays in `(a, b]`.
fn weekdays_through(jd: i64) -> i64 {
    // `jd.rem_euclid(7)` is 0 for Monday up to 6 for Sunday.
    5 * jd.div_euclid(7) + (jd.rem_euclid(7) + 1).min(5)
}

/// The smallest Julian day `jd` with `weekdays_through(jd) == count`; always a weekday.
fn nth_weekday(count: i64) -> i64 {
    let index = count - 1;
    7 * index.div_euclid(5) + index.rem_euclid(5)
}

#[cfg(test)]
mod tests;
