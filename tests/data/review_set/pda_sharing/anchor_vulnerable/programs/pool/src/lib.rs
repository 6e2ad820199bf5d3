use anchor_lang::prelude::*;

declare_id!("FakeProgram5x1111111111111111111111111111111");

#[program]
pub mod pool {
    use super::*;

    pub fn deposit(ctx: Context<Deposit>, amount: u64) -> Result<()> {
        let transfer = anchor_lang::system_program::Transfer {
            from: ctx.accounts.depositor.to_account_info(),
            to: ctx.accounts.vault.to_account_info(),
        };
        anchor_lang::system_program::transfer(
            CpiContext::new(ctx.accounts.system_program.to_account_info(), transfer),
            amount,
        )?;
        let vault = &mut ctx.accounts.vault;
        vault.deposited = vault.deposited.checked_add(amount).ok_or(PoolError::Overflow)?;
        Ok(())
    }

    pub fn withdraw(ctx: Context<Withdraw>, amount: u64) -> Result<()> {
        let vault = &mut ctx.accounts.vault;
        vault.deposited = vault.deposited.checked_sub(amount).ok_or(PoolError::Insufficient)?;
        vault.sub_lamports(amount)?;
        ctx.accounts.user.add_lamports(amount)?;
        Ok(())
    }
}

#[derive(Accounts)]
pub struct Deposit<'info> {
    #[account(
        init_if_needed,
        payer = depositor,
        space = 8 + Vault::INIT_SPACE,
        seeds = [b"vault"],
        bump
    )]
    pub vault: Account<'info, Vault>,
    #[account(mut)]
    pub depositor: Signer<'info>,
    pub system_program: Program<'info, System>,
}

#[derive(Accounts)]
pub struct Withdraw<'info> {
    #[account(mut, seeds = [b"vault"], bump)]
    pub vault: Account<'info, Vault>,
    #[account(mut)]
    pub user: Signer<'info>,
}

#[account]
#[derive(InitSpace)]
pub struct Vault {
    pub deposited: u64,
}

#[error_code]
pub enum PoolError {
    #[msg("not enough deposited")]
    Insufficient,
    #[msg("deposit overflows")]
    Overflow,
    #[msg("this vault belongs to another user")]
    WrongVault,
}
