//! England and Wales bank holidays bundled with MASA, 2018 to 2030 inclusive.
//!
//! Listed explicitly (not computed at run time) so that one-off changes by royal proclamation
//! are exactly as announced. The unit tests recompute the regular rules for every year and
//! compare them with this list, with the one-offs and moves below as explicit exceptions.
//!
//! Exceptions to the regular rules:
//!
//! * 2020: the early May bank holiday moved from Monday 4 May to Friday 8 May (75th anniversary
//!   of VE Day);
//! * 2022: the spring bank holiday moved from Monday 30 May to Thursday 2 June, with an extra
//!   bank holiday on Friday 3 June (Platinum Jubilee), and Monday 19 September (State Funeral of
//!   Queen Elizabeth II);
//! * 2023: Monday 8 May (Coronation of King Charles III).
//!
//! Source: the regular rules and the proclamations as published on GOV.UK
//! (<https://www.gov.uk/bank-holidays>). Extend the list (and [`FIRST_YEAR`] / [`LAST_YEAR`])
//! as further years are announced.

use time::Date;
use time::macros::date;

/// First year the bundled list covers.
pub const FIRST_YEAR: i32 = 2018;

/// Last year the bundled list covers.
pub const LAST_YEAR: i32 = 2030;

/// England and Wales bank holidays, 2018 to 2030 inclusive, in ascending order.
pub const ENGLAND_AND_WALES: &[Date] = &[
    // 2018
    date!(2018 - 01 - 01), // Mon: New Year's Day
    date!(2018 - 03 - 30), // Fri: Good Friday
    date!(2018 - 04 - 02), // Mon: Easter Monday
    date!(2018 - 05 - 07), // Mon: Early May bank holiday
    date!(2018 - 05 - 28), // Mon: Spring bank holiday
    date!(2018 - 08 - 27), // Mon: Summer bank holiday
    date!(2018 - 12 - 25), // Tue: Christmas Day
    date!(2018 - 12 - 26), // Wed: Boxing Day
    // 2019
    date!(2019 - 01 - 01), // Tue: New Year's Day
    date!(2019 - 04 - 19), // Fri: Good Friday
    date!(2019 - 04 - 22), // Mon: Easter Monday
    date!(2019 - 05 - 06), // Mon: Early May bank holiday
    date!(2019 - 05 - 27), // Mon: Spring bank holiday
    date!(2019 - 08 - 26), // Mon: Summer bank holiday
    date!(2019 - 12 - 25), // Wed: Christmas Day
    date!(2019 - 12 - 26), // Thu: Boxing Day
    // 2020
    date!(2020 - 01 - 01), // Wed: New Year's Day
    date!(2020 - 04 - 10), // Fri: Good Friday
    date!(2020 - 04 - 13), // Mon: Easter Monday
    date!(2020 - 05 - 08), // Fri: Early May bank holiday, moved from Mon 4 May (VE Day)
    date!(2020 - 05 - 25), // Mon: Spring bank holiday
    date!(2020 - 08 - 31), // Mon: Summer bank holiday
    date!(2020 - 12 - 25), // Fri: Christmas Day
    date!(2020 - 12 - 28), // Mon: Boxing Day (substitute day; 26 Dec is a Saturday)
    // 2021
    date!(2021 - 01 - 01), // Fri: New Year's Day
    date!(2021 - 04 - 02), // Fri: Good Friday
    date!(2021 - 04 - 05), // Mon: Easter Monday
    date!(2021 - 05 - 03), // Mon: Early May bank holiday
    date!(2021 - 05 - 31), // Mon: Spring bank holiday
    date!(2021 - 08 - 30), // Mon: Summer bank holiday
    date!(2021 - 12 - 27), // Mon: Christmas Day (substitute day; 25 Dec is a Saturday)
    date!(2021 - 12 - 28), // Tue: Boxing Day (substitute day; 26 Dec is a Sunday)
    // 2022
    date!(2022 - 01 - 03), // Mon: New Year's Day (substitute day; 1 Jan is a Saturday)
    date!(2022 - 04 - 15), // Fri: Good Friday
    date!(2022 - 04 - 18), // Mon: Easter Monday
    date!(2022 - 05 - 02), // Mon: Early May bank holiday
    date!(2022 - 06 - 02), // Thu: Spring bank holiday, moved from Mon 30 May (Platinum Jubilee)
    date!(2022 - 06 - 03), // Fri: Platinum Jubilee bank holiday (one-off)
    date!(2022 - 08 - 29), // Mon: Summer bank holiday
    date!(2022 - 09 - 19), // Mon: State Funeral of Queen Elizabeth II (one-off)
    date!(2022 - 12 - 26), // Mon: Boxing Day
    date!(2022 - 12 - 27), // Tue: Christmas Day (substitute day; 25 Dec is a Sunday)
    // 2023
    date!(2023 - 01 - 02), // Mon: New Year's Day (substitute day; 1 Jan is a Sunday)
    date!(2023 - 04 - 07), // Fri: Good Friday
    date!(2023 - 04 - 10), // Mon: Easter Monday
    date!(2023 - 05 - 01), // Mon: Early May bank holiday
    date!(2023 - 05 - 08), // Mon: Coronation of King Charles III (one-off)
    date!(2023 - 05 - 29), // Mon: Spring bank holiday
    date!(2023 - 08 - 28), // Mon: Summer bank holiday
    date!(2023 - 12 - 25), // Mon: Christmas Day
    date!(2023 - 12 - 26), // Tue: Boxing Day
    // 2024
    date!(2024 - 01 - 01), // Mon: New Year's Day
    date!(2024 - 03 - 29), // Fri: Good Friday
    date!(2024 - 04 - 01), // Mon: Easter Monday
    date!(2024 - 05 - 06), // Mon: Early May bank holiday
    date!(2024 - 05 - 27), // Mon: Spring bank holiday
    date!(2024 - 08 - 26), // Mon: Summer bank holiday
    date!(2024 - 12 - 25), // Wed: Christmas Day
    date!(2024 - 12 - 26), // Thu: Boxing Day
    // 2025
    date!(2025 - 01 - 01), // Wed: New Year's Day
    date!(2025 - 04 - 18), // Fri: Good Friday
    date!(2025 - 04 - 21), // Mon: Easter Monday
    date!(2025 - 05 - 05), // Mon: Early May bank holiday
    date!(2025 - 05 - 26), // Mon: Spring bank holiday
    date!(2025 - 08 - 25), // Mon: Summer bank holiday
    date!(2025 - 12 - 25), // Thu: Christmas Day
    date!(2025 - 12 - 26), // Fri: Boxing Day
    // 2026
    date!(2026 - 01 - 01), // Thu: New Year's Day
    date!(2026 - 04 - 03), // Fri: Good Friday
    date!(2026 - 04 - 06), // Mon: Easter Monday
    date!(2026 - 05 - 04), // Mon: Early May bank holiday
    date!(2026 - 05 - 25), // Mon: Spring bank holiday
    date!(2026 - 08 - 31), // Mon: Summer bank holiday
    date!(2026 - 12 - 25), // Fri: Christmas Day
    date!(2026 - 12 - 28), // Mon: Boxing Day (substitute day; 26 Dec is a Saturday)
    // 2027
    date!(2027 - 01 - 01), // Fri: New Year's Day
    date!(2027 - 03 - 26), // Fri: Good Friday
    date!(2027 - 03 - 29), // Mon: Easter Monday
    date!(2027 - 05 - 03), // Mon: Early May bank holiday
    date!(2027 - 05 - 31), // Mon: Spring bank holiday
    date!(2027 - 08 - 30), // Mon: Summer bank holiday
    date!(2027 - 12 - 27), // Mon: Christmas Day (substitute day; 25 Dec is a Saturday)
    date!(2027 - 12 - 28), // Tue: Boxing Day (substitute day; 26 Dec is a Sunday)
    // 2028
    date!(2028 - 01 - 03), // Mon: New Year's Day (substitute day; 1 Jan is a Saturday)
    date!(2028 - 04 - 14), // Fri: Good Friday
    date!(2028 - 04 - 17), // Mon: Easter Monday
    date!(2028 - 05 - 01), // Mon: Early May bank holiday
    date!(2028 - 05 - 29), // Mon: Spring bank holiday
    date!(2028 - 08 - 28), // Mon: Summer bank holiday
    date!(2028 - 12 - 25), // Mon: Christmas Day
    date!(2028 - 12 - 26), // Tue: Boxing Day
    // 2029
    date!(2029 - 01 - 01), // Mon: New Year's Day
    date!(2029 - 03 - 30), // Fri: Good Friday
    date!(2029 - 04 - 02), // Mon: Easter Monday
    date!(2029 - 05 - 07), // Mon: Early May bank holiday
    date!(2029 - 05 - 28), // Mon: Spring bank holiday
    date!(2029 - 08 - 27), // Mon: Summer bank holiday
    date!(2029 - 12 - 25), // Tue: Christmas Day
    date!(2029 - 12 - 26), // Wed: Boxing Day
    // 2030
    date!(2030 - 01 - 01), // Tue: New Year's Day
    date!(2030 - 04 - 19), // Fri: Good Friday
    date!(2030 - 04 - 22), // Mon: Easter Monday
    date!(2030 - 05 - 06), // Mon: Early May bank holiday
    date!(2030 - 05 - 27), // Mon: Spring bank holiday
    date!(2030 - 08 - 26), // Mon: Summer bank holiday
    date!(2030 - 12 - 25), // Wed: Christmas Day
    date!(2030 - 12 - 26), // Thu: Boxing Day
];
