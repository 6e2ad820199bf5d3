use anchor_lang::prelude::*;

declare_id!("FakeProgram24x111111111111111111111111111111");

/// Seconds between two epochs of the auction.
pub const EPOCH_SECONDS: i64 = 3_600;

#[program]
pub mod auction_clock {
    use super::*;

    /// Permissionless on purpose: anyone may advance the epoch once its time has come; the
    /// instruction moves no funds and takes no decision a caller could choose.
    pub fn advance_epoch(ctx: Context<AdvanceEpoch>) -> Result<()> {
        let now = Clock::get()?.unix_timestamp;
        let state = &mut ctx.accounts.state;
        require!(now >= state.next_epoch_at, ClockError::TooEarly);
        state.epoch = state.epoch.checked_add(1).ok_or(ClockError::Overflow)?;
        state.next_epoch_at = now.checked_add(EPOCH_SECONDS).ok_or(ClockError::Overflow)?;
        Ok(())
    }

    /// Read-only: logs the current epoch for clients that simulate it.
    pub fn current_epoch(ctx: Context<ViewEpoch>) -> Result<()> {
        msg!("epoch {}", ctx.accounts.state.epoch);
        Ok(())
    }
}

#[derive(Accounts)]
pub struct AdvanceEpoch<'info> {
    #[account(mut, seeds = [b"state"], bump)]
    pub state: Account<'info, AuctionState>,
}

#[derive(Accounts)]
pub struct ViewEpoch<'info> {
    #[account(seeds = [b"state"], bump)]
    pub state: Account<'info, AuctionState>,
}

#[account]
pub struct AuctionState {
    pub epoch: u64,
    pub next_epoch_at: i64,
}

#[error_code]
pub enum ClockError {
    #[msg("the epoch has not ended")]
    TooEarly,
    #[msg("epoch counter overflow")]
    Overflow,
}
