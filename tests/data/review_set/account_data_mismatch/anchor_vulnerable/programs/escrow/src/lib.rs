use anchor_lang::prelude::*;

pub mod instructions;
pub mod state;

use instructions::*;

declare_id!("FakeProgram35x111111111111111111111111111111");

#[program]
pub mod escrow {
    use super::*;

    pub fn release(ctx: Context<Release>, amount: u64) -> Result<()> {
        instructions::release::handler(ctx, amount)
    }
}

#[error_code]
pub enum EscrowError {
    #[msg("the signer is not this escrow's arbiter")]
    WrongArbiter,
    #[msg("amount exceeds the escrowed balance")]
    TooMuch,
}
