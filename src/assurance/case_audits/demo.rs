//! The demo partnership's four multi-agency case-file audits of 2024/25 (seed §9.3): the quality
//! and effectiveness of strategy meetings and discussions (July 2024), its re-audit three months
//! later against the new Practice Standard and Guidance (October 2024), children as victims of
//! domestic abuse (December 2024) and the quality and timeliness of responses to neglect (March
//! 2025). Themes and findings are the seed's (§9.4 to §9.6), recommendations are what the seed
//! says the partnership did about them; cases are by pseudonym; every agency answers every
//! question for every case, in a pattern that shows the re-audit's improvement, and each case's
//! round-table grade is the one the agencies' answers gave most often. Loaded through the
//! module's own store functions, so the trail records it.

use std::collections::HashMap;

use time::Date;
use time::macros::date;

use super::model::{
    AnswerDetails, AuditDetails, CaseDetails, CaseGrade, FindingDetails, FindingKind,
    QuestionDetails, RoundTableOutcome,
};
use super::store::{self, CaseAudit};
use crate::kernel::Change;
use crate::kernel::ids::OrganisationId;
use crate::partnership::model::Organisation;

const BY: &str = "Demo loader";
const LEAD: &str = "HSCP Business Manager";

/// A question, and its grades across the cases' agencies: `G` good, `R` requires improvement,
/// `I` inadequate, taken in turn.
type DemoQuestion = (&'static str, &'static str);
/// Theme, what the finding is, its text, and the recommendation raised from it ("" for none).
type DemoFinding = (&'static str, FindingKind, &'static str, &'static str);

struct DemoAudit {
    title: &'static str,
    theme: &'static str,
    held_on: Date,
    agencies: &'static [&'static str],
    cases: &'static [(&'static str, &'static str)],
    questions: &'static [DemoQuestion],
    /// The comment an agency gives a question it did not grade good, per question.
    comments: &'static [&'static str],
    /// The learning recorded at the round-table, one per case in turn.
    learning: &'static [&'static str],
    findings: &'static [DemoFinding],
}

const STRATEGY_AGENCIES: &[&str] = &[
    "Halton Borough Council",
    "Cheshire Constabulary",
    "Bridgewater Community Healthcare NHS Foundation Trust",
    "Halton Schools and Colleges",
];

const STRATEGY_CASES: &[(&str, &str)] = &[
    (
        "Child A",
        "Strategy discussion after a disclosure at school.",
    ),
    (
        "Child B",
        "Strategy meeting after a police domestic abuse notification.",
    ),
    (
        "Sibling group C",
        "Strategy meeting for three siblings after concerns of neglect.",
    ),
    (
        "Child D",
        "Strategy discussion following a hospital attendance with an injury.",
    ),
    (
        "Child E",
        "Strategy meeting for a young person at risk of exploitation.",
    ),
    (
        "Child F",
        "Strategy meeting convened out of hours by the emergency duty team.",
    ),
];

const STRATEGY_QUESTIONS: [&str; 5] = [
    "Were the right agencies invited to and present at the strategy meeting or discussion?",
    "Was the meeting held within the timescales of the Practice Standard, and if not, was the reason recorded and challenged?",
    "Did the meeting agree a safety plan that says what needs to happen next, and by whom?",
    "Were written records of the meeting shared with the agencies in good time?",
    "Was the decision about informing the parents recorded with its rationale?",
];

const STRATEGY_COMMENTS: &[&str] = &[
    "Housing provider not invited; information shared later.",
    "Meeting held late; no rationale for the delay recorded on our system, no escalation seen.",
    "Discussion focused on sharing information and the outcome rather than next steps.",
    "Minutes received several days after the meeting; depended on the allocated social worker.",
    "Decision recorded but the rationale is brief.",
];

const STRATEGY_LEARNING: &[&str] = &[
    "Agencies agreed the meeting had the right people but the safety plan did not say who would do what next.",
    "Written records reached partners late; the agencies agreed records should follow within one working day.",
    "Attendance was good; the rationale for delay needs recording in each agency's own system.",
    "Safeguarding nurse sent a written report when unable to attend, which the round-table noted as good practice.",
    "Information sharing was timely; escalation of the late meeting was not evidenced.",
    "Out-of-hours arrangements worked well; the plan was clear and reviewed the next day.",
];

