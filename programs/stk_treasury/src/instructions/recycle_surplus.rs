use crate::{recycle, state::Treasury};
use anchor_lang::prelude::*;
use anchor_spl::token_interface::TokenAccount;
use stk_common::seeds;
use stk_mint::state::MintConfig;

#[derive(Accounts)]
pub struct RecycleSurplus<'info> {
    #[account(mut, seeds = [seeds::TREASURY], bump = treasury.bump, has_one = distribution_vault)]
    pub treasury: Box<Account<'info, Treasury>>,
    /// `stk_mint`'s config (owner and seeds checked): schedule and quarters minted.
    #[account(seeds = [seeds::MINT_CONFIG], bump = mint_config.bump, seeds::program = stk_mint::ID)]
    pub mint_config: Box<Account<'info, MintConfig>>,
    /// The distribution vault recorded in the treasury.
    pub distribution_vault: Box<InterfaceAccount<'info, TokenAccount>>,
}

/// Checks: permissionless crank (the rule, not the caller, decides the amount); the vault and
/// config are the treasury's. Books the distribution vault's surplus over its obligations into
/// `recycled_total` (`recycle::book_surplus`): fee-split remainders, unsold genesis tokens
/// returned by `stk_vesting::close_sale`, gifts. Booking twice books nothing the second time.
pub fn handler(ctx: Context<RecycleSurplus>) -> Result<()> {
    let accounts = ctx.accounts;
    recycle::book_surplus(
        &mut accounts.treasury,
        &accounts.mint_config.schedule,
        accounts.mint_config.quarters_minted,
        accounts.distribution_vault.amount,
    )?;
    Ok(())
}
