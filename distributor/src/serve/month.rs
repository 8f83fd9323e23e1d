//! What a member sees of themselves: the summary (`/api/me`) and a month
//! (`/api/members/{id}/months/{YYYY-MM}`) with the proof of their payout line against the batch
//! root the treasury holds on-chain (programs/stk_treasury/PAYOUT_PLAN.md).
use super::{link::wallet_in_force, rfc3339, ApiError};
use anchor_lang::prelude::Pubkey;
use axum::http::StatusCode;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sqlx::PgPool;
use std::str::FromStr;
use stk_common::{calendar::MonthId, payout_plan};

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct WalletInForce {
    pub address: String,
    pub registered_at: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct MonthEntry {
    pub month: String,
    pub frozen: bool,
}

/// `/api/me`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct MemberSummary {
    pub member_id: i64,
    pub display_name: String,
    pub subscribed: bool,
    /// The latest registration: the wallet the next report pays.
    pub wallet: Option<WalletInForce>,
    /// Pending amounts not settled yet (base units), carried until a report finds a wallet.
    pub pending_open: i64,
    /// Months with a report, newest first.
    pub months: Vec<MonthEntry>,
}

fn not_found(code: &'static str, message: String) -> ApiError {
    ApiError::new(StatusCode::NOT_FOUND, code, message)
}

pub async fn member_summary(pool: &PgPool, member_id: i64) -> Result<MemberSummary, ApiError> {
    let mut conn = pool.acquire().await?;
    let name: Option<String> = sqlx::query_scalar("SELECT display_name FROM members WHERE id = $1")
        .bind(member_id)
        .fetch_optional(&mut *conn)
        .await?;
    let display_name = name.ok_or_else(|| {
        not_found("unknown_member", format!("member {member_id} is not known to the community"))
    })?;
    let subscribed: bool =
        sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM subscriptions WHERE member_id = $1)")
            .bind(member_id)
            .fetch_one(&mut *conn)
            .await?;
    let wallet = wallet_in_force(&mut *conn, member_id)
        .await?
        .map(|(address, at)| WalletInForce { address, registered_at: rfc3339(at) });
    let pending_open: i64 = sqlx::query_scalar(
        "SELECT COALESCE(SUM(amount), 0)::BIGINT FROM pending_allocations
         WHERE member_id = $1 AND settled_month IS NULL",
    )
    .bind(member_id)
    .fetch_one(&mut *conn)
    .await?;
    let months: Vec<(String, bool)> =
        sqlx::query_as("SELECT month, frozen FROM monthly_reports ORDER BY month DESC LIMIT 36")
            .fetch_all(&mut *conn)
            .await?;
    Ok(MemberSummary {
        member_id,
        display_name,
        subscribed,
        wallet,
        pending_open,
        months: months.into_iter().map(|(month, frozen)| MonthEntry { month, frozen }).collect(),
    })
}

