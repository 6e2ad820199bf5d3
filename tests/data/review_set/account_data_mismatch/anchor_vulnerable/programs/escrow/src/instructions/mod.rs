pub mod release;

pub use release::*;