const AUDITS: [DemoAudit; 4] = [
    // §9.4: the first audit on strategy meetings (July 2024).
    DemoAudit {
        title: "The quality and effectiveness of strategy meetings and discussions",
        theme: "Strategy meetings",
        held_on: date!(2024 - 07 - 17),
        agencies: STRATEGY_AGENCIES,
        cases: STRATEGY_CASES,
        questions: &[
            (STRATEGY_QUESTIONS[0], "GGGGGGR"),
            (STRATEGY_QUESTIONS[1], "GRRGIRG"),
            (STRATEGY_QUESTIONS[2], "RRIRGRI"),
            (STRATEGY_QUESTIONS[3], "RIRRGRR"),
            (STRATEGY_QUESTIONS[4], "GGGRGGG"),
        ],
        comments: STRATEGY_COMMENTS,
        learning: STRATEGY_LEARNING,
        findings: &[
            (
                "Attendance",
                FindingKind::Learning,
                "Auditors are satisfied that the right agencies were at the meetings. There is a shared view by auditors that attempting to involve all agencies who may hold information about the family, such as housing providers, could cause considerable delay.",
                "",
            ),
            (
                "Attendance",
                FindingKind::Learning,
                "There are at times several meetings in one day, and the timings of these may conflict, thereby compromising attendance occasionally. However, Safeguarding Nurses contributed to all strategy meetings and provided written reports when there was a conflict of time.",
                "",
            ),
            (
                "Safety planning",
                FindingKind::ToImprove,
                "There are mixed responses about the quality of the safety plans developed during the strategy meeting. The focus appears to be on sharing information and deciding on outcome, rather than on what needs to happen next.",
                "Revise the Multi Agency Best Practice Standards and Guidance for strategy meetings using the content of the multi-agency audit and discussions, for approval by the Executive.",
            ),
            (
                "Information sharing",
                FindingKind::ToImprove,
                "An emerging theme that required further exploration in the audit discussion was information sharing. The timeliness of written records after the meeting was variable and appeared wholly dependent on individual social workers within CSC.",
                "Compile monthly reports of the timeliness of strategy meetings and the attendance of the three core partners and Education, shared at every Improvement Board meeting.",
            ),
            (
                "Information sharing",
                FindingKind::ToImprove,
                "The ownership of information and duty to share also required further exploration.",
                "",
            ),
            (
                "Recording and escalation",
                FindingKind::ToImprove,
                "When we do not meet standards around timeliness, the rationale for this is not always recorded clearly in each organisation's electronic recording system, nor is there any evidence of formal challenge or escalation readily available.",
                "Create and disseminate a multi-agency digital resource so all front-line practitioners understand the protocols for strategy meetings, and hold a multi-agency training event on strategy meetings and s47 enquiries.",
            ),
            (
                "Informing parents",
                FindingKind::Learning,
                "We are transparent in our decision making around informing parents, and auditors are confident that we are making the right decisions in this area.",
                "",
            ),
        ],
    },
    // §9.4: the re-audit three months later (October 2024).
    DemoAudit {
        title: "Compliance in relation to the new Practice Standard and Guidance for Strategy meetings and discussions",
        theme: "Strategy meetings",
        held_on: date!(2024 - 10 - 16),
        agencies: STRATEGY_AGENCIES,
        cases: STRATEGY_CASES,
        questions: &[
            (STRATEGY_QUESTIONS[0], "GGGGGGG"),
            (STRATEGY_QUESTIONS[1], "GGRGGGR"),
            (STRATEGY_QUESTIONS[2], "GGRGGRG"),
            (STRATEGY_QUESTIONS[3], "GRGGGRG"),
            (STRATEGY_QUESTIONS[4], "GGGGGGR"),
        ],
        comments: STRATEGY_COMMENTS,
        learning: STRATEGY_LEARNING,
        findings: &[
            (
                "Practice Standard",
                FindingKind::Learning,
                "A second multi-agency audit three months later scrutinised how closely the new Multi-Agency Best Practice Standards and Guidance were being followed: safety plans and written records were more consistent with the new standard.",
                "",
            ),
            (
                "Attendance",
                FindingKind::Learning,
                "Attendance at strategy meetings is now typically at 100% for Health, CSC and Police and 90%+ for Education, as documented in the monthly strategy reports.",
                "",
            ),
            (
                "Timeliness",
                FindingKind::Learning,
                "Timeliness is now recorded as 83% within 24 hours; 10% within 48 hours; 5% within 72 hours and 2% exceed 72 hours.",
                "",
            ),
        ],
    },
    // §9.5: children as victims of domestic abuse (December 2024).
    DemoAudit {
        title: "Children as Victims of Domestic Abuse",
        theme: "Children as victims of domestic abuse",
        held_on: date!(2024 - 12 - 11),
        agencies: &[
            "Halton Borough Council",
            "Cheshire Constabulary",
            "Warrington and Halton Teaching Hospitals NHS Foundation Trust",
            "Bridgewater Community Healthcare NHS Foundation Trust",
            "Cheshire Probation Service",
            "Halton Schools and Colleges",
        ],
        cases: &[
            (
                "Child G",
                "Police notification of domestic abuse with a pre-school child present.",
            ),
            (
                "Unborn H",
                "Expectant mother disclosing domestic abuse at a booking appointment.",
            ),
            (
                "Sibling group J",
                "Repeat incidents; the perpetrator subject to probation supervision.",
            ),
            (
                "Child K",
                "School-age child; Operation Encompass notification.",
            ),
            (
                "Young person L",
                "Young person using violence towards peers after early victimisation.",
            ),
        ],
        questions: &[
            (
                "Was the child seen and treated as a victim in their own right?",
                "GRGRGGRI",
            ),
            (
                "Were the child's wishes and feelings sought and recorded?",
                "RGRGRRGR",
            ),
            (
                "Was information shared in time with the agencies that needed it (MARAC, VPA, Operation Encompass)?",
                "GGGRGGGR",
            ),
            (
                "Was the support offered to the child and the victim parent timely and sufficient?",
                "RRGIRGRR",
            ),
            (
                "Was work with the perpetrator considered and offered?",
                "RIRGRRIR",
            ),
        ],
        comments: &[
            "Assessment noted the child was not present during the incident.",
            "Voice of the child not recorded before the multi-agency meeting.",
            "Notification reached school the next day.",
            "Waiting list for specialist support; capacity does not meet demand.",
            "Availability of perpetrator programmes not known to the practitioner.",
        ],
        learning: &[
            "Agencies agreed the child's experience was overlooked because the relationship had ended.",
            "Delivery plan was in place and shared; a good example of maternity routine enquiry.",
            "Victim liaison and probation shared information swiftly when risk escalated.",
            "Operation Encompass worked as intended; school provided nurture support the next day.",
            "Therapeutic support was offered; the link to earlier victimisation was recognised late.",
        ],
        findings: &[
            (
                "Domestic abuse awareness training",
                FindingKind::Learning,
                "Domestic abuse awareness training is an integral element of training for all new staff in the majority of organisations, irrespective of position within organisation.",
                "",
            ),
            (
                "Voice of the child training",
                FindingKind::Learning,
                "Some partners offer dedicated Voice of the Child training which explores the importance of capturing the voice of the child, the legislation, methods, and options for recording it and using it in practice and service improvement. However, this was not referenced in all responses.",
                "",
            ),
            (
                "Early childhood victimisation",
                FindingKind::Learning,
                "Some providers offered support to the research which shows the experience of early childhood victimisation (predominantly domestic violence) is highly prevalent in the lives of children who perpetrate violence themselves.",
                "",
            ),
            (
                "Active listening",
                FindingKind::Learning,
                "Some professionals are trained in the importance of active listening to children and families so wishes and feelings are explicitly asked for as part of an assessment and prior to professionals attending multi-agency meetings about their risk and needs.",
                "",
            ),
            (
                "Therapeutic support to children",
                FindingKind::Learning,
                "Several partner agencies provide therapeutic support to children who have experienced domestic violence, either direct talking therapy from seconded CAMHS workers or through nationally recognised social prescribing models.",
                "",
            ),
            (
                "Pregnant women",
                FindingKind::Learning,
                "All pregnant women who have or are experiencing domestic abuse have a delivery plan in place which shares appropriate information and safety plans for the mum and unborn during and post-delivery.",
                "",
            ),
            (
                "Perpetrators",
                FindingKind::Learning,
                "Dedicated Victim Liaison Officers and Domestic Abuse Support Officers provide support to the victims of domestic abuse throughout a perpetrator's sentence, and share information on a timely basis with probation practitioners so action can be taken swiftly when risks escalate or change.",
                "",
            ),
            (
                "Think Family",
                FindingKind::Learning,
                "Partner agencies report that for all domestic abuse referrals they enquire about children and unborn babies, and appropriate referrals are made. Responders feel a Think Family approach is becoming widely adopted across the region.",
                "",
            ),
            (
                "Expectant mothers",
                FindingKind::Learning,
                "Routine Enquiry is encouraged within maternity services and midwives are encouraged to provide one-to-one confidential time with all expectant mothers.",
                "",
            ),
            (
                "MARAC",
                FindingKind::Learning,
                "Partner agencies consistently noted how they engage fully in MARAC meetings and have dedicated representatives who attend to share information, collate actions, and ensure actions are completed.",
                "",
            ),
            (
                "Pre-school children",
                FindingKind::Learning,
                "Information sharing arrangements ensure that a police vulnerable person assessment is shared with the Bridgewater safeguarding team for all domestic abuse incidents where there is a pre-school child present or either the victim or perpetrator has a child under five.",
                "",
            ),
            (
                "Police response to domestic abuse",
                FindingKind::Learning,
                "Partners feel the Police response to domestic violence and abuse has improved, for example in how they respond to victims, understanding coercive control and putting into place domestic violence protection orders to protect victims.",
                "",
            ),
            (
                "Capacity of services",
                FindingKind::ToImprove,
                "Organisations report that they are aware of the services in Halton in relation to supporting victims of domestic abuse, but they have concerns that capacity in these services does not meet demand.",
                "Increase the capacity of services supporting victims of domestic abuse.",
            ),
            (
                "Children as victims",
                FindingKind::ToImprove,
                "Some partners feel there are occasions where children are not seen as victims, and that myths such as they weren't present in the house during the incident, the relationship has ended and it was an isolated incident can influence an assessment outcome.",
                "Relaunch Operation Encompass so schools receive information about domestic abuse in a timelier manner, and launch the Lundy Model, in which the voice of the child is paramount.",
            ),
            (
                "Safe discharge address",
                FindingKind::ToImprove,
                "From a hospital perspective, there are occasions when discharges are delayed due to the lack of a safe discharge address. Access to refuge and local safe accommodation is not always available.",
                "Increase safe discharge capacity.",
            ),
            (
                "Working with perpetrators",
                FindingKind::ToImprove,
                "Working with perpetrators is seen by partners as a crucially important pro-active measure. However, the availability of such services is not readily understood by all.",
                "Commence a pilot 12-month project, Breaking the Cycle of Domestic Abuse in Halton, so more young people can access support programmes related to domestic abuse.",
            ),
        ],
    },
    // §9.6: the quality and timeliness of responses to neglect (March 2025).
    DemoAudit {
        title: "The Quality and Timeliness of our responses in relation to Neglect",
        theme: "Neglect",
        held_on: date!(2025 - 03 - 12),
        agencies: &[
            "Halton Borough Council",
            "Bridgewater Community Healthcare NHS Foundation Trust",
            "Cheshire Constabulary",
            "Halton Schools and Colleges",
            "Halton Housing",
        ],
        cases: &[
            (
                "Child M",
                "Early help plan for home conditions and school attendance.",
            ),
            (
                "Sibling group N",
                "Child in need plan; repeated missed health appointments.",
            ),
            (
                "Child P",
                "Child protection plan under the category of neglect.",
            ),
            (
                "Young person Q",
                "Young person with a long-term health condition not managed at home.",
            ),
        ],
        questions: &[
            (
                "Was neglect recognised and responded to in a timely way?",
                "GGGRGGRG",
            ),
            (
                "Was an assessment tool used to support decision making and monitor progress?",
                "GRGRRGGR",
            ),
            (
                "Were the causal factors of neglect, including poverty, explored and addressed in the plan?",
                "RRIRRGRR",
            ),
            (
                "Is the voice of the child evident in assessments and recording?",
                "GRGGRGRG",
            ),
            (
                "Did the agencies communicate and share information effectively?",
                "GGGGRGGG",
            ),
        ],
        comments: &[
            "Referral accepted but the response was reactive to a crisis.",
            "Submitted without an assessment tool.",
            "Poverty noted but not explored as a cause; no support offered to the parents.",
            "Child's view recorded once at the start of the plan only.",
            "Housing not included in the core group.",
        ],
        learning: &[
            "Timely recognition; support largely reactive to family circumstances rather than planned.",
            "Good relationships with the family; the plan did not address the causal factors.",
            "Clever use of an assessment tool to monitor progress; poverty needed exploring.",
            "Practitioners helped the young person manage their health needs after specific training.",
        ],
        findings: &[
            (
                "Communication and information sharing",
                FindingKind::Learning,
                "Audit responses consistently highlighted effective communication and information sharing between agencies.",
                "",
            ),
            (
                "Multi-agency working",
                FindingKind::Learning,
                "Audit returns reference good multi-agency working to support families.",
                "",
            ),
            (
                "Relationships with families",
                FindingKind::Learning,
                "Numerous responses noted practitioners having good relationships with families; a number of these also referenced agencies exploring diverse ways to work with children and families to best support them.",
                "",
            ),
            (
                "Timely intervention",
                FindingKind::Learning,
                "Several audit returns refer to timely interventions to support children and their families.",
                "",
            ),
            (
                "Assessment tools",
                FindingKind::Learning,
                "Some audit returns evidenced a clever use of assessment tools to support decision making and monitor progress.",
                "",
            ),
            (
                "Voice of the child",
                FindingKind::Learning,
                "Some audit responses noted there is evidence of voice of the child within assessments and case recordings.",
                "",
            ),
            (
                "Feeling listened to",
                FindingKind::Learning,
                "A small number of audit responses referenced both professionals and families feeling listened to.",
                "",
            ),
            (
                "Training",
                FindingKind::Learning,
                "A small number of audit returns highlighted specific training being provided to practitioners to enable them to best support a child to manage their health needs.",
                "",
            ),
            (
                "Poverty",
                FindingKind::ToImprove,
                "To have a recognised definition of poverty for Halton Children's Services, across all agencies.",
                "Agree a definition of poverty across all agencies, using research from the University of Plymouth to establish a common framework of what partner organisations should do to help tackle poverty.",
            ),
            (
                "Causal factors",
                FindingKind::ToImprove,
                "Clear exploration around causal factors of neglect built into screening and assessment tools, and addressing these to be part of a plan for every child. Multi-Agency Practice Standards for Neglect would all need to include reference to causal factors, and what is being done to support parents.",
                "",
            ),
            (
                "Practice standards",
                FindingKind::ToImprove,
                "Neglect Multi-Agency Practice Standards to be shared with the Quality and Impact Group for review, and agreement around a Task and Finish Group to review and update the Practice Standards, before being shared with the Strategic Group for sign off.",
                "Review and update the Neglect Multi-Agency Practice Standards through a Task and Finish Group of the Quality and Impact Group, for sign-off by the Strategic Group.",
            ),
            (
                "Assurance",
                FindingKind::ToImprove,
                "Assurance activity to be built into new Practice Standards to help ensure these standards become embedded and to monitor compliance, for example periodic dip sampling of referrals accepted or rejected, and how many were submitted with or without a tool.",
                "",
            ),
            (
                "Whole community response",
                FindingKind::ToImprove,
                "Identify and link in with other adult, child and community focused partnerships and boards to support the development of a whole community response to poverty in Halton, for example the Poverty Alliance.",
                "Consult with the Well-Being Board and the Poverty Alliance to tackle poverty collegiately.",
            ),
        ],
    },
];

