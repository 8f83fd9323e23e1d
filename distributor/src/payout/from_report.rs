//! From a computed monthly report to a frozen report and a saved payout plan.
use super::{
    plan::{plan_batches, Payee, PlanShape},
    store::{self, StoreError},
};
use anchor_lang::prelude::Pubkey;
use sqlx::{PgPool, Row};
use std::str::FromStr;
use stk_common::calendar::MonthId;

#[derive(Debug, thiserror::Error)]
pub enum FreezeError {
    #[error("no report for {0}: run `distributor report --month {0}` first")]
    NoReport(MonthId),
    #[error("allocation of member {member} for {month} has wallet {wallet:?}, which is not a valid address")]
    BadWallet { month: MonthId, member: i64, wallet: String },
    #[error("allocation of member {member} has a negative payable amount")]
    Negative { member: i64 },
    #[error(transparent)]
    Plan(#[from] super::plan::PlanError),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("database: {0}")]
    Db(#[from] sqlx::Error),
}

/// What was frozen and planned.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FrozenPlan {
    pub report_sha256: String,
    pub payees: usize,
    pub total: u64,
    pub batches: usize,
}

/// Freezes the report of `month` (it can no longer be recomputed) and saves its payout plan:
/// every allocation with a payable amount, to the STK token account of its wallet, in batches
/// of `shape`. Idempotent: a second call keeps the plan already saved (its shape included).
pub async fn freeze_and_plan(
    db: &PgPool,
    month: MonthId,
    mint: &Pubkey,
    shape: PlanShape,
) -> Result<FrozenPlan, FreezeError> {
    let key = month.to_string();
    let report_sha256: String = sqlx::query_scalar(
        "UPDATE monthly_reports SET frozen = true WHERE month = $1 RETURNING report_sha256",
    )
    .bind(&key)
    .fetch_optional(db)
    .await?
    .ok_or(FreezeError::NoReport(month))?;
    let rows = sqlx::query(
        "SELECT member_id, wallet, payable FROM allocations WHERE month = $1 AND payable > 0 ORDER BY member_id",
    )
    .bind(&key)
    .fetch_all(db)
    .await?;
    let mut payees = Vec::with_capacity(rows.len());
    for row in rows {
        let member: i64 = row.get("member_id");
        let wallet_text: Option<String> = row.get("wallet");
        let wallet_text = wallet_text.unwrap_or_default();
        let wallet = Pubkey::from_str(&wallet_text).map_err(|_| FreezeError::BadWallet {
            month,
            member,
            wallet: wallet_text.clone(),
        })?;
        let amount: i64 = row.get("payable");
        let amount = u64::try_from(amount).map_err(|_| FreezeError::Negative { member })?;
        payees.push(Payee {
            member_id: member,
            wallet,
            token_account: stk_client::ata(&wallet, mint),
            amount,
        });
    }
    let total: u64 = payees.iter().map(|p| p.amount).sum();
    let count = payees.len();
    let batches = plan_batches(
        payees,
        shape.recipients_per_batch,
        stk_treasury::state::MAX_BATCH_COUNT as usize,
    )?;
    let batch_count = batches.len();
    store::save_plan(db, month, &report_sha256, &batches, shape).await?;
    Ok(FrozenPlan { report_sha256, payees: count, total, batches: batch_count })
}
