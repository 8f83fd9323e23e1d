//! What the payout engine needs from `stk_treasury`: its instructions and views of the epoch
//! account (status, plan hash, the paid-batch bitmap) and of the plan pages (roots and
//! skipped masks).
use super::plan::PlannedBatch;
use anchor_lang::{prelude::Pubkey, AccountDeserialize};
use stk_client::Instruction;
use stk_common::{calendar::MonthId, seeds};
use stk_treasury::state::{Epoch, EpochStatus};

/// The on-chain epoch as the engine sees it.
#[derive(Clone)]
pub struct EpochView {
    pub closed: bool,
    /// Opened with its plan, waiting for the admin's `approve_epoch`.
    pub proposed: bool,
    pub plan_hash: [u8; 32],
    pub report_hash: [u8; 32],
    pub total: u64,
    pub paid: u64,
    epoch: Box<Epoch>,
}

impl std::fmt::Debug for EpochView {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EpochView")
            .field("closed", &self.closed)
            .field("total", &self.total)
            .field("paid", &self.paid)
            .field("batches_paid", &self.epoch.batches_paid)
            .finish()
    }
}

impl EpochView {
    pub fn is_batch_paid(&self, index: u32) -> bool {
        u16::try_from(index).is_ok_and(|i| {
            (i as usize) < self.epoch.paid_batches.len() * 8
                && stk_treasury::math::bit_is_set(&self.epoch.paid_batches, i)
        })
    }
}

pub fn epoch_address(month: MonthId) -> Pubkey {
    seeds::find_epoch(month.0)
}

/// Decodes the epoch account, `None` if it does not exist.
pub fn decode_epoch(data: Option<Vec<u8>>) -> Result<Option<EpochView>, String> {
    let Some(data) = data else { return Ok(None) };
    let epoch =
        Epoch::try_deserialize(&mut data.as_slice()).map_err(|e| format!("epoch account: {e}"))?;
    Ok(Some(EpochView {
        closed: epoch.status == EpochStatus::Closed,
        proposed: epoch.status == EpochStatus::Proposed,
        plan_hash: epoch.plan_hash,
        report_hash: epoch.report_hash,
        total: epoch.total,
        paid: epoch.paid,
        epoch: Box::new(epoch),
    }))
}

pub fn open_epoch(
    distributor: &Pubkey,
    month: MonthId,
    total: u64,
    report_hash: [u8; 32],
    batch_count: u16,
    plan_hash: [u8; 32],
) -> Instruction {
    stk_client::treasury::open_epoch(
        distributor,
        month.0,
        total,
        report_hash,
        batch_count,
        plan_hash,
    )
}

/// The plan page PDA holding batch `batch`'s root.
/// The accounts a month's payout keeps rent in: its epoch and every plan page it may have
/// (as many as the treasury's largest plan needs).
pub fn month_state_accounts(month: MonthId) -> Vec<Pubkey> {
    let mut accounts = vec![epoch_address(month)];
    accounts.extend(stk_client::treasury::plan_pages(
        month.0,
        stk_common::payout_plan::MAX_BATCH_COUNT as u16,
    ));
    accounts
}

pub fn plan_page_of(month: MonthId, batch: u32) -> Pubkey {
    let (page, _) = stk_common::payout_plan::page_of(batch as u16);
    seeds::find_plan_page(month.0, page)
}

/// One entry of a plan page as read on-chain.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PageEntry {
    pub root: [u8; 32],
    pub skipped_mask: u64,
}

/// Decodes a plan page account (zero-copy, `repr(C)`, after Anchor's 8-byte discriminator)
/// into its entries, without trusting its length or alignment.
pub fn decode_plan_page(data: &[u8]) -> Result<Vec<PageEntry>, String> {
    use anchor_lang::Discriminator;
    use stk_common::payout_plan::PLAN_PAGE_ENTRIES;
    use stk_treasury::state::{PlanPage, PLAN_PAGE_SPACE};
    if data.len() < PLAN_PAGE_SPACE || !data.starts_with(PlanPage::DISCRIMINATOR) {
        return Err("plan page: not a plan page account".into());
    }
    let body = &data[8..];
    let roots_at = core::mem::offset_of!(PlanPage, roots);
    let masks_at = core::mem::offset_of!(PlanPage, skipped_masks);
    Ok((0..PLAN_PAGE_ENTRIES)
        .map(|e| {
            let mut root = [0u8; 32];
            root.copy_from_slice(&body[roots_at + 32 * e..roots_at + 32 * (e + 1)]);
            let mut mask = [0u8; 8];
            mask.copy_from_slice(&body[masks_at + 8 * e..masks_at + 8 * (e + 1)]);
            PageEntry { root, skipped_mask: u64::from_le_bytes(mask) }
        })
        .collect())
}

pub fn distribute_batch(distributor: &Pubkey, month: MonthId, batch: &PlannedBatch) -> Instruction {
    let amounts: Vec<u64> = batch.payees.iter().map(|p| p.amount).collect();
    let recipients: Vec<Pubkey> = batch.payees.iter().map(|p| p.token_account).collect();
    stk_client::treasury::distribute_batch(
        distributor,
        month.0,
        batch.index as u16,
        &recipients,
        amounts,
    )
}

pub fn close_epoch(authority: &Pubkey, month: MonthId) -> Instruction {
    stk_client::treasury::close_epoch(authority, month.0)
}

/// The treasury's "batch already paid" error code: a resend that raced a landed original.
pub fn batch_already_paid_code() -> u32 {
    u32::from(stk_treasury::errors::TreasuryError::BatchAlreadyPaid)
}
