use crate::{
    errors::TreasuryError,
    events::DormancyNoticeClosed,
    flagged,
    state::{DormancyNotice, Treasury},
};
use anchor_lang::prelude::*;
use stk_common::seeds;

#[derive(Accounts)]
pub struct CloseDormancyNotice<'info> {
    /// The admin; receives the notice's rent.
    #[account(mut)]
    pub admin: Signer<'info>,
    #[account(seeds = [seeds::TREASURY], bump = treasury.bump, has_one = admin @ TreasuryError::NotAdmin)]
    pub treasury: Box<Account<'info, Treasury>>,
    /// A resolved notice (cancelled, voided or reintegrated), closed here so the account can
    /// be flagged again later — after a cancellation or a void only once a full notice period
    /// has passed since.
    #[account(mut, close = admin, seeds = [seeds::DORMANCY_NOTICE, notice.token_account.as_ref()], bump = notice.bump)]
    pub notice: Box<Account<'info, DormancyNotice>>,
}

/// Checks: signer is the admin; the notice is resolved — a pending notice cannot be closed, so
/// closing never silently drops a running procedure; a cancelled or voided notice only once
/// `resolved_at + dormancy_notice_secs` has passed (`flagged::reflag_allowed_at`), so an owner
/// who answered is not flagged again for a full notice period. The events remain the public
/// record.
pub fn handler(ctx: Context<CloseDormancyNotice>) -> Result<()> {
    let notice = &ctx.accounts.notice;
    let allowed_at = flagged::reflag_allowed_at(
        notice.status,
        notice.resolved_at,
        ctx.accounts.treasury.dormancy_notice_secs,
    )
    .ok_or(TreasuryError::NoticePending)?;
    require!(Clock::get()?.unix_timestamp >= allowed_at, TreasuryError::NoticeCooldown);
    stk_common::event::emit(&DormancyNoticeClosed {
        token_account: notice.token_account,
        status: notice.status,
    });
    Ok(())
}
