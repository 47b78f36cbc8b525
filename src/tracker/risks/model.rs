//! The risk register's rules: scores, rating bands, review dates and the forms. Pure: no SQL, no
//! HTTP.
//!
//! Scoring follows the 5 × 5 matrix most safeguarding partnerships and councils use: likelihood
//! (1 rare, 2 unlikely, 3 possible, 4 likely, 5 almost certain) times impact (1 negligible,
//! 2 minor, 3 moderate, 4 major, 5 critical), banded 1–4 low, 5–9 medium, 10–16 high and 20–25
//! very high. The inherent score is the risk before controls; the residual score, with the
//! controls in place, may not be higher than the inherent one.

use serde::{Deserialize, Serialize};
use time::Date;

use crate::kernel::filters::count_of;
use crate::kernel::ids::{OrganisationId, RiskId};
use crate::kernel::personal_data::likely_identifier;
use crate::kernel::text::{DateParts, FormErrors};

pub const LIKELIHOOD_LABELS: [&str; 5] =
    ["Rare", "Unlikely", "Possible", "Likely", "Almost certain"];
pub const IMPACT_LABELS: [&str; 5] = ["Negligible", "Minor", "Moderate", "Major", "Critical"];

crate::typed_id!(
    /// A control on a risk: never leaves this module.
    ControlId
);

crate::typed_id!(
    /// One scoring in a risk's history: never leaves this module.
    ScoreId
);

crate::stored_code!(RiskStatus, "risk status");
crate::stored_code!(Effectiveness, "effectiveness");

/// A review falls due within this many days: shown as "due soon".
pub const REVIEW_SOON_DAYS: i64 = 30;

/// One likelihood × impact pair, each 1 to 5.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Score {
    pub likelihood: u8,
    pub impact: u8,
}

impl Score {
    /// Only scores on the 5 × 5 grid exist.
    pub fn new(likelihood: u8, impact: u8) -> Option<Score> {
        ((1..=5).contains(&likelihood) && (1..=5).contains(&impact))
            .then_some(Score { likelihood, impact })
    }

    /// Likelihood × impact, 1 to 25.
    pub fn value(self) -> u8 {
        self.likelihood * self.impact
    }

    pub fn rating(self) -> Rating {
        Rating::of(self.value())
    }

    /// "4 × 5 = 20 (very high)".
    /// The sum without its rating, for beside the rating's tag: "4 × 4 = 16".
    pub fn product(self) -> String {
        format!("{} × {} = {}", self.likelihood, self.impact, self.value())
    }

    pub fn describe(self) -> String {
        format!(
            "{} × {} = {} ({})",
            self.likelihood,
            self.impact,
            self.value(),
            self.rating().label().to_lowercase()
        )
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub enum Rating {
    Low,
    Medium,
    High,
    VeryHigh,
}

impl Rating {
    pub const ALL: [Rating; 4] = [Rating::Low, Rating::Medium, Rating::High, Rating::VeryHigh];

    /// The band of a score: 1–4 low, 5–9 medium, 10–16 high, 20–25 very high.
    pub fn of(score: u8) -> Rating {
        match score {
            0..=4 => Rating::Low,
            5..=9 => Rating::Medium,
            10..=16 => Rating::High,
            _ => Rating::VeryHigh,
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Rating::Low => "Low",
            Rating::Medium => "Medium",
            Rating::High => "High",
            Rating::VeryHigh => "Very high",
        }
    }

    pub fn range(self) -> &'static str {
        match self {
            Rating::Low => "1 to 4",
            Rating::Medium => "5 to 9",
            Rating::High => "10 to 16",
            Rating::VeryHigh => "20 to 25",
        }
    }

    pub fn tag_class(self) -> &'static str {
        match self {
            Rating::Low => "govuk-tag--green",
            Rating::Medium => "govuk-tag--yellow",
            Rating::High => "govuk-tag--orange",
            Rating::VeryHigh => "govuk-tag--red",
        }
    }

