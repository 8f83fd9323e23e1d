// The glob brings the composite's generated client modules and bumps along with it.
use super::member_account::*;
use crate::{
    errors::TreasuryError,
    events::FraudHoldPlaced,
    state::{FraudHold, HoldStatus},
};
use anchor_lang::prelude::*;
use stk_common::seeds;

#[derive(Accounts)]
pub struct PlaceFraudHold<'info> {
    /// `admin`, `treasury`, `mint`, `token_account` (the held account), `token_program`
    /// (see [`MemberAccount`]).
    pub member: MemberAccount<'info>,
    /// The public hold, created here (one per token account at a time).
    #[account(
        init,
        payer = member.admin,
        space = 8 + FraudHold::INIT_SPACE,
        seeds = [seeds::FRAUD_HOLD, member.token_account.key().as_ref()],
        bump,
    )]
    pub hold: Box<Account<'info, FraudHold>>,
    pub system_program: Program<'info, System>,
}

/// Checks: signer is the admin; the account is an STK account of an ordinary wallet, never a
/// treasury vault or a PDA-owned vault (`MemberAccount::restriction`); `0 < amount ≤` its
/// balance; no hold exists for it. The hold is public (account + event, with the reason's
/// code and hash) and executable only `dormancy_notice_secs` from now, and only once M council
/// members other than the admin confirm it. Nothing moves here.
pub fn handler(
    ctx: Context<PlaceFraudHold>,
    reason_code: u16,
    reason_hash: [u8; 32],
    amount: u64,
) -> Result<()> {
    let r = ctx.accounts.member.restriction()?;
    require!(amount > 0 && amount <= r.balance, TreasuryError::HoldAmount);
    ctx.accounts.hold.set_inner(FraudHold {
        token_account: r.token_account,
        owner: r.owner,
        placed_by: ctx.accounts.member.admin.key(),
        reason_code,
        reason_hash,
        amount,
        placed_at: r.now,
        executable_at: r.ends_at,
        status: HoldStatus::Placed,
        council_epoch: 0,
        approvals: 0,
        confirmed_at: 0,
        escrowed: 0,
        executed_at: 0,
        release_votes: 0,
        forfeit_votes: 0,
        resolved_at: 0,
        appeal_hash: [0; 32],
        appeal_uri: String::new(),
        appealed_at: 0,
        bump: ctx.bumps.hold,
    });
    stk_common::event::emit(&FraudHoldPlaced {
        token_account: r.token_account,
        owner: r.owner,
        reason_code,
        reason_hash,
        amount,
        executable_at: r.ends_at,
    });
    Ok(())
}
