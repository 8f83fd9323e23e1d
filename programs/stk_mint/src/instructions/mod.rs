// Anchor needs every accounts struct (and its generated client module) at the crate root;
// the per-instruction `handler`s clash harmlessly in the glob.
#![allow(ambiguous_glob_reexports)]
pub mod accept_admin;
pub mod initialize;
pub mod mint_genesis;
pub mod mint_quarter;
pub mod propose_admin;
pub mod update_metadata_uri;

pub use accept_admin::*;
pub use initialize::*;
pub use mint_genesis::*;
pub use mint_quarter::*;
pub use propose_admin::*;
pub use update_metadata_uri::*;

use crate::{errors::MintError, state::MintConfig};
use anchor_lang::prelude::*;
use anchor_spl::token_interface::{self as ti, Mint, TokenAccount};
use stk_common::seeds;

/// Mints `amount` to `destination`, signed by the mint-authority PDA, after checking that the
/// cap holds both for the program's own counter and for the mint's actual supply.
pub(crate) fn mint_capped<'info>(
    config: &mut MintConfig,
    mint: &InterfaceAccount<'info, Mint>,
    mint_authority: &AccountInfo<'info>,
    destination: &InterfaceAccount<'info, TokenAccount>,
    token_program: &AccountInfo<'info>,
    amount: u64,
) -> Result<()> {
    let new_total = config.total_minted.checked_add(amount).ok_or(MintError::Overflow)?;
    require!(new_total <= config.schedule.cap, MintError::CapExceeded);
    let new_supply = mint.supply.checked_add(amount).ok_or(MintError::Overflow)?;
    require!(new_supply <= config.schedule.cap, MintError::CapExceeded);
    if amount > 0 {
        let signer: &[&[u8]] = &[seeds::MINT_AUTHORITY, &[config.mint_authority_bump]];
        ti::mint_to(
            CpiContext::new_with_signer(
                token_program.key(),
                ti::MintTo {
                    mint: mint.to_account_info(),
                    to: destination.to_account_info(),
                    authority: mint_authority.clone(),
                },
                &[signer],
            ),
            amount,
        )?;
    }
    config.total_minted = new_total;
    Ok(())
}
