use anchor_lang::prelude::*;

declare_id!("FakeProgram36x111111111111111111111111111111");

/// The one price feed this market trusts.
pub const PRICE_FEED: Pubkey = pubkey!("FakeProgram59x111111111111111111111111111111");

#[program]
pub mod market {
    use super::*;

    pub fn refresh_price(ctx: Context<RefreshPrice>) -> Result<()> {
        let data = ctx.accounts.price_feed.try_borrow_data()?;
        require!(data.len() >= 16, MarketError::BadFeed);
        let price = u64::from_le_bytes(data[8..16].try_into().unwrap());
        drop(data);
        ctx.accounts.market.last_price = price;
        Ok(())
    }
}

#[derive(Accounts)]
pub struct RefreshPrice<'info> {
    #[account(mut, has_one = keeper)]
    pub market: Account<'info, Market>,
    pub keeper: Signer<'info>,
    /// CHECK: pinned to the trusted feed by `address`; its layout is read by hand above.
    #[account(address = PRICE_FEED)]
    pub price_feed: UncheckedAccount<'info>,
}

#[account]
pub struct Market {
    pub keeper: Pubkey,
    pub last_price: u64,
}

#[error_code]
pub enum MarketError {
    #[msg("the price feed is too short")]
    BadFeed,
}
