//! The payout plan and its progress in Postgres.
use super::{
    limits::TxForm,
    plan::{Payee, PlanShape, PlannedBatch},
};
use anchor_lang::prelude::Pubkey;
use sqlx::{PgConnection, PgPool, Row};
use std::str::FromStr;
use stk_common::calendar::MonthId;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("database: {0}")]
    Db(#[from] sqlx::Error),
    #[error("month {month} already has a payout plan for report {existing}; refusing a plan for report {offered}")]
    PlanMismatch { month: String, existing: String, offered: String },
    #[error("corrupt payout row: {0}")]
    Corrupt(String),
    #[error(transparent)]
    Plan(#[from] super::plan::PlanError),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BatchState {
    Planned,
    Sent,
    Confirmed,
}

impl BatchState {
    fn parse(s: &str) -> Result<Self, StoreError> {
        match s {
            "planned" => Ok(Self::Planned),
            "sent" => Ok(Self::Sent),
            "confirmed" => Ok(Self::Confirmed),
            other => Err(StoreError::Corrupt(format!("batch state {other:?}"))),
        }
    }
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Planned => "planned",
            Self::Sent => "sent",
            Self::Confirmed => "confirmed",
        }
    }
}

#[derive(Debug, Clone)]
pub struct StoredBatch {
    pub batch: PlannedBatch,
    pub state: BatchState,
    pub signature: Option<String>,
    pub last_valid_block_height: Option<u64>,
    pub attempts: u32,
    /// Transactions of this batch that failed on-chain (what counts toward giving up).
    pub failures: u32,
    /// The batch root committed in the plan (hex).
    pub root: Option<String>,
}

#[derive(Debug, Clone)]
pub struct StoredPlan {
    pub month: MonthId,
    pub report_sha256: String,
    pub total: u64,
    pub state: String,
    /// The plan hash (hex) `open_epoch` commits; `None` for plans older than the commitment.
    pub plan_hash: Option<String>,
    /// Whether the unpaid recipients of the closed epoch were carried back as pending.
    pub unpaid_carried: bool,
    pub form: TxForm,
    /// Lookup-table plans: consecutive batches sharing one table.
    pub batches_per_table: usize,
    pub batches: Vec<StoredBatch>,
}

impl StoredPlan {
    /// Lookup-table plans: the batches served by each table, in table order.
    pub fn table_groups(&self) -> Vec<&[StoredBatch]> {
        match self.form {
            TxForm::Legacy => vec![],
            TxForm::LookupTable => self.batches.chunks(self.batches_per_table.max(1)).collect(),
        }
    }
}

fn to_i64(v: u64, what: &str) -> Result<i64, StoreError> {
    i64::try_from(v).map_err(|_| StoreError::Corrupt(format!("{what} {v} exceeds BIGINT")))
}

fn to_u64(v: i64, what: &str) -> Result<u64, StoreError> {
    u64::try_from(v).map_err(|_| StoreError::Corrupt(format!("{what} {v} is negative")))
}

fn pubkey(s: &str) -> Result<Pubkey, StoreError> {
    Pubkey::from_str(s).map_err(|_| StoreError::Corrupt(format!("address {s:?}")))
}

/// Writes the plan of `month` in one transaction (see [`save_plan_in`]). Returns the plan hash.
pub async fn save_plan(
    db: &PgPool,
    month: MonthId,
    report_sha256: &str,
    batches: &[PlannedBatch],
    shape: PlanShape,
) -> Result<String, StoreError> {
    let mut tx = db.begin().await?;
    let hash = save_plan_in(&mut tx, month, report_sha256, batches, shape).await?;
    tx.commit().await?;
    Ok(hash)
}

