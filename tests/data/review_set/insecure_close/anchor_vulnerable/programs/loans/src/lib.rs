use anchor_lang::prelude::*;

declare_id!("FakeProgram61x11111111111111111111111111111");

#[program]
pub mod loans {
    use super::*;

    pub fn close_loan(ctx: Context<CloseLoan>) -> Result<()> {
        require!(ctx.accounts.loan.repaid, LoanError::NotRepaid);
        let loan = ctx.accounts.loan.to_account_info();
        let borrower = ctx.accounts.borrower.to_account_info();
        let rent = loan.lamports();
        **borrower.try_borrow_mut_lamports()? += rent;
        **loan.try_borrow_mut_lamports()? = 0;
        Ok(())
    }
}

#[derive(Accounts)]
pub struct CloseLoan<'info> {
    #[account(mut, has_one = borrower)]
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
