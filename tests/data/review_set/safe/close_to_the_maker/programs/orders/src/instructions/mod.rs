pub mod cancel;

pub use cancel::*;
