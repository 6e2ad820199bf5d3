use borsh::{BorshDeserialize, BorshSerialize};
use solana_program::{
    account_info::{next_account_info, AccountInfo},
    entrypoint,
    entrypoint::ProgramResult,
    program_error::ProgramError,
    pubkey::Pubkey,
};

#[cfg(not(feature = "no-entrypoint"))]
entrypoint!(process_instruction);

#[derive(BorshSerialize, BorshDeserialize)]
pub struct Registry {
    pub is_initialized: bool,
    pub authority: Pubkey,
}

/// Instruction 0 initializes a registry account created by the client for this program.
pub fn process_instruction(
    program_id: &Pubkey,
    accounts: &[AccountInfo],
    _data: &[u8],
) -> ProgramResult {
    let accounts_iter = &mut accounts.iter();
    let registry_info = next_account_info(accounts_iter)?;
    let authority_info = next_account_info(accounts_iter)?;

    if registry_info.owner != program_id {
        return Err(ProgramError::IncorrectProgramId);
    }
    if !authority_info.is_signer {
        return Err(ProgramError::MissingRequiredSignature);
    }
    let mut registry = Registry::try_from_slice(&registry_info.data.borrow())?;
    if registry.is_initialized {
        return Err(ProgramError::AccountAlreadyInitialized);
    }
    registry.is_initialized = true;
    registry.authority = *authority_info.key;
    registry.serialize(&mut &mut registry_info.data.borrow_mut()[..])?;
    Ok(())
}
