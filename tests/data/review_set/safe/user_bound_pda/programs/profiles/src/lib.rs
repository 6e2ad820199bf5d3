use anchor_lang::prelude::*;

declare_id!("FakeProgram53x11111111111111111111111111111");

#[program]
pub mod profiles {
    use super::*;

    pub fn create_profile(ctx: Context<CreateProfile>, name: String) -> Result<()> {
        require!(name.len() <= 32, ProfileError::NameTooLong);
        let profile = &mut ctx.accounts.profile;
        profile.owner = ctx.accounts.user.key();
        profile.name = name;
        profile.bump = ctx.bumps.profile;
        Ok(())
    }

    pub fn rename(ctx: Context<Rename>, name: String) -> Result<()> {
        require!(name.len() <= 32, ProfileError::NameTooLong);
        ctx.accounts.profile.name = name;
        Ok(())
    }
}

#[derive(Accounts)]
pub struct CreateProfile<'info> {
    #[account(
        init,
        payer = user,
        space = 8 + Profile::INIT_SPACE,
        seeds = [b"profile", user.key().as_ref()],
        bump
    )]
    pub profile: Account<'info, Profile>,
    #[account(mut)]
    pub user: Signer<'info>,
    pub system_program: Program<'info, System>,
    pub rent: Sysvar<'info, Rent>,
}

#[derive(Accounts)]
pub struct Rename<'info> {
    #[account(mut, seeds = [b"profile", user.key().as_ref()], bump = profile.bump)]
    pub profile: Account<'info, Profile>,
    pub user: Signer<'info>,
}

#[account]
#[derive(InitSpace)]
pub struct Profile {
    pub owner: Pubkey,
    #[max_len(32)]
    pub name: String,
    pub bump: u8,
}

#[error_code]
pub enum ProfileError {
    #[msg("names are at most 32 bytes")]
    NameTooLong,
}
