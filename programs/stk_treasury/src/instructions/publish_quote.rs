use crate::{
    errors::TreasuryError,
    events::QuotePublished,
    math::quote_price,
    state::{QuarterQuote, Treasury},
};
use anchor_lang::prelude::*;
use stk_common::seeds;
use stk_mint::state::MintConfig;

#[derive(Accounts)]
#[instruction(quarter: u16)]
pub struct PublishQuote<'info> {
    pub admin: Signer<'info>,
    #[account(seeds = [seeds::TREASURY], bump = treasury.bump, has_one = admin @ TreasuryError::NotAdmin)]
    pub treasury: Box<Account<'info, Treasury>>,
    /// `stk_mint`'s config (owner and seeds checked): its schedule gives the STK issued through
    /// the quoted quarter.
    #[account(seeds = [seeds::MINT_CONFIG], bump = mint_config.bump, seeds::program = stk_mint::ID)]
    pub mint_config: Box<Account<'info, MintConfig>>,
    /// The quarter's quote account (its budget must have been recorded).
    #[account(mut, seeds = [seeds::QUARTER_QUOTE, &quarter.to_le_bytes()], bump = quarter_quote.bump)]
    pub quarter_quote: Box<Account<'info, QuarterQuote>>,
}

/// Checks: signer is the admin; the quarter's budget is recorded and its quote not yet
/// published (history is immutable); the quoted quarter issues STK. Price = backing through
/// the quarter (receipts included) / STK issued through the quarter, in fiat units per whole
/// STK × 1e9.
///
/// "Issued through the quarter" is the schedule's number (`ScheduleParams::issued_through`):
/// the genesis allocation plus `E_0 … E_quarter` (the whole cap for quarters past the
/// schedule), not `stk_mint`'s `total_minted` at call time. So the price of a quarter is the
/// same whenever it is published — before the quarter's crank, or after later quarters were
/// minted. The genesis allocation counts (it is issued STK: sold to members in the initial
/// sale, the unsold rest returned to the treasury), as in the design's worked example
/// "500k + 1,000k = 1,500k tokens" where every token ever issued is in the denominator.
pub fn handler(ctx: Context<PublishQuote>, quarter: u16) -> Result<()> {
    let quote = &mut ctx.accounts.quarter_quote;
    require!(!quote.published, TreasuryError::QuoteAlreadyPublished);
    let tokens_issued = ctx
        .accounts
        .mint_config
        .schedule
        .issued_through(quarter)
        .map_err(|_| error!(TreasuryError::Schedule))?;
    require!(tokens_issued > 0, TreasuryError::NothingIssued);
    let price = quote_price(
        quote.cumulative_backing,
        ctx.accounts.treasury.fiat_decimals,
        tokens_issued,
        ctx.accounts.mint_config.decimals,
    )
    .ok_or(TreasuryError::QuoteOverflow)?;
    quote.published = true;
    quote.price = price;
    quote.tokens_issued = tokens_issued;
    quote.published_at = Clock::get()?.unix_timestamp;
    stk_common::event::emit(&QuotePublished {
        quarter,
        cumulative_backing: quote.cumulative_backing,
        tokens_issued,
        price,
    });
    Ok(())
}
