//! The demo partnership's assurance records: the shipped s11 and s175 frameworks.

use super::model::shipped_frameworks;
use super::store;
use crate::kernel::Change;

#[derive(Debug, thiserror::Error)]
pub enum DemoError {
    #[error(transparent)]
    Database(#[from] sqlx::Error),
    #[error("assurance demo data: {0}")]
    Data(String),
}

/// Adds the shipped frameworks.
pub async fn load(change: &mut Change) -> Result<(), DemoError> {
    let frameworks =
        shipped_frameworks().map_err(|problems| DemoError::Data(problems.join("; ")))?;
    for definition in &frameworks {
        store::add_framework(change, definition, "Demo loader").await?;
    }
    Ok(())
}