/// Writes the plan of `month`, its batch roots and its plan hash inside the caller's
/// transaction, and returns the plan hash (hex). If a plan exists for the same report it is
/// kept as it is (a plan is never recomputed); for another report, error. A plan without
/// batches is recorded as `empty`: nothing to send.
pub async fn save_plan_in(
    tx: &mut PgConnection,
    month: MonthId,
    report_sha256: &str,
    batches: &[PlannedBatch],
    shape: PlanShape,
) -> Result<String, StoreError> {
    let existing: Option<(String, Option<String>)> = sqlx::query_as(
        "SELECT report_sha256, plan_hash FROM payout_epochs WHERE month = $1 FOR UPDATE",
    )
    .bind(month.to_string())
    .fetch_optional(&mut *tx)
    .await?;
    if let Some((existing, plan_hash)) = existing {
        if existing == report_sha256 {
            return Ok(plan_hash.unwrap_or_default());
        }
        return Err(StoreError::PlanMismatch {
            month: month.to_string(),
            existing,
            offered: report_sha256.to_string(),
        });
    }
    let report_hash = parse_hash(report_sha256)?;
    let plan_hash = hex::encode(super::plan::plan_hash(month, &report_hash, batches)?);
    let total: u64 = batches.iter().map(|b| b.total()).sum();
    let state = if batches.is_empty() { "empty" } else { "planned" };
    sqlx::query(
        "INSERT INTO payout_epochs (month, month_id, report_sha256, total, batch_count, tx_form, recipients_per_batch, batches_per_table, plan_hash, state) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
    )
    .bind(month.to_string())
    .bind(month.0 as i32)
    .bind(report_sha256)
    .bind(to_i64(total, "total")?)
    .bind(batches.len() as i32)
    .bind(shape.form.as_str())
    .bind(shape.recipients_per_batch as i32)
    .bind(shape.batches_per_table().map(|b| b as i32))
    .bind(&plan_hash)
    .bind(state)
    .execute(&mut *tx)
    .await?;
    for batch in batches {
        sqlx::query(
            "INSERT INTO payout_batches (month, batch_index, total, root) VALUES ($1, $2, $3, $4)",
        )
        .bind(month.to_string())
        .bind(batch.index as i32)
        .bind(to_i64(batch.total(), "batch total")?)
        .bind(hex::encode(batch.root(month)))
        .execute(&mut *tx)
        .await?;
        let mut insert = sqlx::QueryBuilder::new(
            "INSERT INTO payout_recipients (month, batch_index, position, member_id, wallet, token_account, amount) ",
        );
        let mut rows = Vec::with_capacity(batch.payees.len());
        for (position, p) in batch.payees.iter().enumerate() {
            rows.push((position as i32, p, to_i64(p.amount, "amount")?));
        }
        insert.push_values(rows, |mut b, (position, p, amount)| {
            b.push_bind(month.to_string())
                .push_bind(batch.index as i32)
                .push_bind(position)
                .push_bind(p.member_id)
                .push_bind(p.wallet.to_string())
                .push_bind(p.token_account.to_string())
                .push_bind(amount);
        });
        insert.build().execute(&mut *tx).await?;
    }
    Ok(plan_hash)
}

/// A 32-byte hash from its hex form.
pub fn parse_hash(hex_hash: &str) -> Result<[u8; 32], StoreError> {
    let bytes =
        hex::decode(hex_hash).map_err(|_| StoreError::Corrupt(format!("hash {hex_hash:?}")))?;
    bytes.try_into().map_err(|_| StoreError::Corrupt(format!("hash {hex_hash:?}")))
}

