// The glob brings the composite's generated client modules and bumps along with it.
use super::member_account::*;
use crate::{
    events::DormancyFlagged,
    state::{DormancyNotice, NoticeStatus},
};
use anchor_lang::prelude::*;
use stk_common::seeds;

#[derive(Accounts)]
pub struct FlagDormant<'info> {
    /// `admin`, `treasury`, `mint`, `token_account` (the flagged account), `token_program`
    /// (see [`MemberAccount`]).
    pub member: MemberAccount<'info>,
    /// The public notice, created here (one per token account; a resolved one must be closed
    /// first, which `close_dormancy_notice` allows only after the cooldown).
    #[account(
        init,
        payer = member.admin,
        space = 8 + DormancyNotice::INIT_SPACE,
        seeds = [seeds::DORMANCY_NOTICE, member.token_account.key().as_ref()],
        bump,
    )]
    pub notice: Box<Account<'info, DormancyNotice>>,
    pub system_program: Program<'info, System>,
}

/// Checks: signer is the admin; the account is an STK Token-2022 account, not a treasury
/// vault, and its owner is an ordinary wallet on the ed25519 curve — never a PDA, so no vault
/// of the suite can be flagged (`MemberAccount::restriction`); no notice exists for it
/// (a resolved one is closed only after its cooldown). The notice is public (an account and an
/// event), records the owner and the balance it flags, and ends `dormancy_notice_secs` from now.
pub fn handler(ctx: Context<FlagDormant>, reason_code: u16) -> Result<()> {
    let r = ctx.accounts.member.restriction()?;
    ctx.accounts.notice.set_inner(DormancyNotice {
        token_account: r.token_account,
        owner: r.owner,
        reason_code,
        flagged_at: r.now,
        notice_ends_at: r.ends_at,
        status: NoticeStatus::Pending,
        resolved_at: 0,
        amount_reintegrated: 0,
        bump: ctx.bumps.notice,
        flagged_balance: r.balance,
    });
    stk_common::event::emit(&DormancyFlagged {
        token_account: r.token_account,
        owner: r.owner,
        reason_code,
        balance: r.balance,
        notice_ends_at: r.ends_at,
    });
    Ok(())
}
