use super::send_from_vault;
use crate::{errors::VestingError, events::GrantRevoked, state::Grant};
use anchor_lang::prelude::*;
use anchor_spl::token_interface::{Mint, Token2022, TokenAccount};
use stk_common::seeds;

#[derive(Accounts)]
pub struct Revoke<'info> {
    /// The grant's authority (its creator).
    pub authority: Signer<'info>,
    #[account(
        mut,
        seeds = [seeds::GRANT, grant.grant_id.as_ref()],
        bump = grant.bump,
        has_one = authority @ VestingError::NotGrantAuthority,
        has_one = mint,
        has_one = vault,
    )]
    pub grant: Box<Account<'info, Grant>>,
    #[account(mut)]
    pub vault: Box<InterfaceAccount<'info, TokenAccount>>,
    pub mint: Box<InterfaceAccount<'info, Mint>>,
    /// CHECK: PDA, owner of the vault; checked by its seeds.
    #[account(seeds = [seeds::VESTING_AUTHORITY], bump)]
    pub vesting_authority: UncheckedAccount<'info>,
    /// Any STK token account the authority chooses; receives the unvested part.
    #[account(mut, token::mint = mint, token::token_program = token_program)]
    pub refund_destination: Box<InterfaceAccount<'info, TokenAccount>>,
    pub token_program: Program<'info, Token2022>,
}

/// Checks: the signer is the grant's authority; the grant is revocable and not yet revoked;
/// grant PDA, vault and mint match. Vesting freezes now: the vested part stays claimable by
/// the beneficiary, the unvested part (total − vested) goes to `refund_destination` (the
/// authority bears its transfer fee).
pub fn handler(ctx: Context<Revoke>) -> Result<()> {
    let now = Clock::get()?.unix_timestamp;
    let accounts = ctx.accounts;
    require!(accounts.grant.revocable, VestingError::NotRevocable);
    require!(accounts.grant.revoked_at.is_none(), VestingError::AlreadyRevoked);

    let vested = accounts.grant.vested(now);
    let unvested = accounts.grant.total.checked_sub(vested).ok_or(VestingError::Overflow)?;
    accounts.grant.revoked_at = Some(now);
    accounts.grant.returned = unvested;
    if unvested > 0 {
        send_from_vault(
            &accounts.token_program.to_account_info(),
            &mut accounts.vault,
            &accounts.mint,
            &accounts.refund_destination.to_account_info(),
            &accounts.vesting_authority.to_account_info(),
            ctx.bumps.vesting_authority,
            unvested,
        )?;
    }
    stk_common::event::emit(&GrantRevoked {
        grant: accounts.grant.key(),
        vested,
        returned: unvested,
        refund_destination: accounts.refund_destination.key(),
    });
    Ok(())
}
