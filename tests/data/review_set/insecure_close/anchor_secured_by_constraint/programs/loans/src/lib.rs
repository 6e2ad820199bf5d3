use anchor_lang::prelude::*;

declare_id!("9wjFqBqniSCBmng1gkbEnk1ny9unE2L74VK2wUrXy7JW");

#[program]
pub mod loans {
    use super::*;

    pub fn close_loan(ctx: Context<CloseLoan>) -> Result<()> {
        require!(ctx.accounts.loan.repaid, LoanError::NotRepaid);
        Ok(())
    }
}

#[derive(Accounts)]
pub struct CloseLoan<'info> {
    #[account(mut, has_one = borrower, close = borrower)]
    pub loan: Account<'info, Loan>,
    #[account(mut)]
    pub borrower: Signer<'info>,
}

#[account]
pub struct Loan {
    pub borrower: Pubkey,
    pub principal: u64,
    pub repaid: bool,
}

#[error_code]
pub enum LoanError {
    #[msg("the loan is not repaid yet")]
    NotRepaid,
}
