//! Agreement between moderators of a return. Pure: no SQL, no HTTP.
//!
//! Two or more panel members moderate a return: for each standard they give the grade they
//! judge right, which is the respondent's self-grade when they agree with it. The issue asks
//! that agreement between moderators be reported, so the panel can see whether its own grades
//! are consistent before it moderates a respondent's. Reported here:
//! - how often a moderator agrees with the self-grade;
//! - on how many standards the moderators all gave the same grade;
//! - the same corrected for the agreement chance alone would give: Cohen's kappa for a pair of
//!   moderators, Fleiss' kappa for two or more;
//! - the moderated grade of each standard.
//!
//! Kappa treats the five grades as categories without order (exceeds, met, partially met, not
//! met, not applicable): two moderators one grade apart disagree as much as two far apart.

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;

use super::grades::{Grade, Share};

/// One moderator's grade for one standard of a return: the self-grade when they agree.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Moderation {
    pub standard: i64,
    pub moderator: i64,
    pub grade: Grade,
}

/// The respondent's own grade for one standard of the return.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SelfGrade {
    pub standard: i64,
    pub grade: Grade,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Agreement {
    /// Moderators' judgements that agree with the self-grade, of those on a standard that has
    /// a self-grade (one judgement per standard and moderator).
    pub with_self_grade: Share,
    /// Standards on which every moderator gave the same grade, of those two or more judged.
    pub moderators_agree: Share,
    /// How many moderators judged any standard.
    pub moderators: usize,
    /// Cohen's kappa when exactly two moderators judged, over the standards both judged.
    pub cohen_kappa: Option<f64>,
    /// Fleiss' kappa over the standards every moderator judged, when two or more did.
    pub fleiss_kappa: Option<f64>,
    /// The moderated grade of each standard any moderator judged.
    pub moderated: BTreeMap<i64, Grade>,
}

/// The order in which a tied vote settles, most cautious first. Not applicable comes last:
/// excusing a standard is less cautious than judging it at any grade.
const MOST_CAUTIOUS_FIRST: [Grade; 5] = [
    Grade::NotMet,
    Grade::PartiallyMet,
    Grade::Met,
    Grade::Exceeds,
    Grade::NotApplicable,
];

/// Agreement among a return's moderators and with its self-grades.
///
/// A moderator who judged the same standard twice counts once, with the later judgement.
///
/// Cohen's kappa (Cohen 1960, "A coefficient of agreement for nominal scales", Educational and
/// Psychological Measurement 20(1), 37–46), over the n standards both moderators judged:
///   κ = (p_o − p_e) / (1 − p_e)
/// where p_o is the share of those standards on which they gave the same grade, and
/// p_e = Σ_k a_k·b_k / n² is the agreement expected by chance, a_k and b_k being how many
/// standards each moderator gave grade k. It is undefined (none) when p_e = 1: both gave one
/// and the same grade to everything, so chance alone would agree as often.
///
/// Fleiss' kappa (Fleiss 1971, "Measuring nominal scale agreement among many raters",
/// Psychological Bulletin 76(5), 378–382), over the N standards all m moderators judged, with
/// n_ij the number of moderators giving standard i grade j:
///   P_i = (Σ_j n_ij² − m) / (m(m − 1))    the agreeing pairs of moderators on standard i
///   P̄ = Σ_i P_i / N,   p_j = Σ_i n_ij / (N·m),   P̄_e = Σ_j p_j²
///   κ = (P̄ − P̄_e) / (1 − P̄_e)
/// It is undefined (none) when P̄_e = 1, every grade given being the same. For two moderators it
/// is Scott's pi, close to but not the same as Cohen's kappa.
///
/// The moderated grade of a standard is the grade most of its moderators gave; a tie goes to
/// the more cautious grade (not met, then partially met, met, exceeds, not applicable).
pub fn agreement(self_grades: &[SelfGrade], moderations: &[Moderation]) -> Agreement {
    let self_grade: BTreeMap<i64, Grade> = self_grades
        .iter()
        .map(|own| (own.standard, own.grade))
        .collect();
    let mut by_standard: BTreeMap<i64, BTreeMap<i64, Grade>> = BTreeMap::new();
    for moderation in moderations {
        by_standard
            .entry(moderation.standard)
            .or_default()
            .insert(moderation.moderator, moderation.grade);
    }
    let moderators: BTreeSet<i64> = moderations.iter().map(|m| m.moderator).collect();

    let mut with_self_grade = Share::default();
    let mut moderators_agree = Share::default();
    for (standard, grades) in &by_standard {
        if let Some(own) = self_grade.get(standard) {
            with_self_grade.of += grades.len() as i64;
            with_self_grade.count += grades.values().filter(|grade| *grade == own).count() as i64;
        }
        if grades.len() >= 2 {
            moderators_agree.of += 1;
            let mut given = grades.values();
            let first = given.next();
            if given.all(|grade| Some(grade) == first) {
                moderators_agree.count += 1;
            }
        }
    }

    let moderator_list: Vec<i64> = moderators.iter().copied().collect();
    let cohen_kappa = match moderator_list.as_slice() {
        [first, second] => cohen(
            by_standard
                .values()
                .filter_map(|grades| Some((*grades.get(first)?, *grades.get(second)?))),
        ),
        _ => None,
    };
    let fleiss_kappa = fleiss(
        moderators.len(),
        by_standard
            .values()
            .filter(|grades| grades.len() == moderators.len())
            .map(|grades| grades.values().copied().collect::<Vec<Grade>>()),
    );
    let moderated = by_standard
        .iter()
        .map(|(standard, grades)| (*standard, majority(grades.values().copied())))
        .collect();

    Agreement {
        with_self_grade,
        moderators_agree,
        moderators: moderators.len(),
        cohen_kappa,
        fleiss_kappa,
        moderated,
    }
}

