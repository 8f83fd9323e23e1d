use crate::state::{AuthorityRole, FeeSplit, NoticeStatus};
use anchor_lang::prelude::*;

#[event]
pub struct TreasuryInitialized {
    pub admin: Pubkey,
    pub distributor: Pubkey,
    pub mint: Pubkey,
    pub distribution_vault: Pubkey,
    pub fee_vault: Pubkey,
    pub fee_split: FeeSplit,
    pub dormancy_notice_secs: i64,
    pub fiat_decimals: u8,
}

#[event]
pub struct AuthorityProposed {
    pub role: AuthorityRole,
    pub candidate: Pubkey,
}

#[event]
pub struct AuthorityAccepted {
    pub role: AuthorityRole,
    pub previous: Pubkey,
    pub new: Pubkey,
}

#[event]
pub struct EpochOpened {
    pub month: u32,
    pub total: u64,
    pub batch_count: u16,
    pub report_hash: [u8; 32],
    pub committed_total: u64,
    pub cumulative_allowance: u64,
    pub plan_hash: [u8; 32],
}

#[event]
pub struct BatchDistributed {
    pub month: u32,
    pub batch_index: u16,
    pub recipients: u32,
    /// What the recipients received.
    pub net: u64,
    /// What left the vault (net + withheld fees).
    pub gross: u64,
    pub epoch_paid: u64,
    /// Planned lines of this batch skipped (unusable recipients), and their net sum.
    pub recipients_skipped: u32,
    pub skipped: u64,
}

#[event]
pub struct EpochClosed {
    pub month: u32,
    pub total: u64,
    pub paid: u64,
    pub gross_paid: u64,
    /// Returned to the pool: `total − paid`.
    pub released: u64,
    pub recipients_paid: u32,
    pub batches_paid: u16,
    pub batch_count: u16,
    pub aborted: bool,
    pub report_hash: [u8; 32],
    /// Σ skipped lines (part of `released`: still owed, paid in a later month).
    pub skipped: u64,
    pub recipients_skipped: u32,
    pub plan_hash: [u8; 32],
}

#[event]
pub struct FeesHarvested {
    pub sources: u32,
    pub amount: u64,
    pub fee_vault_balance: u64,
}

#[event]
pub struct FeeSplitUpdated {
    pub fee_split: FeeSplit,
}

#[event]
pub struct FeesSplit {
    pub staking_rewards: u64,
    pub startup_fund: u64,
    pub distribution_vault: u64,
}

#[event]
pub struct QuarterBudgetRecorded {
    pub quarter: u16,
    pub budget: u64,
    pub backing: u64,
    pub receipts_recognized: u64,
    pub cumulative_backing: u64,
}

#[event]
pub struct OneTimeReceiptRecorded {
    pub amount: u64,
    pub first_quarter: u16,
    pub quarters: u16,
}

#[event]
pub struct QuotePublished {
    pub quarter: u16,
    pub cumulative_backing: u64,
    pub tokens_issued: u64,
    pub price: u64,
}

#[event]
pub struct DormancyFlagged {
    pub token_account: Pubkey,
    pub owner: Pubkey,
    pub reason_code: u16,
    pub balance: u64,
    pub notice_ends_at: i64,
}

#[event]
pub struct DormancyCancelled {
    pub token_account: Pubkey,
    pub owner: Pubkey,
}

#[event]
pub struct DormantBalanceReintegrated {
    pub token_account: Pubkey,
    pub amount: u64,
    pub received_by_vault: u64,
}

#[event]
pub struct DormancyNoticeClosed {
    pub token_account: Pubkey,
    pub status: NoticeStatus,
}

#[event]
pub struct PlanRootsWritten {
    pub month: u32,
    pub page: u16,
    pub first_batch: u16,
    pub count: u16,
}

#[event]
pub struct EpochApproved {
    pub month: u32,
    pub plan_hash: [u8; 32],
    pub approved_by: Pubkey,
    pub total: u64,
    pub batch_count: u16,
    pub report_hash: [u8; 32],
}

/// A planned line was not paid: its account cannot receive STK (reason codes of
/// `stk_common::payout_plan::SkipReason`). The amount stays owed.
#[event]
pub struct RecipientSkipped {
    pub month: u32,
    pub batch_index: u16,
    pub position: u8,
    pub token_account: Pubkey,
    pub amount: u64,
    pub reason: u8,
}

#[event]
pub struct PlanPageClosed {
    pub month: u32,
    pub page: u16,
}
