use anchor_lang::prelude::*;

declare_id!("FakeProgram13x111111111111111111111111111111");

#[program]
pub mod ledger {
    use super::*;

    pub fn credit(ctx: Context<Update>, amount: u64) -> Result<()> {
        let account = &mut ctx.accounts.account;
        account.balance = account.balance + amount;
        Ok(())
    }

    pub fn debit(ctx: Context<Update>, amount: u64) -> Result<()> {
        let account = &mut ctx.accounts.account;
        account.balance -= amount;
        Ok(())
    }
}

#[derive(Accounts)]
pub struct Update<'info> {
    #[account(mut, has_one = operator)]
    pub account: Account<'info, LedgerAccount>,
    pub operator: Signer<'info>,
}

#[account]
#[derive(InitSpace)]
pub struct LedgerAccount {
    pub operator: Pubkey,
    pub balance: u64,
}

#[error_code]
pub enum LedgerError {
    #[msg("balance would overflow")]
    Overflow,
    #[msg("balance would go below zero")]
    Underflow,
}
