use crate::{
    errors::TreasuryError,
    events::DormancyCancelled,
    state::{DormancyNotice, NoticeStatus},
};
use anchor_lang::prelude::*;
use anchor_spl::token_interface::TokenAccount;
use stk_common::seeds;

#[derive(Accounts)]
pub struct CancelDormancy<'info> {
    /// The flagged account's current owner: any signature of it proves the wallet is alive.
    pub owner: Signer<'info>,
    /// The flagged token account.
    #[account(constraint = owner_token_account.owner == owner.key() @ TreasuryError::NotTokenOwner)]
    pub owner_token_account: Box<InterfaceAccount<'info, TokenAccount>>,
    /// Its notice (seeds checked).
    #[account(
        mut,
        seeds = [seeds::DORMANCY_NOTICE, owner_token_account.key().as_ref()],
        bump = notice.bump,
    )]
    pub notice: Box<Account<'info, DormancyNotice>>,
}

/// Checks: signer owns the flagged token account; the notice is pending (a notice may be
/// cancelled even after its period ended, as long as the balance has not moved).
pub fn handler(ctx: Context<CancelDormancy>) -> Result<()> {
    let notice = &mut ctx.accounts.notice;
    require!(notice.status == NoticeStatus::Pending, TreasuryError::NoticeNotPending);
    notice.status = NoticeStatus::Cancelled;
    notice.resolved_at = Clock::get()?.unix_timestamp;
    stk_common::event::emit(&DormancyCancelled {
        token_account: notice.token_account,
        owner: ctx.accounts.owner.key(),
    });
    Ok(())
}