    /// The heat map's shade for the band (the same colours as the tags).
    pub fn heat_tone(self) -> masa_charts::HeatTone {
        match self {
            Rating::Low => masa_charts::HeatTone::Low,
            Rating::Medium => masa_charts::HeatTone::Medium,
            Rating::High => masa_charts::HeatTone::High,
            Rating::VeryHigh => masa_charts::HeatTone::VeryHigh,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RiskStatus {
    Open,
    /// Accepted at its residual score; still reviewed.
    Tolerated,
    Closed,
}

impl RiskStatus {
    pub const ALL: [RiskStatus; 3] = [RiskStatus::Open, RiskStatus::Tolerated, RiskStatus::Closed];

    pub fn code(self) -> &'static str {
        match self {
            RiskStatus::Open => "open",
            RiskStatus::Tolerated => "tolerated",
            RiskStatus::Closed => "closed",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            RiskStatus::Open => "Open",
            RiskStatus::Tolerated => "Tolerated",
            RiskStatus::Closed => "Closed",
        }
    }

    pub fn from_code(code: &str) -> Option<RiskStatus> {
        RiskStatus::ALL
            .into_iter()
            .find(|status| status.code() == code)
    }

    pub fn tag_class(self) -> &'static str {
        match self {
            RiskStatus::Open => "govuk-tag--blue",
            RiskStatus::Tolerated => "govuk-tag--purple",
            RiskStatus::Closed => "govuk-tag--grey",
        }
    }

    /// Open and tolerated risks are live: reviewed, and counted on the heat map.
    pub fn is_live(self) -> bool {
        self != RiskStatus::Closed
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Effectiveness {
    Effective,
    PartlyEffective,
    NotEffective,
    NotAssessed,
}

impl Effectiveness {
    pub const ALL: [Effectiveness; 4] = [
        Effectiveness::Effective,
        Effectiveness::PartlyEffective,
        Effectiveness::NotEffective,
        Effectiveness::NotAssessed,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Effectiveness::Effective => "effective",
            Effectiveness::PartlyEffective => "partly_effective",
            Effectiveness::NotEffective => "not_effective",
            Effectiveness::NotAssessed => "not_assessed",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Effectiveness::Effective => "Effective",
            Effectiveness::PartlyEffective => "Partly effective",
            Effectiveness::NotEffective => "Not effective",
            Effectiveness::NotAssessed => "Not yet assessed",
        }
    }

    pub fn from_code(code: &str) -> Option<Effectiveness> {
        Effectiveness::ALL
            .into_iter()
            .find(|effectiveness| effectiveness.code() == code)
    }

    pub fn tag_class(self) -> &'static str {
        match self {
            Effectiveness::Effective => "govuk-tag--green",
            Effectiveness::PartlyEffective => "govuk-tag--yellow",
            Effectiveness::NotEffective => "govuk-tag--red",
            Effectiveness::NotAssessed => "govuk-tag--grey",
        }
    }

    pub fn choices() -> Vec<(&'static str, &'static str)> {
        Effectiveness::ALL
            .iter()
            .map(|effectiveness| (effectiveness.code(), effectiveness.label()))
            .collect()
    }
}

/// A risk as the register shows it.
#[derive(Debug, Clone, Serialize)]
pub struct Risk {
    pub id: RiskId,
    pub details: RiskDetails,
    pub owner_organisation: String,
    pub inherent: Score,
    pub residual: Score,
    pub status: RiskStatus,
    pub closed_on: Option<Date>,
    pub closure_rationale: String,
}

impl Risk {
    pub fn review(&self, today: Date) -> ReviewState {
        review_state(self.status, self.details.review_on, today)
    }

    /// "Closed on" or "Tolerated on": the key of the row giving when.
    pub fn closure_key(&self) -> String {
        format!("{} on", self.status.label())
    }

    /// "Risk R-03: No QA officer in post", how other modules name it.
    pub fn label(&self) -> String {
        format!("Risk {}: {}", self.details.reference, self.details.title)
    }
}

/// What a person types about a risk (the scores are set when it is recorded and re-scored after).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RiskDetails {
    pub reference: String,
    pub title: String,
    pub description: String,
    pub cause: String,
    pub effect: String,
    pub owner_organisation_id: OrganisationId,
    pub owner_role: String,
    pub theme: String,
    pub review_on: Date,
}

