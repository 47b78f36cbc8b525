pub mod risks;
