use anchor_lang::prelude::*;

declare_id!("FakeProgram4x1111111111111111111111111111111");

#[program]
pub mod vesting {
    use super::*;

    pub fn release(ctx: Context<Release>) -> Result<()> {
        let now = ctx.accounts.clock.unix_timestamp;
        let grant = &mut ctx.accounts.grant;
        require!(now >= grant.unlock_at, VestingError::Locked);
        let amount = grant.amount;
        grant.amount = 0;
        grant.sub_lamports(amount)?;
        ctx.accounts.beneficiary.add_lamports(amount)?;
        Ok(())
    }
}

#[derive(Accounts)]
pub struct Release<'info> {
    #[account(mut, has_one = beneficiary)]
    pub grant: Account<'info, Grant>,
    #[account(mut)]
    pub beneficiary: Signer<'info>,
    pub clock: Sysvar<'info, Clock>,
}

#[account]
pub struct Grant {
    pub beneficiary: Pubkey,
    pub amount: u64,
    pub unlock_at: i64,
}

#[error_code]
pub enum VestingError {
    #[msg("the grant is still locked")]
    Locked,
    #[msg("not the clock sysvar")]
    NotClock,
}
