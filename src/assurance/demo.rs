//! The demo partnership's assurance records: the shipped s11 and s175 frameworks, the audit
//! setting of its 67 schools and colleges, the s175 rounds of 2021, 2023 and 2025 and the s11
//! round of 2024, with returns whose answers reproduce the seed report's §9.1 figures: 96%
//! complete and 4% partly complete (against 97% in 2023 and 93% in 2021); 92.5% of answers met or
//! exceeded, 5.4% partially met, 2.1% not met; 89.06% of schools completed every action from the
//! previous audit. The answers are `demo_data/*.csv` (worked out and checked by hand: every figure
//! with its numerator and denominator).

use std::collections::HashMap;

use time::Date;
use time::macros::date;

use super::grades::Grade;
use super::model::{FrameworkId, FrameworkVersionId, QuestionId, Setting, shipped_frameworks};
use super::store::{self, AnswerValue, AuditSetting, NewRound};
use crate::kernel::Change;
use crate::kernel::ids::OrganisationId;
use crate::partnership::model::{Organisation, OrganisationKind};

#[derive(Debug, thiserror::Error)]
pub enum DemoError {
    #[error(transparent)]
    Database(#[from] sqlx::Error),
    #[error("assurance demo data: {0}")]
    Data(String),
}

fn data(message: impl Into<String>) -> DemoError {
    DemoError::Data(message.into())
}

const SCHOOLS: &str = include_str!("demo_data/schools.csv");
const STATUSES: &str = include_str!("demo_data/s175-rounds-status.csv");
const S175_ANSWERS: [(i32, &str); 3] = [
    (2021, include_str!("demo_data/s175-2021-answers.csv")),
    (2023, include_str!("demo_data/s175-2023-answers.csv")),
    (2025, include_str!("demo_data/s175-2025-answers.csv")),
];
const S11_ANSWERS: &str = include_str!("demo_data/s11-2024-answers.csv");

/// Rows of a demo CSV, each as its fields by header.
fn rows(text: &str) -> Result<Vec<HashMap<String, String>>, DemoError> {
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    let headers = reader
        .headers()
        .map_err(|error| data(error.to_string()))?
        .clone();
    reader
        .records()
        .map(|record| {
            let record = record.map_err(|error| data(error.to_string()))?;
            Ok(headers
                .iter()
                .zip(record.iter())
                .map(|(header, value)| (header.to_owned(), value.to_owned()))
                .collect())
        })
        .collect()
}

fn field<'a>(row: &'a HashMap<String, String>, name: &str) -> Result<&'a str, DemoError> {
    row.get(name)
        .map(String::as_str)
        .ok_or_else(|| data(format!("a row without {name}")))
}

fn number(row: &HashMap<String, String>, name: &str) -> Result<i64, DemoError> {
    field(row, name)?
        .parse()
        .map_err(|_| data(format!("{name} is not a number")))
}

/// The setting a demo school is audited as, from its sector.
fn setting_of(organisation: &Organisation) -> Setting {
    let sector = organisation.sector.to_lowercase();
    if sector.contains("early years") {
        Setting::Nursery
    } else if sector.contains("further education") {
        Setting::College
    } else if sector.contains("special") {
        Setting::Special
    } else if sector.contains("alternative") {
        Setting::AlternativeProvision
    } else if sector.contains("primary") {
        Setting::Primary
    } else {
        Setting::Secondary
    }
}

/// Each round's opening and due dates, and the day its returns were sent.
fn s175_dates(year: i32) -> Result<(Date, Date), DemoError> {
    match year {
        2021 => Ok((date!(2021 - 01 - 11), date!(2021 - 03 - 12))),
        2023 => Ok((date!(2023 - 01 - 09), date!(2023 - 03 - 10))),
        2025 => Ok((date!(2025 - 01 - 13), date!(2025 - 03 - 14))),
        _ => Err(data(format!("no s175 round in {year}"))),
    }
}

/// The graded (self-grade) question of each standard, by standard number.
pub(super) async fn graded_questions(
    change: &mut Change,
    version: FrameworkVersionId,
) -> Result<HashMap<i64, QuestionId>, DemoError> {
    let framework = store::framework_version(&mut *change, version)
        .await?
        .ok_or_else(|| data("a framework version just added"))?;
    Ok(framework
        .standards
        .iter()
        .filter_map(|standard| {
            standard
                .questions
                .iter()
                .find(|q| q.kind == super::model::QuestionKind::Grade)
                .map(|q| (standard.number, q.id))
        })
        .collect())
}

