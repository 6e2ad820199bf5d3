use anchor_lang::prelude::*;

declare_id!("FakeProgram58x111111111111111111111111111111");

#[program]
pub mod points {
    use super::*;

    /// Moves every point of `source` into `destination` (both owned by the signer).
    pub fn merge(ctx: Context<Merge>) -> Result<()> {
        require_keys_neq!(
            ctx.accounts.source.key(),
            ctx.accounts.destination.key(),
            PointsError::SameAccount
        );
        let moved = ctx.accounts.source.points;
        let destination = &mut ctx.accounts.destination;
        destination.points = destination.points.checked_add(moved).ok_or(PointsError::Overflow)?;
        ctx.accounts.source.points = 0;
        Ok(())
    }
}

#[derive(Accounts)]
pub struct Merge<'info> {
    #[account(mut, has_one = owner)]
    pub source: Account<'info, Balance>,
    #[account(mut, has_one = owner)]
    pub destination: Account<'info, Balance>,
    pub owner: Signer<'info>,
}

#[account]
pub struct Balance {
    pub owner: Pubkey,
    pub points: u64,
}

#[error_code]
pub enum PointsError {
    #[msg("points overflow")]
    Overflow,
    #[msg("source and destination must differ")]
    SameAccount,
}
