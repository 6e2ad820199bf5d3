use anchor_lang::prelude::*;

declare_id!("FakeProgram15x111111111111111111111111111111");

#[program]
pub mod game {
    use super::*;

    pub fn initialize(ctx: Context<Initialize>, entry_fee: u64) -> Result<()> {
        let config = &mut ctx.accounts.config;
        config.admin = ctx.accounts.admin.key();
        config.entry_fee = entry_fee;
        Ok(())
    }

    pub fn set_fee(ctx: Context<SetFee>, entry_fee: u64) -> Result<()> {
        ctx.accounts.config.entry_fee = entry_fee;
        Ok(())
    }
}

#[derive(Accounts)]
pub struct Initialize<'info> {
    #[account(
        init,
        payer = admin,
        space = 8 + Config::INIT_SPACE,
        seeds = [b"config"],
        bump
    )]
    pub config: Account<'info, Config>,
    #[account(mut)]
    pub admin: Signer<'info>,
    pub system_program: Program<'info, System>,
}

#[derive(Accounts)]
pub struct SetFee<'info> {
    #[account(mut, seeds = [b"config"], bump, has_one = admin)]
    pub config: Account<'info, Config>,
    pub admin: Signer<'info>,
}

#[account]
#[derive(InitSpace)]
pub struct Config {
    pub admin: Pubkey,
    pub entry_fee: u64,
    pub initialized: bool,
}

#[error_code]
pub enum GameError {
    #[msg("the game is already initialized")]
    AlreadyInitialized,
}
