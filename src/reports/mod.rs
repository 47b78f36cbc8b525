//! The reports: the statutory yearly report and the quarterly board report, generated from the
//! figures and sections every module registers (kernel::report), cross-checked, compared with
//! the period before, drafted and approved, frozen, and rendered as HTML and PDF.

pub mod generate;
pub mod model;

use crate::kernel::Routes;

pub fn routes() -> Routes {
    Routes::new()
}