/// One scoring of a risk, kept for ever.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Rescore {
    pub scored_on: Date,
    pub inherent: Score,
    pub residual: Score,
    pub rationale: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct ScoreRecord {
    pub id: ScoreId,
    pub scored_by: String,
    pub rescore: Rescore,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ControlDetails {
    pub description: String,
    pub owner: String,
    pub effectiveness: Effectiveness,
}

#[derive(Debug, Clone, Serialize)]
pub struct Control {
    pub id: ControlId,
    pub risk_id: RiskId,
    pub details: ControlDetails,
    pub retired_at: Option<String>,
}

/// Closing (or tolerating) a risk, with the reason.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Closure {
    pub status: RiskStatus,
    pub closed_on: Date,
    pub rationale: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReviewState {
    /// Closed risks are not reviewed.
    NotReviewed,
    Overdue {
        days: i64,
    },
    DueSoon {
        days: i64,
    },
    Later,
}

/// A live risk whose review date has passed is overdue; within 30 days it is due soon.
pub fn review_state(status: RiskStatus, review_on: Date, today: Date) -> ReviewState {
    if !status.is_live() {
        return ReviewState::NotReviewed;
    }
    let days = (review_on - today).whole_days();
    if days < 0 {
        ReviewState::Overdue { days: -days }
    } else if days <= REVIEW_SOON_DAYS {
        ReviewState::DueSoon { days }
    } else {
        ReviewState::Later
    }
}

impl ReviewState {
    pub fn is_overdue(self) -> bool {
        matches!(self, ReviewState::Overdue { .. })
    }

    pub fn tag(self) -> Option<(&'static str, String)> {
        match self {
            ReviewState::Overdue { days } => Some((
                "govuk-tag--red",
                format!("Review overdue by {}", count_of(days, "day", "days")),
            )),
            ReviewState::DueSoon { days: 0 } => {
                Some(("govuk-tag--yellow", "Review due today".into()))
            }
            ReviewState::DueSoon { days } => Some((
                "govuk-tag--yellow",
                format!("Review due in {}", count_of(days, "day", "days")),
            )),
            ReviewState::Later | ReviewState::NotReviewed => None,
        }
    }
}

/// Which score the heat map counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Basis {
    Inherent,
    Residual,
}

impl Basis {
    pub fn from_query(text: &str) -> Basis {
        if text == "inherent" {
            Basis::Inherent
        } else {
            Basis::Residual
        }
    }

    pub fn code(self) -> &'static str {
        match self {
            Basis::Inherent => "inherent",
            Basis::Residual => "residual",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Basis::Inherent => "Inherent",
            Basis::Residual => "Residual",
        }
    }

    pub fn of(self, risk: &Risk) -> Score {
        match self {
            Basis::Inherent => risk.inherent,
            Basis::Residual => risk.residual,
        }
    }
}

/// How many live risks sit in each cell: `counts[likelihood - 1][impact - 1]`. Closed risks are
/// not counted.
pub fn heat_map_counts(risks: &[Risk], basis: Basis) -> [[u32; 5]; 5] {
    let mut counts = [[0; 5]; 5];
    for risk in risks.iter().filter(|risk| risk.status.is_live()) {
        let score = basis.of(risk);
        counts[usize::from(score.likelihood - 1)][usize::from(score.impact - 1)] += 1;
    }
    counts
}

/// The register's order: overdue reviews first, then highest residual score, then reference.
pub fn register_order(risks: &mut [Risk], today: Date) {
    risks.sort_by(|a, b| {
        b.review(today)
            .is_overdue()
            .cmp(&a.review(today).is_overdue())
            .then(b.residual.value().cmp(&a.residual.value()))
            .then(b.inherent.value().cmp(&a.inherent.value()))
            .then(a.details.reference.cmp(&b.details.reference))
    });
}

// ------------------------------------------------------------------------------------- forms