/// The member's line of the month's canonical report, as approved (weeks included).
pub type Line = crate::report::MemberLine;

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct ReportInfo {
    pub sha256: String,
    /// Frozen reports never change; an unfrozen one may still be recomputed.
    pub frozen: bool,
    /// The operator approved this exact report (`distributor approve`).
    pub approved: bool,
    pub computed_at: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Pending {
    pub origin_month: String,
    pub amount: i64,
    pub settled_month: Option<String>,
    pub reason: Option<String>,
}

/// The leaf of the member's payout line: `sha256("stk:payout:leaf" || month_id u32 ||
/// batch u16 || position u8 || token_account || amount u64)`, little-endian.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Leaf {
    pub month_id: u32,
    pub batch: u16,
    pub position: u8,
    pub token_account: String,
    pub amount: u64,
    /// The leaf hash (hex), as the server computes it.
    pub hash: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Proof {
    pub leaf: Leaf,
    /// Sibling hashes (hex) from the leaf up to the batch root.
    pub siblings: Vec<String>,
    /// The batch root as stored with the plan (hex); the page compares with the chain's.
    pub batch_root: String,
    /// The treasury's `PlanPage` account holding the root, and the root's entry in it.
    pub plan_page: String,
    pub page: u16,
    pub entry: u16,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Payout {
    /// `planned`, `proposed`, `open`, `closed` or `empty`.
    pub epoch_state: String,
    pub plan_hash: Option<String>,
    pub epoch: String,
    pub open_signature: Option<String>,
    pub approve_signature: Option<String>,
    pub close_signature: Option<String>,
    pub wallet: String,
    pub token_account: String,
    pub amount: u64,
    pub batch_index: u32,
    /// `planned`, `sent` or `confirmed`.
    pub batch_state: String,
    /// The `distribute_batch` transaction that paid (or is paying) the line.
    pub signature: Option<String>,
    /// Not paid by the closed epoch (skipped on-chain or its batch never paid): pending again.
    pub carried: bool,
    pub proof: Proof,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Exclusion {
    pub wallet: String,
    pub amount: i64,
    pub reason: String,
}

/// `/api/members/{id}/months/{YYYY-MM}`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct MonthView {
    pub member_id: i64,
    pub month: String,
    pub month_id: u32,
    pub report: ReportInfo,
    /// `None` when the report does not list the member (no paying day, nothing pending).
    pub line: Option<Line>,
    /// Pending allocations born this month or settled into it.
    pub pending: Vec<Pending>,
    /// The member's line of the payout plan, once the month is planned.
    pub payout: Option<Payout>,
    /// Left out of the plan (unusable wallet or token account), with the reason.
    pub exclusion: Option<Exclusion>,
}

fn corrupt(what: impl std::fmt::Display) -> ApiError {
    ApiError::internal(format!("corrupt payout row: {what}"))
}

fn pubkey(text: &str) -> Result<Pubkey, ApiError> {
    Pubkey::from_str(text).map_err(|_| corrupt(format!("address {text:?}")))
}

async fn payout_of(
    pool: &PgPool,
    member_id: i64,
    month: MonthId,
) -> Result<Option<Payout>, ApiError> {
    let key = month.to_string();
    type Recipient = (i32, i32, String, String, i64, bool);
    let recipient: Option<Recipient> = sqlx::query_as(
        "SELECT batch_index, position, wallet, token_account, amount, carried
         FROM payout_recipients WHERE month = $1 AND member_id = $2",
    )
    .bind(&key)
    .bind(member_id)
    .fetch_optional(pool)
    .await?;
    let Some((batch_index, position, wallet, token_account, amount, carried)) = recipient else {
        return Ok(None);
    };
    type Epoch = (String, Option<String>, Option<String>, Option<String>, Option<String>);
    let (epoch_state, plan_hash, open_signature, approve_signature, close_signature): Epoch =
        sqlx::query_as(
            "SELECT state, plan_hash, open_signature, approve_signature, close_signature
             FROM payout_epochs WHERE month = $1",
        )
        .bind(&key)
        .fetch_one(pool)
        .await?;
    let (batch_state, signature, stored_root): (String, Option<String>, Option<String>) =
        sqlx::query_as(
            "SELECT state, signature, root FROM payout_batches WHERE month = $1 AND batch_index = $2",
        )
        .bind(&key)
        .bind(batch_index)
        .fetch_one(pool)
        .await?;
    let rows: Vec<(String, i64)> = sqlx::query_as(
        "SELECT token_account, amount FROM payout_recipients
         WHERE month = $1 AND batch_index = $2 ORDER BY position",
    )
    .bind(&key)
    .bind(batch_index)
    .fetch_all(pool)
    .await?;
    let lines = rows
        .iter()
        .map(|(account, amount)| {
            Ok((pubkey(account)?, u64::try_from(*amount).map_err(|_| corrupt("negative amount"))?))
        })
        .collect::<Result<Vec<(Pubkey, u64)>, ApiError>>()?;
    let batch = u16::try_from(batch_index).map_err(|_| corrupt("batch index"))?;
    let pos = u8::try_from(position).map_err(|_| corrupt("position"))?;
    let amount = u64::try_from(amount).map_err(|_| corrupt("negative amount"))?;
    let account = pubkey(&token_account)?;
    let leaf = payout_plan::leaf(month.0, batch, pos, &account, amount);
    let siblings = payout_plan::batch_proof(month.0, batch, &lines, position as usize);
    let root = payout_plan::batch_root(month.0, batch, &lines);
    // The stored root is what went on-chain; a stored line that no longer hashes to it is
    // an edited row, never shown as a valid proof.
    if stored_root.as_deref().is_some_and(|r| r != hex::encode(root)) {
        return Err(corrupt(format!(
            "batch {batch} of {month} no longer hashes to its stored root"
        )));
    }
    let (page, entry) = payout_plan::page_of(batch);
    Ok(Some(Payout {
        epoch_state,
        plan_hash,
        epoch: stk_common::seeds::find_epoch(month.0).to_string(),
        open_signature,
        approve_signature,
        close_signature,
        wallet,
        token_account,
        amount,
        batch_index: batch_index as u32,
        batch_state,
        signature,
        carried,
        proof: Proof {
            leaf: Leaf {
                month_id: month.0,
                batch,
                position: pos,
                token_account: account.to_string(),
                amount,
                hash: hex::encode(leaf),
            },
            siblings: siblings.iter().map(hex::encode).collect(),
            batch_root: hex::encode(root),
            plan_page: stk_common::seeds::find_plan_page(month.0, page).to_string(),
            page,
            entry: entry as u16,
        },
    }))
}

pub async fn month_view(
    pool: &PgPool,
    member_id: i64,
    month: MonthId,
) -> Result<MonthView, ApiError> {
    let key = month.to_string();
    let report: Option<(String, bool, DateTime<Utc>, Option<String>)> = sqlx::query_as(
        "SELECT r.report_sha256, r.frozen, r.computed_at, a.report_sha256
         FROM monthly_reports r LEFT JOIN payout_approvals a USING (month) WHERE r.month = $1",
    )
    .bind(&key)
    .fetch_optional(pool)
    .await?;
    let (sha256, frozen, computed_at, approved) = report
        .ok_or_else(|| not_found("no_report", format!("there is no report for {key} yet")))?;
    // The member's line of the canonical document (what was approved and paid, byte for byte).
    let line: Option<String> = sqlx::query_scalar(
        "SELECT m::text FROM report_documents d,
             jsonb_array_elements(convert_from(d.canonical_json, 'UTF8')::jsonb -> 'members') m
         WHERE d.month = $1 AND d.report_sha256 = $2 AND (m ->> 'member_id')::BIGINT = $3",
    )
    .bind(&key)
    .bind(&sha256)
    .bind(member_id)
    .fetch_optional(pool)
    .await?;
    let line = line
        .map(|text| serde_json::from_str::<Line>(&text))
        .transpose()
        .map_err(|e| corrupt(format!("report line: {e}")))?;
    let pending: Vec<(String, i64, Option<String>, Option<String>)> = sqlx::query_as(
        "SELECT origin_month, amount, settled_month, reason FROM pending_allocations
         WHERE member_id = $1 AND (origin_month = $2 OR settled_month = $2) ORDER BY origin_month",
    )
    .bind(member_id)
    .bind(&key)
    .fetch_all(pool)
    .await?;
    let exclusion: Option<(String, i64, String)> = sqlx::query_as(
        "SELECT wallet, amount, reason FROM payout_exclusions WHERE month = $1 AND member_id = $2",
    )
    .bind(&key)
    .bind(member_id)
    .fetch_optional(pool)
    .await?;
    Ok(MonthView {
        member_id,
        month: key,
        month_id: month.0,
        report: ReportInfo {
            approved: approved.as_deref() == Some(sha256.as_str()),
            sha256,
            frozen,
            computed_at: rfc3339(computed_at),
        },
        line,
        pending: pending
            .into_iter()
            .map(|(origin_month, amount, settled_month, reason)| Pending {
                origin_month,
                amount,
                settled_month,
                reason,
            })
            .collect(),
        payout: payout_of(pool, member_id, month).await?,
        exclusion: exclusion.map(|(wallet, amount, reason)| Exclusion { wallet, amount, reason }),
    })
}