/// Adds the shipped frameworks, the schools' settings and the demo rounds.
pub async fn load(change: &mut Change) -> Result<(), DemoError> {
    let frameworks = shipped_frameworks().map_err(|problems| data(problems.join("; ")))?;
    let mut added = HashMap::new();
    for definition in &frameworks {
        let ids = store::add_framework(change, definition, "Demo loader").await?;
        added.insert(definition.code.clone(), ids);
    }
    let organisations = crate::partnership::store::list_organisations(
        &mut *change,
        &crate::partnership::store::OrganisationFilter::default(),
    )
    .await?;
    let schools = school_population(change, &organisations).await?;
    let (s175, s175_version) = *added.get("s175").ok_or_else(|| data("no s175 framework"))?;
    s175_rounds(change, s175, s175_version, &schools).await?;
    let (s11, s11_version) = *added.get("s11").ok_or_else(|| data("no s11 framework"))?;
    s11_round(change, s11, s11_version, &organisations).await?;
    super::plan::demo::load(change).await?;
    super::case_audits::demo::load(change, &organisations)
        .await
        .map_err(|error| data(error.to_string()))?;
    Ok(())
}

/// The demo's schools, one per row of `schools.csv` (the new provision is the school that
/// joined in September 2024), each with its audit setting recorded.
async fn school_population(
    change: &mut Change,
    organisations: &[Organisation],
) -> Result<HashMap<i64, OrganisationId>, DemoError> {
    let mut schools: Vec<&Organisation> = organisations
        .iter()
        .filter(|o| o.kind == OrganisationKind::School)
        .collect();
    // The school that joined last is the new provision; the rest in name order.
    schools.sort_by_key(|o| (std::cmp::Reverse(o.active_from), o.name.clone()));
    let mut rows = rows(SCHOOLS)?;
    rows.sort_by_key(|row| {
        (
            field(row, "new_provision").ok() != Some("true"),
            number(row, "index").ok(),
        )
    });
    if rows.len() != schools.len() {
        return Err(data(format!(
            "{} schools in the partnership's demo, {} in schools.csv",
            schools.len(),
            rows.len()
        )));
    }
    let mut by_index = HashMap::new();
    for (row, school) in rows.iter().zip(schools) {
        let last_inspected = match field(row, "last_inspected")? {
            "" => None,
            text => Some(
                Date::parse(
                    text,
                    time::macros::format_description!("[year]-[month]-[day]"),
                )
                .map_err(|_| data(format!("last_inspected {text:?}")))?,
            ),
        };
        store::set_setting(
            change,
            &AuditSetting {
                organisation_id: school.id,
                setting: setting_of(school),
                inspection_grade: field(row, "ofsted_grade")?.parse().ok(),
                last_inspected_on: last_inspected,
                new_provision: field(row, "new_provision")? == "true",
            },
        )
        .await?;
        by_index.insert(number(row, "index")?, school.id);
    }
    Ok(by_index)
}