/// A likelihood or impact as typed: a whole number from 1 to 5.
pub fn parse_level(errors: &mut FormErrors, field: &str, label: &str, text: &str) -> Option<u8> {
    let text = text.trim();
    if text.is_empty() {
        errors.add(
            field,
            format!("Enter the {}, from 1 to 5", label.to_lowercase()),
        );
        return None;
    }
    match text.parse::<u8>() {
        Ok(level) if (1..=5).contains(&level) => Some(level),
        Ok(_) => {
            errors.add(field, format!("{label} must be from 1 to 5"));
            None
        }
        Err(_) => {
            errors.add(field, format!("{label} must be a whole number from 1 to 5"));
            None
        }
    }
}

/// Free text that must not identify anyone.
fn check_personal_data(errors: &mut FormErrors, field: &str, label: &str, text: &str) {
    if let Some(found) = likely_identifier(text) {
        errors.add(
            field,
            format!(
                "{label} seems to contain {found}. Remove it: use role titles and pseudonyms only"
            ),
        );
    }
}

/// The four score boxes of a form, as typed.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(default)]
pub struct ScoreInputs {
    pub inherent_likelihood: String,
    pub inherent_impact: String,
    pub residual_likelihood: String,
    pub residual_impact: String,
}

impl ScoreInputs {
    pub fn from_scores(inherent: Score, residual: Score) -> ScoreInputs {
        ScoreInputs {
            inherent_likelihood: inherent.likelihood.to_string(),
            inherent_impact: inherent.impact.to_string(),
            residual_likelihood: residual.likelihood.to_string(),
            residual_impact: residual.impact.to_string(),
        }
    }

    /// Both scores, with the residual no higher than the inherent.
    pub fn validate(&self, errors: &mut FormErrors) -> Option<(Score, Score)> {
        let inherent_likelihood = parse_level(
            errors,
            "inherent_likelihood",
            "Inherent likelihood",
            &self.inherent_likelihood,
        );
        let inherent_impact = parse_level(
            errors,
            "inherent_impact",
            "Inherent impact",
            &self.inherent_impact,
        );
        let residual_likelihood = parse_level(
            errors,
            "residual_likelihood",
            "Residual likelihood",
            &self.residual_likelihood,
        );
        let residual_impact = parse_level(
            errors,
            "residual_impact",
            "Residual impact",
            &self.residual_impact,
        );
        let inherent = Score::new(inherent_likelihood?, inherent_impact?)?;
        let residual = Score::new(residual_likelihood?, residual_impact?)?;
        if let Err(message) = check_residual(inherent, residual) {
            errors.add("residual_likelihood", message);
            return None;
        }
        Some((inherent, residual))
    }
}

/// Controls can only lower a risk: the residual score may not exceed the inherent score.
pub fn check_residual(inherent: Score, residual: Score) -> Result<(), String> {
    if residual.value() > inherent.value() {
        Err(format!(
            "The residual score ({}) cannot be higher than the inherent score ({}): controls only lower a risk",
            residual.value(),
            inherent.value()
        ))
    } else {
        Ok(())
    }
}

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(default)]
pub struct RiskForm {
    pub reference: String,
    pub title: String,
    pub description: String,
    pub cause: String,
    pub effect: String,
    pub owner_organisation_id: String,
    pub owner_role: String,
    pub theme: String,
    pub review_on_day: String,
    pub review_on_month: String,
    pub review_on_year: String,
    #[serde(flatten)]
    pub scores: ScoreInputs,
    /// Why the first scores are what they are (new risks only).
    pub rationale: String,
}

impl RiskForm {
    pub fn from_risk(risk: &Risk) -> RiskForm {
        let details = &risk.details;
        let review = DateParts::from_date(Some(details.review_on));
        RiskForm {
            reference: details.reference.clone(),
            title: details.title.clone(),
            description: details.description.clone(),
            cause: details.cause.clone(),
            effect: details.effect.clone(),
            owner_organisation_id: details.owner_organisation_id.to_string(),
            owner_role: details.owner_role.clone(),
            theme: details.theme.clone(),
            review_on_day: review.day,
            review_on_month: review.month,
            review_on_year: review.year,
            scores: ScoreInputs::from_scores(risk.inherent, risk.residual),
            rationale: String::new(),
        }
    }

