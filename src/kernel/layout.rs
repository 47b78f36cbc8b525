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
    /// The header entry this area sits under (its `href`): it is then reached from that
    /// entry's section navigation, and shows in the header only to someone who may not use
    /// the entry above it.
    pub parent: Option<&'static str>,
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
    /// The current header entry's areas (itself first), when it has any the person may use.
    pub section_nav: Vec<NavItem>,
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
        let (nav, section_nav) = match &session.user {
            Some(user) => navigation_for(&state.navigation, user, path),
            None => (Vec::new(), Vec::new()),
        };
        Chrome {
            user_name: session.user.as_ref().map(|user| user.display_name.clone()),
            partnership_name: session
                .user
                .as_ref()
                .map(|user| user.partnership_name.clone()),
            nav,
            section_nav,
            csrf_token: session.csrf_token.clone(),
            flash: None,
        }
    }
}

/// The header's entries for this person, and the section navigation of the one `path` is in.
/// The current entry is the longest that the path sits under (so /dataset/drops marks "Data
/// drops", not "Dataset" too); an area under another marks the one above it in the header.
pub fn navigation_for(
    entries: &[NavEntry],
    user: &super::auth::CurrentUser,
    path: &str,
) -> (Vec<NavItem>, Vec<NavItem>) {
    let under = |entry: &NavEntry| {
        if entry.href == "/" {
            path == "/"
        } else {
            path == entry.href || path.starts_with(&format!("{}/", entry.href))
        }
    };
    let children = |parent: &'static str| {
        entries
            .iter()
            .filter(move |entry| entry.parent == Some(parent) && user.can(entry.permission))
    };
    let usable = |entry: &NavEntry| user.can(entry.permission);
    let in_header = |entry: &NavEntry| {
        usable(entry)
            && entry.parent.is_none_or(|parent| {
                !entries
                    .iter()
                    .any(|above| above.href == parent && usable(above))
            })
    };
    let current = entries
        .iter()
        .filter(|entry| usable(entry) && under(entry))
        .max_by_key(|entry| entry.href.len());
    let current_top = current.map(|entry| match entry.parent {
        Some(parent) if !in_header(entry) => parent,
        _ => entry.href,
    });
    let nav = entries
        .iter()
        .filter(|entry| in_header(entry))
        .map(|entry| NavItem {
            label: entry.label,
            href: entry.href,
            current: current_top == Some(entry.href),
        })
        .collect();
    let section_nav =
        match current_top.and_then(|top| entries.iter().find(|entry| entry.href == top)) {
            Some(top) if children(top.href).next().is_some() => std::iter::once(top)
                // An entry that is only a heading for others (Admin) is not a section page.
                .filter(|top| !top.summary.is_empty())
                .chain(children(top.href))
                .map(|entry| NavItem {
                    label: entry.label,
                    href: entry.href,
                    current: current.is_some_and(|current| current.href == entry.href),
                })
                .collect(),
            _ => Vec::new(),
        };
    (nav, section_nav)
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kernel::auth::CurrentUser;
    use crate::kernel::ids::{PartnershipId, UserId};
    use crate::kernel::roles::Role;

    fn entry(
        label: &'static str,
        href: &'static str,
        permission: Permission,
        parent: Option<&'static str>,
    ) -> NavEntry {
        NavEntry {
            label,
            href,
            permission,
            summary: if href == "/admin" { "" } else { "An area." },
            parent,
        }
    }

    fn entries() -> Vec<NavEntry> {
        vec![
            entry("Home", "/", Permission::SignedIn, None),
            entry(
                "Improvement tracker",
                "/tracker",
                Permission::ViewTracker,
                None,
            ),
            entry(
                "Policies",
                "/tracker/policies",
                Permission::ViewPolicies,
                Some("/tracker"),
            ),
            entry("Admin", "/admin", Permission::UseAdmin, None),
            entry(
                "Audit trail",
                "/audit-trail",
                Permission::ViewAuditTrail,
                Some("/admin"),
            ),
            entry("Users", "/users", Permission::ManageUsers, Some("/admin")),
        ]
    }

    fn user(role: Role) -> CurrentUser {
        CurrentUser {
            id: UserId::new(1),
            partnership_id: PartnershipId::new(1),
            partnership_name: "Halton".into(),
            email: "a@example.org".into(),
            display_name: "A".into(),
            organisation_id: None,
            roles: vec![role],
            must_change_password: false,
        }
    }

    fn labels(items: &[NavItem]) -> Vec<&'static str> {
        items.iter().map(|item| item.label).collect()
    }

    #[test]
    fn areas_under_another_are_reached_from_its_section() {
        let entries = entries();
        let (nav, section) = navigation_for(
            &entries,
            &user(Role::BusinessUnitAdmin),
            "/tracker/policies/3",
        );
        assert_eq!(labels(&nav), ["Home", "Improvement tracker", "Admin"]);
        assert!(nav[1].current, "the tracker is marked for its policies");
        assert_eq!(labels(&section), ["Improvement tracker", "Policies"]);
        assert!(section[1].current && !section[0].current);

        let (nav, section) = navigation_for(&entries, &user(Role::BusinessUnitAdmin), "/users/4");
        assert!(nav[2].current);
        assert_eq!(
            labels(&section),
            ["Audit trail", "Users"],
            "Admin is a heading only"
        );
    }

    #[test]
    fn an_area_shows_in_the_header_when_the_one_above_it_is_not_theirs() {
        let entries = entries();
        let (nav, section) =
            navigation_for(&entries, &user(Role::Practitioner), "/tracker/policies");
        assert_eq!(labels(&nav), ["Home", "Policies"]);
        assert!(nav[1].current);
        assert!(section.is_empty());
        let (nav, _) = navigation_for(&entries, &user(Role::IndependentScrutineer), "/");
        assert_eq!(labels(&nav), ["Home", "Improvement tracker", "Admin"]);
        assert!(nav[0].current);
    }
}
