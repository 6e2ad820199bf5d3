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
pub struct Settings {
    pub admin: Pubkey,
    pub fee_bps: u16,
}

pub fn process_instruction(
    program_id: &Pubkey,
    accounts: &[AccountInfo],
    data: &[u8],
) -> ProgramResult {
    let new_fee = data
        .get(..2)
        .and_then(|bytes| bytes.try_into().ok())
        .map(u16::from_le_bytes)
        .ok_or(ProgramError::InvalidInstructionData)?;

    let accounts_iter = &mut accounts.iter();
    let settings_info = next_account_info(accounts_iter)?;
    let admin_info = next_account_info(accounts_iter)?;
    let market_info = next_account_info(accounts_iter)?;

    if !admin_info.is_signer {
        return Err(ProgramError::MissingRequiredSignature);
    }
    let settings = Settings::try_from_slice(&settings_info.data.borrow())?;
    if settings.admin != *admin_info.key {
        return Err(ProgramError::InvalidAccountData);
    }
    if market_info.owner != program_id {
        return Err(ProgramError::IncorrectProgramId);
    }
    let mut market = market_info.try_borrow_mut_data()?;
    market[..2].copy_from_slice(&new_fee.to_le_bytes());
    Ok(())
}
