//! After an epoch closes, whatever it did not pay becomes owed again: every line of a batch
//! the epoch never paid (an aborted epoch) and every line the treasury skipped on-chain
//! (closed, frozen, memo-required accounts — the page's `skipped_mask`). Those amounts go back
//! into `pending_allocations` (origin: the month), so the next report carries them; nothing
//! owed is lost. It happens in one Postgres transaction that also sets
//! `payout_epochs.unpaid_carried`, so a rerun carries nothing twice.
use super::store::{StoreError, StoredPlan};
use sqlx::PgPool;

/// One line the closed epoch did not pay.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnpaidLine {
    pub batch: u32,
    pub position: usize,
    pub member_id: i64,
    pub amount: u64,
    pub reason: &'static str,
}

pub const REASON_BATCH_UNPAID: &str = "batch_not_paid_epoch_closed";
pub const REASON_SKIPPED: &str = "skipped_on_chain";

/// The lines of `plan` not paid, given which batches the epoch paid and each batch's skipped
/// mask (bit `p`: position `p` skipped).
pub fn unpaid_lines(
    plan: &StoredPlan,
    batch_paid: impl Fn(u32) -> bool,
    skipped_mask: impl Fn(u32) -> u64,
) -> Vec<UnpaidLine> {
    let mut out = vec![];
    for stored in &plan.batches {
        let index = stored.batch.index;
        let paid = batch_paid(index);
        let mask = if paid { skipped_mask(index) } else { 0 };
        for (position, p) in stored.batch.payees.iter().enumerate() {
            let skipped = position < 64 && mask & (1u64 << position) != 0;
            if !paid || skipped {
                out.push(UnpaidLine {
                    batch: index,
                    position,
                    member_id: p.member_id,
                    amount: p.amount,
                    reason: if paid { REASON_SKIPPED } else { REASON_BATCH_UNPAID },
                });
            }
        }
    }
    out
}

/// What carrying did (`None` from [`carry_unpaid`]: carried by an earlier run).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Carried {
    pub recipients: usize,
    pub amount: u64,
}

/// Turns `lines` into pending allocations of `plan.month` and marks the epoch closed and
/// carried, once.
pub async fn carry_unpaid(
    db: &PgPool,
    plan: &StoredPlan,
    lines: &[UnpaidLine],
) -> Result<Option<Carried>, StoreError> {
    let month = plan.month.to_string();
    let mut tx = db.begin().await?;
    let carried: bool =
        sqlx::query_scalar("SELECT unpaid_carried FROM payout_epochs WHERE month = $1 FOR UPDATE")
            .bind(&month)
            .fetch_one(&mut *tx)
            .await?;
    if carried {
        return Ok(None);
    }
    let mut amount = 0u64;
    for line in lines {
        amount = amount
            .checked_add(line.amount)
            .ok_or_else(|| StoreError::Corrupt("carried total overflows".into()))?;
        let value = i64::try_from(line.amount)
            .map_err(|_| StoreError::Corrupt(format!("amount {}", line.amount)))?;
        // A member is at most once in a plan and was not pending for this month (they had a
        // wallet), but add rather than overwrite: an amount owed must never be dropped.
        sqlx::query(
            "INSERT INTO pending_allocations (member_id, origin_month, amount, reason)
             VALUES ($1, $2, $3, $4)
             ON CONFLICT (member_id, origin_month) DO UPDATE
                 SET amount = pending_allocations.amount + EXCLUDED.amount, reason = EXCLUDED.reason",
        )
        .bind(line.member_id)
        .bind(&month)
        .bind(value)
        .bind(line.reason)
        .execute(&mut *tx)
        .await?;
        sqlx::query(
            "UPDATE payout_recipients SET carried = true WHERE month = $1 AND batch_index = $2 AND position = $3",
        )
        .bind(&month)
        .bind(line.batch as i32)
        .bind(line.position as i32)
        .execute(&mut *tx)
        .await?;
    }
    sqlx::query(
        "UPDATE payout_epochs SET unpaid_carried = true, state = 'closed', recipients_skipped = $2,
             amount_carried = $3, updated_at = now() WHERE month = $1",
    )
    .bind(&month)
    .bind(lines.len() as i32)
    .bind(i64::try_from(amount).map_err(|_| StoreError::Corrupt("carried total".into()))?)
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(Some(Carried { recipients: lines.len(), amount }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::payout::{
        limits::TxForm,
        plan::{Payee, PlannedBatch},
        store::{BatchState, StoredBatch},
    };
    use anchor_lang::prelude::Pubkey;
    use stk_common::calendar::MonthId;

    fn plan() -> StoredPlan {
        let batch = |index: u32, ids: &[i64]| StoredBatch {
            batch: PlannedBatch {
                index,
                payees: ids
                    .iter()
                    .map(|&id| Payee {
                        member_id: id,
                        wallet: Pubkey::new_unique(),
                        token_account: Pubkey::new_unique(),
                        amount: 10 * id as u64,
                    })
                    .collect(),
            },
            state: BatchState::Planned,
            signature: None,
            last_valid_block_height: None,
            attempts: 0,
            failures: 0,
            root: None,
        };
        StoredPlan {
            month: MonthId(1),
            report_sha256: String::new(),
            total: 0,
            state: "closed".into(),
            plan_hash: None,
            unpaid_carried: false,
            form: TxForm::Legacy,
            token_accounts: super::super::plan::TokenAccountPolicy::Create,
            batches: vec![batch(0, &[1, 2, 3]), batch(1, &[4, 5])],
        }
    }

    #[test]
    fn unpaid_batches_and_skipped_positions_are_owed_again() {
        let p = plan();
        let all_paid = unpaid_lines(&p, |_| true, |_| 0);
        assert!(all_paid.is_empty());
        let lines = unpaid_lines(&p, |b| b == 0, |b| if b == 0 { 0b100 } else { u64::MAX });
        let owed: Vec<(i64, &str)> = lines.iter().map(|l| (l.member_id, l.reason)).collect();
        assert_eq!(
            owed,
            vec![(3, REASON_SKIPPED), (4, REASON_BATCH_UNPAID), (5, REASON_BATCH_UNPAID)]
        );
        assert_eq!(lines.iter().map(|l| l.amount).sum::<u64>(), 30 + 40 + 50);
    }
}
