use anchor_lang::prelude::*;

declare_id!("FakeProgram17x111111111111111111111111111111");

#[program]
pub mod club {
    use super::*;

    pub fn grant_points(ctx: Context<GrantPoints>, points: u64) -> Result<()> {
        let data = ctx.accounts.admin_config.try_borrow_data()?;
        require!(
            data.starts_with(AdminConfig::DISCRIMINATOR),
            ClubError::NotAdminAccount
        );
        let admin = AdminConfig::try_deserialize_unchecked(&mut &data[..])?;
        require_keys_eq!(admin.authority, ctx.accounts.authority.key(), ClubError::NotAdmin);
        let member = &mut ctx.accounts.member;
        member.points = member.points.checked_add(points).ok_or(ClubError::Overflow)?;
        Ok(())
    }
}

#[derive(Accounts)]
pub struct GrantPoints<'info> {
    /// CHECK: owned by this program; deserialized in the handler
    #[account(owner = crate::ID)]
    pub admin_config: UncheckedAccount<'info>,
    #[account(mut)]
    pub member: Account<'info, Member>,
    pub authority: Signer<'info>,
}

/// The club's administrator record.
#[account]
pub struct AdminConfig {
    pub authority: Pubkey,
    pub points: u64,
}

/// One member; the same layout as AdminConfig, a different discriminator.
#[account]
pub struct Member {
    pub authority: Pubkey,
    pub points: u64,
}

#[error_code]
pub enum ClubError {
    #[msg("only the club admin may grant points")]
    NotAdmin,
    #[msg("not an admin account")]
    NotAdminAccount,
    #[msg("points overflow")]
    Overflow,
}