    pub fn review_on(&self) -> DateParts {
        DateParts {
            day: self.review_on_day.clone(),
            month: self.review_on_month.clone(),
            year: self.review_on_year.clone(),
        }
    }

    /// The details; `organisations` are the owners to choose from.
    pub fn validate_details(
        &self,
        errors: &mut FormErrors,
        organisations: &[(OrganisationId, String)],
    ) -> Option<RiskDetails> {
        let reference = errors.required_text("reference", "Reference", &self.reference, 20);
        if !reference.is_empty()
            && !reference
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '/')
        {
            errors.add(
                "reference",
                "Reference must use only letters, numbers, hyphens and slashes, like R-03",
            );
        }
        let title = errors.required_text("title", "Title", &self.title, 150);
        let description =
            errors.required_text("description", "Description", &self.description, 4000);
        let cause = errors.required_text("cause", "Cause", &self.cause, 2000);
        let effect = errors.required_text("effect", "Effect", &self.effect, 2000);
        let owner_organisation_id = self
            .owner_organisation_id
            .trim()
            .parse::<OrganisationId>()
            .ok()
            .filter(|id| organisations.iter().any(|(known, _)| known == id));
        if owner_organisation_id.is_none() {
            errors.add(
                "owner_organisation_id",
                "Select the organisation that owns the risk",
            );
        }
        let owner_role =
            errors.required_text("owner_role", "Owner's role title", &self.owner_role, 150);
        let theme = errors.optional_text("theme", "Priority or theme", &self.theme, 150);
        for (field, label, text) in [
            ("title", "Title", &title),
            ("description", "Description", &description),
            ("cause", "Cause", &cause),
            ("effect", "Effect", &effect),
            ("owner_role", "Owner's role title", &owner_role),
            ("theme", "Priority or theme", &theme),
        ] {
            check_personal_data(errors, field, label, text);
        }
        let review_on = errors.date("review_on", "Review date", &self.review_on(), true);
        if !errors.is_empty() {
            return None;
        }
        Some(RiskDetails {
            reference: reference.to_uppercase(),
            title,
            description,
            cause,
            effect,
            owner_organisation_id: owner_organisation_id?,
            owner_role,
            theme,
            review_on: review_on?,
        })
    }

    /// A new risk: its details and its first scores.
    pub fn validate_new(
        &self,
        errors: &mut FormErrors,
        organisations: &[(OrganisationId, String)],
        today: Date,
    ) -> Option<(RiskDetails, Rescore)> {
        let details = self.validate_details(errors, organisations);
        let scores = self.scores.validate(errors);
        let rationale = check_rationale(errors, &self.rationale, "Why these scores");
        let (inherent, residual) = scores?;
        if !errors.is_empty() {
            return None;
        }
        Some((
            details?,
            Rescore {
                scored_on: today,
                inherent,
                residual,
                rationale,
            },
        ))
    }
}

fn check_rationale(errors: &mut FormErrors, text: &str, label: &str) -> String {
    let rationale = errors.required_text("rationale", label, text, 2000);
    check_personal_data(errors, "rationale", label, &rationale);
    rationale
}

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(default)]
pub struct RescoreForm {
    #[serde(flatten)]
    pub scores: ScoreInputs,
    pub rationale: String,
}

impl RescoreForm {
    pub fn validate(&self, errors: &mut FormErrors, today: Date) -> Option<Rescore> {
        let scores = self.scores.validate(errors);
        let rationale = check_rationale(errors, &self.rationale, "Rationale");
        let (inherent, residual) = scores?;
        errors.is_empty().then_some(Rescore {
            scored_on: today,
            inherent,
            residual,
            rationale,
        })
    }
}

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(default)]
pub struct ControlForm {
    pub description: String,
    pub owner: String,
    pub effectiveness: String,
}

