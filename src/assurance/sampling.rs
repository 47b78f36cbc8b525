//! The deep-dive sample: which returns a review panel looks at closely. Pure: no SQL, no HTTP.
//!
//! The seed's panel looked at "10% of the schools in each of the 12 areas ... selected based on
//! the Ofsted grades awarded to schools, and the time that has elapsed since their last Ofsted
//! inspection. One setting was also identified as it is a new provision." A sample is drawn by
//! stated criteria, or chosen by hand, and the draw is seeded so that, given the stored seed and
//! candidates, anyone can reproduce it and every setting in it has a reason in words.

use std::cmp::Ordering;
use std::collections::{BTreeMap, HashSet};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use time::Date;

/// A setting or agency that may be drawn into a deep dive.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Candidate {
    pub id: i64,
    pub name: String,
    /// Its kind or phase (primary, secondary, special, …): the stratum it is drawn within.
    pub stratum: String,
    /// Ofsted's overall grade: 1 outstanding, 2 good, 3 requires improvement, 4 inadequate.
    pub inspection_grade: Option<u8>,
    pub last_inspected: Option<Date>,
    pub new_provision: bool,
}

/// A reason to take a candidate before any drawn at random.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Criterion {
    /// A new provision: always taken, even beyond the quota.
    NewProvision,
    /// An inspection grade this or worse (3 = requires improvement or worse); worst first.
    InspectionGradeAtLeast(u8),
    /// Last inspected before this date; longest since inspection first. A candidate with no
    /// inspection on record does not meet it: a new provision has its own criterion, and a
    /// missing date is a gap in the list to fix rather than a reason to take a setting.
    InspectedBefore(Date),
}

/// How a sample is drawn; stored beside the seed so the draw can be repeated.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SampleRule {
    /// The share of each stratum to take, in percent, rounded up: at least 1 when the stratum
    /// is not empty.
    pub fraction_percent: u32,
    /// Draw within each stratum (kind or phase), or from all candidates as one.
    pub stratify: bool,
    /// The criteria that fill the quota before the random draw, in this order.
    pub priority: Vec<Criterion>,
}

/// A candidate in the sample and why it is there.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Drawn {
    pub id: i64,
    pub reason: String,
}

const CHOSEN_BY_HAND: &str = "Chosen by hand";

/// How many of a stratum of `size` to take: `fraction_percent` of it rounded up, at least 1
/// when the stratum is not empty, never more than it holds.
pub fn quota(size: usize, fraction_percent: u32) -> usize {
    if size == 0 {
        return 0;
    }
    let wanted = (size as u64)
        .saturating_mul(u64::from(fraction_percent))
        .div_ceil(100);
    usize::try_from(wanted).unwrap_or(size).clamp(1, size)
}

/// Draws the deep-dive sample.
///
/// How a sample is drawn, as the business unit can explain it:
/// 1. The candidates are split by stratum (kind or phase), or kept as one group when the rule
///    does not stratify. Each group's quota is the rule's percentage of it, rounded up, and at
///    least one.
/// 2. Within each group, the criteria are taken in the rule's order. The candidates meeting a
///    criterion (and not already taken) are taken while the quota has room: the worst
///    inspection grade first, or the longest since inspection first. Every new provision is
///    taken, even beyond the quota.
/// 3. What is left of the quota is filled at random.
///
/// "At random", and every tie above, follows the SHA-256 digest of the text `"{seed}:{id}"`
/// (for example `"2025:17"`), smallest first. It is not a random number generator: the same
/// seed and candidates give the same sample on any machine and in any version of MASA, and
/// adding a candidate does not reorder the others. A candidate listed twice counts once.
///
/// The sample is listed by stratum, then name. Each is given the reason it was taken under.
pub fn draw(candidates: &[Candidate], rule: &SampleRule, seed: u64) -> Vec<Drawn> {
    let mut seen = HashSet::new();
    let mut groups: BTreeMap<&str, Vec<Entry>> = BTreeMap::new();
    for candidate in candidates {
        if !seen.insert(candidate.id) {
            continue;
        }
        let group = if rule.stratify {
            candidate.stratum.as_str()
        } else {
            ""
        };
        groups.entry(group).or_default().push(Entry {
            candidate,
            key: draw_key(seed, candidate.id),
        });
    }
    let at_random = if rule.stratify {
        "Drawn at random in its stratum"
    } else {
        "Drawn at random"
    };
    let mut sample: Vec<(&Candidate, String)> = groups
        .into_values()
        .flat_map(|group| draw_group(group, rule, at_random))
        .collect();
    sample.sort_by(|(a, _), (b, _)| (&a.stratum, &a.name, a.id).cmp(&(&b.stratum, &b.name, b.id)));
    sample
        .into_iter()
        .map(|(candidate, reason)| Drawn {
            id: candidate.id,
            reason,
        })
        .collect()
}

