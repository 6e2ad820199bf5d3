use anchor_lang::prelude::*;

use crate::state::Score;

#[derive(Accounts)]
pub struct Record<'info> {
    #[account(
        mut,
        seeds = [b"score", player.key().as_ref()],
        bump = score.bump,
        has_one = player
    )]
    pub score: Account<'info, Score>,
    pub player: Signer<'info>,
}

/// Plain arithmetic on purpose: the workspace builds with overflow-checks = true, so an
/// overflow aborts the transaction instead of wrapping.
pub fn handler(ctx: Context<Record>, points: u32, multiplier: u32) -> Result<()> {
    let score = &mut ctx.accounts.score;
    score.total += u64::from(points) * u64::from(multiplier);
    score.games = score.games + 1;
    Ok(())
}
