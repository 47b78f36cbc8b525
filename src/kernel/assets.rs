//! Static files embedded in the binary: the GOV.UK Frontend package (CSS, JavaScript, fonts,
//! images; see assets/govuk-frontend/VERSION) and MASA's own small additions. Nothing is
//! fetched from a CDN at run time.

use axum::extract::Path;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use rust_embed::RustEmbed;

#[derive(RustEmbed)]
#[folder = "assets/"]
struct Assets;

pub async fn serve(Path(path): Path<String>) -> Response {
    // govuk-frontend's stylesheet refers to /assets/fonts/… and /assets/images/…
    let file = Assets::get(&format!("govuk-frontend/{path}"))
        .or_else(|| Assets::get(&format!("masa/{path}")));
    match file {
        Some(file) => {
            let mime = mime_guess::from_path(&path).first_or_octet_stream();
            (
                [
                    (header::CONTENT_TYPE, mime.as_ref().to_owned()),
                    (header::CACHE_CONTROL, "public, max-age=3600".to_owned()),
                ],
                file.data.into_owned(),
            )
                .into_response()
        }
        None => (StatusCode::NOT_FOUND, "not found").into_response(),
    }
}
