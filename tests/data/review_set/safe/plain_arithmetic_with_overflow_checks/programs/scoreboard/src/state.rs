use anchor_lang::prelude::*;

#[account]
#[derive(InitSpace)]
pub struct Score {
    pub player: Pubkey,
    pub total: u64,
    pub games: u32,
    pub bump: u8,
}
