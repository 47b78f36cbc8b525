//! The reports' pages. Each handler: extract, authorise, act, render.

use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use super::generate::{self, GeneratedReport, GeneratedSection};
use super::html;
use super::model::{CheckOutcome, ComputedFigure, FigureBook, format_figure, suggested_sentences};
use super::pdf;
use super::store::{
    self, Comment, Narrative, NarrativePart, ReportVersion, ReportVersionId, VersionSummary,
};
use crate::kernel::report::{FigureRef, ReportKind, ReportPeriod};
use crate::kernel::text::{FormErrors, today};
use crate::kernel::{
    AppError, AppResult, AppState, Chrome, Ctx, Loaded, Lookup, Permission, render, render_refused,
};
use crate::kernel::{files, filters};

/// The longest narrative part and comment accepted.
pub const NARRATIVE_LIMIT: usize = 20_000;
pub const COMMENT_LIMIT: usize = 5_000;

/// A route's `{id}` is one of the signed-in user's partnership's report versions; another
/// partnership's is not found.
impl Lookup for ReportVersion {
    type Id = ReportVersionId;

    async fn look_up(
        state: &AppState,
        ctx: &Ctx,
        id: ReportVersionId,
    ) -> AppResult<Option<ReportVersion>> {
        Ok(store::find_version(ctx.scope(state)?, id).await?)
    }
}

// ---- the list and the generate form ----

#[derive(Debug, Default, Deserialize)]
pub struct GenerateForm {
    #[serde(default)]
    pub kind: String,
    #[serde(default)]
    pub period: String,
}

impl GenerateForm {
    /// The period asked for, of the kind asked for.
    pub fn validate(&self, errors: &mut FormErrors) -> Option<ReportPeriod> {
        let kind = ReportKind::from_code(self.kind.trim());
        if kind.is_none() {
            errors.add("kind", "Choose which report to generate");
        }
        let period = ReportPeriod::parse(&self.period);
        match (kind, period) {
            (_, None) if self.period.trim().is_empty() => {
                errors.add("period", "Enter the period the report covers");
                None
            }
            (_, None) => {
                errors.add(
                    "period",
                    "Enter the period as a financial year, like 2024-25, or a quarter, like 2025-26-Q2",
                );
                None
            }
            (Some(ReportKind::Yearly), Some(period)) if period.quarter.is_some() => {
                errors.add(
                    "period",
                    "A yearly report covers a financial year, like 2024-25, not a quarter",
                );
                None
            }
            (Some(ReportKind::Quarterly), Some(period)) if period.quarter.is_none() => {
                errors.add(
                    "period",
                    "A quarterly report covers a quarter, like 2025-26-Q2, not a whole year",
                );
                None
            }
            (Some(_), Some(period)) => Some(period),
            (None, Some(_)) => None,
        }
    }
}

/// The periods offered: the last four financial years and the quarters of the last two.
pub fn offered_periods(today: time::Date) -> Vec<ReportPeriod> {
    let current = if today.month() as u8 >= 4 {
        today.year()
    } else {
        today.year() - 1
    };
    let mut periods: Vec<ReportPeriod> = (0..4)
        .map(|back| ReportPeriod::financial_year(current - back))
        .collect();
    for year in [current, current - 1] {
        for quarter in (1..=4).rev() {
            if let Some(period) = ReportPeriod::quarter(year, quarter)
                && period.start() <= today
            {
                periods.push(period);
            }
        }
    }
    periods
}

/// The versions of one report (kind and period), newest first.
pub struct ReportGroup {
    pub title: String,
    pub period: ReportPeriod,
    pub versions: Vec<VersionSummary>,
}

