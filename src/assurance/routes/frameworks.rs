//! Assurance pages: the overview (frameworks and rounds), a framework version's standards and
//! questions, adding the shipped frameworks, importing a framework (TOML) and exporting one.
//! Each handler: extract, authorise, act, render.

use askama::Template;
use axum::extract::{Path, State};
use axum::http::header;
use axum::response::{IntoResponse, Redirect, Response};

use crate::assurance::model::{
    FrameworkDefinition, FrameworkVersionId, Setting, shipped_frameworks,
};
use crate::assurance::store::{self, FrameworkSummary, FrameworkVersion, Round};
use crate::kernel::{
    AppError, AppResult, AppState, Chrome, Ctx, Permission, files, filters, render, render_refused,
};

#[derive(Template)]
#[template(path = "assurance/templates/assurance.html")]
struct AssurancePage {
    chrome: Chrome,
    frameworks: Vec<FrameworkSummary>,
    rounds: Vec<Round>,
    /// Shipped frameworks the partnership has not added yet, as (code, title).
    shipped_missing: Vec<(String, String)>,
    can_manage: bool,
}

pub async fn overview(State(state): State<AppState>, ctx: Ctx) -> AppResult<impl IntoResponse> {
    let scope = ctx.scope(&state)?;
    let frameworks = store::list_frameworks(scope).await?;
    let shipped_missing = shipped_frameworks()
        .map_err(|problems| AppError::Internal(problems.join("; ")))?
        .into_iter()
        .filter(|shipped| frameworks.iter().all(|f| f.code != shipped.code))
        .map(|shipped| (shipped.code, shipped.title))
        .collect();
    render(&AssurancePage {
        rounds: store::list_rounds(scope).await?,
        can_manage: ctx.user()?.can(Permission::ManageAssurance),
        chrome: ctx.chrome(&state).await?,
        frameworks,
        shipped_missing,
    })
}

/// Adds the shipped s11 and s175 frameworks the partnership does not hold yet.
pub async fn add_shipped(State(state): State<AppState>, ctx: Ctx) -> AppResult<Response> {
    let shipped =
        shipped_frameworks().map_err(|problems| AppError::Internal(problems.join("; ")))?;
    let by = ctx.user()?.display_name.clone();
    let mut added = Vec::new();
    let mut change = ctx.change(&state).await?;
    for definition in &shipped {
        if !store::framework_code_taken(&mut change, &definition.code).await? {
            store::add_framework(&mut change, definition, &by).await?;
            added.push(definition.title.clone());
        }
    }
    if added.is_empty() {
        change.rollback().await?;
        ctx.flash(&state, "The shipped frameworks are already held")
            .await?;
    } else {
        change.commit().await?;
        ctx.flash(&state, &format!("Added {}", added.join(" and ")))
            .await?;
    }
    Ok(Redirect::to("/assurance").into_response())
}

async fn version_of(
    state: &AppState,
    ctx: &Ctx,
    id: FrameworkVersionId,
) -> AppResult<FrameworkVersion> {
    store::framework_version(ctx.scope(state)?, id)
        .await?
        .ok_or(AppError::NotFound)
}

#[derive(Template)]
#[template(path = "assurance/templates/framework.html")]
struct FrameworkPage {
    chrome: Chrome,
    version: FrameworkVersion,
}

impl FrameworkPage {
    /// "Secondary school, College" for a question asked of some settings only.
    fn settings_label(&self, question: &store::Question) -> String {
        question
            .applies_to()
            .iter()
            .map(|setting: &Setting| setting.label())
            .collect::<Vec<_>>()
            .join(", ")
    }
}

pub async fn framework(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<FrameworkVersionId>,
) -> AppResult<impl IntoResponse> {
    let version = version_of(&state, &ctx, id).await?;
    render(&FrameworkPage {
        chrome: ctx.chrome(&state).await?,
        version,
    })
}

/// A framework version as a TOML file, the format it is imported from.
pub async fn export_framework(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<FrameworkVersionId>,
) -> AppResult<Response> {
    let version = version_of(&state, &ctx, id).await?;
    let text = toml::to_string_pretty(&version.definition())
        .map_err(|error| AppError::Internal(format!("could not write the framework: {error}")))?;
    Ok((
        [
            (
                header::CONTENT_TYPE,
                "application/toml; charset=utf-8".to_owned(),
            ),
            (
                header::CONTENT_DISPOSITION,
                format!(
                    "attachment; filename=\"masa-framework-{}-v{}.toml\"",
                    version.code, version.number
                ),
            ),
        ],
        text,
    )
        .into_response())
}