/// A sample the panel chose itself, in the order given, each once.
pub fn by_hand(ids: impl IntoIterator<Item = i64>) -> Vec<Drawn> {
    let mut seen = HashSet::new();
    ids.into_iter()
        .filter(|id| seen.insert(*id))
        .map(|id| Drawn {
            id,
            reason: CHOSEN_BY_HAND.to_string(),
        })
        .collect()
}

/// A candidate with its place in the random order.
struct Entry<'a> {
    candidate: &'a Candidate,
    key: [u8; 32],
}

fn draw_key(seed: u64, id: i64) -> [u8; 32] {
    Sha256::digest(format!("{seed}:{id}").as_bytes()).into()
}

fn draw_group<'a>(
    mut left: Vec<Entry<'a>>,
    rule: &SampleRule,
    at_random: &str,
) -> Vec<(&'a Candidate, String)> {
    let quota = quota(left.len(), rule.fraction_percent);
    left.sort_by_key(|entry| entry.key);
    let mut taken = Vec::new();
    for criterion in &rule.priority {
        let room = match criterion {
            Criterion::NewProvision => left.len(),
            _ => quota.saturating_sub(taken.len()),
        };
        let mut meeting: Vec<(&Entry<'a>, String)> = left
            .iter()
            .filter_map(|entry| criterion.reason(entry.candidate).map(|r| (entry, r)))
            .collect();
        meeting.sort_by(|(a, _), (b, _)| criterion.precedence(a, b));
        meeting.truncate(room);
        let chosen: HashSet<i64> = meeting
            .iter()
            .map(|(entry, _)| entry.candidate.id)
            .collect();
        taken.extend(
            meeting
                .into_iter()
                .map(|(entry, reason)| (entry.candidate, reason)),
        );
        left.retain(|entry| !chosen.contains(&entry.candidate.id));
    }
    let random = quota.saturating_sub(taken.len()).min(left.len());
    taken.extend(
        left.into_iter()
            .take(random)
            .map(|entry| (entry.candidate, at_random.to_string())),
    );
    taken
}

impl Criterion {
    /// Why a candidate meets this criterion, in words, or none when it does not.
    fn reason(&self, candidate: &Candidate) -> Option<String> {
        match *self {
            Criterion::NewProvision => candidate.new_provision.then(|| "New provision".to_string()),
            Criterion::InspectionGradeAtLeast(at_least) => candidate
                .inspection_grade
                .filter(|grade| *grade >= at_least)
                .map(|grade| match inspection_grade_words(grade) {
                    Some(words) => format!("Inspection grade {grade} ({words})"),
                    None => format!("Inspection grade {grade}"),
                }),
            Criterion::InspectedBefore(before) => candidate
                .last_inspected
                .filter(|inspected| *inspected < before)
                .map(|inspected| format!("Not inspected since {inspected}")),
        }
    }

    /// Which of two candidates meeting this criterion is taken first; ties in random order.
    fn precedence(&self, a: &Entry, b: &Entry) -> Ordering {
        let by_criterion = match self {
            Criterion::NewProvision => Ordering::Equal,
            Criterion::InspectionGradeAtLeast(_) => b
                .candidate
                .inspection_grade
                .cmp(&a.candidate.inspection_grade),
            Criterion::InspectedBefore(_) => {
                a.candidate.last_inspected.cmp(&b.candidate.last_inspected)
            }
        };
        by_criterion.then_with(|| a.key.cmp(&b.key))
    }
}

/// Ofsted's words for its overall grades.
fn inspection_grade_words(grade: u8) -> Option<&'static str> {
    match grade {
        1 => Some("outstanding"),
        2 => Some("good"),
        3 => Some("requires improvement"),
        4 => Some("inadequate"),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use time::macros::date;

    fn school(id: i64, stratum: &str) -> Candidate {
        Candidate {
            id,
            name: format!("School {id:03}"),
            stratum: stratum.to_string(),
            inspection_grade: Some(2),
            last_inspected: Some(date!(2022 - 06 - 01)),
            new_provision: false,
        }
    }

    fn schools(count: i64, stratum: &str) -> Vec<Candidate> {
        (1..=count).map(|id| school(id, stratum)).collect()
    }

    fn ten_percent(stratify: bool, priority: Vec<Criterion>) -> SampleRule {
        SampleRule {
            fraction_percent: 10,
            stratify,
            priority,
        }
    }

    fn ids(sample: &[Drawn]) -> Vec<i64> {
        sample.iter().map(|drawn| drawn.id).collect()
    }

    #[test]
    fn quota_is_a_tenth_rounded_up_and_at_least_one() {
        assert_eq!(quota(0, 10), 0);
        assert_eq!(quota(1, 10), 1);
        assert_eq!(quota(9, 10), 1);
        assert_eq!(quota(10, 10), 1);
        assert_eq!(quota(11, 10), 2);
        assert_eq!(quota(34, 10), 4);
        assert_eq!(quota(100, 10), 10);
        assert_eq!(quota(5, 0), 1);
        assert_eq!(quota(5, 150), 5);
    }

    #[test]
    fn each_stratum_gets_its_quota() {
        let mut candidates = schools(34, "Primary");
        candidates.extend((101..=109).map(|id| school(id, "Secondary")));
        candidates.extend((201..=211).map(|id| school(id, "Special")));
        let sample = draw(&candidates, &ten_percent(true, vec![]), 7);
        let count_in = |stratum: &str| {
            sample
                .iter()
                .filter(|drawn| {
                    candidates
                        .iter()
                        .any(|c| c.id == drawn.id && c.stratum == stratum)
                })
                .count()
        };
        assert_eq!(count_in("Primary"), 4);
        assert_eq!(count_in("Secondary"), 1);
        assert_eq!(count_in("Special"), 2);
        assert!(
            sample
                .iter()
                .all(|drawn| drawn.reason == "Drawn at random in its stratum")
        );

        let whole = draw(&candidates, &ten_percent(false, vec![]), 7);
        assert_eq!(whole.len(), quota(54, 10));
        assert!(whole.iter().all(|drawn| drawn.reason == "Drawn at random"));
    }

    #[test]
    fn the_same_seed_draws_the_same_sample() {
        let mut candidates = schools(120, "Primary");
        let first = draw(&candidates, &ten_percent(true, vec![]), 2025);
        candidates.reverse();
        assert_eq!(draw(&candidates, &ten_percent(true, vec![]), 2025), first);
    }

    #[test]
    fn another_seed_draws_another_random_part() {
        let candidates = schools(200, "Primary");
        let rule = ten_percent(true, vec![]);
        assert_ne!(
            ids(&draw(&candidates, &rule, 1)),
            ids(&draw(&candidates, &rule, 2))
        );
    }

    #[test]
    fn the_draw_follows_sha256_of_seed_and_id() {
        // Pinned so that no change to MASA can silently change a stored sample. The order was
        // checked with `printf '2025:%s' $id | sha256sum` for ids 1..10: the three smallest
        // digests are those of 2025:4, 2025:1 and 2025:7.
        let candidates = schools(10, "Primary");
        let rule = SampleRule {
            fraction_percent: 30,
            stratify: true,
            priority: vec![],
        };
        assert_eq!(ids(&draw(&candidates, &rule, 2025)), vec![1, 4, 7]);
    }

    #[test]
    fn the_new_provision_is_always_in() {
        let mut candidates = schools(20, "Primary");
        candidates[4].new_provision = true;
        candidates[11].new_provision = true;
        candidates[15].new_provision = true;
        candidates[15].inspection_grade = None;
        candidates[15].last_inspected = None;
        candidates[7].inspection_grade = Some(4);
        // The quota of 2 is filled by grade first; every new provision still comes in.
        let rule = ten_percent(
            true,
            vec![
                Criterion::InspectionGradeAtLeast(3),
                Criterion::NewProvision,
            ],
        );
        for seed in 0..20 {
            let sample = draw(&candidates, &rule, seed);
            let drawn = ids(&sample);
            assert!(drawn.contains(&5) && drawn.contains(&12) && drawn.contains(&16));
            assert!(drawn.contains(&8));
            assert_eq!(sample.len(), 4);
        }
    }

    #[test]
    fn a_grade_4_is_taken_before_a_random_one() {
        let mut candidates = schools(20, "Primary");
        candidates[13].inspection_grade = Some(3);
        candidates[2].inspection_grade = Some(4);
        let rule = SampleRule {
            fraction_percent: 5,
            stratify: true,
            priority: vec![Criterion::InspectionGradeAtLeast(3)],
        };
        for seed in 0..20 {
            let sample = draw(&candidates, &rule, seed);
            assert_eq!(
                sample,
                vec![Drawn {
                    id: 3,
                    reason: "Inspection grade 4 (inadequate)".to_string()
                }]
            );
        }
        let both = draw(&candidates, &ten_percent(true, rule.priority.clone()), 9);
        assert_eq!(ids(&both), vec![3, 14]);
        assert_eq!(both[1].reason, "Inspection grade 3 (requires improvement)");
    }

    #[test]
    fn the_longest_since_inspection_comes_first() {
        let mut candidates = schools(30, "Secondary");
        candidates[20].last_inspected = Some(date!(2018 - 03 - 01));
        candidates[5].last_inspected = Some(date!(2016 - 11 - 15));
        candidates[9].last_inspected = Some(date!(2019 - 01 - 10));
        candidates[12].last_inspected = None;
        let rule = SampleRule {
            fraction_percent: 5,
            stratify: true,
            priority: vec![Criterion::InspectedBefore(date!(2020 - 01 - 01))],
        };
        let sample = draw(&candidates, &rule, 3);
        assert_eq!(ids(&sample), vec![6, 21]);
        assert_eq!(sample[0].reason, "Not inspected since 2016-11-15");
        assert_eq!(sample[1].reason, "Not inspected since 2018-03-01");
    }

    #[test]
    fn the_sample_is_listed_by_stratum_then_name() {
        let mut candidates = vec![school(1, "Secondary"), school(2, "Primary")];
        candidates[0].name = "Abbey School".to_string();
        candidates[1].name = "Zetland Primary".to_string();
        let sample = draw(&candidates, &ten_percent(true, vec![]), 0);
        assert_eq!(ids(&sample), vec![2, 1]);
    }

    #[test]
    fn a_candidate_listed_twice_counts_once() {
        let candidates = vec![school(1, "Primary"), school(1, "Primary")];
        let rule = SampleRule {
            fraction_percent: 100,
            stratify: true,
            priority: vec![],
        };
        assert_eq!(ids(&draw(&candidates, &rule, 0)), vec![1]);
    }

    #[test]
    fn an_empty_stratum_gives_nothing() {
        assert!(draw(&[], &ten_percent(true, vec![Criterion::NewProvision]), 5).is_empty());
        assert!(draw(&[], &ten_percent(false, vec![]), 5).is_empty());
    }

    #[test]
    fn chosen_by_hand_keeps_the_order_given_once_each() {
        assert_eq!(
            by_hand([12, 4, 12]),
            vec![
                Drawn {
                    id: 12,
                    reason: "Chosen by hand".to_string()
                },
                Drawn {
                    id: 4,
                    reason: "Chosen by hand".to_string()
                },
            ]
        );
    }

    fn any_candidates() -> impl Strategy<Value = Vec<Candidate>> {
        let one = (
            0..4usize,
            proptest::option::of(1..=4u8),
            proptest::option::of(2_455_000..2_461_000i32),
            proptest::bool::weighted(0.1),
        );
        proptest::collection::vec(one, 0..80).prop_map(|rows| {
            rows.into_iter()
                .enumerate()
                .map(|(index, (stratum, grade, day, new_provision))| Candidate {
                    id: index as i64 * 3 + 1,
                    name: format!("Setting {}", index % 7),
                    stratum: ["Primary", "Secondary", "Special", "Early years"][stratum]
                        .to_string(),
                    inspection_grade: grade,
                    last_inspected: day.and_then(|day| Date::from_julian_day(day).ok()),
                    new_provision,
                })
                .collect()
        })
    }

    fn any_rule() -> impl Strategy<Value = SampleRule> {
        let criterion = prop_oneof![
            Just(Criterion::NewProvision),
            (1..=4u8).prop_map(Criterion::InspectionGradeAtLeast),
            Just(Criterion::InspectedBefore(date!(2020 - 01 - 01))),
        ];
        (
            0..=120u32,
            any::<bool>(),
            proptest::collection::vec(criterion, 0..4),
        )
            .prop_map(|(fraction_percent, stratify, priority)| SampleRule {
                fraction_percent,
                stratify,
                priority,
            })
    }

    proptest! {
        #[test]
        fn a_sample_keeps_to_its_quotas(
            candidates in any_candidates(),
            rule in any_rule(),
            seed in any::<u64>(),
        ) {
            let sample = draw(&candidates, &rule, seed);
            let drawn: HashSet<i64> = ids(&sample).into_iter().collect();
            prop_assert_eq!(drawn.len(), sample.len(), "no candidate twice");
            let mut strata: BTreeMap<&str, (usize, usize, usize)> = BTreeMap::new();
            for candidate in &candidates {
                let stratum = if rule.stratify { candidate.stratum.as_str() } else { "" };
                let (size, new, taken) = strata.entry(stratum).or_default();
                *size += 1;
                *new += usize::from(candidate.new_provision);
                *taken += usize::from(drawn.contains(&candidate.id));
                if candidate.new_provision && rule.priority.contains(&Criterion::NewProvision) {
                    prop_assert!(drawn.contains(&candidate.id), "new provision left out");
                }
            }
            let taken_total: usize = strata.values().map(|(_, _, taken)| taken).sum();
            prop_assert_eq!(taken_total, sample.len(), "every id is a candidate");
            for (size, new, taken) in strata.into_values() {
                let quota = quota(size, rule.fraction_percent);
                prop_assert!(quota <= taken && taken <= quota + new, "{} of {}", taken, size);
            }
        }
    }
}
