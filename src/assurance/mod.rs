//! Assurance: s11 and s175 self-assessment audits, their returns, deep-dive samples and moderation.

pub mod agreement;
pub mod grades;
pub mod sampling;
