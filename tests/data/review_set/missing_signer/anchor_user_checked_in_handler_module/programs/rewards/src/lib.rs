use anchor_lang::prelude::*;

pub mod errors;
pub mod instructions;
pub mod state;

use instructions::*;

declare_id!("FakeProgram37x111111111111111111111111111111");

#[program]
pub mod rewards {
    use super::*;

    pub fn open_position(ctx: Context<OpenPosition>) -> Result<()> {
        instructions::open_position::handler(ctx)
    }

    pub fn claim(ctx: Context<Claim>, amount: u64) -> Result<()> {
        instructions::claim::handler(ctx, amount)
    }
}
