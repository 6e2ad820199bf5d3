use anchor_lang::prelude::*;

pub mod instructions;
pub mod state;

use instructions::*;

declare_id!("FakeProgram51x111111111111111111111111111111");

#[program]
pub mod raffle {
    use super::*;

    pub fn redeem(ctx: Context<Redeem>, bump: u8) -> Result<()> {
        instructions::redeem::handler(ctx, bump)
    }
}

#[error_code]
pub enum RaffleError {
    #[msg("the ticket is not this user's ticket")]
    WrongTicket,
    #[msg("the ticket was already redeemed")]
    Redeemed,
}
