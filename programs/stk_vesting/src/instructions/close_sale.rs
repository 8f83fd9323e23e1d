use super::send_from_vault;
use crate::{errors::VestingError, events::SaleClosed, state::Sale};
use anchor_lang::prelude::*;
use anchor_spl::token_interface::{Mint, Token2022, TokenAccount};
use stk_common::seeds;

#[derive(Accounts)]
pub struct CloseSale<'info> {
    /// Anyone may close an ended (or sold-out) sale: the destination was fixed at open_sale.
    pub cranker: Signer<'info>,
    #[account(
        mut,
        seeds = [seeds::SALE],
        bump = sale.bump,
        has_one = mint,
        has_one = unsold_destination @ VestingError::WrongUnsoldDestination,
    )]
    pub sale: Box<Account<'info, Sale>>,
    #[account(mut, seeds = [seeds::SALE_VAULT], bump)]
    pub sale_vault: Box<InterfaceAccount<'info, TokenAccount>>,
    pub mint: Box<InterfaceAccount<'info, Mint>>,
    /// CHECK: PDA, owner of the sale vault; checked by its seeds.
    #[account(seeds = [seeds::VESTING_AUTHORITY], bump)]
    pub vesting_authority: UncheckedAccount<'info>,
    /// The unsold destination fixed at open_sale: the treasury's distribution vault.
    #[account(mut)]
    pub unsold_destination: Box<InterfaceAccount<'info, TokenAccount>>,
    pub token_program: Program<'info, Token2022>,
}

/// Checks: the sale is not closed; it has ended or is sold out; the destination is the one
/// fixed at open_sale (the treasury's distribution vault). Moves the whole sale vault balance
/// (the treasury bears the fee); `stk_treasury::recycle_surplus` then books what arrived into
/// `recycled_total`, so it is paid to members in a later month.
pub fn handler(ctx: Context<CloseSale>) -> Result<()> {
    let now = Clock::get()?.unix_timestamp;
    let accounts = ctx.accounts;
    require!(!accounts.sale.closed, VestingError::SaleClosed);
    require!(
        now >= accounts.sale.end || accounts.sale.sold >= accounts.sale.total,
        VestingError::SaleStillOpen
    );
    let unsold = accounts.sale_vault.amount;
    accounts.sale.closed = true;
    if unsold > 0 {
        send_from_vault(
            &accounts.token_program.to_account_info(),
            &mut accounts.sale_vault,
            &accounts.mint,
            &accounts.unsold_destination.to_account_info(),
            &accounts.vesting_authority.to_account_info(),
            ctx.bumps.vesting_authority,
            unsold,
        )?;
    }
    stk_common::event::emit(&SaleClosed {
        sale: accounts.sale.key(),
        sold: accounts.sale.sold,
        returned: unsold,
        unsold_destination: accounts.unsold_destination.key(),
    });
    Ok(())
}
