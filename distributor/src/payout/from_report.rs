//! From the approved report to a frozen report and a saved payout plan, in one Postgres
//! transaction.
//!
//! 1. The approval names a report hash; the plan is built from the canonical document stored
//!    under that hash (re-hashed here), never from the `allocations` rows.
//! 2. Every payable member's wallet and token account are checked on-chain (batched reads);
//!    unusable ones, and members sharing a wallet, are left out and carried as pending
//!    allocations of the month with the reason (`payout_exclusions`).
//! 3. One transaction, under the report's advisory lock (the one `report` takes to replace a
//!    month): the report must still be the approved one and the previous month frozen; the
//!    report is frozen, the plan rows, batch roots and plan hash written, the exclusions
//!    carried. A second call keeps the plan already saved.
use super::{
    approved::{self, ApprovalError, ApprovedLine},
    plan::{plan_batches, Payee, PlanShape},
    recipients,
    store::{self, StoreError},
};
use crate::chain::{ChainBackend, ChainError};
use anchor_lang::prelude::Pubkey;
use sqlx::PgPool;
use std::collections::BTreeMap;
use stk_common::calendar::MonthId;

#[derive(Debug, thiserror::Error)]
pub enum FreezeError {
    #[error(transparent)]
    Approval(#[from] ApprovalError),
    #[error("{month} cannot be frozen before {previous} is: months are computed, frozen and paid in order")]
    OutOfOrder { month: MonthId, previous: MonthId },
    #[error("allocation of member {member} has a negative payable amount")]
    Negative { member: i64 },
    #[error(transparent)]
    Plan(#[from] super::plan::PlanError),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("checking the recipients on-chain: {0}")]
    Chain(#[from] ChainError),
    #[error("database: {0}")]
    Db(#[from] sqlx::Error),
}

/// Whether freezing needs the operator's approval of the report (`--no-approval` pays the
/// current report).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Approval {
    Required,
    NotRequired,
}

/// What to freeze and how to plan it.
#[derive(Debug, Clone, Copy)]
pub struct FreezeRequest {
    pub month: MonthId,
    /// The emission schedule's first month: it has no previous month to wait for.
    pub first_month: MonthId,
    pub mint: Pubkey,
    pub shape: PlanShape,
    pub approval: Approval,
}

/// What was frozen and planned.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FrozenPlan {
    pub report_sha256: String,
    pub plan_hash: String,
    pub payees: usize,
    pub total: u64,
    pub batches: usize,
    /// Members left out (unusable wallet or account), carried as pending.
    pub excluded: usize,
    /// Whether this call froze the report (false: it was frozen and planned before).
    pub frozen_now: bool,
}

/// A payable member left out of the plan, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Exclusion {
    pub member_id: i64,
    pub wallet: String,
    pub amount: u64,
    pub reason: String,
}

/// Splits the approved lines into payees and exclusions (pure): payable lines with a wallet;
/// a malformed or off-curve wallet is excluded, and so is every member but the lowest id
/// sharing one wallet (one token account can appear once in a plan).
pub fn candidates(lines: &[ApprovedLine], mint: &Pubkey) -> (Vec<Payee>, Vec<Exclusion>) {
    let mut payees = vec![];
    let mut excluded = vec![];
    let mut by_wallet: BTreeMap<Pubkey, i64> = BTreeMap::new();
    let mut sorted: Vec<&ApprovedLine> = lines.iter().filter(|l| l.payable > 0).collect();
    sorted.sort_by_key(|l| l.member_id);
    for line in sorted {
        let Some(text) = line.wallet.as_deref() else { continue };
        let exclude = |reason: String| Exclusion {
            member_id: line.member_id,
            wallet: text.to_string(),
            amount: line.payable,
            reason,
        };
        let wallet = match crate::wallet::parse_wallet(text) {
            Ok(w) => w,
            Err(_) => {
                excluded.push(exclude(recipients::Unusable::MalformedWallet.to_string()));
                continue;
            }
        };
        if let Err(why) = recipients::check_wallet_address(&wallet) {
            excluded.push(exclude(why.to_string()));
            continue;
        }
        if let Some(first) = by_wallet.get(&wallet) {
            excluded.push(exclude(format!("wallet_shared_with_member_{first}")));
            continue;
        }
        by_wallet.insert(wallet, line.member_id);
        payees.push(Payee {
            member_id: line.member_id,
            wallet,
            token_account: stk_client::ata(&wallet, mint),
            amount: line.payable,
        });
    }
    (payees, excluded)
}

/// The approved report's hash and document lines (or the current report's without approval).
async fn approved_lines(
    db: &PgPool,
    month: MonthId,
    approval: Approval,
) -> Result<(String, Vec<ApprovedLine>), FreezeError> {
    let sha = match (approved::state(db, month).await?, approval) {
        (approved::ApprovalState::NoReport, _) => return Err(ApprovalError::NoReport(month).into()),
        (approved::ApprovalState::Frozen(sha), _) | (approved::ApprovalState::Approved(sha), _) => {
            sha
        }
        (approved::ApprovalState::Awaiting { current, .. }, Approval::NotRequired) => current,
        (approved::ApprovalState::Awaiting { current, stale_approval: Some(a) }, _) => {
            return Err(ApprovalError::Stale { month, approved: a, current }.into())
        }
        (approved::ApprovalState::Awaiting { stale_approval: None, .. }, _) => {
            return Err(ApprovalError::NotApproved(month).into())
        }
    };
    let json: Option<Vec<u8>> = sqlx::query_scalar(
        "SELECT canonical_json FROM report_documents WHERE month = $1 AND report_sha256 = $2",
    )
    .bind(month.to_string())
    .bind(&sha)
    .fetch_optional(db)
    .await?;
    let json = json.ok_or_else(|| ApprovalError::NoDocument(sha.clone()))?;
    let lines = approved::parse_document(&json, &sha, month)?;
    Ok((sha, lines))
}

async fn existing_plan(db: &PgPool, month: MonthId) -> Result<Option<FrozenPlan>, FreezeError> {
    let Some(plan) = store::load_plan(db, month).await? else { return Ok(None) };
    let excluded: i64 =
        sqlx::query_scalar("SELECT count(*) FROM payout_exclusions WHERE month = $1")
            .bind(month.to_string())
            .fetch_one(db)
            .await?;
    Ok(Some(FrozenPlan {
        report_sha256: plan.report_sha256,
        plan_hash: plan.plan_hash.unwrap_or_default(),
        payees: plan.batches.iter().map(|b| b.batch.payees.len()).sum(),
        total: plan.total,
        batches: plan.batches.len(),
        excluded: excluded as usize,
        frozen_now: false,
    }))
}

/// Freezes the approved report of `req.month` and saves its payout plan (see the module
/// documentation). Idempotent: a month already planned returns its plan.
pub async fn freeze_and_plan<B: ChainBackend>(
    db: &PgPool,
    backend: &mut B,
    req: FreezeRequest,
) -> Result<FrozenPlan, FreezeError> {
    let month = req.month;
    if let Some(plan) = existing_plan(db, month).await? {
        return Ok(plan);
    }
    let (sha, lines) = approved_lines(db, month, req.approval).await?;
    let (payees, mut excluded) = candidates(&lines, &req.mint);
    // Before planning: every wallet and token account as the chain has them now.
    let pairs: Vec<(Pubkey, Pubkey)> = payees.iter().map(|p| (p.wallet, p.token_account)).collect();
    let verdicts =
        recipients::check_all(backend, &req.mint, &pairs, req.shape.token_accounts).await?;
    let mut usable = Vec::with_capacity(payees.len());
    for (payee, verdict) in payees.into_iter().zip(verdicts) {
        match verdict {
            Ok(()) => usable.push(payee),
            Err(why) => {
                tracing::warn!(%month, member = payee.member_id, wallet = %payee.wallet, reason = %why, "recipient unusable: kept pending");
                excluded.push(Exclusion {
                    member_id: payee.member_id,
                    wallet: payee.wallet.to_string(),
                    amount: payee.amount,
                    reason: why.to_string(),
                });
            }
        }
    }
    let count = usable.len();
    let total = usable.iter().try_fold(0u64, |a, p| a.checked_add(p.amount));
    let total = total.ok_or(super::plan::PlanError::Overflow)?;
    let batches = plan_batches(
        usable,
        req.shape.recipients_per_batch,
        stk_common::payout_plan::MAX_BATCH_COUNT as usize,
    )?;

    let key = month.to_string();
    let mut tx = db.begin().await?;
    approved::report_lock(&mut tx, &key).await?;
    // Under the lock: still the same report, still approved, not planned meanwhile.
    let row: Option<(String, bool, Option<String>)> = sqlx::query_as(
        "SELECT r.report_sha256, r.frozen, a.report_sha256 FROM monthly_reports r
         LEFT JOIN payout_approvals a USING (month) WHERE r.month = $1 FOR UPDATE OF r",
    )
    .bind(&key)
    .fetch_optional(&mut *tx)
    .await?;
    let (current, frozen, approved_sha) = row.ok_or(ApprovalError::NoReport(month))?;
    if frozen {
        // Another engine froze and planned it meanwhile (it holds the same lock to do so).
        drop(tx);
        return existing_plan(db, month).await?.ok_or_else(|| {
            StoreError::Corrupt(format!("{month} is frozen but has no payout plan")).into()
        });
    }
    if current != sha {
        return Err(ApprovalError::NotCurrent { month, current, offered: sha }.into());
    }
    if req.approval == Approval::Required && approved_sha.as_deref() != Some(sha.as_str()) {
        return Err(ApprovalError::NotApproved(month).into());
    }
    if month > req.first_month {
        let previous = MonthId(month.0 - 1);
        let previous_frozen: Option<bool> =
            sqlx::query_scalar("SELECT frozen FROM monthly_reports WHERE month = $1")
                .bind(previous.to_string())
                .fetch_optional(&mut *tx)
                .await?;
        if previous_frozen != Some(true) {
            return Err(FreezeError::OutOfOrder { month, previous });
        }
    }
    sqlx::query("UPDATE monthly_reports SET frozen = true WHERE month = $1")
        .bind(&key)
        .execute(&mut *tx)
        .await?;
    let plan_hash = store::save_plan_in(&mut tx, month, &sha, &batches, req.shape).await?;
    for e in &excluded {
        let amount =
            i64::try_from(e.amount).map_err(|_| FreezeError::Negative { member: e.member_id })?;
        sqlx::query(
            "INSERT INTO payout_exclusions (month, member_id, wallet, amount, reason) VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(&key)
        .bind(e.member_id)
        .bind(&e.wallet)
        .bind(amount)
        .bind(&e.reason)
        .execute(&mut *tx)
        .await?;
        // The member had a wallet, so nothing of this month was pending for them; add rather
        // than overwrite all the same: an amount owed is never dropped.
        sqlx::query(
            "INSERT INTO pending_allocations (member_id, origin_month, amount, reason) VALUES ($1, $2, $3, $4)
             ON CONFLICT (member_id, origin_month) DO UPDATE
                 SET amount = pending_allocations.amount + EXCLUDED.amount, reason = EXCLUDED.reason",
        )
        .bind(e.member_id)
        .bind(&key)
        .bind(amount)
        .bind(&e.reason)
        .execute(&mut *tx)
        .await?;
    }
    tx.commit().await?;
    tracing::info!(%month, report = %sha, plan = %plan_hash, recipients = count, batches = batches.len(), excluded = excluded.len(), "report frozen, payout plan saved");
    Ok(FrozenPlan {
        report_sha256: sha,
        plan_hash,
        payees: count,
        total,
        batches: batches.len(),
        excluded: excluded.len(),
        frozen_now: true,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn candidates_leave_out_bad_and_shared_wallets() {
        let mint = Pubkey::new_unique();
        let good = solana_signer::Signer::pubkey(&solana_keypair::Keypair::new()).to_string();
        let other = solana_signer::Signer::pubkey(&solana_keypair::Keypair::new()).to_string();
        let pda = Pubkey::find_program_address(&[b"pda"], &stk_treasury::ID).0.to_string();
        let line = |id: i64, payable: u64, wallet: Option<&str>| ApprovedLine {
            member_id: id,
            payable,
            wallet: wallet.map(str::to_string),
        };
        let lines = vec![
            line(5, 10, Some(&good)),
            line(3, 7, Some(&good)),
            line(4, 0, Some(&other)),
            line(6, 9, None),
            line(7, 8, Some(&pda)),
            line(8, 6, Some("not-a-wallet")),
            line(9, 5, Some(&other)),
        ];
        let (payees, excluded) = candidates(&lines, &mint);
        let ids: Vec<i64> = payees.iter().map(|p| p.member_id).collect();
        assert_eq!(ids, vec![3, 9]);
        assert_eq!(payees[0].token_account, stk_client::ata(&good.parse().unwrap(), &mint));
        let why: Vec<(i64, String)> =
            excluded.iter().map(|e| (e.member_id, e.reason.clone())).collect();
        assert_eq!(
            why,
            vec![
                (5, "wallet_shared_with_member_3".to_string()),
                (7, "wallet_off_curve".to_string()),
                (8, "malformed_wallet".to_string()),
            ]
        );
    }
}
