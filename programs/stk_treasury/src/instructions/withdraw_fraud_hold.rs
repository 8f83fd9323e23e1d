use super::require_hold_status;
use crate::{
    errors::TreasuryError,
    events::FraudHoldWithdrawn,
    state::{FraudHold, HoldStatus, Treasury},
};
use anchor_lang::prelude::*;
use stk_common::seeds;

#[derive(Accounts)]
pub struct WithdrawFraudHold<'info> {
    pub admin: Signer<'info>,
    #[account(seeds = [seeds::TREASURY], bump = treasury.bump, has_one = admin @ TreasuryError::NotAdmin)]
    pub treasury: Box<Account<'info, Treasury>>,
    #[account(mut, seeds = [seeds::FRAUD_HOLD, hold.token_account.as_ref()], bump = hold.bump)]
    pub hold: Box<Account<'info, FraudHold>>,
}

/// Checks: signer is the admin; the hold is still placed (nothing has moved). Withdrawing
/// only un-restricts: it can never move a balance. Once escrowed, only the council decides.
/// The holder has no instruction to cancel a hold.
pub fn handler(ctx: Context<WithdrawFraudHold>) -> Result<()> {
    let hold = &mut ctx.accounts.hold;
    require_hold_status(hold, HoldStatus::Placed)?;
    hold.status = HoldStatus::Withdrawn;
    hold.resolved_at = Clock::get()?.unix_timestamp;
    stk_common::event::emit(&FraudHoldWithdrawn { token_account: hold.token_account });
    Ok(())
}
