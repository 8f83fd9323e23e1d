use crate::{
    errors::TreasuryError,
    events::DormancyFlagged,
    flagged,
    state::{DormancyNotice, NoticeStatus, Treasury},
};
use anchor_lang::prelude::*;
use anchor_spl::token_interface::{Mint, Token2022, TokenAccount};
use stk_common::seeds;

#[derive(Accounts)]
pub struct FlagDormant<'info> {
    /// The admin; pays the notice's rent.
    #[account(mut)]
    pub admin: Signer<'info>,
    #[account(seeds = [seeds::TREASURY], bump = treasury.bump, has_one = admin @ TreasuryError::NotAdmin, has_one = mint)]
    pub treasury: Box<Account<'info, Treasury>>,
    pub mint: Box<InterfaceAccount<'info, Mint>>,
    /// The flagged account: a Token-2022 account of the STK mint owned by an ordinary wallet
    /// (checked in the handler: not a treasury vault, owner on the ed25519 curve).
    #[account(token::mint = mint, token::token_program = token_program)]
    pub owner_token_account: Box<InterfaceAccount<'info, TokenAccount>>,
    /// The public notice, created here (one per token account; a resolved one must be closed
    /// first, which `close_dormancy_notice` allows only after the cooldown).
    #[account(
        init,
        payer = admin,
        space = 8 + DormancyNotice::INIT_SPACE,
        seeds = [seeds::DORMANCY_NOTICE, owner_token_account.key().as_ref()],
        bump,
    )]
    pub notice: Box<Account<'info, DormancyNotice>>,
    pub token_program: Program<'info, Token2022>,
    pub system_program: Program<'info, System>,
}

/// Checks: signer is the admin; the account is an STK Token-2022 account, not a treasury
/// vault, and its owner is an ordinary wallet on the ed25519 curve — never a PDA, so no vault
/// of the suite can be flagged (`flagged::require_member_account`); no notice exists for it
/// (a resolved one is closed only after its cooldown). The notice is public (an account and an
/// event), records the owner and the balance it flags, and ends `dormancy_notice_secs` from now.
pub fn handler(ctx: Context<FlagDormant>, reason_code: u16) -> Result<()> {
    let account = &ctx.accounts.owner_token_account;
    flagged::require_member_account(&ctx.accounts.treasury, &account.key(), &account.owner)?;
    let now = Clock::get()?.unix_timestamp;
    let notice_ends_at = now
        .checked_add(ctx.accounts.treasury.dormancy_notice_secs)
        .ok_or(TreasuryError::Overflow)?;
    ctx.accounts.notice.set_inner(DormancyNotice {
        token_account: account.key(),
        owner: account.owner,
        reason_code,
        flagged_at: now,
        notice_ends_at,
        status: NoticeStatus::Pending,
        resolved_at: 0,
        amount_reintegrated: 0,
        bump: ctx.bumps.notice,
        flagged_balance: account.amount,
    });
    stk_common::event::emit(&DormancyFlagged {
        token_account: account.key(),
        owner: account.owner,
        reason_code,
        balance: account.amount,
        notice_ends_at,
    });
    Ok(())
}
