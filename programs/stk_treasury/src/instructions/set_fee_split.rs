use super::validate_fee_split;
use crate::{
    errors::TreasuryError,
    events::FeeSplitUpdated,
    state::{FeeSplit, Treasury},
};
use anchor_lang::prelude::*;
use stk_common::seeds;

#[derive(Accounts)]
pub struct SetFeeSplit<'info> {
    pub admin: Signer<'info>,
    #[account(mut, seeds = [seeds::TREASURY], bump = treasury.bump, has_one = admin @ TreasuryError::NotAdmin)]
    pub treasury: Box<Account<'info, Treasury>>,
}

/// Checks: signer is the admin; bps sum ≤ 10,000. Destinations are checked to be STK token
/// accounts each time fees are split.
pub fn handler(ctx: Context<SetFeeSplit>, fee_split: FeeSplit) -> Result<()> {
    validate_fee_split(&fee_split)?;
    ctx.accounts.treasury.fee_split = fee_split;
    stk_common::event::emit(&FeeSplitUpdated { fee_split });
    Ok(())
}
