pub mod create;
pub mod record;

pub use create::*;
pub use record::*;
