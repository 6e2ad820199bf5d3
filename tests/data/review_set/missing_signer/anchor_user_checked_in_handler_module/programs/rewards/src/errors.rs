use anchor_lang::prelude::*;

#[error_code]
pub enum RewardsError {
    #[msg("claim exceeds the accrued rewards")]
    TooMuch,
    #[msg("the position's user must sign")]
    NotUser,
}