async fn s175_rounds(
    change: &mut Change,
    framework: FrameworkId,
    version: FrameworkVersionId,
    schools: &HashMap<i64, OrganisationId>,
) -> Result<(), DemoError> {
    let graded = graded_questions(change, version).await?;
    let statuses = rows(STATUSES)?;
    let mut population: Vec<OrganisationId> = schools.values().copied().collect();
    population.sort();
    for (year, answers) in S175_ANSWERS {
        let (opens_on, due_on) = s175_dates(year)?;
        let round = store::open_round(
            change,
            &NewRound {
                framework_id: framework,
                version_id: version,
                title: format!("s175 audit {year}"),
                opens_on,
                due_on,
                target_percent: 95,
                organisations: population.clone(),
            },
            "Demo loader",
        )
        .await?;
        let returns: HashMap<OrganisationId, store::AuditReturn> =
            store::returns_of_round(&mut *change, round)
                .await?
                .into_iter()
                .map(|r| (r.organisation_id, r))
                .collect();
        let mut answers_by_school: HashMap<i64, Vec<(QuestionId, AnswerValue)>> = HashMap::new();
        for row in rows(answers)? {
            let grade = field(&row, "grade")?;
            if grade.is_empty() {
                continue;
            }
            let grade = Grade::from_code(grade).ok_or_else(|| data(format!("grade {grade:?}")))?;
            let question = *graded
                .get(&number(&row, "area")?)
                .ok_or_else(|| data("an area the framework lacks"))?;
            answers_by_school
                .entry(number(&row, "school")?)
                .or_default()
                .push((question, AnswerValue::Grade(grade)));
        }
        for status in statuses
            .iter()
            .filter(|row| field(row, "year").ok() == Some(year.to_string().as_str()))
        {
            let index = number(status, "school")?;
            let organisation = schools
                .get(&index)
                .ok_or_else(|| data(format!("school {index}")))?;
            let audit_return = returns
                .get(organisation)
                .ok_or_else(|| data("a return per school"))?;
            if field(status, "status")? == "not_started" {
                continue;
            }
            let answers = answers_by_school.remove(&index).unwrap_or_default();
            store::save_answers(
                change,
                audit_return,
                &answers,
                "Designated safeguarding lead",
            )
            .await?;
            if field(status, "had_previous_actions")? == "true" {
                let done = field(status, "all_previous_actions_done")? == "true";
                store::record_previous_actions(change, audit_return, 2, if done { 2 } else { 1 })
                    .await?;
            }
            store::submit_return(change, audit_return, "Designated safeguarding lead").await?;
            let sent = due_on - time::Duration::days(7 + index % 20);
            store::backdate_submission_for_demo(change, audit_return.id, sent).await?;
        }
    }
    Ok(())
}

/// The s11 round of 2024 for the statutory partners and relevant agencies, each answering every
/// standard's self-grade as `s11-2024-answers.csv` does (its agencies in order onto the demo's).
async fn s11_round(
    change: &mut Change,
    framework: FrameworkId,
    version: FrameworkVersionId,
    organisations: &[Organisation],
) -> Result<(), DemoError> {
    let graded = graded_questions(change, version).await?;
    let mut agencies: Vec<&Organisation> = organisations
        .iter()
        .filter(|o| {
            matches!(
                o.kind,
                OrganisationKind::StatutoryPartner | OrganisationKind::RelevantAgency
            ) && o.archived_at.is_none()
        })
        .collect();
    agencies.sort_by_key(|o| (o.kind != OrganisationKind::StatutoryPartner, o.name.clone()));
    let due_on = date!(2024 - 09 - 27);
    let round = store::open_round(
        change,
        &NewRound {
            framework_id: framework,
            version_id: version,
            title: "s11 audit 2024".to_owned(),
            opens_on: date!(2024 - 06 - 03),
            due_on,
            target_percent: 100,
            organisations: agencies.iter().map(|o| o.id).collect(),
        },
        "Demo loader",
    )
    .await?;
    let returns = store::returns_of_round(&mut *change, round).await?;
    let mut answers: HashMap<i64, Vec<(QuestionId, AnswerValue)>> = HashMap::new();
    for row in rows(S11_ANSWERS)? {
        let grade = field(&row, "grade")?;
        let grade = Grade::from_code(grade).ok_or_else(|| data(format!("grade {grade:?}")))?;
        let question = *graded
            .get(&number(&row, "standard")?)
            .ok_or_else(|| data("a standard the framework lacks"))?;
        answers
            .entry(number(&row, "agency")?)
            .or_default()
            .push((question, AnswerValue::Grade(grade)));
    }
    for (index, agency) in agencies.iter().enumerate() {
        let Some(audit_return) = returns.iter().find(|r| r.organisation_id == agency.id) else {
            continue;
        };
        let Some(answers) = answers.remove(&(index as i64 + 1)) else {
            continue;
        };
        store::save_answers(change, audit_return, &answers, "Safeguarding lead").await?;
        store::submit_return(change, audit_return, "Safeguarding lead").await?;
        let sent = due_on - time::Duration::days(3 + index as i64);
        store::backdate_submission_for_demo(change, audit_return.id, sent).await?;
    }
    Ok(())
}
