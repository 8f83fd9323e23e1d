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
    /// `stk_mint`'s config (owner and seeds checked): `total_minted` is the STK issued so far.
    #[account(seeds = [seeds::MINT_CONFIG], bump = mint_config.bump, seeds::program = stk_mint::ID)]
    pub mint_config: Box<Account<'info, MintConfig>>,
    /// The quarter's quote account (its budget must have been recorded).
    #[account(mut, seeds = [seeds::QUARTER_QUOTE, &quarter.to_le_bytes()], bump = quarter_quote.bump)]
    pub quarter_quote: Box<Account<'info, QuarterQuote>>,
}

/// Checks: signer is the admin; the quarter's budget is recorded and its quote not yet
/// published (history is immutable); STK has been issued. Price = backing through the quarter
/// (receipts included) / `total_minted`, in fiat units per whole STK × 1e9.
pub fn handler(ctx: Context<PublishQuote>, quarter: u16) -> Result<()> {
    let quote = &mut ctx.accounts.quarter_quote;
    require!(!quote.published, TreasuryError::QuoteAlreadyPublished);
    let tokens_issued = ctx.accounts.mint_config.total_minted;
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
