//! The case-file audits' part of the yearly report's "Quality assurance" section (seed §9.3 to
//! §9.6): the audits held in the year, each with its cases audited, its findings and, for a
//! re-audit, the audit it followed. An audit belongs to the period its date falls in.
//! `assurance::report` registers these figures and places the blocks in its section.

use super::store::{self, CaseAudit};
use crate::kernel::Scope;
use crate::kernel::report::{
    Block, Figure, FigureDefinition, FigureFuture, FigureRef, Inline, RecordRef,
    ReportContribution, ReportInput, ReportPeriod,
};

pub const CASE_FILE_AUDITS: &str = "assurance.case_file_audits";
pub const CASE_FILE_AUDIT_CASES: &str = "assurance.case_file_audit_cases";
pub const CASE_FILE_AUDIT_FINDINGS: &str = "assurance.case_file_audit_findings";

/// The figures, for `assurance::report::report_contribution` to merge.
pub fn figures() -> ReportContribution {
    ReportContribution::new()
        .figure(FigureDefinition {
            key: CASE_FILE_AUDITS,
            version: 1,
            title: "Multi-agency case-file audits held",
            definition: "Multi-agency case-file audits (re-audits included) whose date falls in the period.",
            compute: audits_figure,
        })
        .figure(FigureDefinition {
            key: CASE_FILE_AUDIT_CASES,
            version: 1,
            title: "Cases audited, by case-file audit",
            definition: "For each multi-agency case-file audit held in the period, the cases it audited (by pseudonym); one figure per audit, by its id.",
            compute: cases_figure,
        })
        .figure(FigureDefinition {
            key: CASE_FILE_AUDIT_FINDINGS,
            version: 1,
            title: "Findings, by case-file audit",
            definition: "For each multi-agency case-file audit held in the period, the findings recorded from it; one figure per audit, by its id.",
            compute: findings_figure,
        })
}

async fn audits_in(scope: Scope<'_>, period: ReportPeriod) -> Result<Vec<CaseAudit>, sqlx::Error> {
    store::audits_held(scope, period.start(), period.end()).await
}

fn audit_record(audit: &CaseAudit) -> RecordRef {
    RecordRef::new(
        "case-file audit",
        audit.id.get(),
        audit.title.clone(),
        audit.page(),
        format!("{}|{}", audit.held_on, audit.title),
    )
}

fn audits_figure<'a>(input: &'a ReportInput<'a>) -> FigureFuture<'a> {
    Box::pin(async move {
        let audits = audits_in(input.scope, input.period).await?;
        Ok(vec![Figure::count(
            "",
            "Case-file audits",
            audits.iter().map(audit_record).collect(),
        )])
    })
}

fn cases_figure<'a>(input: &'a ReportInput<'a>) -> FigureFuture<'a> {
    Box::pin(async move {
        let mut figures = Vec::new();
        for audit in audits_in(input.scope, input.period).await? {
            let records = store::cases_of(input.scope, audit.id)
                .await?
                .into_iter()
                .map(|case| {
                    RecordRef::new(
                        "audited case",
                        case.id.get(),
                        case.pseudonym.clone(),
                        case.page(),
                        format!(
                            "{}|{}",
                            case.pseudonym,
                            case.round_table_grade_code.clone().unwrap_or_default()
                        ),
                    )
                })
                .collect();
            figures.push(Figure::count(
                audit.id.to_string(),
                audit.title.clone(),
                records,
            ));
        }
        Ok(figures)
    })
}

fn findings_figure<'a>(input: &'a ReportInput<'a>) -> FigureFuture<'a> {
    Box::pin(async move {
        let mut figures = Vec::new();
        for audit in audits_in(input.scope, input.period).await? {
            let records = store::findings_of(input.scope, audit.id)
                .await?
                .into_iter()
                .map(|finding| {
                    RecordRef::new(
                        "case-file audit finding",
                        finding.id.get(),
                        finding.theme.clone(),
                        format!("/assurance/case-audits/{}/findings", audit.id),
                        format!("{}|{}|{}", finding.kind.code(), finding.theme, finding.text),
                    )
                })
                .collect();
            figures.push(Figure::count(
                audit.id.to_string(),
                audit.title.clone(),
                records,
            ));
        }
        Ok(figures)
    })
}

fn text(words: &'static str) -> Inline {
    Inline::text(words)
}

/// The blocks the Quality assurance section prints: a heading, the count of audits, then each
/// audit with its cases, the audit it re-audited, and its findings.
pub async fn blocks(input: &ReportInput<'_>) -> Result<Vec<Block>, sqlx::Error> {
    let mut blocks = vec![Block::Heading {
        text: vec![text("Multi-agency case-file audits")],
    }];
    let audits = audits_in(input.scope, input.period).await?;
    if audits.is_empty() {
        blocks.push(Block::Notice {
            content: vec![text(
                "No multi-agency case-file audit was held in the year.",
            )],
        });
        return Ok(blocks);
    }
    blocks.push(Block::Paragraph {
        content: vec![
            Inline::figure(FigureRef::single(CASE_FILE_AUDITS)),
            text(" multi-agency case-file audits were held in the year, each agency auditing its own records of the cases and the agencies agreeing a grade for each case at a round-table discussion:"),
        ],
    });
    for audit in &audits {
        let mut about = vec![
            Inline::link(audit.title.clone(), audit.page()),
            text(" ("),
            Inline::data(audit.month()),
            text("): "),
            Inline::figure(FigureRef::of(CASE_FILE_AUDIT_CASES, audit.id.to_string())),
            text(" cases audited and "),
            Inline::figure(FigureRef::of(
                CASE_FILE_AUDIT_FINDINGS,
                audit.id.to_string(),
            )),
            text(" findings."),
        ];
        if let Some(previous) = audit.previous_audit_id
            && let Some(previous) = store::find_audit(input.scope, previous).await?
        {
            about.push(text(" A re-audit of "));
            about.push(Inline::data(previous.title.clone()));
            about.push(text(
                ", to see how closely the changes it led to were being followed.",
            ));
        }
        blocks.push(Block::Paragraph { content: about });
        let findings = store::findings_of(input.scope, audit.id).await?;
        if !findings.is_empty() {
            blocks.push(Block::List {
                items: findings
                    .iter()
                    .map(|finding| {
                        vec![
                            Inline::data(finding.theme.clone()),
                            text(": "),
                            Inline::data(finding.text.clone()),
                        ]
                    })
                    .collect(),
            });
        }
    }
    Ok(blocks)
}
