use anchor_lang::prelude::*;
use anchor_lang::system_program::{transfer, Transfer};

declare_id!("FakeProgram11x111111111111111111111111111111");

#[program]
pub mod tip_jar {
    use super::*;

    /// Sends the tipper's own lamports to any creator and counts the tip.
    pub fn tip(ctx: Context<Tip>, amount: u64) -> Result<()> {
        transfer(
            CpiContext::new(
                ctx.accounts.system_program.to_account_info(),
                Transfer {
                    from: ctx.accounts.tipper.to_account_info(),
                    to: ctx.accounts.creator.to_account_info(),
                },
            ),
            amount,
        )?;
        let stats = &mut ctx.accounts.stats;
        stats.tips = stats.tips.checked_add(1).unwrap();
        Ok(())
    }
}

#[derive(Accounts)]
pub struct Tip<'info> {
    #[account(mut)]
    pub tipper: Signer<'info>,
    /// CHECK: only receives lamports; any account may be tipped.
    #[account(mut)]
    pub creator: AccountInfo<'info>,
    #[account(mut, seeds = [b"stats", creator.key().as_ref()], bump)]
    pub stats: Account<'info, Stats>,
    pub system_program: Program<'info, System>,
}

#[account]
pub struct Stats {
    pub tips: u64,
}
