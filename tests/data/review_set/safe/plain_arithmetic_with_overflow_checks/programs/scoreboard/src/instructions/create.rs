use anchor_lang::prelude::*;

use crate::state::Score;

#[derive(Accounts)]
pub struct Create<'info> {
    #[account(
        init,
        payer = player,
        space = 8 + Score::INIT_SPACE,
        seeds = [b"score", player.key().as_ref()],
        bump
    )]
    pub score: Account<'info, Score>,
    #[account(mut)]
    pub player: Signer<'info>,
    pub system_program: Program<'info, System>,
}

pub fn handler(ctx: Context<Create>) -> Result<()> {
    let score = &mut ctx.accounts.score;
    score.player = ctx.accounts.player.key();
    score.bump = ctx.bumps.score;
    Ok(())
}