fn grade_of(code: u8) -> CaseGrade {
    match code {
        b'G' => CaseGrade::Good,
        b'I' => CaseGrade::Inadequate,
        _ => CaseGrade::RequiresImprovement,
    }
}

/// The grade the agencies gave most often; a tie goes to the lower grade.
fn most_given(grades: &[CaseGrade]) -> CaseGrade {
    // `max_by_key` keeps the last of equals: the scale runs good to inadequate.
    CaseGrade::ALL
        .into_iter()
        .max_by_key(|grade| grades.iter().filter(|given| *given == grade).count())
        .unwrap_or(CaseGrade::RequiresImprovement)
}

#[derive(Debug, thiserror::Error)]
pub enum DemoError {
    #[error(transparent)]
    Database(#[from] sqlx::Error),
    #[error("case-file audit demo names an organisation the demo does not have: {0}")]
    UnknownOrganisation(&'static str),
}

/// Loads the four audits; the second is the re-audit of the first.
pub async fn load(change: &mut Change, organisations: &[Organisation]) -> Result<(), DemoError> {
    let ids: HashMap<&str, OrganisationId> = organisations
        .iter()
        .map(|organisation| (organisation.name.as_str(), organisation.id))
        .collect();
    let mut first: Option<CaseAudit> = None;
    for demo in &AUDITS {
        let named = demo
            .agencies
            .iter()
            .map(|name| {
                ids.get(name)
                    .map(|id| (*id, *name))
                    .ok_or(DemoError::UnknownOrganisation(name))
            })
            .collect::<Result<Vec<_>, _>>()?;
        let agencies: Vec<OrganisationId> = named.iter().map(|(id, _)| *id).collect();
        let id = match first.take() {
            // The re-audit: the same questions, agencies and cases as the first audit.
            Some(earlier) if demo.cases == STRATEGY_CASES => {
                store::start_reaudit(change, &earlier, demo.title, demo.held_on, BY).await?
            }
            _ => {
                let details = AuditDetails {
                    title: demo.title.to_owned(),
                    theme: demo.theme.to_owned(),
                    lead: LEAD.to_owned(),
                    held_on: demo.held_on,
                    agencies: agencies.clone(),
                };
                let id = store::add_audit(change, &details, BY).await?;
                let audit = find(change, id).await?;
                for (text, _) in demo.questions {
                    let question = QuestionDetails {
                        text: (*text).to_owned(),
                        guidance: String::new(),
                    };
                    store::add_question(change, &audit, &question).await?;
                }
                for (pseudonym, context) in demo.cases {
                    let case = CaseDetails {
                        pseudonym: (*pseudonym).to_owned(),
                        context: (*context).to_owned(),
                    };
                    store::add_case(change, &audit, &case).await?;
                }
                id
            }
        };
        let audit = find(change, id).await?;
        answer(change, demo, &audit, &named).await?;
        for (theme, kind, text, recommendation) in demo.findings {
            let finding = FindingDetails {
                theme: (*theme).to_owned(),
                kind: *kind,
                text: (*text).to_owned(),
                recommendation: (*recommendation).to_owned(),
            };
            store::add_finding(change, &audit, &finding, BY).await?;
        }
        if audit.previous_audit_id.is_none() && demo.cases == STRATEGY_CASES {
            first = Some(audit);
        }
    }
    Ok(())
}

async fn find(change: &mut Change, id: super::model::CaseAuditId) -> Result<CaseAudit, DemoError> {
    store::find_audit(&mut *change, id)
        .await?
        .ok_or(DemoError::Database(sqlx::Error::RowNotFound))
}

/// Every agency's answers for every case, then each case's round-table.
async fn answer(
    change: &mut Change,
    demo: &DemoAudit,
    audit: &CaseAudit,
    agencies: &[(OrganisationId, &str)],
) -> Result<(), DemoError> {
    let questions = store::questions_of(&mut *change, audit.id).await?;
    let cases = store::cases_of(&mut *change, audit.id).await?;
    for (case_index, case) in cases.iter().enumerate() {
        let mut given = Vec::new();
        for (agency_index, (agency, name)) in agencies.iter().enumerate() {
            let turn = case_index * agencies.len() + agency_index;
            let answers: Vec<AnswerDetails> = questions
                .iter()
                .zip(demo.questions)
                .enumerate()
                .map(|(question_index, (question, (_, pattern)))| {
                    let pattern = pattern.as_bytes();
                    let grade = grade_of(pattern[turn % pattern.len()]);
                    let comment = if grade == CaseGrade::Good {
                        String::new()
                    } else {
                        demo.comments
                            .get(question_index)
                            .copied()
                            .unwrap_or_default()
                            .to_owned()
                    };
                    AnswerDetails {
                        question_id: question.id,
                        grade,
                        comment,
                    }
                })
                .collect();
            given.extend(answers.iter().map(|answer| answer.grade));
            store::save_answers(change, case, *agency, name, &answers, BY).await?;
        }
        let outcome = RoundTableOutcome {
            grade: most_given(&given),
            learning: demo.learning[case_index % demo.learning.len()].to_owned(),
        };
        store::record_round_table(change, case, &outcome, BY).await?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_round_table_grade_is_the_one_given_most() {
        use CaseGrade::*;
        assert_eq!(most_given(&[Good, Good, Inadequate]), Good);
        assert_eq!(
            most_given(&[Good, RequiresImprovement]),
            RequiresImprovement
        );
        assert_eq!(most_given(&[Inadequate, RequiresImprovement]), Inadequate);
    }

    #[test]
    fn every_demo_case_and_text_passes_the_personal_data_check() {
        for demo in &AUDITS {
            for (pseudonym, context) in demo.cases {
                assert!(
                    super::super::model::check_pseudonym(pseudonym).is_ok(),
                    "{pseudonym}"
                );
                assert_eq!(
                    crate::kernel::personal_data::likely_identifier(context),
                    None
                );
            }
            for (_, _, text, recommendation) in demo.findings {
                assert_eq!(
                    crate::kernel::personal_data::likely_identifier(text),
                    None,
                    "{text}"
                );
                assert_eq!(
                    crate::kernel::personal_data::likely_identifier(recommendation),
                    None
                );
            }
        }
    }
}
