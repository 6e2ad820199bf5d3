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
pub struct Stake {
    pub owner: Pubkey,
    pub staked: u64,
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
    let stake_info = next_account_info(accounts_iter)?;
    let owner_info = next_account_info(accounts_iter)?;

    if stake_info.owner != program_id {
        return Err(ProgramError::IncorrectProgramId);
    }
    if !owner_info.is_signer {
        return Err(ProgramError::MissingRequiredSignature);
    }
    let mut stake = Stake::try_from_slice(&stake_info.data.borrow())?;
    if stake.owner != *owner_info.key {
        return Err(ProgramError::InvalidAccountData);
    }

    stake.staked = stake.staked - amount;
    stake.serialize(&mut &mut stake_info.data.borrow_mut()[..])?;
    Ok(())
}