pub async fn load_plan(db: &PgPool, month: MonthId) -> Result<Option<StoredPlan>, StoreError> {
    let Some(epoch) =
        sqlx::query("SELECT report_sha256, total, state, tx_form, batches_per_table, plan_hash, unpaid_carried FROM payout_epochs WHERE month = $1")
            .bind(month.to_string())
            .fetch_optional(db)
            .await?
    else {
        return Ok(None);
    };
    let batch_rows = sqlx::query(
        "SELECT batch_index, state, signature, last_valid_block_height, attempts, failures, root FROM payout_batches WHERE month = $1 ORDER BY batch_index",
    )
    .bind(month.to_string())
    .fetch_all(db)
    .await?;
    let recipient_rows = sqlx::query(
        "SELECT batch_index, member_id, wallet, token_account, amount FROM payout_recipients WHERE month = $1 ORDER BY batch_index, position",
    )
    .bind(month.to_string())
    .fetch_all(db)
    .await?;
    let mut batches: Vec<StoredBatch> = Vec::with_capacity(batch_rows.len());
    for row in batch_rows {
        let index: i32 = row.get("batch_index");
        if index as usize != batches.len() {
            return Err(StoreError::Corrupt(format!(
                "batch indices of {month} are not dense at {index}"
            )));
        }
        batches.push(StoredBatch {
            batch: PlannedBatch { index: index as u32, payees: vec![] },
            state: BatchState::parse(row.get::<&str, _>("state"))?,
            signature: row.get("signature"),
            last_valid_block_height: row
                .get::<Option<i64>, _>("last_valid_block_height")
                .map(|h| to_u64(h, "last_valid_block_height"))
                .transpose()?,
            attempts: row.get::<i32, _>("attempts") as u32,
            failures: row.get::<i32, _>("failures") as u32,
            root: row.get("root"),
        });
    }
    for row in recipient_rows {
        let index: i32 = row.get("batch_index");
        let batch = batches
            .get_mut(index as usize)
            .ok_or_else(|| StoreError::Corrupt(format!("recipient of unknown batch {index}")))?;
        batch.batch.payees.push(Payee {
            member_id: row.get("member_id"),
            wallet: pubkey(row.get("wallet"))?,
            token_account: pubkey(row.get("token_account"))?,
            amount: to_u64(row.get("amount"), "amount")?,
        });
    }
    Ok(Some(StoredPlan {
        month,
        report_sha256: epoch.get("report_sha256"),
        total: to_u64(epoch.get("total"), "total")?,
        state: epoch.get("state"),
        plan_hash: epoch.get("plan_hash"),
        unpaid_carried: epoch.get("unpaid_carried"),
        form: TxForm::parse(epoch.get::<&str, _>("tx_form"))
            .ok_or_else(|| StoreError::Corrupt("payout_epochs.tx_form".into()))?,
        batches_per_table: epoch.get::<Option<i32>, _>("batches_per_table").unwrap_or(0).max(0)
            as usize,
        batches,
    }))
}

/// Write-ahead: the signature and its expiry are on record before the transaction is sent.
pub async fn record_sent(
    db: &PgPool,
    month: MonthId,
    index: u32,
    signature: &str,
    last_valid_block_height: u64,
) -> Result<(), StoreError> {
    sqlx::query(
        "UPDATE payout_batches SET state = 'sent', signature = $3, last_valid_block_height = $4, attempts = attempts + 1, updated_at = now() WHERE month = $1 AND batch_index = $2 AND state <> 'confirmed'",
    )
    .bind(month.to_string())
    .bind(index as i32)
    .bind(signature)
    .bind(to_i64(last_valid_block_height, "last_valid_block_height")?)
    .execute(db)
    .await?;
    Ok(())
}

pub async fn record_confirmed(db: &PgPool, month: MonthId, index: u32) -> Result<(), StoreError> {
    sqlx::query(
        "UPDATE payout_batches SET state = 'confirmed', last_error = NULL, updated_at = now() WHERE month = $1 AND batch_index = $2",
    )
    .bind(month.to_string())
    .bind(index as i32)
    .execute(db)
    .await?;
    Ok(())
}

