use crate::{
    errors::TreasuryError,
    events::PlanPageClosed,
    state::{Epoch, EpochStatus, PlanPage, Treasury},
};
use anchor_lang::prelude::*;
use stk_common::seeds;

#[derive(Accounts)]
#[instruction(month: u32, page: u16)]
pub struct ClosePlanPage<'info> {
    /// The treasury's distributor, who paid the page's rent and gets it back.
    #[account(mut)]
    pub distributor: Signer<'info>,
    #[account(
        seeds = [seeds::TREASURY],
        bump = treasury.bump,
        has_one = distributor @ TreasuryError::NotDistributor,
    )]
    pub treasury: Box<Account<'info, Treasury>>,
    /// The month's epoch (seeds checked); must be closed.
    #[account(seeds = [seeds::EPOCH, &month.to_le_bytes()], bump = epoch.bump)]
    pub epoch: Box<Account<'info, Epoch>>,
    /// The page (seeds checked with its stored bump); closed to the distributor.
    #[account(
        mut,
        close = distributor,
        seeds = [seeds::PLAN_PAGE, &month.to_le_bytes(), &page.to_le_bytes()],
        bump = plan_page.load()?.bump,
    )]
    pub plan_page: AccountLoader<'info, PlanPage>,
}

/// Checks: signer is the distributor; the epoch is `Closed` (nothing can be paid or approved
/// any more, and its events and final totals are the record); the page is this month's PDA.
/// Closing is optional: a page left open keeps the approved roots and skipped masks on-chain.
pub fn handler(ctx: Context<ClosePlanPage>, month: u32, page: u16) -> Result<()> {
    require!(ctx.accounts.epoch.status == EpochStatus::Closed, TreasuryError::EpochNotClosed);
    stk_common::event::emit(&PlanPageClosed { month, page });
    Ok(())
}
