//! Account layouts of `stk_treasury`.
use anchor_lang::prelude::*;

/// Largest `batch_count` of an epoch; the bitmap holds one bit per batch.
pub const MAX_BATCH_COUNT: u16 = 4096;
pub const BITMAP_BYTES: usize = MAX_BATCH_COUNT as usize / 8;
/// One-time receipts still being recognized at the same time.
pub const MAX_ACTIVE_RECEIPTS: usize = 8;
/// Longest spread of a one-time receipt (10 years of quarters).
pub const MAX_SPREAD_QUARTERS: u16 = 40;
/// Bounds of the dormancy notice period: at least a day, at most five years.
pub const MIN_DORMANCY_NOTICE_SECS: i64 = 86_400;
pub const MAX_DORMANCY_NOTICE_SECS: i64 = 5 * 366 * 86_400;
/// Fiat minor-unit decimals accepted for budgets (RUB: 2).
pub const MAX_FIAT_DECIMALS: u8 = 6;

/// The two rotatable roles.
#[derive(AnchorSerialize, AnchorDeserialize, InitSpace, Clone, Copy, Debug, PartialEq, Eq)]
pub enum AuthorityRole {
    Admin,
    Distributor,
}

/// Where `split_fees` sends the fee vault, in basis points of its balance; the rest
/// (10,000 − both) refills the distribution vault, which pays the payouts' transfer fees.
#[derive(AnchorSerialize, AnchorDeserialize, InitSpace, Clone, Copy, Debug, PartialEq, Eq)]
pub struct FeeSplit {
    /// An STK token account (the staking program's reward vault).
    pub staking_rewards_destination: Pubkey,
    /// An STK token account (the startup fund's vault).
    pub startup_fund_destination: Pubkey,
    pub staking_rewards_bps: u16,
    pub startup_fund_bps: u16,
}

/// A one-time receipt being recognized over `quarters` quarters from `first_quarter` on.
/// A slot with `quarters == 0` is free.
#[derive(
    AnchorSerialize, AnchorDeserialize, InitSpace, Clone, Copy, Debug, Default, PartialEq, Eq,
)]
pub struct OneTimeReceipt {
    pub amount: u64,
    pub first_quarter: u16,
    pub quarters: u16,
}

/// The program's state, PDA `[seeds::TREASURY]`.
#[account]
#[derive(InitSpace)]
pub struct Treasury {
    pub admin: Pubkey,
    /// Proposed admin, `Pubkey::default()` when none.
    pub pending_admin: Pubkey,
    /// Opens epochs and pays batches.
    pub distributor: Pubkey,
    /// Proposed distributor, `Pubkey::default()` when none.
    pub pending_distributor: Pubkey,
    /// The STK mint (from `stk_mint`'s config).
    pub mint: Pubkey,
    /// PDA `[seeds::DISTRIBUTION_VAULT]`, owned by the treasury authority.
    pub distribution_vault: Pubkey,
    /// PDA `[seeds::FEE_VAULT]`, owned by the treasury authority.
    pub fee_vault: Pubkey,
    /// Σ totals of open epochs + Σ net payouts of closed epochs. Never exceeds the cumulative
    /// allowance through the latest month an epoch was opened for.
    pub committed_total: u64,
    /// Σ net payouts of closed epochs.
    pub distributed_total: u64,
    pub open_epochs: u32,
    pub fee_split: FeeSplit,
    /// Σ withheld fees swept into the fee vault.
    pub fees_harvested_total: u64,
    /// Length of a dormancy notice.
    pub dormancy_notice_secs: i64,
    /// Decimals of the fiat minor unit budgets are recorded in (2 for kopecks).
    pub fiat_decimals: u8,
    /// The only quarter `record_quarter_budget` accepts next (budgets are recorded in order).
    pub next_budget_quarter: u16,
    /// Σ backing recorded so far (budget shares and recognized receipts), fiat minor units.
    pub cumulative_backing: u64,
    /// One-time receipts not fully recognized yet.
    pub receipts: [OneTimeReceipt; MAX_ACTIVE_RECEIPTS],
    pub bump: u8,
    pub authority_bump: u8,
    pub permanent_delegate_bump: u8,
    pub distribution_vault_bump: u8,
    pub fee_vault_bump: u8,
}

#[derive(AnchorSerialize, AnchorDeserialize, InitSpace, Clone, Copy, Debug, PartialEq, Eq)]
pub enum EpochStatus {
    Open,
    Closed,
}

/// One month's distribution, PDA `[seeds::EPOCH, month_id (u32 LE)]`. Never deleted, so a
/// month can be opened only once.
#[account]
#[derive(InitSpace)]
pub struct Epoch {
    /// `stk_common::calendar::MonthId` of the month distributed.
    pub month: u32,
    pub status: EpochStatus,
    /// What members receive in this epoch at most (net of transfer fees).
    pub total: u64,
    /// Σ net amounts paid so far.
    pub paid: u64,
    /// Σ amounts that left the vault (net + withheld transfer fees).
    pub gross_paid: u64,
    pub recipients_paid: u32,
    pub batch_count: u16,
    pub batches_paid: u16,
    /// SHA-256 of the monthly report the totals come from.
    pub report_hash: [u8; 32],
    pub opened_at: i64,
    pub closed_at: i64,
    /// Closed by the admin before every batch was paid.
    pub aborted: bool,
    pub bump: u8,
    /// Bit `i` set once batch `i` is paid.
    pub paid_batches: [u8; BITMAP_BYTES],
}

/// Quarter `quarter`'s budget, backing and published quote, PDA
/// `[seeds::QUARTER_QUOTE, quarter (u16 LE)]`. Together these accounts are the quote history.
#[account]
#[derive(InitSpace)]
pub struct QuarterQuote {
    pub quarter: u16,
    /// The quarter's fiat budget (subscription revenue), fiat minor units.
    pub budget: u64,
    /// Share of the budget that backs the token.
    pub backing_bps: u16,
    /// `budget · backing_bps / 10,000`.
    pub backing: u64,
    /// One-time receipts recognized in this quarter.
    pub receipts_recognized: u64,
    /// Σ backing of every quarter through this one, receipts included.
    pub cumulative_backing: u64,
    pub recorded_at: i64,
    pub published: bool,
    /// Fiat units per whole STK × `stk_common::fixed::PRICE_SCALE`.
    pub price: u64,
    /// STK issued through this quarter by the schedule, genesis included (base units): the
    /// quote's denominator (`ScheduleParams::issued_through`).
    pub tokens_issued: u64,
    pub published_at: i64,
    pub bump: u8,
}

#[derive(AnchorSerialize, AnchorDeserialize, InitSpace, Clone, Copy, Debug, PartialEq, Eq)]
pub enum NoticeStatus {
    Pending,
    Cancelled,
    Reintegrated,
}

/// A public dormancy notice, PDA `[seeds::DORMANCY_NOTICE, token_account]`.
#[account]
#[derive(InitSpace)]
pub struct DormancyNotice {
    pub token_account: Pubkey,
    /// The account's owner when flagged (the current owner may cancel).
    pub owner: Pubkey,
    /// Operator-defined reason (e.g. 1 = inactivity, 2 = fraud hold).
    pub reason_code: u16,
    pub flagged_at: i64,
    /// Reintegration is possible from this instant on, unless cancelled.
    pub notice_ends_at: i64,
    pub status: NoticeStatus,
    pub resolved_at: i64,
    /// What left the account on reintegration.
    pub amount_reintegrated: u64,
    pub bump: u8,
}
