//! The partnership's part of the reports (kernel::report): its organisations, people, groups
//! and business-plan priorities as at the period's end, and the sections that print them
//! (at a glance, the partnership and its governance, our priorities, next year's priorities).
//!
//! Records hold dates for organisations (active from and to), memberships (started and ended)
//! and business plans (start and end); groups, people and plan items hold only when they were
//! archived, so "as at the period's end" for those is "not archived by then".

use time::Date;

use super::model::{
    BusinessPlan, GroupKind, Membership, OrganisationKind, PlanItem, PlanItemKind, Position,
    holder_in_period, live_on, plan_for_period,
};
use super::store;
use crate::kernel::Scope;
use crate::kernel::report::{
    Bar, Block, Figure, FigureCheck, FigureDefinition, FigureFuture, FigureRef, Inline, Parts,
    RecordRef, ReportContribution, ReportInput, ReportPeriod, SectionDefinition, SectionFuture,
    SectionSlot, Words, YearlySection,
};

type Result<T> = std::result::Result<T, sqlx::Error>;

pub const ORGANISATIONS: &str = "partnership.organisations";
pub const ORGANISATIONS_BY_KIND: &str = "partnership.organisations_by_kind";
pub const PEOPLE: &str = "partnership.people";
pub const GROUPS: &str = "partnership.groups";
pub const GROUPS_BY_KIND: &str = "partnership.groups_by_kind";
pub const GROUP_MEMBERS: &str = "partnership.group_members";
pub const PRIORITIES: &str = "partnership.priorities";
pub const THEMES: &str = "partnership.cross_cutting_themes";

pub fn report_contribution() -> ReportContribution {
    ReportContribution::new()
        .figure(FigureDefinition {
            key: ORGANISATIONS,
            version: 1,
            title: "Organisations in the partnership",
            definition: "Organisations whose active period includes the last day of the period and \
                         which had not been archived by then.",
            compute: organisations,
        })
        .figure(FigureDefinition {
            key: ORGANISATIONS_BY_KIND,
            version: 1,
            title: "Organisations by kind",
            definition: "The organisations in the partnership at the period's end, by kind: \
                         statutory partners, relevant agencies, schools and education settings, \
                         the voluntary and community sector, and others.",
            compute: organisations_by_kind,
        })
        .figure(FigureDefinition {
            key: PEOPLE,
            version: 1,
            title: "People in the partnership directory",
            definition: "People in the directory not archived by the period's end. The directory \
                         holds no joining date, so a person added after the period counts too.",
            compute: people,
        })
        .figure(FigureDefinition {
            key: GROUPS,
            version: 1,
            title: "Partnership groups",
            definition: "Groups (executive, boards, sub-groups and others) not archived by the \
                         period's end. Groups hold no founding date, so a group added after the \
                         period counts too.",
            compute: groups,
        })
        .figure(FigureDefinition {
            key: GROUPS_BY_KIND,
            version: 1,
            title: "Partnership groups by kind",
            definition: "The partnership groups at the period's end, by kind.",
            compute: groups_by_kind,
        })
        .figure(FigureDefinition {
            key: GROUP_MEMBERS,
            version: 1,
            title: "Group places held",
            definition: "Memberships of groups (chairs, vice-chairs and members) started on or \
                         before the period's last day and not ended by then; a person on two \
                         groups counts twice.",
            compute: group_members,
        })
        .figure(FigureDefinition {
            key: PRIORITIES,
            version: 1,
            title: "Business plan priorities",
            definition: "Priorities of the business plan for the period: the plan in force on its \
                         last day, else the last to start within it (items archived since are \
                         left out).",
            compute: priorities,
        })
        .figure(FigureDefinition {
            key: THEMES,
            version: 1,
            title: "Cross-cutting themes",
            definition: "Cross-cutting themes of the business plan for the period.",
            compute: themes,
        })
        .check(FigureCheck::PartsSumToTotal {
            total: FigureRef::single(ORGANISATIONS),
            parts: Parts::EveryInstanceOf(ORGANISATIONS_BY_KIND),
        })
        .check(FigureCheck::PartsSumToTotal {
            total: FigureRef::single(GROUPS),
            parts: Parts::EveryInstanceOf(GROUPS_BY_KIND),
        })
        .section(SectionDefinition {
            slot: SectionSlot::Yearly(YearlySection::AtAGlance),
            module: "partnership",
            heading: Some("The partnership"),
            build: at_a_glance,
        })
        .section(SectionDefinition {
            slot: SectionSlot::Yearly(YearlySection::PartnershipAndGovernance),
            module: "partnership",
            heading: None,
            build: governance,
        })
        .section(SectionDefinition {
            slot: SectionSlot::Yearly(YearlySection::ProgressAgainstPriorities),
            module: "partnership",
            heading: Some("Our priorities"),
            build: our_priorities,
        })
        .section(SectionDefinition {
            slot: SectionSlot::Yearly(YearlySection::NextYearsPriorities),
            module: "partnership",
            heading: None,
            build: next_priorities,
        })
}

