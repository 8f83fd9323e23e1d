// Anchor needs every accounts struct (and its generated client module) at the crate root;
// the per-instruction `handler`s clash harmlessly in the glob.
#![allow(ambiguous_glob_reexports)]
pub mod accept_admin;
pub mod claim;
pub mod close_sale;
pub mod create_grant;
pub mod initialize;
pub mod open_sale;
pub mod propose_admin;
pub mod purchase;
pub mod revoke;
pub mod transfer_beneficiary;

pub use accept_admin::*;
pub use claim::*;
pub use close_sale::*;
pub use create_grant::*;
pub use initialize::*;
pub use open_sale::*;
pub use propose_admin::*;
pub use purchase::*;
pub use revoke::*;
pub use transfer_beneficiary::*;

use crate::{
    errors::VestingError,
    state::{Grant, GrantTerms},
};
use anchor_lang::prelude::*;
use anchor_spl::token_interface::{Mint, TokenAccount};
use stk_common::seeds;

/// Sends `amount` out of a vault owned by the vesting authority and checks that the vault
/// really shrank by `amount` (a CPI that silently did nothing must not pass).
pub(crate) fn send_from_vault<'info>(
    token_program: &AccountInfo<'info>,
    vault: &mut InterfaceAccount<'info, TokenAccount>,
    mint: &InterfaceAccount<'info, Mint>,
    to: &AccountInfo<'info>,
    vesting_authority: &AccountInfo<'info>,
    authority_bump: u8,
    amount: u64,
) -> Result<()> {
    let before = vault.amount;
    let signer: &[&[u8]] = &[seeds::VESTING_AUTHORITY, &[authority_bump]];
    stk_common::token::transfer_signed(
        token_program,
        &vault.to_account_info(),
        &mint.to_account_info(),
        to,
        vesting_authority,
        signer,
        amount,
        mint.decimals,
    )?;
    vault.reload()?;
    require!(
        stk_common::token::sent_exactly(before, vault.amount, amount),
        VestingError::TransferMismatch
    );
    Ok(())
}

/// Books a new grant of `mint` whose new vault has just been funded: the grant's total is
/// what the vault holds, i.e. what arrived after the transfer fee. It must be more than zero
/// and at least `at_least`. Returns the total.
pub(crate) fn book_grant<'info>(
    grant: &mut Account<'info, Grant>,
    vault: &mut InterfaceAccount<'info, TokenAccount>,
    mint: Pubkey,
    terms: GrantTerms,
    at_least: u64,
    (grant_bump, vault_bump): (u8, u8),
) -> Result<u64> {
    vault.reload()?;
    let total = vault.amount;
    require!(total > 0 && total >= at_least, VestingError::TransferMismatch);
    grant.set_inner(Grant::new(terms, mint, vault.key(), total, grant_bump, vault_bump));
    Ok(total)
}