/// A transaction of the batch failed on-chain: counted toward giving up, with its error.
pub async fn record_error(
    db: &PgPool,
    month: MonthId,
    index: u32,
    error: &str,
) -> Result<(), StoreError> {
    sqlx::query("UPDATE payout_batches SET last_error = $3, failures = failures + 1, updated_at = now() WHERE month = $1 AND batch_index = $2")
        .bind(month.to_string())
        .bind(index as i32)
        .bind(error)
        .execute(db)
        .await?;
    Ok(())
}

/// The batch's last on-chain error.
pub async fn last_error(
    db: &PgPool,
    month: MonthId,
    index: u32,
) -> Result<Option<String>, StoreError> {
    Ok(sqlx::query_scalar(
        "SELECT last_error FROM payout_batches WHERE month = $1 AND batch_index = $2",
    )
    .bind(month.to_string())
    .bind(index as i32)
    .fetch_optional(db)
    .await?
    .flatten())
}

/// The epoch's state as the engine last saw it on-chain (`planned`, `open`, `closed`).
pub async fn set_epoch_state(db: &PgPool, month: MonthId, state: &str) -> Result<(), StoreError> {
    sqlx::query("UPDATE payout_epochs SET state = $2, updated_at = now() WHERE month = $1")
        .bind(month.to_string())
        .bind(state)
        .execute(db)
        .await?;
    Ok(())
}

/// Which epoch transaction a signature belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EpochStep {
    Open,
    Approve,
    Close,
}

/// Records the latest `open_epoch` / `close_epoch` signature *before* it is sent, like a
/// batch's, so an operator can look up what may have landed.
pub async fn record_epoch_signature(
    db: &PgPool,
    month: MonthId,
    step: EpochStep,
    signature: &str,
) -> Result<(), StoreError> {
    let sql = match step {
        EpochStep::Open => {
            "UPDATE payout_epochs SET open_signature = $2, updated_at = now() WHERE month = $1"
        }
        EpochStep::Approve => {
            "UPDATE payout_epochs SET approve_signature = $2, updated_at = now() WHERE month = $1"
        }
        EpochStep::Close => {
            "UPDATE payout_epochs SET close_signature = $2, updated_at = now() WHERE month = $1"
        }
    };
    sqlx::query(sql).bind(month.to_string()).bind(signature).execute(db).await?;
    Ok(())
}

/// Counts of batches per state, for `distributor status`.
pub async fn batch_counts(db: &PgPool, month: MonthId) -> Result<Vec<(String, i64)>, StoreError> {
    let rows = sqlx::query(
        "SELECT state, count(*) AS n FROM payout_batches WHERE month = $1 GROUP BY state ORDER BY state",
    )
    .bind(month.to_string())
    .fetch_all(db)
    .await?;
    Ok(rows.into_iter().map(|r| (r.get("state"), r.get("n"))).collect())
}

/// One lookup table of a month as recorded (see `migrations/0110_payout_lookup_tables.sql`).
#[derive(Debug, Clone)]
pub struct StoredTable {
    pub index: u32,
    pub address: Pubkey,
    pub recent_slot: u64,
    pub create_attempts: u32,
    pub pending_signature: Option<String>,
    pub pending_last_valid_block_height: Option<u64>,
    pub state: String,
}

pub async fn load_tables(db: &PgPool, month: MonthId) -> Result<Vec<StoredTable>, StoreError> {
    let rows = sqlx::query(
        "SELECT table_index, address, recent_slot, create_attempts, pending_signature, pending_last_valid_block_height, state FROM payout_lookup_tables WHERE month = $1 ORDER BY table_index",
    )
    .bind(month.to_string())
    .fetch_all(db)
    .await?;
    rows.into_iter()
        .map(|row| {
            Ok(StoredTable {
                index: row.get::<i32, _>("table_index") as u32,
                address: pubkey(row.get("address"))?,
                recent_slot: to_u64(row.get("recent_slot"), "recent_slot")?,
                create_attempts: row.get::<i32, _>("create_attempts") as u32,
                pending_signature: row.get("pending_signature"),
                pending_last_valid_block_height: row
                    .get::<Option<i64>, _>("pending_last_valid_block_height")
                    .map(|h| to_u64(h, "pending_last_valid_block_height"))
                    .transpose()?,
                state: row.get("state"),
            })
        })
        .collect()
}