// ---- records as at the period's end ----

async fn organisations_at(scope: Scope<'_>, day: Date) -> Result<Vec<super::model::Organisation>> {
    let filter = store::OrganisationFilter {
        include_archived: true,
        ..store::OrganisationFilter::default()
    };
    Ok(store::list_organisations(scope, &filter)
        .await?
        .into_iter()
        .filter(|organisation| organisation.was_active_on(day))
        .collect())
}

fn organisation_record(organisation: &super::model::Organisation) -> RecordRef {
    RecordRef::new(
        "organisation",
        organisation.id.get(),
        organisation.name.clone(),
        format!("/partnership/organisations/{}", organisation.id),
        format!(
            "{}|{}|{}|{}",
            organisation.kind.code(),
            organisation.active_from,
            organisation
                .active_to
                .map(|d| d.to_string())
                .unwrap_or_default(),
            organisation.archived_at.as_deref().unwrap_or("")
        ),
    )
}

async fn groups_at(scope: Scope<'_>, day: Date) -> Result<Vec<super::model::Group>> {
    Ok(store::list_groups(scope, true)
        .await?
        .into_iter()
        .filter(|group| live_on(group.archived_at.as_deref(), day))
        .collect())
}

fn group_record(group: &super::model::Group) -> RecordRef {
    RecordRef::new(
        "partnership group",
        group.id.get(),
        group.name.clone(),
        format!("/partnership/groups/{}", group.id),
        format!(
            "{}|{}",
            group.kind.code(),
            group.archived_at.as_deref().unwrap_or("")
        ),
    )
}

/// The plan for the period and its items (priorities then themes, in order).
async fn plan_at(
    scope: Scope<'_>,
    start: Date,
    end: Date,
) -> Result<Option<(BusinessPlan, Vec<PlanItem>)>> {
    let plans = store::list_plans(scope, true).await?;
    let Some(plan) = plan_for_period(&plans, start, end).cloned() else {
        return Ok(None);
    };
    let items = store::plan_items(scope, plan.id).await?;
    Ok(Some((plan, items)))
}

fn item_record(plan: &BusinessPlan, item: &PlanItem) -> RecordRef {
    RecordRef::new(
        "business plan item",
        item.id.get(),
        item.title.clone(),
        format!("/partnership/business-plans/{}", plan.id),
        format!(
            "{}|{}|{}|{}|{}",
            item.kind.code(),
            item.position,
            plan.starts_on,
            plan.ends_on,
            item.title
        ),
    )
}

// ---- figures ----

fn organisations<'a>(input: &'a ReportInput<'a>) -> FigureFuture<'a> {
    Box::pin(async move {
        let (scope, period) = (input.scope, input.period);
        let records = organisations_at(scope, period.end())
            .await?
            .iter()
            .map(organisation_record)
            .collect();
        Ok(vec![Figure::count("", "Organisations", records)])
    })
}

