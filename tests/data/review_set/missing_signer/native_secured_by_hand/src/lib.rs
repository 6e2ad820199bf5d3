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
pub struct Treasury {
    pub authority: Pubkey,
    pub balance: u64,
}

pub fn process_instruction(
    program_id: &Pubkey,
    accounts: &[AccountInfo],
    data: &[u8],
) -> ProgramResult {
    let amount = data
        .get(..8)
        .and_then(|bytes| bytes.try_into().ok())
        .map(u64::from_le_bytes)
        .ok_or(ProgramError::InvalidInstructionData)?;

    let accounts_iter = &mut accounts.iter();
    let treasury_info = next_account_info(accounts_iter)?;
    let authority_info = next_account_info(accounts_iter)?;
    let destination_info = next_account_info(accounts_iter)?;

    if !authority_info.is_signer {
        return Err(ProgramError::MissingRequiredSignature);
    }
    if treasury_info.owner != program_id {
        return Err(ProgramError::IncorrectProgramId);
    }
    let mut treasury = Treasury::try_from_slice(&treasury_info.data.borrow())?;
    if treasury.authority != *authority_info.key {
        return Err(ProgramError::InvalidAccountData);
    }

    treasury.balance = treasury
        .balance
        .checked_sub(amount)
        .ok_or(ProgramError::InsufficientFunds)?;
    **treasury_info.try_borrow_mut_lamports()? -= amount;
    **destination_info.try_borrow_mut_lamports()? += amount;
    treasury.serialize(&mut &mut treasury_info.data.borrow_mut()[..])?;
    Ok(())
}
