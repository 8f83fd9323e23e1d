//! The report's data: what every step produces and what the renderer and the writer read.
//! Field order is the canonical JSON's serialization order; every list is sorted.
use crate::rank::Day;
use serde::{Deserialize, Serialize};
use std::{collections::BTreeMap, path::PathBuf};
use stk_common::calendar::civil_from_days;

/// Quarantine reasons (the `reason` column and the report's counters).
pub mod reason {
    pub const UNKNOWN_MEMBER: &str = "unknown_member";
    pub const UNKNOWN_ACTION_TYPE: &str = "unknown_action_type";
    pub const FUTURE_TIMESTAMP: &str = "future_timestamp";
    pub const BEFORE_JOINING: &str = "before_joining";
    pub const DUPLICATE_IDEMPOTENCY_KEY: &str = "duplicate_idempotency_key";
    pub const MALFORMED_WALLET: &str = "malformed_wallet";
    pub const UNKNOWN_QUALIFICATION: &str = "unknown_qualification";
}

/// The canonical report. Field order is the serialization order; every list is sorted.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Report {
    pub format: &'static str,
    pub month: String,
    pub time_zone: String,
    pub config_sha256: String,
    pub rank_basis: RankBasis,
    pub emission: EmissionSummary,
    pub totals: Totals,
    pub quarantine: QuarantineSummary,
    /// Members per rank on the month's last day (rank, count), ascending; paying members only.
    pub rank_distribution: Vec<RankCount>,
    pub members: Vec<MemberLine>,
    /// The treasury's published quarterly quotes up to the month's quarter, from the
    /// `quarter_quotes` rows captured from the chain (same snapshot as everything else); left
    /// out of the JSON when none is captured.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub quotes: Vec<QuoteLine>,
    /// What paying each earlier month cost (`payout_costs` of months whose payout is complete,
    /// same snapshot); left out of the JSON when none is.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub payout_costs: Vec<PayoutCostLine>,
}

/// One completed month's payout costs, in lamports (rent is held, not spent: token accounts'
/// by the members, tables' and the epoch's until they are closed).
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct PayoutCostLine {
    pub month: String,
    pub recipients: u64,
    pub transactions: u64,
    pub fee_lamports: i64,
    pub token_accounts_created: u64,
    pub token_account_rent: i64,
    pub lookup_table_rent: i64,
    pub epoch_rent: i64,
}

/// One published quarterly quote (`stk_treasury::state::QuarterQuote`), quarter order.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct QuoteLine {
    pub quarter: u16,
    /// Fiat minor units (`fiat_decimals`).
    pub budget: u64,
    pub backing_bps: u16,
    pub backing: u64,
    pub receipts_recognized: u64,
    pub cumulative_backing: u64,
    /// STK base units issued through the quarter.
    pub tokens_issued: u64,
    /// Fiat units per whole STK × 1e9.
    pub price: u64,
    pub fiat_decimals: u8,
}

/// Where the rank walks started: from the checkpoints of the latest frozen month computed with
/// the same configuration (then only the events since its following week were read), or from
/// each member's joining day.
#[derive(Debug, Clone, Serialize, PartialEq, Eq, Default)]
pub struct RankBasis {
    pub resumed_from_month: Option<String>,
    pub resumed_from_report_sha256: Option<String>,
    /// The first day of activity read (`YYYY-MM-DD`); `None` when all history was read.
    pub activity_read_from: Option<String>,
    pub members_resumed: u64,
    pub members_walked_from_joining: u64,
}

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct EmissionSummary {
    pub month_allowance: u64,
    pub member_share_bps: u16,
    pub pool: u64,
}

#[derive(Debug, Clone, Serialize, PartialEq, Eq, Default)]
pub struct Totals {
    /// Members listed below: paid at least one day of the month, or carry pending.
    pub members_listed: u64,
    pub members_credited: u64,
    /// People with accepted activity in the month but no paying day: they get nothing.
    pub free_users_active: u64,
    pub events_accepted: u64,
    pub events_quarantined: u64,
    pub total_credit: u64,
    pub allocated: u64,
    /// The pool minus what was allocated (non-zero only when nobody earned credit).
    pub unallocated: u64,
    pub pending_in: u64,
    pub payable: u64,
    pub pending_out: u64,
    pub members_without_valid_wallet: u64,
}

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct QuarantineSummary {
    pub counts: BTreeMap<String, u64>,
    pub rows: Vec<QuarantineRow>,
}

#[derive(Debug, Clone, Serialize, PartialEq, Eq, PartialOrd, Ord)]
pub struct QuarantineRow {
    pub source_table: String,
    pub source_id: i64,
    pub reason: String,
    pub member_id: Option<i64>,
    pub detail: String,
}

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct RankCount {
    pub rank: u16,
    pub members: u64,
}

/// Also read back from the stored canonical document (the members' app, `serve::month`).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct MemberLine {
    pub member_id: i64,
    pub qualification: String,
    pub rank_end: u16,
    pub days_paid: u32,
    pub days_active: u32,
    pub points: u64,
    /// Credit units (1/10000 point after weight and cap).
    pub credit: u64,
    pub allocation: u64,
    pub pending_in: u64,
    pub payable: u64,
    pub pending_out: u64,
    pub wallet: Option<String>,
    pub weeks: Vec<WeekLine>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct WeekLine {
    pub week_start: String,
    /// The same Monday as a day number (not serialized).
    #[serde(skip)]
    pub week_start_day: Day,
    pub rank_start: u16,
    pub rank_end: u16,
    pub paid_days: u8,
    pub active_days: u8,
    pub evaluated: bool,
}

/// What a run produced.
#[derive(Debug, Clone)]
pub struct ReportOutcome {
    pub report: Report,
    pub json: Vec<u8>,
    pub sha256: String,
    pub files: Vec<PathBuf>,
}

pub fn day_string(day: Day) -> String {
    let (y, m, d) = civil_from_days(day as i64);
    format!("{y:04}-{m:02}-{d:02}")
}
