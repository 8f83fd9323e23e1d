// The glob brings the composite's generated client modules and bumps along with it.
use super::distributor_epoch::*;
use crate::{
    errors::TreasuryError,
    events::PlanPageClosed,
    state::{EpochStatus, PlanPage},
};
use anchor_lang::{prelude::*, AccountsClose};

#[derive(Accounts)]
pub struct ClosePlanPage<'info> {
    /// `distributor` (who paid the page's rent and gets it back), `treasury`, `epoch` (must be
    /// closed) — see [`DistributorEpoch`].
    pub plan: DistributorEpoch<'info>,
    /// The page (owner and discriminator checked by `AccountLoader`; the handler checks it is
    /// this month's page `page`, as `distribute_batch` does); closed to the distributor.
    #[account(mut)]
    pub plan_page: AccountLoader<'info, PlanPage>,
}

/// Checks: signer is the distributor; the epoch is `Closed` (nothing can be paid or approved
/// any more, and its events and final totals are the record); the page is this month's page
/// `page` (`WrongPlanPage`: only `write_plan_roots` creates plan pages, each at the PDA of the
/// month and page it records, so the recorded pair names the PDA; Anchor's seeds constraint
/// cannot be used here because the nested `DistributorEpoch` reads the month argument).
/// Closes the page, its rent to the distributor. Closing is optional: a page left open keeps
/// the approved roots and skipped masks on-chain.
pub fn handler(ctx: Context<ClosePlanPage>, month: u32, page: u16) -> Result<()> {
    let accounts = ctx.accounts;
    require!(accounts.plan.epoch.status == EpochStatus::Closed, TreasuryError::EpochNotClosed);
    {
        let loaded = accounts.plan_page.load()?;
        require!(loaded.month == month && loaded.page == page, TreasuryError::WrongPlanPage);
    }
    accounts.plan_page.close(accounts.plan.distributor.to_account_info())?;
    stk_common::event::emit(&PlanPageClosed { month, page });
    Ok(())
}