impl ControlForm {
    pub fn validate(&self, errors: &mut FormErrors) -> Option<ControlDetails> {
        let description = errors.required_text("description", "Control", &self.description, 1000);
        check_personal_data(errors, "description", "Control", &description);
        let owner = errors.required_text("owner", "Control owner's role title", &self.owner, 150);
        check_personal_data(errors, "owner", "Control owner's role title", &owner);
        let effectiveness = Effectiveness::from_code(&self.effectiveness);
        if effectiveness.is_none() {
            errors.add("effectiveness", "Select how effective the control is");
        }
        errors.is_empty().then_some(ControlDetails {
            description,
            owner,
            effectiveness: effectiveness?,
        })
    }
}

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(default)]
pub struct CloseForm {
    pub status: String,
    pub rationale: String,
}

impl CloseForm {
    /// Closing or tolerating needs a reason; a closed risk cannot be closed again.
    pub fn validate(
        &self,
        errors: &mut FormErrors,
        current: RiskStatus,
        today: Date,
    ) -> Option<Closure> {
        let status = match RiskStatus::from_code(&self.status) {
            Some(status @ (RiskStatus::Closed | RiskStatus::Tolerated)) => Some(status),
            _ => {
                errors.add("status", "Select whether to close or tolerate the risk");
                None
            }
        };
        if status == Some(current) {
            errors.add(
                "status",
                format!("The risk is already {}", current.label().to_lowercase()),
            );
        }
        if current == RiskStatus::Closed {
            errors.add(
                "status",
                "A closed risk cannot be closed or tolerated again",
            );
        }
        let rationale = check_rationale(errors, &self.rationale, "Rationale");
        errors.is_empty().then_some(Closure {
            status: status?,
            closed_on: today,
            rationale,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    #[test]
    fn a_score_is_likelihood_times_impact_on_the_five_by_five_grid() {
        assert_eq!(Score::new(4, 5).map(Score::value), Some(20));
        assert_eq!(Score::new(1, 1).map(Score::value), Some(1));
        assert_eq!(Score::new(0, 3), None);
        assert_eq!(Score::new(3, 6), None);
        assert_eq!(
            Score::new(4, 5).unwrap().describe(),
            "4 × 5 = 20 (very high)"
        );
    }

    #[test]
    fn bands_follow_the_common_five_by_five_convention() {
        // Every product that can occur on the grid, banded by hand.
        let expected = [
            (1, Rating::Low),
            (2, Rating::Low),
            (3, Rating::Low),
            (4, Rating::Low),
            (5, Rating::Medium),
            (6, Rating::Medium),
            (8, Rating::Medium),
            (9, Rating::Medium),
            (10, Rating::High),
            (12, Rating::High),
            (15, Rating::High),
            (16, Rating::High),
            (20, Rating::VeryHigh),
            (25, Rating::VeryHigh),
        ];
        for (score, rating) in expected {
            assert_eq!(Rating::of(score), rating, "score {score}");
        }
        // A higher score is never in a lower band.
        for a in 1..=5u8 {
            for b in 1..=5u8 {
                for c in 1..=5u8 {
                    for d in 1..=5u8 {
                        if a * b <= c * d {
                            assert!(Rating::of(a * b) <= Rating::of(c * d));
                        }
                    }
                }
            }
        }
    }

    #[test]
    fn residual_may_not_exceed_inherent() {
        let inherent = Score::new(4, 4).unwrap();
        assert!(check_residual(inherent, Score::new(2, 4).unwrap()).is_ok());
        assert!(check_residual(inherent, inherent).is_ok());
        // 5 × 3 = 15 is below 16 even though the likelihood is higher.
        assert!(check_residual(inherent, Score::new(5, 3).unwrap()).is_ok());
        let refused = check_residual(inherent, Score::new(5, 4).unwrap()).unwrap_err();
        assert!(refused.contains("(20) cannot be higher than the inherent score (16)"));
    }

    #[test]
    fn reviews_fall_overdue_the_day_after_their_date() {
        let today = date!(2026 - 11 - 23);
        let open = RiskStatus::Open;
        assert_eq!(
            review_state(open, date!(2026 - 11 - 22), today),
            ReviewState::Overdue { days: 1 }
        );
        assert_eq!(
            review_state(open, date!(2026 - 11 - 23), today),
            ReviewState::DueSoon { days: 0 }
        );
        assert_eq!(
            review_state(open, date!(2026 - 12 - 23), today),
            ReviewState::DueSoon { days: 30 }
        );
        assert_eq!(
            review_state(open, date!(2026 - 12 - 24), today),
            ReviewState::Later
        );
        assert_eq!(
            review_state(RiskStatus::Tolerated, date!(2026 - 01 - 01), today),
            ReviewState::Overdue { days: 326 }
        );
        assert_eq!(
            review_state(RiskStatus::Closed, date!(2026 - 01 - 01), today),
            ReviewState::NotReviewed
        );
        assert_eq!(
            ReviewState::Overdue { days: 1 }.tag().unwrap().1,
            "Review overdue by 1 day"
        );
    }

    #[test]
    fn levels_are_named_by_field_when_refused() {
        let mut errors = FormErrors::default();
        assert_eq!(
            parse_level(&mut errors, "a", "Inherent likelihood", " 3 "),
            Some(3)
        );
        assert_eq!(
            parse_level(&mut errors, "b", "Inherent likelihood", "0"),
            None
        );
        assert_eq!(parse_level(&mut errors, "c", "Residual impact", "6"), None);
        assert_eq!(
            parse_level(&mut errors, "d", "Residual impact", "abc"),
            None
        );
        assert_eq!(parse_level(&mut errors, "e", "Residual impact", ""), None);
        assert_eq!(errors.get("a"), None);
        assert_eq!(
            errors.get("b"),
            Some("Inherent likelihood must be from 1 to 5")
        );
        assert_eq!(errors.get("c"), Some("Residual impact must be from 1 to 5"));
        assert_eq!(
            errors.get("d"),
            Some("Residual impact must be a whole number from 1 to 5")
        );
        assert_eq!(
            errors.get("e"),
            Some("Enter the residual impact, from 1 to 5")
        );
    }

    fn risk(
        reference: &str,
        inherent: (u8, u8),
        residual: (u8, u8),
        status: RiskStatus,
        review_on: Date,
    ) -> Risk {
        Risk {
            id: RiskId::new(0),
            details: RiskDetails {
                reference: reference.into(),
                title: "A risk".into(),
                description: String::new(),
                cause: String::new(),
                effect: String::new(),
                owner_organisation_id: OrganisationId::new(1),
                owner_role: "Business Manager".into(),
                theme: String::new(),
                review_on,
            },
            owner_organisation: "Halton Borough Council".into(),
            inherent: Score::new(inherent.0, inherent.1).unwrap(),
            residual: Score::new(residual.0, residual.1).unwrap(),
            status,
            closed_on: None,
            closure_rationale: String::new(),
        }
    }

    #[test]
    fn the_heat_map_counts_live_risks_in_their_cells() {
        let later = date!(2027 - 06 - 01);
        let risks = [
            risk("R-01", (4, 5), (3, 4), RiskStatus::Open, later),
            risk("R-02", (4, 5), (3, 4), RiskStatus::Tolerated, later),
            risk("R-03", (5, 5), (2, 2), RiskStatus::Open, later),
            risk("R-04", (5, 5), (1, 1), RiskStatus::Closed, later),
        ];
        let residual = heat_map_counts(&risks, Basis::Residual);
        assert_eq!(residual[2][3], 2, "likelihood 3, impact 4");
        assert_eq!(residual[1][1], 1);
        assert_eq!(residual[0][0], 0, "closed risks are not counted");
        assert_eq!(residual.iter().flatten().sum::<u32>(), 3);
        let inherent = heat_map_counts(&risks, Basis::Inherent);
        assert_eq!(inherent[3][4], 2);
        assert_eq!(inherent[4][4], 1);
    }

    #[test]
    fn the_register_puts_overdue_reviews_first_then_highest_residual() {
        let today = date!(2026 - 11 - 23);
        let mut risks = vec![
            risk(
                "R-01",
                (4, 5),
                (4, 4),
                RiskStatus::Open,
                date!(2027 - 01 - 01),
            ),
            risk(
                "R-02",
                (3, 3),
                (2, 2),
                RiskStatus::Open,
                date!(2026 - 11 - 01),
            ),
            risk(
                "R-03",
                (5, 5),
                (5, 4),
                RiskStatus::Open,
                date!(2027 - 01 - 01),
            ),
            risk(
                "R-04",
                (2, 2),
                (1, 2),
                RiskStatus::Closed,
                date!(2026 - 01 - 01),
            ),
        ];
        register_order(&mut risks, today);
        let order: Vec<&str> = risks.iter().map(|r| r.details.reference.as_str()).collect();
        assert_eq!(order, ["R-02", "R-03", "R-01", "R-04"]);
    }

    #[test]
    fn a_new_risk_needs_valid_scores_and_clean_text() {
        let organisations = vec![(OrganisationId::new(7), "Halton Borough Council".to_owned())];
        let form = RiskForm {
            reference: "r-09".into(),
            title: "Threshold application inconsistent".into(),
            description: "Agencies apply the levels of need differently.".into(),
            cause: "Training gaps".into(),
            effect: "Inconsistent response to risk".into(),
            owner_organisation_id: "7".into(),
            owner_role: "Head of Service, Children's Social Care".into(),
            theme: String::new(),
            review_on_day: "1".into(),
            review_on_month: "3".into(),
            review_on_year: "2027".into(),
            scores: ScoreInputs {
                inherent_likelihood: "4".into(),
                inherent_impact: "4".into(),
                residual_likelihood: "3".into(),
                residual_impact: "4".into(),
            },
            rationale: "Scrutiny found inconsistent application.".into(),
        };
        let mut errors = FormErrors::default();
        let (details, rescore) = form
            .validate_new(&mut errors, &organisations, date!(2026 - 11 - 23))
            .expect("valid");
        assert_eq!(details.reference, "R-09");
        assert_eq!(rescore.residual.value(), 12);

        let bad = RiskForm {
            owner_organisation_id: "8".into(),
            effect: "Seen at WA8 7QA".into(),
            scores: ScoreInputs {
                inherent_likelihood: "2".into(),
                inherent_impact: "2".into(),
                residual_likelihood: "5".into(),
                residual_impact: "5".into(),
            },
            ..form
        };
        let mut errors = FormErrors::default();
        assert!(
            bad.validate_new(&mut errors, &organisations, date!(2026 - 11 - 23))
                .is_none()
        );
        assert!(errors.get("owner_organisation_id").is_some());
        assert!(errors.get("effect").unwrap().contains("a full postcode"));
        assert!(
            errors
                .get("residual_likelihood")
                .unwrap()
                .contains("cannot be higher")
        );
    }

    #[test]
    fn closing_needs_a_reason_and_a_live_risk() {
        let today = date!(2026 - 11 - 23);
        let mut errors = FormErrors::default();
        let form = CloseForm {
            status: "closed".into(),
            rationale: "A QA officer is now in post.".into(),
        };
        assert_eq!(
            form.validate(&mut errors, RiskStatus::Open, today)
                .map(|c| c.status),
            Some(RiskStatus::Closed)
        );
        let mut errors = FormErrors::default();
        assert!(
            form.validate(&mut errors, RiskStatus::Closed, today)
                .is_none()
        );
        let mut errors = FormErrors::default();
        let no_reason = CloseForm {
            status: "tolerated".into(),
            rationale: " ".into(),
        };
        assert!(
            no_reason
                .validate(&mut errors, RiskStatus::Open, today)
                .is_none()
        );
        assert_eq!(errors.get("rationale"), Some("Enter rationale"));
        let mut errors = FormErrors::default();
        let reopen = CloseForm {
            status: "open".into(),
            rationale: "x".into(),
        };
        assert!(
            reopen
                .validate(&mut errors, RiskStatus::Open, today)
                .is_none()
        );
    }
}
