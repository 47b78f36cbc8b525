pub mod policies;
pub mod risks;