/// The grade's column in a count of grades given.
fn category(grade: Grade) -> usize {
    match grade {
        Grade::Exceeds => 0,
        Grade::Met => 1,
        Grade::PartiallyMet => 2,
        Grade::NotMet => 3,
        Grade::NotApplicable => 4,
    }
}

/// Cohen's kappa for two moderators' grades of the same standards (see `agreement`).
fn cohen(pairs: impl Iterator<Item = (Grade, Grade)>) -> Option<f64> {
    let (mut n, mut agree) = (0i64, 0i64);
    let (mut first, mut second) = ([0i64; 5], [0i64; 5]);
    for (a, b) in pairs {
        n += 1;
        agree += i64::from(a == b);
        first[category(a)] += 1;
        second[category(b)] += 1;
    }
    // In whole numbers: κ = (n·agreed − Σ a_k·b_k) / (n² − Σ a_k·b_k).
    let chance: i64 = first.iter().zip(&second).map(|(a, b)| a * b).sum();
    let undefined = n == 0 || chance == n * n;
    (!undefined).then(|| (n * agree - chance) as f64 / (n * n - chance) as f64)
}

/// Fleiss' kappa for `raters` moderators' grades of each standard all of them judged.
fn fleiss(raters: usize, standards: impl Iterator<Item = Vec<Grade>>) -> Option<f64> {
    if raters < 2 {
        return None;
    }
    let m = raters as f64;
    let (mut subjects, mut pairs_agreeing) = (0usize, 0.0);
    let mut totals = [0usize; 5];
    for grades in standards {
        let mut counts = [0usize; 5];
        for grade in grades {
            counts[category(grade)] += 1;
        }
        subjects += 1;
        let squares: usize = counts.iter().map(|count| count * count).sum();
        pairs_agreeing += (squares as f64 - m) / (m * (m - 1.0));
        for (total, count) in totals.iter_mut().zip(counts) {
            *total += count;
        }
    }
    let ratings = subjects * raters;
    let total_squares: usize = totals.iter().map(|total| total * total).sum();
    if subjects == 0 || total_squares == ratings * ratings {
        return None;
    }
    let observed = pairs_agreeing / subjects as f64;
    let chance = total_squares as f64 / (ratings * ratings) as f64;
    Some((observed - chance) / (1.0 - chance))
}

/// The grade most often given; a tie goes to the more cautious grade.
fn majority(grades: impl Iterator<Item = Grade>) -> Grade {
    let mut counts = [0usize; 5];
    for grade in grades {
        counts[category(grade)] += 1;
    }
    let mut best = MOST_CAUTIOUS_FIRST[0];
    for grade in MOST_CAUTIOUS_FIRST {
        if counts[category(grade)] > counts[category(best)] {
            best = grade;
        }
    }
    best
}

#[cfg(test)]
mod tests {
    use super::*;

    const A: i64 = 10;
    const B: i64 = 20;

    fn moderation(standard: i64, moderator: i64, grade: Grade) -> Moderation {
        Moderation {
            standard,
            moderator,
            grade,
        }
    }

