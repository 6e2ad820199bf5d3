use anchor_lang::prelude::*;

#[account]
#[derive(InitSpace)]
pub struct Escrow {
    pub arbiter: Pubkey,
    pub beneficiary: Pubkey,
    pub amount: u64,
    pub bump: u8,
}
