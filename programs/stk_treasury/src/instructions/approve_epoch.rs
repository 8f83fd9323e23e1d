use crate::{
    errors::TreasuryError,
    events::EpochApproved,
    state::{Epoch, EpochStatus, PlanPage, Treasury},
};
use anchor_lang::prelude::*;
use stk_common::{
    payout_plan::{entries_in_page, page_count, plan_hash_of_chunks},
    seeds,
};

#[derive(Accounts)]
#[instruction(month: u32)]
pub struct ApproveEpoch<'info> {
    /// The treasury admin (never the hot distributor key; operators may make it a multisig).
    pub admin: Signer<'info>,
    #[account(seeds = [seeds::TREASURY], bump = treasury.bump, has_one = admin @ TreasuryError::NotAdmin)]
    pub treasury: Box<Account<'info, Treasury>>,
    /// The month's epoch (seeds checked); must be `Proposed`.
    #[account(mut, seeds = [seeds::EPOCH, &month.to_le_bytes()], bump = epoch.bump)]
    pub epoch: Box<Account<'info, Epoch>>,
    // remaining accounts: the month's plan pages 0, 1, … in order (read-only).
}

/// Checks: signer is the admin; the epoch is `Proposed`; `plan_hash` (what the admin checked
/// off-chain against the report) equals the epoch's; the remaining accounts are exactly the
/// epoch's `⌈batch_count / 250⌉` plan pages in order (each a `PlanPage` of this program — owner
/// and discriminator — recording this month and its index, which only its PDA can); and the
/// plan hash recomputed over their first `batch_count` roots (one SHA-256) equals it, so every
/// batch root is written and exactly the approved one. Then the epoch is `Open`: the roots can
/// no longer change and batches can be paid.
pub fn handler<'info>(
    ctx: Context<'info, ApproveEpoch<'info>>,
    month: u32,
    plan_hash: [u8; 32],
) -> Result<()> {
    let epoch = &mut ctx.accounts.epoch;
    require!(epoch.status == EpochStatus::Proposed, TreasuryError::EpochNotProposed);
    require!(plan_hash == epoch.plan_hash, TreasuryError::PlanHashMismatch);
    let pages = ctx.remaining_accounts;
    require!(pages.len() == page_count(epoch.batch_count) as usize, TreasuryError::PlanPages);
    let loaders =
        pages.iter().map(AccountLoader::<PlanPage>::try_from).collect::<Result<Vec<_>>>()?;
    let loaded = loaders.iter().map(|l| l.load()).collect::<Result<Vec<_>>>()?;
    for (index, page) in loaded.iter().enumerate() {
        require!(page.month == month && page.page as usize == index, TreasuryError::PlanPages);
    }
    let chunks: Vec<&[[u8; 32]]> = loaded
        .iter()
        .enumerate()
        .map(|(index, page)| &page.roots[..entries_in_page(epoch.batch_count, index as u16)])
        .collect();
    let computed =
        plan_hash_of_chunks(month, epoch.total, epoch.batch_count, &epoch.report_hash, &chunks);
    require!(computed == plan_hash, TreasuryError::PlanRootsMismatch);

    let admin = ctx.accounts.admin.key();
    epoch.status = EpochStatus::Open;
    epoch.approved_by = admin;
    epoch.approved_at = Clock::get()?.unix_timestamp;
    stk_common::event::emit(&EpochApproved {
        month,
        plan_hash,
        approved_by: admin,
        total: epoch.total,
        batch_count: epoch.batch_count,
        report_hash: epoch.report_hash,
    });
    Ok(())
}
