use anchor_lang::prelude::*;

declare_id!("FakeProgram38x111111111111111111111111111111");

#[program]
pub mod vesting {
    use super::*;

    pub fn release(ctx: Context<Release>) -> Result<()> {
        require_keys_eq!(
            ctx.accounts.clock.key(),
            anchor_lang::solana_program::sysvar::clock::ID,
            VestingError::NotClock
        );
        let data = ctx.accounts.clock.try_borrow_data()?;
        // Clock layout: slot, epoch_start_timestamp, epoch, leader_schedule_epoch,
        // unix_timestamp (8 bytes each).
        let now = i64::from_le_bytes(data[32..40].try_into().unwrap());
        drop(data);
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
    /// CHECK: the clock sysvar, read by hand
    pub clock: UncheckedAccount<'info>,
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