    fn own(standard: i64, grade: Grade) -> SelfGrade {
        SelfGrade { standard, grade }
    }

    fn close(actual: Option<f64>, expected: f64) -> bool {
        actual.is_some_and(|actual| (actual - expected).abs() < 1e-12)
    }

    #[test]
    fn a_hand_worked_s11_return() {
        use Grade::*;
        let self_grades = [
            own(1, Met),
            own(2, Met),
            own(3, Exceeds),
            own(4, PartiallyMet),
        ];
        let moderations = [
            moderation(1, A, Met),
            moderation(2, A, PartiallyMet),
            moderation(3, A, Met),
            moderation(4, A, PartiallyMet),
            moderation(1, B, Met),
            moderation(2, B, PartiallyMet),
            moderation(3, B, Exceeds),
            moderation(4, B, NotMet),
            // Only A judged standard 5, and it has no self-grade: in the moderated grades only.
            moderation(5, A, NotApplicable),
        ];
        let result = agreement(&self_grades, &moderations);
        // With the self-grade: A on 1 and 4, B on 1 and 3.
        assert_eq!(result.with_self_grade, Share { count: 4, of: 8 });
        // With each other: on 1 and 2, not on 3 and 4.
        assert_eq!(result.moderators_agree, Share { count: 2, of: 4 });
        assert_eq!(result.moderators, 2);
        // Cohen: p_o = 2/4. A gave met 2, partially met 2; B met 1, partially met 1, exceeds
        // 1, not met 1; p_e = (2·1 + 2·1)/16 = 1/4; κ = (1/2 − 1/4)/(3/4) = 1/3.
        assert!(
            close(result.cohen_kappa, 1.0 / 3.0),
            "{:?}",
            result.cohen_kappa
        );
        // Fleiss: P_i = 1, 1, 0, 0 so P̄ = 1/2; grades given: met 3, partially met 3,
        // exceeds 1, not met 1 of 8, so P̄_e = 20/64; κ = (1/2 − 5/16)/(11/16) = 3/11.
        assert!(
            close(result.fleiss_kappa, 3.0 / 11.0),
            "{:?}",
            result.fleiss_kappa
        );
        // Ties go to the more cautious grade: met over exceeds, not met over partially met.
        let moderated: Vec<(i64, Grade)> = result.moderated.into_iter().collect();
        assert_eq!(
            moderated,
            vec![
                (1, Met),
                (2, PartiallyMet),
                (3, Met),
                (4, NotMet),
                (5, NotApplicable)
            ]
        );
    }

    #[test]
    fn cohens_textbook_example() {
        // Wikipedia, "Cohen's kappa": 50 applications, both say yes to 20, A yes and B no to
        // 5, A no and B yes to 10, both no to 15. By hand: p_o = 35/50 = 0.7; A says yes to
        // 25/50, B to 30/50, so p_e = 0.5·0.6 + 0.5·0.4 = 0.5; κ = (0.7 − 0.5)/(1 − 0.5) = 0.4.
        let cells = [
            (20, Grade::Met, Grade::Met),
            (5, Grade::Met, Grade::NotMet),
            (10, Grade::NotMet, Grade::Met),
            (15, Grade::NotMet, Grade::NotMet),
        ];
        let mut moderations = Vec::new();
        let mut standard = 0;
        for (count, by_a, by_b) in cells {
            for _ in 0..count {
                standard += 1;
                moderations.push(moderation(standard, A, by_a));
                moderations.push(moderation(standard, B, by_b));
            }
        }
        let result = agreement(&[], &moderations);
        assert!(close(result.cohen_kappa, 0.4), "{:?}", result.cohen_kappa);
        assert_eq!(result.moderators_agree, Share { count: 35, of: 50 });
        assert_eq!(result.with_self_grade, Share { count: 0, of: 0 });
    }

