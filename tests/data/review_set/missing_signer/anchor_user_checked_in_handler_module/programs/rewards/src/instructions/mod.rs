pub mod claim;
pub mod open_position;

pub use claim::*;
pub use open_position::*;
