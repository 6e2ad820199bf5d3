use borsh::{BorshDeserialize, BorshSerialize};
use solana_program::{
    account_info::{next_account_info, AccountInfo},
    entrypoint,
    entrypoint::ProgramResult,
    program::invoke,
    program_error::ProgramError,
    pubkey::Pubkey,
    system_instruction, system_program,
};

#[cfg(not(feature = "no-entrypoint"))]
entrypoint!(process_instruction);

#[derive(BorshSerialize, BorshDeserialize)]
pub struct Subscription {
    pub subscriber: Pubkey,
    pub paid_until: i64,
    pub price: u64,
    pub treasury: Pubkey,
}

/// Renews a subscription: the subscriber pays the treasury through the System program.
pub fn process_instruction(
    program_id: &Pubkey,
    accounts: &[AccountInfo],
    _data: &[u8],
) -> ProgramResult {
    let accounts_iter = &mut accounts.iter();
    let subscription_info = next_account_info(accounts_iter)?;
    let subscriber_info = next_account_info(accounts_iter)?;
    let treasury_info = next_account_info(accounts_iter)?;
    let system_program_info = next_account_info(accounts_iter)?;

    if subscription_info.owner != program_id {
        return Err(ProgramError::IncorrectProgramId);
    }
    if !subscriber_info.is_signer {
        return Err(ProgramError::MissingRequiredSignature);
    }
    if *system_program_info.key != system_program::ID {
        return Err(ProgramError::IncorrectProgramId);
    }
    let mut subscription = Subscription::try_from_slice(&subscription_info.data.borrow())?;
    if subscription.subscriber != *subscriber_info.key
        || subscription.treasury != *treasury_info.key
    {
        return Err(ProgramError::InvalidAccountData);
    }
    invoke(
        &system_instruction::transfer(subscriber_info.key, treasury_info.key, subscription.price),
        &[
            subscriber_info.clone(),
            treasury_info.clone(),
            system_program_info.clone(),
        ],
    )?;
    subscription.paid_until = subscription
        .paid_until
        .checked_add(30 * 24 * 3_600)
        .ok_or(ProgramError::ArithmeticOverflow)?;
    subscription.serialize(&mut &mut subscription_info.data.borrow_mut()[..])?;
    Ok(())
}
