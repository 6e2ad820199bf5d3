use anchor_lang::prelude::*;

declare_id!("FakeProgram31x111111111111111111111111111111");

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
