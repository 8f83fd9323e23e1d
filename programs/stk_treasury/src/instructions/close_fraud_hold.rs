use crate::{
    errors::TreasuryError,
    events::FraudHoldClosed,
    state::{FraudHold, HoldStatus, Treasury},
};
use anchor_lang::prelude::*;
use stk_common::seeds;

#[derive(Accounts)]
pub struct CloseFraudHold<'info> {
    /// The admin; receives the hold's rent.
    #[account(mut)]
    pub admin: Signer<'info>,
    #[account(seeds = [seeds::TREASURY], bump = treasury.bump, has_one = admin @ TreasuryError::NotAdmin)]
    pub treasury: Box<Account<'info, Treasury>>,
    #[account(mut, close = admin, seeds = [seeds::FRAUD_HOLD, hold.token_account.as_ref()], bump = hold.bump)]
    pub hold: Box<Account<'info, FraudHold>>,
}

/// Checks: signer is the admin; the hold is finished (withdrawn, released or forfeited) —
/// a placed or escrowed hold cannot be closed, so closing never drops a running procedure or
/// an escrowed balance. The events remain the public record.
pub fn handler(ctx: Context<CloseFraudHold>) -> Result<()> {
    let hold = &ctx.accounts.hold;
    require!(
        matches!(hold.status, HoldStatus::Withdrawn | HoldStatus::Released | HoldStatus::Forfeited),
        TreasuryError::HoldWrongStatus
    );
    stk_common::event::emit(&FraudHoldClosed { token_account: hold.token_account });
    Ok(())
}
