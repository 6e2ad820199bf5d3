use anchor_lang::prelude::*;
use anchor_lang::solana_program::instruction::{AccountMeta, Instruction};
use anchor_lang::solana_program::program::invoke_signed;

declare_id!("FakeProgram27x111111111111111111111111111111");

/// The rewards distributor this pool hands its lamports to.
pub const DISTRIBUTOR_ID: Pubkey = pubkey!("FakeProgram23x111111111111111111111111111111");

#[program]
pub mod reward_pool {
    use super::*;

    pub fn distribute(ctx: Context<Distribute>, amount: u64) -> Result<()> {
        let instruction = Instruction {
            program_id: ctx.accounts.distributor_program.key(),
            accounts: vec![
                AccountMeta::new(ctx.accounts.pool.key(), true),
                AccountMeta::new(ctx.accounts.rewards.key(), false),
            ],
            data: amount.to_le_bytes().to_vec(),
        };
        invoke_signed(
            &instruction,
            &[
                ctx.accounts.pool.to_account_info(),
                ctx.accounts.rewards.to_account_info(),
                ctx.accounts.distributor_program.to_account_info(),
            ],
            &[&[b"pool", ctx.accounts.operator.key().as_ref(), &[ctx.bumps.pool]]],
        )?;
        Ok(())
    }
}

#[derive(Accounts)]
pub struct Distribute<'info> {
    #[account(mut, seeds = [b"pool", operator.key().as_ref()], bump)]
    pub pool: SystemAccount<'info>,
    /// CHECK: the distributor's rewards account; the distributor validates it
    #[account(mut)]
    pub rewards: UncheckedAccount<'info>,
    /// CHECK: the program the pool's rewards go through
    pub distributor_program: UncheckedAccount<'info>,
    pub operator: Signer<'info>,
}

#[error_code]
pub enum PoolError {
    #[msg("not the rewards distributor program")]
    WrongProgram,
}
