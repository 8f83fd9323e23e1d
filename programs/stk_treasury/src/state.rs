//! Account layouts of `stk_treasury`.
use anchor_lang::prelude::*;

/// Largest `batch_count` of an epoch; the bitmap holds one bit per batch.
pub const MAX_BATCH_COUNT: u16 = stk_common::payout_plan::MAX_BATCH_COUNT;
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
    /// Σ surplus booked back into the members' allowance by [`crate::recycle`]: reintegrated
    /// balances, forfeited holds, fee-split remainders and unsold genesis tokens, as far as the
    /// distribution vault holds them beyond everything the schedule and the payouts explain.
    /// `open_epoch` allows `committed_total + total ≤ cumulative allowance + recycled_total`.
    pub recycled_total: u64,
}

#[derive(AnchorSerialize, AnchorDeserialize, InitSpace, Clone, Copy, Debug, PartialEq, Eq)]
pub enum EpochStatus {
    /// Plan approved: batches are paid.
    Open,
    Closed,
    /// Opened by the distributor with its plan hash; roots are written; waits for the admin's
    /// `approve_epoch`. Nothing can be paid yet.
    Proposed,
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
    /// `stk_common::payout_plan::plan_hash` of the month's plan, fixed by `open_epoch`.
    pub plan_hash: [u8; 32],
    /// The admin key that approved the plan (`Pubkey::default()` while `Proposed`).
    pub approved_by: Pubkey,
    pub approved_at: i64,
    /// Σ net amounts of planned lines skipped (unusable recipients): not paid, still owed.
    pub skipped: u64,
    pub recipients_skipped: u32,
}

/// One page of a month's payout plan, PDA `[seeds::PLAN_PAGE, month (u32 LE), page (u16 LE)]`:
/// the roots of batches `250·page ..` and which of their lines were skipped. Zero-copy, created
/// by `write_plan_roots` (10,016 bytes: under the 10,240 a program may create by CPI).
///
/// `zero_copy(unsafe)` only because bytemuck's derive does not cover 250-element arrays
/// without a feature we do not enable; the layout is `repr(C)` without padding (asserted
/// below), so every byte pattern is a valid page.
#[account(zero_copy(unsafe))]
#[repr(C)]
pub struct PlanPage {
    pub month: u32,
    pub page: u16,
    pub bump: u8,
    pub _reserved: u8,
    /// `roots[e]`: the root of batch `250·page + e` (all zero until written).
    pub roots: [[u8; 32]; PLAN_PAGE_ENTRIES],
    /// `skipped_masks[e]` bit `p`: position `p` of that batch was skipped, not paid.
    pub skipped_masks: [u64; PLAN_PAGE_ENTRIES],
}

pub use stk_common::payout_plan::PLAN_PAGE_ENTRIES;
/// Account size of a [`PlanPage`] (discriminator included).
pub const PLAN_PAGE_SPACE: usize = 8 + core::mem::size_of::<PlanPage>();
// No padding anywhere (so `Pod` holds) and small enough to be created by the program.
const _: () = assert!(core::mem::size_of::<PlanPage>() == 8 + 40 * PLAN_PAGE_ENTRIES);
const _: () = assert!(PLAN_PAGE_SPACE <= 10_240);

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
    /// The flagged account was closed, reassigned or its balance changed (`void_notice`):
    /// the notice is dead and can never move anything.
    Voided,
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
    /// The account's balance when flagged. `reintegrate` moves exactly this, and only while
    /// the account is still the flagged one: same owner, same balance (see
    /// [`crate::flagged::still_flagged`]).
    pub flagged_balance: u64,
}

/// Longest appeal URI a holder may publish on a fraud hold.
pub const MAX_APPEAL_URI_LEN: usize = 96;

#[derive(AnchorSerialize, AnchorDeserialize, InitSpace, Clone, Copy, Debug, PartialEq, Eq)]
pub enum HoldStatus {
    /// Public, time-locked, collecting council approvals; nothing has moved.
    Placed,
    /// Confirmed and past its time lock: the held amount sits in the escrow vault.
    Escrowed,
    /// Withdrawn by the admin before anything moved (only un-restricts).
    Withdrawn,
    /// The council released the escrowed amount to the holder (a successful appeal).
    Released,
    /// The council forfeited the escrowed amount to the distribution vault.
    Forfeited,
}

/// What the council decides about an escrowed hold.
#[derive(AnchorSerialize, AnchorDeserialize, InitSpace, Clone, Copy, Debug, PartialEq, Eq)]
pub enum HoldOutcome {
    Release,
    Forfeit,
}

/// A public fraud hold, PDA `[seeds::FRAUD_HOLD, token_account]`: placed by the admin,
/// confirmed by M distinct members of the startup fund's council (never the admin), executable
/// only after its time lock, never cancellable by the holder; the holder may publish an appeal.
#[account]
#[derive(InitSpace)]
pub struct FraudHold {
    pub token_account: Pubkey,
    /// The account's owner when placed (the holder: appeals, receives a release).
    pub owner: Pubkey,
    /// The admin who placed it.
    pub placed_by: Pubkey,
    /// Operator-defined reason code and the SHA-256 of the public reason document.
    pub reason_code: u16,
    pub reason_hash: [u8; 32],
    /// At most this much moves (≤ the balance when placed).
    pub amount: u64,
    pub placed_at: i64,
    /// Execution is possible from this instant on (placed_at + the notice period).
    pub executable_at: i64,
    pub status: HoldStatus,
    /// The fund's council epoch the approval bitmaps belong to; a council change resets them.
    pub council_epoch: u32,
    /// Bitmap over council indices of the members who confirmed the hold.
    pub approvals: u16,
    /// When the approvals first reached the threshold (0 before).
    pub confirmed_at: i64,
    /// What the escrow vault received at execution.
    pub escrowed: u64,
    pub executed_at: i64,
    /// Bitmaps over council indices of the votes on the escrowed amount.
    pub release_votes: u16,
    pub forfeit_votes: u16,
    /// When withdrawn, released or forfeited (0 before).
    pub resolved_at: i64,
    /// The holder's appeal: SHA-256 of the document and where to read it.
    pub appeal_hash: [u8; 32],
    #[max_len(MAX_APPEAL_URI_LEN)]
    pub appeal_uri: String,
    pub appealed_at: i64,
    pub bump: u8,
}
