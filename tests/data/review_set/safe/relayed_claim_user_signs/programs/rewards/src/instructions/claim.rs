use anchor_lang::prelude::*;

use crate::errors::RewardsError;
use crate::state::Position;

#[derive(Accounts)]
pub struct Claim<'info> {
    /// Pays the transaction fee; a relayer may submit claims for users.
    #[account(mut)]
    pub payer: Signer<'info>,
    pub user: Signer<'info>,
    #[account(
        mut,
        has_one = user,
        seeds = [b"position", user.key().as_ref()],
        bump = position.bump
    )]
    pub position: Account<'info, Position>,
    /// CHECK: receives the claimed lamports
    #[account(mut)]
    pub destination: UncheckedAccount<'info>,
}

pub fn handler(ctx: Context<Claim>, amount: u64) -> Result<()> {
    let position = &mut ctx.accounts.position;
    require!(amount <= position.accrued, RewardsError::TooMuch);
    position.accrued -= amount;
    position.sub_lamports(amount)?;
    ctx.accounts.destination.add_lamports(amount)?;
    Ok(())
}
