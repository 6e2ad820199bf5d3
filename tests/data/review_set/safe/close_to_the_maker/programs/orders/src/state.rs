use anchor_lang::prelude::*;

#[account]
#[derive(InitSpace)]
pub struct Order {
    pub maker: Pubkey,
    pub price: u64,
    pub size: u64,
}
