use super::require_hold_status;
use crate::{
    errors::TreasuryError,
    events::FraudHoldExecuted,
    flagged, hold_votes,
    state::{FraudHold, HoldStatus, Treasury},
};
use anchor_lang::prelude::*;
use anchor_spl::token_interface::{Mint, Token2022, TokenAccount};
use stk_common::{seeds, token};
use stk_startup_fund::state::Fund;

#[derive(Accounts)]
pub struct ExecuteFraudHold<'info> {
    #[account(seeds = [seeds::TREASURY], bump = treasury.bump, has_one = mint)]
    pub treasury: Box<Account<'info, Treasury>>,
    /// The startup fund's state (owner `stk_startup_fund`, seeds checked): the threshold and
    /// council epoch the approvals are checked against now.
    #[account(seeds = [seeds::FUND], bump = fund.bump, seeds::program = stk_startup_fund::ID)]
    pub fund: Box<Account<'info, Fund>>,
    /// The hold of `token_account` (seeds checked).
    #[account(mut, seeds = [seeds::FRAUD_HOLD, token_account.key().as_ref()], bump = hold.bump)]
    pub hold: Box<Account<'info, FraudHold>>,
    /// CHECK: the held account, read by hand (`flagged::observe`) so a closed or reassigned
    /// account is refused with `HoldAccountChanged`; Token-2022 checks it again on transfer.
    #[account(mut)]
    pub token_account: UncheckedAccount<'info>,
    #[account(mut)]
    pub mint: Box<InterfaceAccount<'info, Mint>>,
    /// CHECK: PDA signer, the mint's permanent delegate, checked by its seeds. Used only here
    /// and in `reintegrate`.
    #[account(seeds = [seeds::PERMANENT_DELEGATE], bump = treasury.permanent_delegate_bump)]
    pub permanent_delegate: UncheckedAccount<'info>,
    /// The escrow vault (seeds checked), created by `initialize`.
    #[account(mut, seeds = [seeds::HOLD_ESCROW], bump)]
    pub hold_escrow: Box<InterfaceAccount<'info, TokenAccount>>,
    pub token_program: Program<'info, Token2022>,
}

/// Checks: permissionless crank (the outcome is fixed by then); the hold is placed; it is
/// confirmed — approvals of M distinct members of the fund's *current* council (a council
/// change since voids them), the admin never counting (`hold_votes::meets_threshold`); its
/// time lock has ended; the account still exists with the holder as owner. Moves
/// `min(amount, balance)` into the escrow vault through the permanent-delegate PDA (nowhere
/// else: the council decides later whether it goes back to the holder or is forfeited).
pub fn handler(ctx: Context<ExecuteFraudHold>) -> Result<()> {
    let accounts = ctx.accounts;
    let hold = &mut accounts.hold;
    require_hold_status(hold, HoldStatus::Placed)?;
    require!(
        hold_votes::meets_threshold(hold.approvals, hold.council_epoch, &accounts.fund),
        TreasuryError::HoldNotConfirmed
    );
    let now = Clock::get()?.unix_timestamp;
    require!(now >= hold.executable_at, TreasuryError::HoldLocked);
    let observed = flagged::observe(&accounts.token_account, &accounts.mint.key())
        .filter(|o| o.owner == hold.owner)
        .ok_or(TreasuryError::HoldAccountChanged)?;
    let amount = hold.amount.min(observed.amount);
    let escrow_before = accounts.hold_escrow.amount;
    if amount > 0 {
        let bump = [accounts.treasury.permanent_delegate_bump];
        let signer: [&[u8]; 2] = [seeds::PERMANENT_DELEGATE, &bump];
        token::transfer_signed(
            &accounts.token_program.to_account_info(),
            &accounts.token_account.to_account_info(),
            &accounts.mint.to_account_info(),
            &accounts.hold_escrow.to_account_info(),
            &accounts.permanent_delegate.to_account_info(),
            &signer,
            amount,
            accounts.mint.decimals,
        )?;
    }
    accounts.hold_escrow.reload()?;
    let escrowed =
        accounts.hold_escrow.amount.checked_sub(escrow_before).ok_or(TreasuryError::Overflow)?;
    hold.status = HoldStatus::Escrowed;
    hold.escrowed = escrowed;
    hold.executed_at = now;
    stk_common::event::emit(&FraudHoldExecuted {
        token_account: hold.token_account,
        amount,
        escrowed,
    });
    Ok(())
}
