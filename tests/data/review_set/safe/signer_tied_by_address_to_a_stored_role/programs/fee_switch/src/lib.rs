use anchor_lang::prelude::*;

declare_id!("FakeProgram56x111111111111111111111111111111");

#[program]
pub mod fee_switch {
    use super::*;

    pub fn set_fee(ctx: Context<SetFee>, fee_bps: u16) -> Result<()> {
        require!(fee_bps <= 1_000, FeeError::TooHigh);
        ctx.accounts.config.fee_bps = fee_bps;
        Ok(())
    }
}

#[derive(Accounts)]
pub struct SetFee<'info> {
    #[account(mut, seeds = [b"config"], bump)]
    pub config: Account<'info, Config>,
    /// The fee operator is a role stored in the config, not the config's admin.
    #[account(address = config.fee_operator @ FeeError::NotOperator)]
    pub fee_operator: Signer<'info>,
}

#[account]
pub struct Config {
    pub admin: Pubkey,
    pub fee_operator: Pubkey,
    pub fee_bps: u16,
}

#[error_code]
pub enum FeeError {
    #[msg("only the fee operator may change the fee")]
    NotOperator,
    #[msg("the fee is capped at 10%")]
    TooHigh,
}
