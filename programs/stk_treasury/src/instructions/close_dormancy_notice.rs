use crate::{
    errors::TreasuryError,
    events::DormancyNoticeClosed,
    state::{DormancyNotice, NoticeStatus, Treasury},
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
    /// A resolved notice (cancelled or reintegrated), closed here so the account can be
    /// flagged again later (e.g. a fraud hold after an earlier cancelled dormancy notice).
    #[account(mut, close = admin, seeds = [seeds::DORMANCY_NOTICE, notice.token_account.as_ref()], bump = notice.bump)]
    pub notice: Box<Account<'info, DormancyNotice>>,
}

/// Checks: signer is the admin; the notice is resolved — a pending notice cannot be closed, so
/// closing never silently drops a running procedure. The events remain the public record.
pub fn handler(ctx: Context<CloseDormancyNotice>) -> Result<()> {
    let notice = &ctx.accounts.notice;
    require!(notice.status != NoticeStatus::Pending, TreasuryError::NoticePending);
    stk_common::event::emit(&DormancyNoticeClosed {
        token_account: notice.token_account,
        status: notice.status,
    });
    Ok(())
}
