use anchor_lang::prelude::*;

use crate::state::Escrow;
use crate::EscrowError;

#[derive(Accounts)]
pub struct Release<'info> {
    #[account(
        mut,
        has_one = beneficiary,
        seeds = [b"escrow", escrow.beneficiary.as_ref()],
        bump = escrow.bump
    )]
    pub escrow: Account<'info, Escrow>,
    pub arbiter: Signer<'info>,
    /// CHECK: must be the escrow's beneficiary (has_one below)
    #[account(mut)]
    pub beneficiary: UncheckedAccount<'info>,
}

pub fn handler(ctx: Context<Release>, amount: u64) -> Result<()> {
    let escrow = &mut ctx.accounts.escrow;
    require!(amount <= escrow.amount, EscrowError::TooMuch);
    escrow.amount -= amount;
    escrow.sub_lamports(amount)?;
    ctx.accounts.beneficiary.add_lamports(amount)?;
    Ok(())
}