#[derive(Template)]
#[template(path = "reports/templates/reports.html")]
struct ReportsPage {
    chrome: Chrome,
    lists: Vec<(&'static str, Vec<ReportGroup>)>,
    can_manage: bool,
    errors: FormErrors,
    form: GenerateForm,
    periods: Vec<(String, String)>,
    kinds: Vec<(&'static str, &'static str)>,
}

fn grouped(versions: &[VersionSummary], kind: ReportKind) -> Vec<ReportGroup> {
    let mut groups: Vec<ReportGroup> = Vec::new();
    for version in versions.iter().filter(|v| v.kind == kind) {
        match groups.iter_mut().find(|g| g.period == version.period) {
            Some(group) => group.versions.push(version.clone()),
            None => groups.push(ReportGroup {
                title: format!("{} {}", store::kind_title(kind), version.period.label()),
                period: version.period,
                versions: vec![version.clone()],
            }),
        }
    }
    groups.sort_by_key(|group| std::cmp::Reverse(group.period));
    groups
}

async fn reports_page(
    state: &AppState,
    ctx: &Ctx,
    errors: FormErrors,
    form: GenerateForm,
) -> AppResult<ReportsPage> {
    let versions = store::list_versions(ctx.scope(state)?).await?;
    Ok(ReportsPage {
        lists: vec![
            ("Yearly reports", grouped(&versions, ReportKind::Yearly)),
            (
                "Quarterly board reports",
                grouped(&versions, ReportKind::Quarterly),
            ),
        ],
        can_manage: ctx.user()?.can(Permission::ManageReports),
        chrome: ctx.chrome(state).await?,
        errors,
        form,
        periods: offered_periods(today())
            .into_iter()
            .map(|p| (p.code(), p.label()))
            .collect(),
        kinds: vec![
            ("yearly", "Yearly report"),
            ("quarterly", "Quarterly board report"),
        ],
    })
}

pub async fn reports(State(state): State<AppState>, ctx: Ctx) -> AppResult<impl IntoResponse> {
    let form = GenerateForm {
        kind: "yearly".into(),
        period: String::new(),
    };
    render(&reports_page(&state, &ctx, FormErrors::default(), form).await?)
}

/// Generates the report for the period from the records now, as the next draft version.
pub async fn generate_report(
    State(state): State<AppState>,
    ctx: Ctx,
    Form(form): Form<GenerateForm>,
) -> AppResult<Response> {
    let mut errors = FormErrors::default();
    let Some(period) = form.validate(&mut errors).filter(|_| errors.is_empty()) else {
        return render_refused(&reports_page(&state, &ctx, errors, form).await?);
    };
    let user = ctx.user()?;
    let scope = ctx.scope(&state)?;
    let report = generate::generate(
        &state.reports,
        scope,
        period,
        &user.partnership_name,
        &user.display_name,
        time::OffsetDateTime::now_utc(),
    )
    .await?;
    let mut change = ctx.change(&state).await?;
    let id = store::insert_version(&mut change, &report, user.id).await?;
    change.commit().await?;
    let failed = report.failed_checks().len();
    ctx.flash(
        &state,
        &if failed == 0 {
            format!("{} generated as a draft", report.title())
        } else {
            format!(
                "{} generated as a draft: {} failed",
                report.title(),
                crate::kernel::filters::count_of(failed as i64, "check", "checks")
            )
        },
    )
    .await?;
    Ok(Redirect::to(&format!("/reports/{id}")).into_response())
}

// ---- one version ----

/// A section in the contents list.
pub struct ContentsEntry {
    pub id: String,
    pub title: String,
    pub held: bool,
}

#[derive(Template)]
#[template(path = "reports/templates/report.html")]
struct ReportPage {
    chrome: Chrome,
    version: VersionSummary,
    title: String,
    partnership: String,
    period_label: String,
    failed: Vec<CheckOutcome>,
    checks_run: usize,
    contents: Vec<ContentsEntry>,
    body: String,
    appendix: String,
    narratives: Vec<(String, String)>,
    comments: Vec<Comment>,
    can_manage: bool,
    can_comment: bool,
    /// Errors of the comment form or the approval, kept on the page.
    errors: FormErrors,
    comment: String,
}

async fn report_page(
    state: &AppState,
    ctx: &Ctx,
    version: ReportVersion,
    errors: FormErrors,
    comment: String,
) -> AppResult<ReportPage> {
    let user = ctx.user()?;
    let id = version.summary.id;
    let report = &version.document;
    let link = |reference: &FigureRef| Some(html::figure_page(id.get(), reference));
    let is_draft = version.summary.is_draft();
    let can_manage = user.can(Permission::ManageReports);
    let narratives = if report.kind == ReportKind::Yearly && can_manage && is_draft {
        NarrativePart::ALL
            .iter()
            .map(|part| {
                (
                    format!(
                        "/reports/narrative/{}/{}/{}",
                        report.kind.code(),
                        report.period.code(),
                        part.code()
                    ),
                    part.label().to_string(),
                )
            })
            .collect()
    } else {
        Vec::new()
    };
    Ok(ReportPage {
        title: version.summary.title(),
        partnership: report.partnership.clone(),
        period_label: report.period.label(),
        failed: report.failed_checks().into_iter().cloned().collect(),
        checks_run: report.checks.len(),
        contents: report
            .sections
            .iter()
            .map(|section| ContentsEntry {
                id: html::section_id(section),
                title: section.title.clone(),
                held: section.is_held(),
            })
            .collect(),
        body: html::sections_html(report, &link),
        appendix: html::appendix_html(report, &link),
        narratives,
        comments: store::comments(ctx.scope(state)?, id).await?,
        can_manage,
        can_comment: is_draft && user.can(Permission::CommentOnReports),
        chrome: ctx.chrome(state).await?,
        version: version.summary,
        errors,
        comment,
    })
}

pub async fn report(
    State(state): State<AppState>,
    ctx: Ctx,
    Loaded(version): Loaded<ReportVersion>,
) -> AppResult<impl IntoResponse> {
    render(&report_page(&state, &ctx, version, FormErrors::default(), String::new()).await?)
}

#[derive(Debug, Default, Deserialize)]
pub struct CommentForm {
    #[serde(default)]
    pub body: String,
}

pub async fn add_comment(
    State(state): State<AppState>,
    ctx: Ctx,
    Loaded(version): Loaded<ReportVersion>,
    Form(form): Form<CommentForm>,
) -> AppResult<Response> {
    let mut errors = FormErrors::default();
    let body = errors.required_text("body", "Your comment", &form.body, COMMENT_LIMIT);
    if !version.summary.is_draft() {
        errors.add(
            "body",
            "This version is approved: it takes no more comments",
        );
    }
    if !errors.is_empty() {
        return render_refused(&report_page(&state, &ctx, version, errors, form.body).await?);
    }
    let user = ctx.user()?;
    let id = version.summary.id;
    let mut change = ctx.change(&state).await?;
    let added = store::insert_comment(
        &mut change,
        &version.summary,
        &body,
        user.id,
        &user.display_name,
    )
    .await?;
    if added.is_none() {
        change.rollback().await?;
        return Err(AppError::BadRequest(
            "This version was approved a moment ago: it takes no more comments.".into(),
        ));
    }
    change.commit().await?;
    ctx.flash(&state, "Comment added").await?;
    Ok(Redirect::to(&format!("/reports/{id}#comments")).into_response())
}

/// The status line a PDF carries once approved: "Approved 30 September 2025 by Alex Admin".
pub async fn approve(
    State(state): State<AppState>,
    ctx: Ctx,
    Loaded(version): Loaded<ReportVersion>,
) -> AppResult<Response> {
    if !version.summary.is_draft() {
        let mut errors = FormErrors::default();
        errors.add("approve", "This version is already approved");
        return render_refused(&report_page(&state, &ctx, version, errors, String::new()).await?);
    }
    let failed: Vec<CheckOutcome> = version
        .document
        .failed_checks()
        .into_iter()
        .cloned()
        .collect();
    if !failed.is_empty() {
        let mut errors = FormErrors::default();
        for check in &failed {
            errors.add(
                "approve",
                format!("Cannot approve: {} failed ({})", check.what, check.detail),
            );
        }
        return render_refused(&report_page(&state, &ctx, version, errors, String::new()).await?);
    }
    let user = ctx.user()?;
    let at = time::OffsetDateTime::now_utc();
    let at_text = crate::kernel::db::timestamp_text(at);
    let id = version.summary.id;
    // The PDF is rendered with the approval's time and an identifier from the version, so it
    // can be made again byte for byte from the frozen JSON; it is kept exactly as rendered.
    let document = version.document.clone();
    let by = user.display_name.clone();
    let approved_at = at_text.clone();
    let version_id = id.get();
    let rendered = tokio::task::spawn_blocking(move || {
        pdf::render_approved(&document, version_id, &approved_at, &by)
    })
    .await
    .map_err(|error| AppError::Internal(error.to_string()))?;
    let bytes = rendered.map_err(|error| AppError::Internal(error.to_string()))?;
    let mut change = ctx.change(&state).await?;
    let upload = files::Upload {
        file_name: pdf_file_name(&version.document),
        content_type: "application/pdf",
        bytes,
    };
    let sha = super::model::sha256_hex(&upload.bytes);
    let file_id = files::store(change.transaction(), &upload, &user.display_name).await?;
    let pdf = Some((file_id, sha));
    let approval = store::Approval {
        by: user.id,
        by_name: &user.display_name,
        at: &at_text,
        pdf,
    };
    if !store::approve_version(&mut change, &version.summary, &approval).await? {
        change.rollback().await?;
        return Err(AppError::BadRequest(
            "Someone else approved this version a moment ago. Reload the page to see it.".into(),
        ));
    }
    change.commit().await?;
    ctx.flash(&state, &format!("{} approved", version.summary.title()))
        .await?;
    Ok(Redirect::to(&format!("/reports/{id}")).into_response())
}

fn pdf_file_name(report: &GeneratedReport) -> String {
    format!("{}-report-{}.pdf", report.kind.code(), report.period.code())
}

/// The PDF: an approved version's exactly as stored; a draft's rendered now.
pub async fn report_pdf(
    State(state): State<AppState>,
    ctx: Ctx,
    Loaded(version): Loaded<ReportVersion>,
) -> AppResult<Response> {
    let _ = &ctx;
    if let Some(file_id) = version.summary.pdf_file_id {
        let (file, bytes) = files::fetch(&state.db, file_id)
            .await?
            .ok_or(AppError::NotFound)?;
        return Ok(files::download(&file, bytes));
    }
    // A draft's PDF is rendered now, from its frozen JSON with its generation time and an
    // identifier drawn from its content: the same draft always gives the same bytes.
    let document = version.document.clone();
    let rendered = tokio::task::spawn_blocking(move || pdf::render(&document))
        .await
        .map_err(|error| AppError::Internal(error.to_string()))?;
    let bytes = rendered.map_err(|error| AppError::Internal(error.to_string()))?;
    Ok((
        [
            (header::CONTENT_TYPE, "application/pdf".to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!(
                    "attachment; filename=\"{}\"",
                    pdf_file_name(&version.document)
                ),
            ),
        ],
        bytes,
    )
        .into_response())
}

// ---- one figure ----

#[derive(Debug, Default, Deserialize)]
pub struct FigureQuery {
    #[serde(default)]
    pub instance: String,
}

#[derive(Template)]
#[template(path = "reports/templates/figure.html")]
struct FigurePage {
    chrome: Chrome,
    version: VersionSummary,
    figure: ComputedFigure,
    reference: String,
    value: String,
    previous: String,
    previous_label: String,
    sections: Vec<(String, String)>,
}

/// The sections that print the figure, as (anchor, "3. Title").
fn sections_printing(report: &GeneratedReport, reference: &FigureRef) -> Vec<(String, String)> {
    report
        .sections
        .iter()
        .filter(|section: &&GeneratedSection| {
            section
                .parts
                .iter()
                .any(|part| generate::referenced_figures(&part.blocks).contains(reference))
        })
        .map(|section| {
            (
                html::section_id(section),
                format!("{}. {}", section.number, section.title),
            )
        })
        .collect()
}

pub async fn figure(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((id, key)): Path<(ReportVersionId, String)>,
    Query(query): Query<FigureQuery>,
) -> AppResult<impl IntoResponse> {
    let version = store::find_version(ctx.scope(&state)?, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let reference = FigureRef {
        key: key.into(),
        instance: query.instance.into(),
    };
    let book: FigureBook = version.document.book();
    let figure = book.get(&reference).cloned().ok_or(AppError::NotFound)?;
    let previous = figure
        .previous
        .as_ref()
        .map(format_figure)
        .unwrap_or_else(|| "not held".to_string());
    render(&FigurePage {
        chrome: ctx.chrome(&state).await?,
        value: format_figure(&figure.figure),
        previous,
        previous_label: version.document.period.previous().label(),
        sections: sections_printing(&version.document, &reference),
        reference: super::model::describe_ref(&reference),
        version: version.summary,
        figure,
    })
}

// ---- narrative ----

#[derive(Debug, Default, Deserialize)]
pub struct NarrativeForm {
    #[serde(default)]
    pub text: String,
}

#[derive(Template)]
#[template(path = "reports/templates/narrative.html")]
struct NarrativePage {
    chrome: Chrome,
    kind_title: &'static str,
    period_label: String,
    part_label: &'static str,
    action: String,
    errors: FormErrors,
    text: String,
    suggestions: Vec<String>,
    suggested_from: Option<(String, String)>,
    history: Vec<Narrative>,
}

/// The kind, period and part a narrative URL names; anything else is not found.
fn narrative_target(
    kind: &str,
    period: &str,
    part: &str,
) -> AppResult<(ReportPeriod, NarrativePart)> {
    let kind = ReportKind::from_code(kind).ok_or(AppError::NotFound)?;
    let period = ReportPeriod::parse(period)
        .filter(|p| p.kind() == kind && p.code() == period)
        .ok_or(AppError::NotFound)?;
    let part = NarrativePart::from_code(part).ok_or(AppError::NotFound)?;
    Ok((period, part))
}

async fn narrative_page(
    state: &AppState,
    ctx: &Ctx,
    period: ReportPeriod,
    part: NarrativePart,
    errors: FormErrors,
    text: Option<String>,
) -> AppResult<NarrativePage> {
    let scope = ctx.scope(state)?;
    let history = store::narrative_history(scope, period, part).await?;
    let latest = store::latest_version(scope, period).await?;
    let (suggestions, suggested_from) = match &latest {
        Some(version) => (
            suggested_sentences(&version.document.book(), &period.previous().label(), 8),
            Some((
                format!("/reports/{}", version.summary.id),
                version.summary.title(),
            )),
        ),
        None => (Vec::new(), None),
    };
    Ok(NarrativePage {
        chrome: ctx.chrome(state).await?,
        kind_title: store::kind_title(period.kind()),
        period_label: period.label(),
        part_label: part.label(),
        action: format!(
            "/reports/narrative/{}/{}/{}",
            period.kind().code(),
            period.code(),
            part.code()
        ),
        text: text.unwrap_or_else(|| history.first().map(|n| n.text.clone()).unwrap_or_default()),
        errors,
        suggestions,
        suggested_from,
        history,
    })
}

pub async fn narrative(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((kind, period, part)): Path<(String, String, String)>,
) -> AppResult<impl IntoResponse> {
    let (period, part) = narrative_target(&kind, &period, &part)?;
    render(&narrative_page(&state, &ctx, period, part, FormErrors::default(), None).await?)
}

pub async fn save_narrative(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((kind, period, part)): Path<(String, String, String)>,
    Form(form): Form<NarrativeForm>,
) -> AppResult<Response> {
    let (period, part) = narrative_target(&kind, &period, &part)?;
    let mut errors = FormErrors::default();
    let text = errors.required_text("text", part.label(), &form.text, NARRATIVE_LIMIT);
    if !errors.is_empty() {
        return render_refused(
            &narrative_page(&state, &ctx, period, part, errors, Some(form.text)).await?,
        );
    }
    let user = ctx.user()?;
    let mut change = ctx.change(&state).await?;
    store::insert_narrative(
        &mut change,
        period,
        part,
        &text,
        user.id,
        &user.display_name,
    )
    .await?;
    change.commit().await?;
    ctx.flash(
        &state,
        &format!(
            "{} saved. Generate the report again to include it.",
            part.label()
        ),
    )
    .await?;
    Ok(Redirect::to(&format!(
        "/reports/narrative/{}/{}/{}",
        period.kind().code(),
        period.code(),
        part.code()
    ))
    .into_response())
}
