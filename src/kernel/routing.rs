//! Routes declare who may use them. Every route is added through `Routes`, which wraps the
//! handler in a check of the named permission and keeps a list of (method, path, access) so a
//! test can walk the whole router and prove each route refuses the roles it should.

use axum::Router;
use axum::extract::Request;
use axum::handler::Handler;
use axum::http::Method;
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{MethodRouter, get, post};

use super::AppState;
use super::auth::Session;
use super::error::AppError;
use super::roles::Permission;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// No sign-in needed (sign-in page, health check, assets).
    Public,
    Requires(Permission),
    /// A partner system's bearer token, never a session or cookie: the handler extracts the
    /// token's caller (e.g. `dataset`'s `ApiCaller`), which refuses a request without a live one.
    ApiToken,
}

#[derive(Debug, Clone)]
pub struct RouteSpec {
    pub method: Method,
    pub path: &'static str,
    pub access: Access,
}

#[derive(Default)]
pub struct Routes {
    router: Router<AppState>,
    specs: Vec<RouteSpec>,
}

/// Paths a signed-in person who must change their password may still use.
const PASSWORD_CHANGE_PATHS: [&str; 2] = ["/account/password", "/sign-out"];

async fn require(permission: Permission, request: Request, next: Next) -> Response {
    let session = request
        .extensions()
        .get::<Option<Session>>()
        .cloned()
        .flatten();
    let Some(user) = session.and_then(|session| session.user) else {
        let return_to = if request.method() == Method::GET {
            request
                .uri()
                .path_and_query()
                .map_or("/", |pq| pq.as_str())
                .to_owned()
        } else {
            "/".to_owned()
        };
        return AppError::SignInRequired { return_to }.into_response();
    };
    if user.must_change_password && !PASSWORD_CHANGE_PATHS.contains(&request.uri().path()) {
        return Redirect::to("/account/password").into_response();
    }
    if !user.can(permission) {
        return AppError::Forbidden.into_response();
    }
    next.run(request).await
}

impl Routes {
    pub fn new() -> Routes {
        Routes::default()
    }

    fn add(
        mut self,
        method: Method,
        path: &'static str,
        access: Access,
        method_router: MethodRouter<AppState>,
    ) -> Routes {
        let method_router = match access {
            Access::Public | Access::ApiToken => method_router,
            Access::Requires(permission) => {
                method_router.layer(middleware::from_fn(move |request: Request, next: Next| {
                    require(permission, request, next)
                }))
            }
        };
        self.router = self.router.route(path, method_router);
        self.specs.push(RouteSpec {
            method,
            path,
            access,
        });
        self
    }

    pub fn get<H, T>(self, path: &'static str, access: Access, handler: H) -> Routes
    where
        H: Handler<T, AppState>,
        T: 'static,
    {
        self.add(Method::GET, path, access, get(handler))
    }

    pub fn post<H, T>(self, path: &'static str, access: Access, handler: H) -> Routes
    where
        H: Handler<T, AppState>,
        T: 'static,
    {
        self.add(Method::POST, path, access, post(handler))
    }

    pub fn merge(mut self, other: Routes) -> Routes {
        self.router = self.router.merge(other.router);
        self.specs.extend(other.specs);
        self
    }

    pub fn specs(&self) -> &[RouteSpec] {
        &self.specs
    }

    pub fn into_router(self) -> Router<AppState> {
        self.router
    }
}
