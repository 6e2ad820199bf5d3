use anchor_lang::prelude::*;

declare_id!("FakeProgram3x1111111111111111111111111111111");

#[program]
pub mod proposals {
    use super::*;

    /// Anyone may reclaim the rent of a finished proposal; it goes to the DAO's stored
    /// rent collector, never to the caller.
    pub fn reclaim(ctx: Context<Reclaim>, index: u64) -> Result<()> {
        let info = ctx.accounts.proposal.to_account_info();
        let proposal = Proposal::try_deserialize(&mut &info.data.borrow()[..])?;
        require!(proposal.index == index, ProposalError::WrongIndex);
        require!(proposal.finished, ProposalError::StillOpen);
        ctx.accounts.close()
    }
}

#[derive(Accounts)]
#[instruction(index: u64)]
pub struct Reclaim<'info> {
    #[account(seeds = [b"dao", dao.name.as_bytes()], bump = dao.bump)]
    pub dao: Account<'info, Dao>,
    /// CHECK: a PDA of this program (seeds below), so only this program can have created or
    /// own it; deserialized by hand (try_deserialize checks the discriminator).
    #[account(
        mut,
        seeds = [b"proposal", dao.key().as_ref(), &index.to_le_bytes()],
        bump
    )]
    pub proposal: AccountInfo<'info>,
    /// CHECK: pinned to the DAO's rent collector
    #[account(mut, address = dao.rent_collector)]
    pub rent_collector: UncheckedAccount<'info>,
}

impl<'info> Reclaim<'info> {
    /// Closing happens here rather than with `close =` because the proposal is an AccountInfo.
    pub fn close(&self) -> Result<()> {
        let proposal = self.proposal.to_account_info();
        let lamports = proposal.lamports();
        proposal.sub_lamports(lamports)?;
        self.rent_collector.add_lamports(lamports)?;
        proposal.assign(&anchor_lang::system_program::ID);
        proposal.resize(0)?;
        Ok(())
    }
}

#[account]
pub struct Dao {
    pub name: String,
    pub rent_collector: Pubkey,
    pub bump: u8,
}

#[account]
pub struct Proposal {
    pub index: u64,
    pub finished: bool,
}

#[error_code]
pub enum ProposalError {
    #[msg("the proposal is still open")]
    StillOpen,
    #[msg("the proposal's index does not match")]
    WrongIndex,
}
