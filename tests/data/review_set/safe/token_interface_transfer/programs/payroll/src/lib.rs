use anchor_lang::prelude::*;
use anchor_spl::token_interface::{self, Mint, TokenAccount, TokenInterface, TransferChecked};

declare_id!("FakeProgram54x111111111111111111111111111111");

#[program]
pub mod payroll {
    use super::*;

    /// The employer pays a salary from their own token account.
    pub fn pay(ctx: Context<Pay>, amount: u64) -> Result<()> {
        let accounts = TransferChecked {
            from: ctx.accounts.employer_tokens.to_account_info(),
            mint: ctx.accounts.mint.to_account_info(),
            to: ctx.accounts.employee_tokens.to_account_info(),
            authority: ctx.accounts.employer.to_account_info(),
        };
        let cpi = CpiContext::new(ctx.accounts.token_program.to_account_info(), accounts);
        token_interface::transfer_checked(cpi, amount, ctx.accounts.mint.decimals)
    }
}

#[derive(Accounts)]
pub struct Pay<'info> {
    pub employer: Signer<'info>,
    pub mint: InterfaceAccount<'info, Mint>,
    #[account(
        mut,
        token::mint = mint,
        token::authority = employer,
        token::token_program = token_program
    )]
    pub employer_tokens: InterfaceAccount<'info, TokenAccount>,
    #[account(mut, token::mint = mint, token::token_program = token_program)]
    pub employee_tokens: InterfaceAccount<'info, TokenAccount>,
    pub token_program: Interface<'info, TokenInterface>,
}
