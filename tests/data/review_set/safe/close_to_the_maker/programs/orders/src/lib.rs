use anchor_lang::prelude::*;

pub mod instructions;
pub mod state;

use instructions::*;

declare_id!("224pHN2SXKw9UZTTYRsEEagXA68DjqnL8RxwK2SsXsXK");

#[program]
pub mod orders {
    use super::*;

    pub fn cancel(ctx: Context<Cancel>) -> Result<()> {
        instructions::cancel::handler(ctx)
    }
}
