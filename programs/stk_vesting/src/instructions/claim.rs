use super::send_from_vault;
use crate::{errors::VestingError, events::Claimed, state::Grant};
use anchor_lang::prelude::*;
use anchor_spl::{
    associated_token::{self, get_associated_token_address_with_program_id, AssociatedToken},
    token_interface::{Mint, Token2022, TokenAccount},
};
use stk_common::seeds;

#[derive(Accounts)]
pub struct Claim<'info> {
    /// Pays the rent of the beneficiary's token account if it must be created.
    #[account(mut)]
    pub payer: Signer<'info>,
    /// The grant's current beneficiary.
    pub beneficiary: Signer<'info>,
    #[account(
        mut,
        seeds = [seeds::GRANT, grant.grant_id.as_ref()],
        bump = grant.bump,
        has_one = beneficiary @ VestingError::NotBeneficiary,
        has_one = mint,
        has_one = vault,
    )]
    pub grant: Box<Account<'info, Grant>>,
    /// The grant's vault.
    #[account(mut)]
    pub vault: Box<InterfaceAccount<'info, TokenAccount>>,
    /// The STK mint (the grant's).
    pub mint: Box<InterfaceAccount<'info, Mint>>,
    /// CHECK: PDA, owner of the vault; checked by its seeds.
    #[account(seeds = [seeds::VESTING_AUTHORITY], bump)]
    pub vesting_authority: UncheckedAccount<'info>,
    /// CHECK: the beneficiary's associated token account of the STK mint (address checked);
    /// created here if it does not exist yet.
    #[account(
        mut,
        address = get_associated_token_address_with_program_id(
            &beneficiary.key(), &mint.key(), &token_program.key()
        ) @ VestingError::WrongDestination,
    )]
    pub destination: UncheckedAccount<'info>,
    pub token_program: Program<'info, Token2022>,
    pub associated_token_program: Program<'info, AssociatedToken>,
    pub system_program: Program<'info, System>,
}

/// Checks: the signer is the grant's beneficiary; grant PDA, its vault and mint match; the
/// destination is the beneficiary's ATA; something is claimable (unlocked by the curve,
/// frozen at revocation, minus what was claimed). The beneficiary bears the transfer fee:
/// `claimable` leaves the vault, the ATA receives it minus the fee.
pub fn handler(ctx: Context<Claim>) -> Result<()> {
    let clock = Clock::get()?;
    let accounts = ctx.accounts;
    let amount = accounts.grant.claimable(clock.unix_timestamp);
    require!(amount > 0, VestingError::NothingToClaim);

    if accounts.destination.data_is_empty() {
        associated_token::create_idempotent(CpiContext::new(
            accounts.associated_token_program.key(),
            associated_token::Create {
                payer: accounts.payer.to_account_info(),
                associated_token: accounts.destination.to_account_info(),
                authority: accounts.beneficiary.to_account_info(),
                mint: accounts.mint.to_account_info(),
                system_program: accounts.system_program.to_account_info(),
                token_program: accounts.token_program.to_account_info(),
            },
        ))?;
    }
    let fee =
        stk_common::token::transfer_fee(&accounts.mint.to_account_info(), amount, clock.epoch)?;
    send_from_vault(
        &accounts.token_program.to_account_info(),
        &mut accounts.vault,
        &accounts.mint,
        &accounts.destination.to_account_info(),
        &accounts.vesting_authority.to_account_info(),
        ctx.bumps.vesting_authority,
        amount,
    )?;
    let grant = &mut accounts.grant;
    grant.claimed = grant.claimed.checked_add(amount).ok_or(VestingError::Overflow)?;
    stk_common::event::emit(&Claimed {
        grant: grant.key(),
        beneficiary: grant.beneficiary,
        amount,
        fee,
        claimed_total: grant.claimed,
    });
    Ok(())
}
