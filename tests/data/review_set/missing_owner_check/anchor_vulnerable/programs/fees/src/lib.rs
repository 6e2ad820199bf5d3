use anchor_lang::prelude::*;

declare_id!("FakeProgram41x111111111111111111111111111111");

#[program]
pub mod fees {
    use super::*;

    pub fn collect(ctx: Context<Collect>, amount: u64) -> Result<()> {
        let data = ctx.accounts.config.try_borrow_data()?;
        let config = Config::try_deserialize(&mut &data[..])?;
        require_keys_eq!(config.admin, ctx.accounts.admin.key(), FeeError::NotAdmin);
        drop(data);
        ctx.accounts.fee_vault.sub_lamports(amount)?;
        ctx.accounts.admin.add_lamports(amount)?;
        Ok(())
    }
}

#[derive(Accounts)]
pub struct Collect<'info> {
    /// CHECK: deserialized in the handler
    pub config: UncheckedAccount<'info>,
    #[account(mut, seeds = [b"fees"], bump)]
    pub fee_vault: Account<'info, FeeVault>,
    #[account(mut)]
    pub admin: Signer<'info>,
}

#[account]
pub struct Config {
    pub admin: Pubkey,
}

#[account]
pub struct FeeVault {}

#[error_code]
pub enum FeeError {
    #[msg("only the configured admin may collect fees")]
    NotAdmin,
    #[msg("the config account does not belong to this program")]
    WrongOwner,
}
