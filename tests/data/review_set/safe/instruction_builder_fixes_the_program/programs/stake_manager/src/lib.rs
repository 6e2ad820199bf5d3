use anchor_lang::prelude::*;
use anchor_lang::solana_program::{program::invoke_signed, stake};

declare_id!("FakeProgram12x111111111111111111111111111111");

#[program]
pub mod stake_manager {
    use super::*;

    pub fn deactivate(ctx: Context<Deactivate>) -> Result<()> {
        // The instruction builder fixes the program id (the Stake program); the runtime
        // refuses the call unless that program is among the accounts passed.
        let instruction = stake::instruction::deactivate_stake(
            ctx.accounts.stake_account.key,
            ctx.accounts.stake_authority.key,
        );
        invoke_signed(
            &instruction,
            &[
                ctx.accounts.stake_account.to_account_info(),
                ctx.accounts.clock.to_account_info(),
                ctx.accounts.stake_authority.to_account_info(),
                ctx.accounts.stake_program.to_account_info(),
            ],
            &[&[b"stake_authority", ctx.accounts.manager.key().as_ref(), &[ctx.bumps.stake_authority]]],
        )?;
        Ok(())
    }
}

#[derive(Accounts)]
pub struct Deactivate<'info> {
    pub manager: Signer<'info>,
    /// CHECK: a stake account delegated to this manager's authority; the Stake program checks it
    #[account(mut)]
    pub stake_account: UncheckedAccount<'info>,
    /// CHECK: PDA signing as the stake authority
    #[account(seeds = [b"stake_authority", manager.key().as_ref()], bump)]
    pub stake_authority: UncheckedAccount<'info>,
    pub clock: Sysvar<'info, Clock>,
    /// CHECK: the Stake program; the instruction's program id is fixed by the builder
    pub stake_program: UncheckedAccount<'info>,
}
