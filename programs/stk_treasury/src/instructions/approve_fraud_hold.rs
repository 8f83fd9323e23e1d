use super::require_hold_status;
use crate::{
    errors::TreasuryError,
    events::FraudHoldApproved,
    hold_votes,
    state::{FraudHold, HoldStatus, Treasury},
};
use anchor_lang::prelude::*;
use stk_common::seeds;
use stk_startup_fund::state::Fund;

#[derive(Accounts)]
pub struct ApproveFraudHold<'info> {
    /// A member of the startup fund's council, not the treasury admin.
    pub member: Signer<'info>,
    #[account(seeds = [seeds::TREASURY], bump = treasury.bump)]
    pub treasury: Box<Account<'info, Treasury>>,
    /// The startup fund's state (owner `stk_startup_fund`, seeds checked): its council.
    #[account(seeds = [seeds::FUND], bump = fund.bump, seeds::program = stk_startup_fund::ID)]
    pub fund: Box<Account<'info, Fund>>,
    #[account(mut, seeds = [seeds::FRAUD_HOLD, hold.token_account.as_ref()], bump = hold.bump)]
    pub hold: Box<Account<'info, FraudHold>>,
}

/// Checks: the hold is placed (not executed, withdrawn or resolved); the signer is on the
/// fund's current council and is not the treasury admin; it has not approved yet (under the
/// current council; a council change wipes earlier approvals). Records the approval; once the
/// approvals reach the council's threshold the hold is confirmed (execution still waits for
/// the time lock).
pub fn handler(ctx: Context<ApproveFraudHold>) -> Result<()> {
    let fund = &ctx.accounts.fund;
    let hold = &mut ctx.accounts.hold;
    require_hold_status(hold, HoldStatus::Placed)?;
    let member = ctx.accounts.member.key();
    let index = hold_votes::council_index(fund, &ctx.accounts.treasury.admin, &member)?;
    let (mut epoch, mut approvals) = (hold.council_epoch, hold.approvals);
    hold_votes::sync_epoch(&mut epoch, fund.council_epoch, &mut [&mut approvals]);
    approvals =
        hold_votes::cast(approvals, &[], index).map_err(|_| error!(TreasuryError::AlreadyVoted))?;
    hold.council_epoch = epoch;
    hold.approvals = approvals;
    let confirmed = hold_votes::meets_threshold(approvals, epoch, fund);
    if confirmed && hold.confirmed_at == 0 {
        hold.confirmed_at = Clock::get()?.unix_timestamp;
    }
    stk_common::event::emit(&FraudHoldApproved {
        token_account: hold.token_account,
        member,
        approvals: hold_votes::count(approvals),
        threshold: fund.threshold,
        confirmed,
    });
    Ok(())
}
