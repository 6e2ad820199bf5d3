use anchor_lang::prelude::*;

pub mod instructions;
pub mod state;

use instructions::*;

declare_id!("FakeProgram7x1111111111111111111111111111111");

#[program]
pub mod scoreboard {
    use super::*;

    pub fn create(ctx: Context<Create>) -> Result<()> {
        instructions::create::handler(ctx)
    }

    pub fn record(ctx: Context<Record>, points: u32, multiplier: u32) -> Result<()> {
        instructions::record::handler(ctx, points, multiplier)
    }
}
