use anchor_lang::prelude::*;

#[account]
#[derive(InitSpace)]
pub struct Ticket {
    pub prize: u64,
    pub redeemed: bool,
    pub bump: u8,
}

#[account]
#[derive(InitSpace)]
pub struct Prizes {
    pub bump: u8,
}