/// A framework version as a workbook, one row per question, in framework order.
pub async fn export_framework_xlsx(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<FrameworkVersionId>,
) -> AppResult<Response> {
    let version = version_of(&state, &ctx, id).await?;
    let bytes = crate::assurance::sheet::framework_xlsx(&version)
        .map_err(|error| AppError::Internal(format!("could not write the workbook: {error}")))?;
    Ok((
        [
            (
                header::CONTENT_TYPE,
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet".to_owned(),
            ),
            (
                header::CONTENT_DISPOSITION,
                format!(
                    "attachment; filename=\"masa-framework-{}-v{}.xlsx\"",
                    version.code, version.number
                ),
            ),
        ],
        bytes,
    )
        .into_response())
}

#[derive(Template)]
#[template(path = "assurance/templates/import.html")]
struct ImportPage {
    chrome: Chrome,
    problems: Vec<String>,
    file_name: String,
}

pub async fn import_page(State(state): State<AppState>, ctx: Ctx) -> AppResult<impl IntoResponse> {
    render(&ImportPage {
        chrome: ctx.chrome(&state).await?,
        problems: Vec::new(),
        file_name: String::new(),
    })
}

/// The longest framework file taken: the shipped ones are about 30 KB.
const LONGEST_FRAMEWORK_FILE: usize = 512 * 1024;

/// Imports a framework written as TOML: a new framework, or, when its code is held, the
/// framework's next version. A file with any problem is refused whole, every problem named.
pub async fn import(
    State(state): State<AppState>,
    ctx: Ctx,
    request: axum::extract::Request,
) -> AppResult<Response> {
    let form = files::read_upload_form(request, "the framework file", "framework files").await?;
    let (file_name, bytes) = form.file.unwrap_or_default();
    let definition = read_framework_file(&file_name, &bytes);
    let definition = match definition {
        Ok(definition) => definition,
        Err(problems) => {
            return render_refused(&ImportPage {
                chrome: ctx.chrome(&state).await?,
                problems,
                file_name,
            });
        }
    };
    let by = ctx.user()?.display_name.clone();
    let mut change = ctx.change(&state).await?;
    let existing = store::list_frameworks(&mut change)
        .await?
        .into_iter()
        .find(|framework| framework.code == definition.code);
    let (version, said) = match existing {
        Some(framework) => {
            let version =
                store::publish_new_version(&mut change, framework.id, &definition, &by).await?;
            (
                version,
                format!("Published a new version of {}", definition.title),
            )
        }
        None => {
            let (_, version) = store::add_framework(&mut change, &definition, &by).await?;
            (version, format!("Added the framework {}", definition.title))
        }
    };
    change.commit().await?;
    ctx.flash(&state, &said).await?;
    Ok(Redirect::to(&format!("/assurance/frameworks/{version}")).into_response())
}

/// A framework file's definition, or every problem with it.
fn read_framework_file(file_name: &str, bytes: &[u8]) -> Result<FrameworkDefinition, Vec<String>> {
    if bytes.is_empty() {
        return Err(vec![
            "Choose a framework file (.xlsx, .csv or .toml) to import".to_owned(),
        ]);
    }
    if bytes.len() > LONGEST_FRAMEWORK_FILE {
        return Err(vec![format!(
            "{file_name} is larger than a framework file can be ({} KB)",
            LONGEST_FRAMEWORK_FILE / 1024
        )]);
    }
    let lower = file_name.to_ascii_lowercase();
    if lower.ends_with(".xlsx") || lower.ends_with(".csv") {
        let definition = crate::assurance::sheet::read_framework_sheet(file_name, bytes)?;
        definition.check()?;
        return Ok(definition);
    }
    if !lower.ends_with(".toml") {
        return Err(vec![format!(
            "{file_name} is not a framework file: import a framework as .toml, .xlsx or .csv (export one to see the layout)"
        )]);
    }
    let text =
        std::str::from_utf8(bytes).map_err(|_| vec![format!("{file_name} is not text (UTF-8)")])?;
    FrameworkDefinition::from_toml(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_framework_file_is_checked_before_it_is_read() {
        let shipped = crate::assurance::model::SHIPPED_FRAMEWORKS[0].as_bytes();
        assert!(read_framework_file("s11.toml", shipped).is_ok());
        assert!(
            read_framework_file("s11.docx", shipped).unwrap_err()[0]
                .contains("not a framework file")
        );
        assert!(
            read_framework_file("s11.xlsx", shipped).is_err(),
            "TOML named .xlsx"
        );
        assert!(read_framework_file("s11.toml", b"").unwrap_err()[0].contains("Choose"));
        assert!(
            read_framework_file("s11.toml", &[0xff, 0xfe]).unwrap_err()[0].contains("not text")
        );
        let big = vec![b'#'; LONGEST_FRAMEWORK_FILE + 1];
        assert!(read_framework_file("s11.toml", &big).unwrap_err()[0].contains("larger"));
    }
}
