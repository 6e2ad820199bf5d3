use anchor_lang::prelude::*;

declare_id!("FakeProgram14x111111111111111111111111111111");

#[program]
pub mod stake_vault {
    use super::*;

    pub fn withdraw(ctx: Context<Withdraw>, amount: u64) -> Result<()> {
        ctx.accounts.process(amount)
    }
}

#[derive(Accounts)]
pub struct Withdraw<'info> {
    #[account(mut, has_one = owner)]
    pub vault: Account<'info, StakeVault>,
    /// CHECK: the vault's owner
    pub owner: UncheckedAccount<'info>,
    /// CHECK: receives the withdrawn lamports; the owner chooses it
    #[account(mut)]
    pub destination: UncheckedAccount<'info>,
}

impl<'info> Withdraw<'info> {
    pub fn process(&mut self, amount: u64) -> Result<()> {
        self.vault.staked = self.vault.staked.checked_sub(amount).ok_or(VaultError::TooMuch)?;
        self.vault.sub_lamports(amount)?;
        self.destination.add_lamports(amount)?;
        Ok(())
    }
}

#[account]
pub struct StakeVault {
    pub owner: Pubkey,
    pub staked: u64,
}

#[error_code]
pub enum VaultError {
    #[msg("more than is staked")]
    TooMuch,
    #[msg("the owner must sign")]
    OwnerMustSign,
}
