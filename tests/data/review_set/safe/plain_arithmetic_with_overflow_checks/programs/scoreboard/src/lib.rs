use anchor_lang::prelude::*;

pub mod instructions;
pub mod state;

use instructions::*;

declare_id!("3Kx73oH4zkJaxGR9ahB1UE8oDBcrLH1TbPpEDy7GHQU9");

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