/// Write-ahead of a create transaction: the table's (new) address and the signature that may
/// create it are on record before it is sent.
#[allow(clippy::too_many_arguments)]
pub async fn record_table_create(
    db: &PgPool,
    month: MonthId,
    index: u32,
    address: &Pubkey,
    authority: &Pubkey,
    recent_slot: u64,
    signature: &str,
    last_valid_block_height: u64,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO payout_lookup_tables (month, table_index, address, authority, recent_slot, create_attempts, pending_signature, pending_last_valid_block_height)
         VALUES ($1, $2, $3, $4, $5, 1, $6, $7)
         ON CONFLICT (month, table_index) DO UPDATE SET address = EXCLUDED.address, authority = EXCLUDED.authority,
             recent_slot = EXCLUDED.recent_slot, create_attempts = payout_lookup_tables.create_attempts + 1,
             pending_signature = EXCLUDED.pending_signature,
             pending_last_valid_block_height = EXCLUDED.pending_last_valid_block_height,
             addresses_extended = 0, state = 'creating', updated_at = now()",
    )
    .bind(month.to_string())
    .bind(index as i32)
    .bind(address.to_string())
    .bind(authority.to_string())
    .bind(to_i64(recent_slot, "recent_slot")?)
    .bind(signature)
    .bind(to_i64(last_valid_block_height, "last_valid_block_height")?)
    .execute(db)
    .await?;
    Ok(())
}

/// Write-ahead of an extend transaction (`Some`), or its settlement (`None`), with the number
/// of addresses the table holds on-chain as last read.
pub async fn record_table_pending(
    db: &PgPool,
    month: MonthId,
    index: u32,
    pending: Option<(&str, u64)>,
    addresses_extended: usize,
) -> Result<(), StoreError> {
    sqlx::query(
        "UPDATE payout_lookup_tables SET pending_signature = $3, pending_last_valid_block_height = $4, addresses_extended = $5, updated_at = now() WHERE month = $1 AND table_index = $2",
    )
    .bind(month.to_string())
    .bind(index as i32)
    .bind(pending.map(|(s, _)| s.to_string()))
    .bind(pending.map(|(_, h)| to_i64(h, "last_valid_block_height")).transpose()?)
    .bind(addresses_extended as i32)
    .execute(db)
    .await?;
    Ok(())
}

pub async fn set_table_state(
    db: &PgPool,
    month: MonthId,
    index: u32,
    state: &str,
) -> Result<(), StoreError> {
    sqlx::query(
        "UPDATE payout_lookup_tables SET state = $3, updated_at = now() WHERE month = $1 AND table_index = $2",
    )
    .bind(month.to_string())
    .bind(index as i32)
    .bind(state)
    .execute(db)
    .await?;
    Ok(())
}

/// Tables of closed epochs that still hold rent: `(month, table_index, address, state)`.
pub async fn tables_to_reclaim(
    db: &PgPool,
) -> Result<Vec<(MonthId, u32, Pubkey, String)>, StoreError> {
    let rows = sqlx::query(
        "SELECT t.month, e.month_id, t.table_index, t.address, t.state FROM payout_lookup_tables t
         JOIN payout_epochs e USING (month)
         WHERE e.state = 'closed' AND t.state IN ('creating', 'ready', 'deactivated')
         ORDER BY t.month, t.table_index",
    )
    .fetch_all(db)
    .await?;
    rows.into_iter()
        .map(|row| {
            Ok((
                MonthId(row.get::<i32, _>("month_id") as u32),
                row.get::<i32, _>("table_index") as u32,
                pubkey(row.get("address"))?,
                row.get("state"),
            ))
        })
        .collect()
}
