use borsh::{BorshDeserialize, BorshSerialize};
use solana_program::{
    account_info::{next_account_info, AccountInfo},
    entrypoint,
    entrypoint::ProgramResult,
    program::invoke_signed,
    program_error::ProgramError,
    pubkey::Pubkey,
};

#[cfg(not(feature = "no-entrypoint"))]
entrypoint!(process_instruction);

/// One approved payout, created by the program's admin instruction (not shown).
#[derive(BorshSerialize, BorshDeserialize)]
pub struct Payout {
    pub recipient: Pubkey,
    pub amount: u64,
    pub paid: bool,
}

pub fn process_instruction(
    program_id: &Pubkey,
    accounts: &[AccountInfo],
    _data: &[u8],
) -> ProgramResult {
    let accounts_iter = &mut accounts.iter();
    let payout_info = next_account_info(accounts_iter)?;
    let recipient_info = next_account_info(accounts_iter)?;
    let treasury_tokens_info = next_account_info(accounts_iter)?;
    let recipient_tokens_info = next_account_info(accounts_iter)?;
    let treasury_authority_info = next_account_info(accounts_iter)?;
    let token_program_info = next_account_info(accounts_iter)?;

    if payout_info.owner != program_id {
        return Err(ProgramError::IncorrectProgramId);
    }
    if !recipient_info.is_signer {
        return Err(ProgramError::MissingRequiredSignature);
    }
    let mut payout = Payout::try_from_slice(&payout_info.data.borrow())?;
    if payout.recipient != *recipient_info.key || payout.paid {
        return Err(ProgramError::InvalidAccountData);
    }
    let (authority, bump) = Pubkey::find_program_address(&[b"treasury"], program_id);
    if authority != *treasury_authority_info.key {
        return Err(ProgramError::InvalidSeeds);
    }

    let transfer = spl_token::instruction::transfer(
        token_program_info.key,
        treasury_tokens_info.key,
        recipient_tokens_info.key,
        treasury_authority_info.key,
        &[],
        payout.amount,
    )?;
    invoke_signed(
        &transfer,
        &[
            treasury_tokens_info.clone(),
            recipient_tokens_info.clone(),
            treasury_authority_info.clone(),
            token_program_info.clone(),
        ],
        &[&[b"treasury", &[bump]]],
    )?;
    payout.paid = true;
    payout.serialize(&mut &mut payout_info.data.borrow_mut()[..])?;
    Ok(())
}
