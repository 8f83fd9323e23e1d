use crate::{
    errors::TreasuryError,
    events::FraudHoldAppealed,
    state::{FraudHold, HoldStatus, MAX_APPEAL_URI_LEN},
};
use anchor_lang::prelude::*;
use stk_common::seeds;

#[derive(Accounts)]
pub struct AppealFraudHold<'info> {
    /// The holder: the held account's owner when the hold was placed.
    pub holder: Signer<'info>,
    #[account(
        mut,
        seeds = [seeds::FRAUD_HOLD, hold.token_account.as_ref()],
        bump = hold.bump,
        constraint = hold.owner == holder.key() @ TreasuryError::NotHolder,
    )]
    pub hold: Box<Account<'info, FraudHold>>,
}

/// Checks: signer is the holder; the hold is placed or escrowed (undecided); the URI fits 96
/// bytes. Publishes (or replaces) the appeal on-chain: the hash of the appeal document and
/// where to read it, in the hold account and an event. It does not cancel anything: the
/// council decides.
pub fn handler(
    ctx: Context<AppealFraudHold>,
    appeal_hash: [u8; 32],
    appeal_uri: String,
) -> Result<()> {
    let hold = &mut ctx.accounts.hold;
    require!(
        matches!(hold.status, HoldStatus::Placed | HoldStatus::Escrowed),
        TreasuryError::HoldWrongStatus
    );
    require!(appeal_uri.len() <= MAX_APPEAL_URI_LEN, TreasuryError::AppealTooLong);
    hold.appeal_hash = appeal_hash;
    hold.appeal_uri = appeal_uri.clone();
    hold.appealed_at = Clock::get()?.unix_timestamp;
    stk_common::event::emit(&FraudHoldAppealed {
        token_account: hold.token_account,
        appeal_hash,
        appeal_uri,
    });
    Ok(())
}
