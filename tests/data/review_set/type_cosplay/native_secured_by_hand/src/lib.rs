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

#[derive(BorshSerialize, BorshDeserialize, PartialEq, Eq)]
pub enum AccountKind {
    Uninitialized,
    Customer,
    Manager,
}

#[derive(BorshSerialize, BorshDeserialize)]
pub struct Customer {
    pub kind: AccountKind,
    pub owner: Pubkey,
    pub balance: u64,
}

#[derive(BorshSerialize, BorshDeserialize)]
pub struct Manager {
    pub kind: AccountKind,
    pub owner: Pubkey,
    pub balance: u64,
}

/// Instruction 0: a manager freezes a customer's balance.
pub fn process_instruction(
    program_id: &Pubkey,
    accounts: &[AccountInfo],
    _data: &[u8],
) -> ProgramResult {
    let accounts_iter = &mut accounts.iter();
    let manager_info = next_account_info(accounts_iter)?;
    let signer_info = next_account_info(accounts_iter)?;
    let customer_info = next_account_info(accounts_iter)?;

    if manager_info.owner != program_id || customer_info.owner != program_id {
        return Err(ProgramError::IncorrectProgramId);
    }
    if !signer_info.is_signer {
        return Err(ProgramError::MissingRequiredSignature);
    }
    let manager = Manager::try_from_slice(&manager_info.data.borrow())?;
    if manager.kind != AccountKind::Manager {
        return Err(ProgramError::InvalidAccountData);
    }
    if manager.owner != *signer_info.key {
        return Err(ProgramError::InvalidAccountData);
    }
    let mut customer = Customer::try_from_slice(&customer_info.data.borrow())?;
    customer.balance = 0;
    customer.serialize(&mut &mut customer_info.data.borrow_mut()[..])?;
    Ok(())
}