fn organisations_by_kind<'a>(input: &'a ReportInput<'a>) -> FigureFuture<'a> {
    Box::pin(async move {
        let (scope, period) = (input.scope, input.period);
        let organisations = organisations_at(scope, period.end()).await?;
        Ok(OrganisationKind::ALL
            .into_iter()
            .map(|kind| {
                let records = organisations
                    .iter()
                    .filter(|organisation| organisation.kind == kind)
                    .map(organisation_record)
                    .collect();
                Figure::count(kind.code(), kind.group_heading(), records)
            })
            .collect())
    })
}

fn people<'a>(input: &'a ReportInput<'a>) -> FigureFuture<'a> {
    Box::pin(async move {
        let (scope, period) = (input.scope, input.period);
        let filter = store::PersonFilter {
            include_archived: true,
            ..store::PersonFilter::default()
        };
        let records = store::list_people(scope, &filter)
            .await?
            .into_iter()
            .filter(|person| live_on(person.archived_at.as_deref(), period.end()))
            .map(|person| {
                RecordRef::new(
                    "person",
                    person.id.get(),
                    person.name.clone(),
                    format!("/partnership/people/{}", person.id),
                    format!(
                        "{}|{}",
                        person.organisation_id,
                        person.archived_at.as_deref().unwrap_or("")
                    ),
                )
            })
            .collect();
        Ok(vec![Figure::count("", "People", records)])
    })
}

fn groups<'a>(input: &'a ReportInput<'a>) -> FigureFuture<'a> {
    Box::pin(async move {
        let (scope, period) = (input.scope, input.period);
        let records = groups_at(scope, period.end())
            .await?
            .iter()
            .map(group_record)
            .collect();
        Ok(vec![Figure::count("", "Groups", records)])
    })
}

fn groups_by_kind<'a>(input: &'a ReportInput<'a>) -> FigureFuture<'a> {
    Box::pin(async move {
        let (scope, period) = (input.scope, input.period);
        let groups = groups_at(scope, period.end()).await?;
        Ok(GroupKind::ALL
            .into_iter()
            .map(|kind| {
                let records = groups
                    .iter()
                    .filter(|group| group.kind == kind)
                    .map(group_record)
                    .collect();
                Figure::count(kind.code(), kind.label(), records)
            })
            .collect())
    })
}

fn membership_record(membership: &Membership) -> RecordRef {
    RecordRef::new(
        "group membership",
        membership.id.get(),
        format!(
            "{} ({}, {})",
            membership.person_name,
            membership.position.label(),
            membership.group_name
        ),
        format!("/partnership/groups/{}", membership.group_id),
        format!(
            "{}|{}|{}",
            membership.position.code(),
            membership.started_on,
            membership
                .ended_on
                .map(|d| d.to_string())
                .unwrap_or_default()
        ),
    )
}

fn group_members<'a>(input: &'a ReportInput<'a>) -> FigureFuture<'a> {
    Box::pin(async move {
        let (scope, period) = (input.scope, input.period);
        let end = period.end();
        let groups: Vec<_> = groups_at(scope, end)
            .await?
            .into_iter()
            .map(|g| g.id)
            .collect();
        let records = store::memberships_between(scope, end, end)
            .await?
            .iter()
            .filter(|m| groups.contains(&m.group_id))
            .filter(|m| m.ended_on.is_none_or(|ended| ended > end))
            .map(membership_record)
            .collect();
        Ok(vec![Figure::count("", "Group places", records)])
    })
}

