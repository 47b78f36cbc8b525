//! The page frame every module renders into: service navigation by module, the signed-in
//! person, the CSRF token for forms, and a one-time notification.

use askama::Template;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::response::Html;

use super::AppState;
use super::audit::Actor;
use super::auth::{self, CurrentUser, Session};
use super::error::{AppError, AppResult};
use super::roles::Permission;

/// One entry of the service navigation, registered by a module.
#[derive(Debug, Clone)]
pub struct NavEntry {
    pub label: &'static str,
    pub href: &'static str,
    pub permission: Permission,
    /// What the area holds, for its card on the home page (none: no card).
    pub summary: &'static str,
}

#[derive(Debug, Clone)]
pub struct NavItem {
    pub label: &'static str,
    pub href: &'static str,
    pub current: bool,
}

#[derive(Debug, Clone, Default)]
pub struct Chrome {
    pub user_name: Option<String>,
    /// The signed-in person's partnership, named in the header.
    pub partnership_name: Option<String>,
    pub nav: Vec<NavItem>,
    pub csrf_token: String,
    pub flash: Option<String>,
}

impl Chrome {
    /// For pages before sign-in.
    pub fn bare() -> Chrome {
        Chrome::default()
    }

    /// The signed-in header and navigation for `path`, without the one-time notification (an
    /// error page leaves it for the next real page).
    pub fn for_session(state: &AppState, session: Option<&Session>, path: &str) -> Chrome {
        let Some(session) = session else {
            return Chrome::bare();
        };
        // The current entry is the longest that the path sits under, so /dataset/drops marks
        // "Data drops" and not "Dataset" too.
        let current = state
            .navigation
            .iter()
            .map(|entry| entry.href)
            .filter(|href| {
                if *href == "/" {
                    path == "/"
                } else {
                    path == *href || path.starts_with(&format!("{href}/"))
                }
            })
            .max_by_key(|href| href.len());
        let nav = match &session.user {
            Some(user) => state
                .navigation
                .iter()
                .filter(|entry| user.can(entry.permission))
                .map(|entry| NavItem {
                    label: entry.label,
                    href: entry.href,
                    current: current == Some(entry.href),
                })
                .collect(),
            None => Vec::new(),
        };
        Chrome {
            user_name: session.user.as_ref().map(|user| user.display_name.clone()),
            partnership_name: session
                .user
                .as_ref()
                .map(|user| user.partnership_name.clone()),
            nav,
            csrf_token: session.csrf_token.clone(),
            flash: None,
        }
    }
}

/// What a handler knows about the request: the session (if any) and the request id.
pub struct Ctx {
    pub session: Option<Session>,
    pub request_id: Option<String>,
    pub path: String,
}

impl<S: Send + Sync> FromRequestParts<S> for Ctx {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        Ok(Ctx {
            session: parts.extensions.get::<Option<Session>>().cloned().flatten(),
            request_id: parts
                .headers
                .get("x-request-id")
                .and_then(|value| value.to_str().ok())
                .map(str::to_owned),
            path: parts.uri.path().to_owned(),
        })
    }
}

impl Ctx {
    pub fn user(&self) -> AppResult<&CurrentUser> {
        self.session
            .as_ref()
            .and_then(|session| session.user.as_ref())
            .ok_or_else(|| AppError::SignInRequired {
                return_to: self.path.clone(),
            })
    }

    /// The database as the signed-in person's partnership sees it: what store lookups take.
    pub fn scope<'a>(&self, state: &'a AppState) -> AppResult<super::store::Scope<'a>> {
        Ok(super::store::Scope::new(
            &state.db,
            self.user()?.partnership(),
        ))
    }

    /// Begins a change by the signed-in person, in their partnership.
    pub async fn change(&self, state: &AppState) -> AppResult<super::store::Change> {
        Ok(super::store::Change::begin(&state.db, self.actor()?).await?)
    }

    pub fn actor(&self) -> AppResult<Actor> {
        Ok(Actor::user(self.user()?, self.request_id.clone()))
    }

    /// The frame for a page; shows and clears any one-time notification.
    pub async fn chrome(&self, state: &AppState) -> AppResult<Chrome> {
        if let Some(session) = &self.session
            && session.flash.is_some()
        {
            auth::clear_flash(&state.db, &session.token_hash).await?;
        }
        let mut chrome = Chrome::for_session(state, self.session.as_ref(), &self.path);
        chrome.flash = self
            .session
            .as_ref()
            .and_then(|session| session.flash.clone());
        Ok(chrome)
    }

    /// Leaves a one-time notification for the next page.
    pub async fn flash(&self, state: &AppState, message: &str) -> AppResult<()> {
        if let Some(session) = &self.session {
            auth::set_flash(&state.db, &session.token_hash, message).await?;
        }
        Ok(())
    }
}

pub fn render<T: Template>(page: &T) -> AppResult<Html<String>> {
    Ok(Html(page.render()?))
}

/// A form page shown again with its errors: 422, so tools and tests see the refusal too.
pub fn render_refused<T: Template>(page: &T) -> AppResult<axum::response::Response> {
    use axum::response::IntoResponse;
    Ok((axum::http::StatusCode::UNPROCESSABLE_ENTITY, render(page)?).into_response())
}

#[derive(Template)]
#[template(path = "kernel/templates/error.html")]
struct ErrorPage<'a> {
    chrome: &'a Chrome,
    heading: &'a str,
    detail: &'a str,
}

pub fn render_error_page(chrome: &Chrome, heading: &str, detail: &str) -> Html<String> {
    let page = ErrorPage {
        chrome,
        heading,
        detail,
    };
    Html(page.render().unwrap_or_else(|_| {
        format!(
            "<!DOCTYPE html><html lang=\"en\"><title>{heading}</title><h1>{heading}</h1></html>"
        )
    }))
}
