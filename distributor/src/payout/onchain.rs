//! What the payout engine needs from `stk_treasury`: its three instructions and a view of the
//! epoch account (status and the paid-batch bitmap).
use super::plan::PlannedBatch;
use anchor_lang::{prelude::Pubkey, AccountDeserialize};
use stk_client::Instruction;
use stk_common::{calendar::MonthId, seeds};
use stk_treasury::state::{Epoch, EpochStatus};

/// The on-chain epoch as the engine sees it.
#[derive(Clone)]
pub struct EpochView {
    pub closed: bool,
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

/// The on-chain plan hash of `batches` (`stk_common::payout_plan`): what `open_epoch` commits
/// to and the admin approves.
pub fn plan_hash<'a>(
    month: MonthId,
    total: u64,
    report_hash: &[u8; 32],
    batches: impl Iterator<Item = &'a PlannedBatch>,
) -> [u8; 32] {
    let roots: Vec<[u8; 32]> = batches
        .map(|b| {
            let lines: Vec<(Pubkey, u64)> =
                b.payees.iter().map(|p| (p.token_account, p.amount)).collect();
            stk_common::payout_plan::batch_root(month.0, b.index as u16, &lines)
        })
        .collect();
    stk_common::payout_plan::plan_hash(month.0, total, roots.len() as u16, report_hash, &roots)
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
