use crate::{
    errors::TreasuryError,
    events::DormancyNoticeVoided,
    flagged,
    state::{DormancyNotice, NoticeStatus, Treasury},
};
use anchor_lang::prelude::*;
use stk_common::seeds;

#[derive(Accounts)]
pub struct VoidNotice<'info> {
    #[account(seeds = [seeds::TREASURY], bump = treasury.bump)]
    pub treasury: Box<Account<'info, Treasury>>,
    /// The notice of `token_account` (seeds checked).
    #[account(
        mut,
        seeds = [seeds::DORMANCY_NOTICE, token_account.key().as_ref()],
        bump = notice.bump,
    )]
    pub notice: Box<Account<'info, DormancyNotice>>,
    /// CHECK: the flagged address, read by hand: it may be closed (a system account with no
    /// data), reassigned to another program, or a live STK account (`flagged::observe`).
    pub token_account: UncheckedAccount<'info>,
}

/// Checks: permissionless (anyone may observe that a notice died); the notice is pending; the
/// account is no longer the flagged one — closed, reassigned, of another mint, another owner,
/// or a balance other than the flagged one (`flagged::still_flagged` is false). The notice
/// becomes `Voided` for good (it can never move anything), and the usual cooldown runs from
/// now before the account can be flagged again.
pub fn handler(ctx: Context<VoidNotice>) -> Result<()> {
    let notice = &mut ctx.accounts.notice;
    require!(notice.status == NoticeStatus::Pending, TreasuryError::NoticeNotPending);
    let observed = flagged::observe(&ctx.accounts.token_account, &ctx.accounts.treasury.mint);
    require!(
        !flagged::still_flagged(observed, &notice.owner, notice.flagged_balance),
        TreasuryError::NoticeAccountUnchanged
    );
    notice.status = NoticeStatus::Voided;
    notice.resolved_at = Clock::get()?.unix_timestamp;
    stk_common::event::emit(&DormancyNoticeVoided {
        token_account: notice.token_account,
        account_exists: observed.is_some(),
    });
    Ok(())
}
