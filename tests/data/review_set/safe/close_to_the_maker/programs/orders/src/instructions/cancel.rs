use anchor_lang::prelude::*;

use crate::state::Order;

#[derive(Accounts)]
pub struct Cancel<'info> {
    #[account(mut, has_one = maker, close = maker)]
    pub order: Account<'info, Order>,
    #[account(mut)]
    pub maker: Signer<'info>,
}

pub fn handler(ctx: Context<Cancel>) -> Result<()> {
    msg!("order of {} at {} cancelled", ctx.accounts.order.size, ctx.accounts.order.price);
    Ok(())
}
