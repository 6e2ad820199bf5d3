use anchor_lang::prelude::*;

use crate::state::{Prizes, Ticket};
use crate::RaffleError;

#[derive(Accounts)]
pub struct Redeem<'info> {
    #[account(
        mut,
        seeds = [b"ticket", user.key().as_ref()],
        bump = ticket.bump
    )]
    pub ticket: Account<'info, Ticket>,
    #[account(mut, seeds = [b"prizes"], bump = prizes.bump)]
    pub prizes: Account<'info, Prizes>,
    #[account(mut)]
    pub user: Signer<'info>,
}

pub fn handler(ctx: Context<Redeem>, bump: u8) -> Result<()> {
    let ticket = &mut ctx.accounts.ticket;
    require!(!ticket.redeemed, RaffleError::Redeemed);
    ticket.redeemed = true;
    ctx.accounts.prizes.sub_lamports(ticket.prize)?;
    ctx.accounts.user.add_lamports(ticket.prize)?;
    Ok(())
}
