//! The reports module's own part of the yearly report: the narrative the business unit writes
//! (foreword, achievements and challenges, next year's priorities), read from its newest saved
//! version for the period, and the glossary.

use crate::kernel::report::{
    Block, Inline, ReportContribution, ReportInput, SectionDefinition, SectionFuture, SectionSlot,
    YearlySection,
};

use super::store::{self, NarrativePart};

pub fn report_contribution() -> ReportContribution {
    let narrative = |section, build| SectionDefinition {
        slot: SectionSlot::Yearly(section),
        module: "reports",
        heading: None,
        build,
    };
    ReportContribution::new()
        .section(narrative(YearlySection::Foreword, build_foreword))
        .section(narrative(
            YearlySection::AchievementsAndChallenges,
            build_achievements,
        ))
        .section(narrative(
            YearlySection::NextYearsPriorities,
            build_what_next,
        ))
        .section(narrative(YearlySection::Glossary, build_glossary))
}

fn build_foreword<'a>(input: &'a ReportInput<'a>) -> SectionFuture<'a> {
    Box::pin(narrative_blocks(input, NarrativePart::Foreword))
}

fn build_achievements<'a>(input: &'a ReportInput<'a>) -> SectionFuture<'a> {
    Box::pin(narrative_blocks(input, NarrativePart::Achievements))
}

fn build_what_next<'a>(input: &'a ReportInput<'a>) -> SectionFuture<'a> {
    Box::pin(narrative_blocks(input, NarrativePart::WhatNext))
}

/// The newest saved text of the part as paragraphs (blank lines separate them), or a notice.
async fn narrative_blocks(
    input: &ReportInput<'_>,
    part: NarrativePart,
) -> Result<Vec<Block>, sqlx::Error> {
    let latest = store::latest_narrative(input.scope, input.period, part).await?;
    Ok(match latest {
        Some(narrative) => paragraphs(&narrative.text),
        None => vec![Block::Notice {
            content: vec![Inline::text(
                "This part of the report is not yet written. The business unit writes it in MASA.",
            )],
        }],
    })
}

/// Text split into paragraphs at blank lines, each kept as data (never as markup).
pub fn paragraphs(text: &str) -> Vec<Block> {
    let normalised = text.replace("\r\n", "\n");
    normalised
        .split("\n\n")
        .map(str::trim)
        .filter(|paragraph| !paragraph.is_empty())
        .map(|paragraph| Block::Paragraph {
            content: vec![Inline::data(paragraph)],
        })
        .collect()
}

/// The glossary: terms the report uses, from the partnership's own glossary.
pub const GLOSSARY: [(&str, &str); 18] = [
    (
        "MASA",
        "Multi-Agency Safeguarding Arrangements: how the safeguarding partners work together, and this platform's name.",
    ),
    (
        "Safeguarding partners",
        "The local authority, the integrated care board and the police, who share the duty to make safeguarding arrangements under the Children Act 2004.",
    ),
    (
        "CSPR",
        "Child Safeguarding Practice Review: a review of a serious case to learn how practice can improve.",
    ),
    (
        "LCSPR",
        "Local Child Safeguarding Practice Review, commissioned by the partnership.",
    ),
    (
        "Rapid review",
        "The partnership's first review of a serious incident, to decide whether a local review is needed.",
    ),
    (
        "Serious incident notification",
        "The local authority's notice to the national panel of a serious incident involving a child.",
    ),
    (
        "Learning circle",
        "A facilitated session where practitioners reflect together on a case and its learning.",
    ),
    (
        "s11",
        "A section 11 audit: agencies' self-assessment of their safeguarding arrangements under the Children Act 2004.",
    ),
    (
        "s175",
        "A section 175 audit: schools' and colleges' self-assessment of their safeguarding duties under the Education Act.",
    ),
    (
        "SPC",
        "Statistical process control: reading a series of figures against its own normal variation, so that real change stands out.",
    ),
    (
        "RAG",
        "Red, amber, green: a rating of how an indicator or action is going.",
    ),
    (
        "Multi-agency dataset",
        "The indicators the partners report each quarter, read together as a scorecard.",
    ),
    (
        "Improvement tracker",
        "The record of recommendations from reviews and audits, and the actions that answer them.",
    ),
    (
        "Risk register",
        "The partnership's list of risks to its arrangements, each scored and controlled.",
    ),
    (
        "Independent scrutiny",
        "The independent scrutineer's view of how well the arrangements work.",
    ),
    (
        "Working Together",
        "Working Together to Safeguard Children 2023: the statutory guidance the arrangements follow.",
    ),
    (
        "DSL",
        "Designated safeguarding lead: the person in a school or college who leads on safeguarding.",
    ),
    (
        "Early help",
        "Support for children and families as soon as a need emerges, before it becomes a concern.",
    ),
];

fn build_glossary<'a>(_input: &'a ReportInput<'a>) -> SectionFuture<'a> {
    Box::pin(async move {
        Ok(vec![Block::Table {
            caption: vec![Inline::text("Terms used in this report")],
            headers: vec![vec![Inline::text("Term")], vec![Inline::text("Meaning")]],
            rows: GLOSSARY
                .iter()
                .map(|&(term, meaning)| vec![vec![Inline::text(term)], vec![Inline::text(meaning)]])
                .collect(),
            numeric: vec![false, false],
        }])
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::reports::model::literal_numbers;

    #[test]
    fn the_glossary_holds_no_literal_number() {
        for (term, meaning) in GLOSSARY {
            assert_eq!(literal_numbers(term), Vec::<String>::new(), "{term}");
            assert_eq!(literal_numbers(meaning), Vec::<String>::new(), "{meaning}");
        }
        assert!(
            literal_numbers(
                "This part of the report is not yet written. The business unit writes it in MASA."
            )
            .is_empty()
        );
    }

    #[test]
    fn narrative_is_split_at_blank_lines_and_kept_as_data() {
        let blocks = paragraphs("First <b>one</b>.\r\n\r\nSecond.\n\n\n");
        assert_eq!(blocks.len(), 2);
        assert_eq!(
            blocks[0],
            Block::Paragraph {
                content: vec![Inline::data("First <b>one</b>.")]
            }
        );
    }
}