    #[test]
    fn fleiss_textbook_example() {
        // Wikipedia, "Fleiss' kappa": 10 subjects, 14 raters, 5 categories, κ = 0.210. By hand:
        // the column totals are 20, 28, 39, 21, 32 of 140, so P̄_e = 4170/19600; the rows give
        // Σ_j n_ij² − 14 = 182, 46, 56, 80, 60, 84, 44, 32, 52, 52, of 182 each, so
        // P̄ = 688/1820; κ = (688/1820 − 4170/19600)/(1 − 4170/19600) = 0.20993.
        let table = [
            [0, 0, 0, 0, 14],
            [0, 2, 6, 4, 2],
            [0, 0, 3, 5, 6],
            [0, 3, 9, 2, 0],
            [2, 2, 8, 1, 1],
            [7, 7, 0, 0, 0],
            [3, 2, 6, 3, 0],
            [2, 5, 3, 2, 2],
            [6, 5, 2, 1, 0],
            [0, 2, 2, 3, 7],
        ];
        let mut moderations = Vec::new();
        for (standard, row) in (1..).zip(table) {
            let mut moderator = 0;
            for (grade, count) in Grade::ALL.into_iter().zip(row) {
                for _ in 0..count {
                    moderator += 1;
                    moderations.push(moderation(standard, moderator, grade));
                }
            }
        }
        let result = agreement(&[], &moderations);
        assert_eq!(result.moderators, 14);
        let expected = (688.0 / 1820.0 - 4170.0 / 19600.0) / (1.0 - 4170.0 / 19600.0);
        assert!(
            close(result.fleiss_kappa, expected),
            "{:?}",
            result.fleiss_kappa
        );
        assert!((expected - 0.210).abs() < 5e-4);
        assert_eq!(result.cohen_kappa, None, "Cohen's kappa is for a pair only");
    }

    #[test]
    fn perfect_agreement_is_one() {
        let mut moderations = Vec::new();
        for (standard, grade) in (1..).zip(Grade::ALL) {
            for moderator in [A, B, 30] {
                moderations.push(moderation(standard, moderator, grade));
            }
        }
        let three = agreement(&[], &moderations);
        assert!(close(three.fleiss_kappa, 1.0));
        assert_eq!(three.cohen_kappa, None);
        assert_eq!(three.moderators_agree, Share { count: 5, of: 5 });

        moderations.retain(|m| m.moderator != 30);
        let pair = agreement(&[], &moderations);
        assert!(close(pair.cohen_kappa, 1.0));
        assert!(close(pair.fleiss_kappa, 1.0));
    }

    #[test]
    fn kappa_is_undefined_when_every_grade_is_the_same() {
        let moderations: Vec<Moderation> = (1..=11)
            .flat_map(|standard| {
                [
                    moderation(standard, A, Grade::Met),
                    moderation(standard, B, Grade::Met),
                ]
            })
            .collect();
        let result = agreement(&[own(1, Grade::Met)], &moderations);
        assert_eq!(result.cohen_kappa, None);
        assert_eq!(result.fleiss_kappa, None);
        assert_eq!(result.moderators_agree, Share { count: 11, of: 11 });
        assert_eq!(result.with_self_grade, Share { count: 2, of: 2 });
    }

    #[test]
    fn kappa_is_undefined_without_two_moderators_on_a_standard() {
        let alone = agreement(
            &[],
            &[
                moderation(1, A, Grade::Met),
                moderation(2, A, Grade::NotMet),
            ],
        );
        assert_eq!((alone.cohen_kappa, alone.fleiss_kappa), (None, None));
        assert_eq!(alone.moderators_agree, Share { count: 0, of: 0 });
        assert_eq!(alone.moderators_agree.percent(), None);

        // Two moderators, but never on the same standard.
        let apart = agreement(
            &[],
            &[
                moderation(1, A, Grade::Met),
                moderation(2, B, Grade::NotMet),
            ],
        );
        assert_eq!((apart.cohen_kappa, apart.fleiss_kappa), (None, None));

        let none = agreement(&[], &[]);
        assert_eq!((none.cohen_kappa, none.fleiss_kappa), (None, None));
        assert!(none.moderated.is_empty());
    }

    #[test]
    fn a_later_judgement_replaces_an_earlier_one() {
        let result = agreement(
            &[own(1, Grade::Met)],
            &[
                moderation(1, A, Grade::NotMet),
                moderation(1, A, Grade::Met),
                moderation(1, B, Grade::Met),
            ],
        );
        assert_eq!(result.with_self_grade, Share { count: 2, of: 2 });
        assert_eq!(result.moderators_agree, Share { count: 1, of: 1 });
    }

    #[test]
    fn a_majority_outweighs_caution() {
        let grades = [Grade::Exceeds, Grade::Exceeds, Grade::NotMet];
        assert_eq!(majority(grades.into_iter()), Grade::Exceeds);
        let tied = [Grade::NotApplicable, Grade::Exceeds];
        assert_eq!(majority(tied.into_iter()), Grade::Exceeds);
    }
}
