use solana_program::{
    account_info::{next_account_info, AccountInfo},
    ed25519_program,
    entrypoint,
    entrypoint::ProgramResult,
    program_error::ProgramError,
    pubkey::Pubkey,
    sysvar::instructions,
};

#[cfg(not(feature = "no-entrypoint"))]
entrypoint!(process_instruction);

/// Marks `ticket` as verified when the transaction's first instruction is an ed25519
/// signature check (the off-chain signer's attestation).
pub fn process_instruction(
    program_id: &Pubkey,
    accounts: &[AccountInfo],
    _data: &[u8],
) -> ProgramResult {
    let accounts_iter = &mut accounts.iter();
    let ticket_info = next_account_info(accounts_iter)?;
    let instructions_info = next_account_info(accounts_iter)?;

    if ticket_info.owner != program_id {
        return Err(ProgramError::IncorrectProgramId);
    }
    let first = instructions::load_instruction_at_checked(0, instructions_info)?;
    if first.program_id != ed25519_program::id() {
        return Err(ProgramError::InvalidInstructionData);
    }
    let mut ticket = ticket_info.try_borrow_mut_data()?;
    ticket[0] = 1;
    Ok(())
}