fn plan_items_of(scope: Scope<'_>, period: ReportPeriod, kind: PlanItemKind) -> FigureFuture<'_> {
    Box::pin(async move {
        let records = match plan_at(scope, period.start(), period.end()).await? {
            Some((plan, items)) => items
                .iter()
                .filter(|item| item.kind == kind)
                .map(|item| item_record(&plan, item))
                .collect(),
            None => Vec::new(),
        };
        Ok(vec![Figure::count("", kind.label(), records)])
    })
}

fn priorities<'a>(input: &'a ReportInput<'a>) -> FigureFuture<'a> {
    let (scope, period) = (input.scope, input.period);
    plan_items_of(scope, period, PlanItemKind::Priority)
}

fn themes<'a>(input: &'a ReportInput<'a>) -> FigureFuture<'a> {
    let (scope, period) = (input.scope, input.period);
    plan_items_of(scope, period, PlanItemKind::CrossCuttingTheme)
}

// ---- sections ----

fn text(words: &'static str) -> Inline {
    Inline::text(words)
}

fn figure(key: &'static str) -> Inline {
    Inline::figure(FigureRef::single(key))
}

fn of_kind(key: &'static str, code: &'static str) -> Inline {
    Inline::figure(FigureRef::of(key, code))
}

fn paragraph(content: Words) -> Block {
    Block::Paragraph { content }
}

fn at_a_glance<'a>(_input: &'a ReportInput<'a>) -> SectionFuture<'a> {
    Box::pin(async move {
        Ok(vec![Block::List {
            items: vec![
                vec![
                    figure(ORGANISATIONS),
                    text(" organisations in the partnership, of which "),
                    of_kind(
                        ORGANISATIONS_BY_KIND,
                        OrganisationKind::StatutoryPartner.code(),
                    ),
                    text(" statutory partners, "),
                    of_kind(
                        ORGANISATIONS_BY_KIND,
                        OrganisationKind::RelevantAgency.code(),
                    ),
                    text(" relevant agencies and "),
                    of_kind(ORGANISATIONS_BY_KIND, OrganisationKind::School.code()),
                    text(" schools and education settings"),
                ],
                vec![
                    figure(GROUPS),
                    text(" partnership groups, with "),
                    figure(GROUP_MEMBERS),
                    text(" places held at the year's end"),
                ],
                vec![
                    figure(PRIORITIES),
                    text(" business plan priorities and "),
                    figure(THEMES),
                    text(" cross-cutting themes"),
                ],
            ],
        }])
    })
}

fn governance<'a>(input: &'a ReportInput<'a>) -> SectionFuture<'a> {
    Box::pin(async move {
        let (start, end) = (input.period.start(), input.period.end());
        let groups = groups_at(input.scope, end).await?;
        // From the year's start on, so that a post first filled after the year is still named.
        let memberships =
            store::memberships_between(input.scope, start, time::macros::date!(9999 - 12 - 31))
                .await?;
        let mut blocks = vec![
            paragraph(vec![
                text("At the end of the year the partnership brought together "),
                figure(ORGANISATIONS),
                text(" organisations: "),
                of_kind(
                    ORGANISATIONS_BY_KIND,
                    OrganisationKind::StatutoryPartner.code(),
                ),
                text(" statutory safeguarding partners, "),
                of_kind(
                    ORGANISATIONS_BY_KIND,
                    OrganisationKind::RelevantAgency.code(),
                ),
                text(" relevant agencies, "),
                of_kind(ORGANISATIONS_BY_KIND, OrganisationKind::School.code()),
                text(" schools and education settings, "),
                of_kind(ORGANISATIONS_BY_KIND, OrganisationKind::Voluntary.code()),
                text(" voluntary and community sector organisations and "),
                of_kind(ORGANISATIONS_BY_KIND, OrganisationKind::Other.code()),
                text(" others. Its directory lists "),
                figure(PEOPLE),
                text(" people."),
            ]),
            Block::Table {
                caption: vec![text("Organisations in the partnership by kind")],
                headers: vec![vec![text("Kind")], vec![text("Organisations")]],
                rows: OrganisationKind::ALL
                    .into_iter()
                    .map(|kind| {
                        vec![
                            vec![text(kind.group_heading())],
                            vec![of_kind(ORGANISATIONS_BY_KIND, kind.code())],
                        ]
                    })
                    .chain(std::iter::once(vec![
                        vec![text("All organisations")],
                        vec![figure(ORGANISATIONS)],
                    ]))
                    .collect(),
                numeric: vec![false, true],
            },
            Block::Heading {
                text: vec![text("Our arrangements and structure")],
            },
            paragraph(vec![
                text("The partnership works through "),
                figure(GROUPS),
                text(" groups, in which "),
                figure(GROUP_MEMBERS),
                text(
                    " places were held at the end of the year. Each group, its chair and vice-chair are listed below.",
                ),
            ]),
        ];
        if groups.is_empty() {
            blocks.push(Block::Notice {
                content: vec![text("The partnership holds no groups for the period.")],
            });
        } else {
            let rows = groups
                .iter()
                .map(|group| {
                    let cell = |position: Position| -> Words {
                        match holder_in_period(&memberships, group.id, position, end) {
                            Some(holder) => {
                                let mut words = vec![
                                    Inline::link(
                                        holder.person_name.clone(),
                                        format!("/partnership/people/{}", holder.person_id),
                                    ),
                                    Inline::data(format!(" ({})", holder.organisation_name)),
                                ];
                                if holder.started_on > end {
                                    words.push(text(", from "));
                                    words.push(Inline::data(crate::kernel::text::long_date(
                                        holder.started_on,
                                    )));
                                }
                                words
                            }
                            None => vec![text("Not recorded")],
                        }
                    };
                    let chair = cell(Position::Chair);
                    let vice_chair = cell(Position::ViceChair);
                    vec![
                        vec![Inline::link(
                            group.name.clone(),
                            format!("/partnership/groups/{}", group.id),
                        )],
                        vec![text(group.kind.label())],
                        vec![Inline::data(group.parent_name.clone().unwrap_or_default())],
                        chair,
                        vice_chair,
                    ]
                })
                .collect();
            blocks.push(Block::Table {
                caption: vec![text("Partnership groups, their chairs and vice-chairs")],
                headers: vec![
                    vec![text("Group")],
                    vec![text("Kind")],
                    vec![text("Reports to")],
                    vec![text("Chair")],
                    vec![text("Vice-chair")],
                ],
                rows,
                numeric: vec![false; 5],
            });
        }
        blocks.push(Block::Table {
            caption: vec![text("Partnership groups by kind")],
            headers: vec![vec![text("Kind")], vec![text("Groups")]],
            rows: GroupKind::ALL
                .into_iter()
                .map(|kind| {
                    vec![
                        vec![text(kind.label())],
                        vec![of_kind(GROUPS_BY_KIND, kind.code())],
                    ]
                })
                .chain(std::iter::once(vec![
                    vec![text("All groups")],
                    vec![figure(GROUPS)],
                ]))
                .collect(),
            numeric: vec![false, true],
        });
        blocks.push(Block::BarChart {
            title: vec![text("Organisations in the partnership by kind")],
            bars: OrganisationKind::ALL
                .into_iter()
                .map(|kind| Bar {
                    label: kind.group_heading().to_owned(),
                    figure: FigureRef::of(ORGANISATIONS_BY_KIND, kind.code()),
                })
                .collect(),
        });
        blocks.push(Block::Notice {
            content: vec![text(
                "A chair or vice-chair who took the post after the year's end is shown with the date they took it, where the records hold no earlier holder. Meetings held and attendance by partner will be reported here when the governance module records them.",
            )],
        });
        Ok(blocks)
    })
}

/// The plan's items as a list: the title, then its description when it has one.
fn item_list(items: &[&PlanItem]) -> Block {
    Block::List {
        items: items
            .iter()
            .map(|item| {
                let mut words = vec![Inline::data(item.title.clone())];
                if !item.description.trim().is_empty() {
                    words.push(text(": "));
                    words.push(Inline::data(item.description.trim().to_owned()));
                }
                words
            })
            .collect(),
    }
}

fn our_priorities<'a>(input: &'a ReportInput<'a>) -> SectionFuture<'a> {
    Box::pin(async move {
        let Some((plan, items)) =
            plan_at(input.scope, input.period.start(), input.period.end()).await?
        else {
            return Ok(vec![Block::Notice {
                content: vec![text(
                    "The partnership holds no business plan for the period.",
                )],
            }]);
        };
        let priorities: Vec<&PlanItem> = items
            .iter()
            .filter(|item| item.kind == PlanItemKind::Priority)
            .collect();
        let themes: Vec<&PlanItem> = items
            .iter()
            .filter(|item| item.kind == PlanItemKind::CrossCuttingTheme)
            .collect();
        let mut blocks = vec![paragraph(vec![
            text("The "),
            Inline::link(
                plan.name.clone(),
                format!("/partnership/business-plans/{}", plan.id),
            ),
            text(" sets "),
            figure(PRIORITIES),
            text(" priorities and "),
            figure(THEMES),
            text(" cross-cutting themes for the year."),
        ])];
        if !priorities.is_empty() {
            blocks.push(item_list(&priorities));
        }
        if !themes.is_empty() {
            blocks.push(Block::Heading {
                text: vec![text("Cross-cutting themes")],
            });
            blocks.push(item_list(&themes));
        }
        Ok(blocks)
    })
}

fn next_priorities<'a>(input: &'a ReportInput<'a>) -> SectionFuture<'a> {
    Box::pin(async move {
        let next = ReportPeriod {
            year: input.period.year + 1,
            quarter: input.period.quarter,
        };
        let (plan, items, is_next) = match plan_at(input.scope, next.start(), next.end()).await? {
            Some((plan, items)) => (plan, items, true),
            None => match plan_at(input.scope, input.period.start(), input.period.end()).await? {
                Some((plan, items)) => (plan, items, false),
                None => {
                    return Ok(vec![Block::Notice {
                        content: vec![text(
                            "The partnership holds no business plan for the coming year or for this one.",
                        )],
                    }]);
                }
            },
        };
        let priorities: Vec<&PlanItem> = items
            .iter()
            .filter(|item| item.kind == PlanItemKind::Priority)
            .collect();
        let themes: Vec<&PlanItem> = items
            .iter()
            .filter(|item| item.kind == PlanItemKind::CrossCuttingTheme)
            .collect();
        let plan_link = Inline::link(
            plan.name.clone(),
            format!("/partnership/business-plans/{}", plan.id),
        );
        let mut blocks = vec![if is_next {
            paragraph(vec![
                text("In the coming year the partnership's work is set by the "),
                plan_link,
                text(", which runs to "),
                Inline::data(crate::kernel::text::long_date(plan.ends_on)),
                text(". Its priorities are:"),
            ])
        } else {
            paragraph(vec![
                text("No business plan for the coming year is held yet; the priorities of the "),
                plan_link,
                text(" continue until it is agreed:"),
            ])
        }];
        if priorities.is_empty() {
            blocks.push(Block::Notice {
                content: vec![text("The plan holds no priorities.")],
            });
        } else {
            blocks.push(item_list(&priorities));
        }
        if !themes.is_empty() {
            blocks.push(paragraph(vec![text(
                "Running through them are the partnership's cross-cutting themes:",
            )]));
            blocks.push(item_list(&themes));
        }
        Ok(blocks)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_used_as_template_words_hold_no_digit() {
        for kind in OrganisationKind::ALL {
            assert!(!kind.group_heading().chars().any(|c| c.is_ascii_digit()));
        }
        for kind in GroupKind::ALL {
            assert!(!kind.label().chars().any(|c| c.is_ascii_digit()));
        }
        assert!(
            !PlanItemKind::Priority
                .label()
                .chars()
                .any(|c| c.is_ascii_digit())
        );
    }

    #[test]
    fn the_contribution_registers_its_figures_once() {
        let contribution = report_contribution();
        let mut keys: Vec<&str> = contribution.figures.iter().map(|d| d.key).collect();
        let count = keys.len();
        keys.sort_unstable();
        keys.dedup();
        assert_eq!(keys.len(), count);
        assert!(keys.iter().all(|key| key.starts_with("partnership.")));
    }
}
