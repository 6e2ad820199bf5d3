pub mod redeem;

pub use redeem::*;
