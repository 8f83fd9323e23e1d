use crate::{
    errors::{curve_err, VestingError},
    events::SaleOpened,
    state::{Sale, SalePrice, SaleVesting, VestingConfig},
};
use anchor_lang::prelude::*;
use anchor_spl::token_interface::{Mint, TokenAccount};
use stk_common::seeds;

#[derive(AnchorSerialize, AnchorDeserialize, Clone, Debug)]
pub struct OpenSaleArgs {
    /// Payment-mint base units per `price.den` STK base units.
    pub price: SalePrice,
    /// Purchases are accepted in `[start, end)` (unix seconds).
    pub start: i64,
    pub end: i64,
    /// Merkle root of the allowlist (`stk_common::merkle`).
    pub allowlist_root: [u8; 32],
    /// STK base units on sale (at most the sale vault's balance).
    pub total: u64,
    /// The vesting of every purchase, relative to the purchase instant.
    pub vesting: SaleVesting,
}

#[derive(Accounts)]
pub struct OpenSale<'info> {
    /// The vesting admin; pays the sale account's rent.
    #[account(mut)]
    pub admin: Signer<'info>,
    #[account(seeds = [seeds::VESTING_CONFIG], bump = config.bump, has_one = admin, has_one = sale_vault)]
    pub config: Box<Account<'info, VestingConfig>>,
    /// The sale; `init` makes it a one-time event.
    #[account(init, payer = admin, space = 8 + Sale::INIT_SPACE, seeds = [seeds::SALE], bump)]
    pub sale: Box<Account<'info, Sale>>,
    /// The sale vault holding the genesis allocation.
    pub sale_vault: Box<InterfaceAccount<'info, TokenAccount>>,
    /// The stable coin buyers pay with: any SPL Token or Token-2022 mint.
    pub payment_mint: Box<InterfaceAccount<'info, Mint>>,
    /// Receives every payment (the treasury's account of `payment_mint`).
    #[account(token::mint = payment_mint)]
    pub payment_destination: Box<InterfaceAccount<'info, TokenAccount>>,
    /// Receives the unsold STK at `close_sale`: only the treasury's distribution vault
    /// (`seeds::find_distribution_vault`, a PDA of `stk_treasury`), so unsold genesis tokens
    /// return to circulation by the treasury's rule (`recycle_surplus` books them into a later
    /// month's allowance) and no admin can send them anywhere else.
    #[account(
        address = seeds::find_distribution_vault() @ VestingError::UnsoldNotDistributionVault,
        token::mint = config.mint,
    )]
    pub unsold_destination: Box<InterfaceAccount<'info, TokenAccount>>,
    pub system_program: Program<'info, System>,
}

/// Checks: the signer is the config's admin; the sale does not exist yet (`init`); price
/// num and den > 0; start < end; 0 < total <= sale vault balance; the root is not zero; the
/// sale vesting makes a valid schedule; the payment destination holds the payment mint; the
/// unsold destination is the treasury's distribution vault (`UnsoldNotDistributionVault`) and
/// holds STK.
pub fn handler(ctx: Context<OpenSale>, args: OpenSaleArgs) -> Result<()> {
    require!(args.price.num > 0 && args.price.den > 0, VestingError::SalePrice);
    require!(args.start < args.end, VestingError::SaleWindow);
    require!(
        args.total > 0 && args.total <= ctx.accounts.sale_vault.amount,
        VestingError::SaleTotal
    );
    require!(args.allowlist_root != [0u8; 32], VestingError::SaleAllowlistRoot);
    args.vesting
        .schedule_from(args.start)
        .ok_or(VestingError::Overflow)?
        .validate()
        .map_err(curve_err)?;
    // The last purchase instant must also give a representable schedule.
    args.vesting.schedule_from(args.end).ok_or(VestingError::Overflow)?;

    let sale_key = ctx.accounts.sale.key();
    let sale = &mut ctx.accounts.sale;
    sale.set_inner(Sale {
        admin: ctx.accounts.admin.key(),
        mint: ctx.accounts.config.mint,
        payment_mint: ctx.accounts.payment_mint.key(),
        payment_destination: ctx.accounts.payment_destination.key(),
        unsold_destination: ctx.accounts.unsold_destination.key(),
        price: args.price,
        start: args.start,
        end: args.end,
        allowlist_root: args.allowlist_root,
        total: args.total,
        sold: 0,
        vesting: args.vesting,
        closed: false,
        bump: ctx.bumps.sale,
    });
    stk_common::event::emit(&SaleOpened {
        sale: sale_key,
        payment_mint: sale.payment_mint,
        payment_destination: sale.payment_destination,
        unsold_destination: sale.unsold_destination,
        price_num: args.price.num,
        price_den: args.price.den,
        start: args.start,
        end: args.end,
        total: args.total,
        allowlist_root: args.allowlist_root,
    });
    Ok(())
}
