use crate::{
    errors::TreasuryError,
    events::FraudHoldPlaced,
    flagged,
    state::{FraudHold, HoldStatus, Treasury},
};
use anchor_lang::prelude::*;
use anchor_spl::token_interface::{Mint, Token2022, TokenAccount};
use stk_common::seeds;

#[derive(Accounts)]
pub struct PlaceFraudHold<'info> {
    /// The admin; pays the hold's rent.
    #[account(mut)]
    pub admin: Signer<'info>,
    #[account(seeds = [seeds::TREASURY], bump = treasury.bump, has_one = admin @ TreasuryError::NotAdmin, has_one = mint)]
    pub treasury: Box<Account<'info, Treasury>>,
    pub mint: Box<InterfaceAccount<'info, Mint>>,
    /// The held account: an STK Token-2022 account of an ordinary wallet (checked in the
    /// handler).
    #[account(token::mint = mint, token::token_program = token_program)]
    pub token_account: Box<InterfaceAccount<'info, TokenAccount>>,
    /// The public hold, created here (one per token account at a time).
    #[account(
        init,
        payer = admin,
        space = 8 + FraudHold::INIT_SPACE,
        seeds = [seeds::FRAUD_HOLD, token_account.key().as_ref()],
        bump,
    )]
    pub hold: Box<Account<'info, FraudHold>>,
    pub token_program: Program<'info, Token2022>,
    pub system_program: Program<'info, System>,
}

/// Checks: signer is the admin; the account is an STK account of an ordinary wallet, never a
/// treasury vault or a PDA-owned vault (`flagged::require_member_account`); `0 < amount ≤`
/// its balance; no hold exists for it. The hold is public (account + event, with the reason's
/// code and hash) and executable only `dormancy_notice_secs` from now, and only once M council
/// members other than the admin confirm it. Nothing moves here.
pub fn handler(
    ctx: Context<PlaceFraudHold>,
    reason_code: u16,
    reason_hash: [u8; 32],
    amount: u64,
) -> Result<()> {
    let account = &ctx.accounts.token_account;
    flagged::require_member_account(&ctx.accounts.treasury, &account.key(), &account.owner)?;
    require!(amount > 0 && amount <= account.amount, TreasuryError::HoldAmount);
    let now = Clock::get()?.unix_timestamp;
    let executable_at = now
        .checked_add(ctx.accounts.treasury.dormancy_notice_secs)
        .ok_or(TreasuryError::Overflow)?;
    ctx.accounts.hold.set_inner(FraudHold {
        token_account: account.key(),
        owner: account.owner,
        placed_by: ctx.accounts.admin.key(),
        reason_code,
        reason_hash,
        amount,
        placed_at: now,
        executable_at,
        status: HoldStatus::Placed,
        council_epoch: 0,
        approvals: 0,
        confirmed_at: 0,
        escrowed: 0,
        executed_at: 0,
        release_votes: 0,
        forfeit_votes: 0,
        resolved_at: 0,
        appeal_hash: [0; 32],
        appeal_uri: String::new(),
        appealed_at: 0,
        bump: ctx.bumps.hold,
    });
    stk_common::event::emit(&FraudHoldPlaced {
        token_account: account.key(),
        owner: account.owner,
        reason_code,
        reason_hash,
        amount,
        executable_at,
    });
    Ok(())
}
