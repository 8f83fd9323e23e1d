use crate::{
    errors::TreasuryError,
    events::EpochClosed,
    state::{Epoch, EpochStatus, Treasury},
};
use anchor_lang::prelude::*;
use stk_common::seeds;

#[derive(Accounts)]
#[instruction(month: u32)]
pub struct CloseEpoch<'info> {
    /// The distributor (after every batch) or the admin (at any time, to abort).
    pub authority: Signer<'info>,
    #[account(mut, seeds = [seeds::TREASURY], bump = treasury.bump)]
    pub treasury: Box<Account<'info, Treasury>>,
    /// The month's epoch (seeds checked). It stays, closed, so the month cannot reopen.
    #[account(mut, seeds = [seeds::EPOCH, &month.to_le_bytes()], bump = epoch.bump)]
    pub epoch: Box<Account<'info, Epoch>>,
}

/// Checks: the epoch is not closed; the signer is the admin (at any time, a `Proposed` epoch
/// included: abort), or the distributor once the plan is approved and every batch is paid.
/// Releases `total − paid` from `committed_total` back to the pool — skipped lines included:
/// they were not paid and are owed again by a later month's plan.
pub fn handler(ctx: Context<CloseEpoch>, _month: u32) -> Result<()> {
    let signer = ctx.accounts.authority.key();
    let treasury = &mut ctx.accounts.treasury;
    let epoch = &mut ctx.accounts.epoch;
    require!(epoch.status != EpochStatus::Closed, TreasuryError::EpochClosed);
    let complete = epoch.status == EpochStatus::Open && epoch.batches_paid == epoch.batch_count;
    if signer != treasury.admin {
        require_keys_eq!(signer, treasury.distributor, TreasuryError::NotAuthorized);
        require!(complete, TreasuryError::BatchesRemaining);
    }
    let released = epoch.total.checked_sub(epoch.paid).ok_or(TreasuryError::Overflow)?;
    treasury.committed_total =
        treasury.committed_total.checked_sub(released).ok_or(TreasuryError::Overflow)?;
    treasury.distributed_total =
        treasury.distributed_total.checked_add(epoch.paid).ok_or(TreasuryError::Overflow)?;
    treasury.open_epochs = treasury.open_epochs.checked_sub(1).ok_or(TreasuryError::Overflow)?;
    epoch.status = EpochStatus::Closed;
    epoch.closed_at = Clock::get()?.unix_timestamp;
    epoch.aborted = !complete;
    stk_common::event::emit(&EpochClosed {
        month: epoch.month,
        total: epoch.total,
        paid: epoch.paid,
        gross_paid: epoch.gross_paid,
        released,
        recipients_paid: epoch.recipients_paid,
        batches_paid: epoch.batches_paid,
        batch_count: epoch.batch_count,
        aborted: epoch.aborted,
        report_hash: epoch.report_hash,
        skipped: epoch.skipped,
        recipients_skipped: epoch.recipients_skipped,
        plan_hash: epoch.plan_hash,
    });
    Ok(())
}
