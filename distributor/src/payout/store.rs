//! The payout plan and its progress in Postgres.
use super::{
    limits::TxForm,
    plan::{Payee, PlanShape, PlannedBatch, TokenAccountPolicy},
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
    /// Whether the engine creates missing token accounts (fixed with the plan).
    pub token_accounts: TokenAccountPolicy,
    pub batches: Vec<StoredBatch>,
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
        "INSERT INTO payout_epochs (month, month_id, report_sha256, total, batch_count, tx_form, recipients_per_batch, token_accounts, plan_hash, state) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
    )
    .bind(month.to_string())
    .bind(month.0 as i32)
    .bind(report_sha256)
    .bind(to_i64(total, "total")?)
    .bind(batches.len() as i32)
    .bind(shape.form.as_str())
    .bind(shape.recipients_per_batch as i32)
    .bind(shape.token_accounts.as_str())
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
        sqlx::query("SELECT report_sha256, total, state, tx_form, token_accounts, plan_hash, unpaid_carried FROM payout_epochs WHERE month = $1")
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
        token_accounts: TokenAccountPolicy::parse(epoch.get::<&str, _>("token_accounts"))
            .ok_or_else(|| StoreError::Corrupt("payout_epochs.token_accounts".into()))?,
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

/// A kept lookup table as recorded (see `migrations/0400_kept_lookup_tables.sql`), with its
/// entries in on-chain order.
#[derive(Debug, Clone)]
pub struct StoredTable {
    pub id: u32,
    pub address: Option<Pubkey>,
    pub recent_slot: u64,
    pub create_attempts: u32,
    pub pending_signature: Option<String>,
    pub pending_last_valid_block_height: Option<u64>,
    pub addresses_extended: usize,
    pub state: String,
    pub entries: Vec<Pubkey>,
}

/// The live kept tables (neither retiring nor retired), oldest first, with their entries.
pub async fn load_live_tables(db: &PgPool) -> Result<Vec<StoredTable>, StoreError> {
    load_tables_where(db, "state IN ('planned', 'creating', 'extending', 'ready')").await
}

/// Every kept table, retired ones included, oldest first, with its entries.
pub async fn load_all_tables(db: &PgPool) -> Result<Vec<StoredTable>, StoreError> {
    load_tables_where(db, "true").await
}

/// Every kept table matching `filter` (SQL over `state`), oldest first, with its entries.
async fn load_tables_where(db: &PgPool, filter: &str) -> Result<Vec<StoredTable>, StoreError> {
    let rows = sqlx::query(&format!(
        "SELECT id, address, recent_slot, create_attempts, pending_signature, pending_last_valid_block_height, addresses_extended, state
         FROM lookup_tables WHERE {filter} ORDER BY id"
    ))
    .fetch_all(db)
    .await?;
    let entries = sqlx::query(&format!(
        "SELECT e.table_id, e.address FROM lookup_table_entries e JOIN lookup_tables t ON t.id = e.table_id
         WHERE {} ORDER BY e.table_id, e.position",
        filter.replace("state", "t.state")
    ))
    .fetch_all(db)
    .await?;
    let mut tables = rows
        .into_iter()
        .map(|row| {
            Ok(StoredTable {
                id: row.get::<i32, _>("id") as u32,
                address: row.get::<Option<&str>, _>("address").map(pubkey).transpose()?,
                recent_slot: to_u64(
                    row.get::<Option<i64>, _>("recent_slot").unwrap_or(0),
                    "recent_slot",
                )?,
                create_attempts: row.get::<i32, _>("create_attempts") as u32,
                pending_signature: row.get("pending_signature"),
                pending_last_valid_block_height: row
                    .get::<Option<i64>, _>("pending_last_valid_block_height")
                    .map(|h| to_u64(h, "pending_last_valid_block_height"))
                    .transpose()?,
                addresses_extended: row.get::<i32, _>("addresses_extended").max(0) as usize,
                state: row.get("state"),
                entries: vec![],
            })
        })
        .collect::<Result<Vec<_>, StoreError>>()?;
    for row in entries {
        let id = row.get::<i32, _>("table_id") as u32;
        let address = pubkey(row.get("address"))?;
        if let Some(t) = tables.iter_mut().find(|t| t.id == id) {
            t.entries.push(address);
        }
    }
    Ok(tables)
}

/// Records `entries` appended to table `id` from position `from` (a new table when `id` is
/// `None`: planned for `month`), before any transaction carries them. Returns the table id.
pub async fn append_table_entries(
    db: &PgPool,
    id: Option<u32>,
    month: MonthId,
    from: usize,
    entries: &[Pubkey],
) -> Result<u32, StoreError> {
    let mut tx = db.begin().await?;
    let id = match id {
        Some(id) => {
            sqlx::query("UPDATE lookup_tables SET state = CASE WHEN state = 'ready' THEN 'extending' ELSE state END, updated_at = now() WHERE id = $1")
                .bind(id as i32)
                .execute(&mut *tx)
                .await?;
            id
        }
        None => {
            let id: i32 = sqlx::query_scalar(
                "INSERT INTO lookup_tables (created_for) VALUES ($1) RETURNING id",
            )
            .bind(month.to_string())
            .fetch_one(&mut *tx)
            .await?;
            id as u32
        }
    };
    for (i, address) in entries.iter().enumerate() {
        sqlx::query(
            "INSERT INTO lookup_table_entries (table_id, position, address) VALUES ($1, $2, $3)",
        )
        .bind(id as i32)
        .bind((from + i) as i32)
        .bind(address.to_string())
        .execute(&mut *tx)
        .await?;
    }
    tx.commit().await?;
    Ok(id)
}

/// Write-ahead of a create transaction: the table's (new) address and the signature that may
/// create it are on record before it is sent.
pub async fn record_table_create(
    db: &PgPool,
    id: u32,
    address: &Pubkey,
    authority: &Pubkey,
    recent_slot: u64,
    signature: &str,
    last_valid_block_height: u64,
) -> Result<(), StoreError> {
    sqlx::query(
        "UPDATE lookup_tables SET address = $2, authority = $3, recent_slot = $4, create_attempts = create_attempts + 1,
             pending_signature = $5, pending_last_valid_block_height = $6, addresses_extended = 0,
             state = 'creating', updated_at = now() WHERE id = $1",
    )
    .bind(id as i32)
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
    id: u32,
    pending: Option<(&str, u64)>,
    addresses_extended: usize,
) -> Result<(), StoreError> {
    sqlx::query(
        "UPDATE lookup_tables SET pending_signature = $2, pending_last_valid_block_height = $3, addresses_extended = $4, updated_at = now() WHERE id = $1",
    )
    .bind(id as i32)
    .bind(pending.map(|(s, _)| s.to_string()))
    .bind(pending.map(|(_, h)| to_i64(h, "last_valid_block_height")).transpose()?)
    .bind(addresses_extended as i32)
    .execute(db)
    .await?;
    Ok(())
}

/// A table's state, and its rent as last read when known.
pub async fn set_table_state(
    db: &PgPool,
    id: u32,
    state: &str,
    rent_lamports: Option<u64>,
) -> Result<(), StoreError> {
    sqlx::query(
        "UPDATE lookup_tables SET state = $2, rent_lamports = coalesce($3, rent_lamports), updated_at = now() WHERE id = $1",
    )
    .bind(id as i32)
    .bind(state)
    .bind(rent_lamports.map(|r| to_i64(r, "rent")).transpose()?)
    .execute(db)
    .await?;
    Ok(())
}

/// Retires every live, complete table none of whose entries is a token account in `in_use`
/// (the recipients of unfinished plans and of the latest plan). Returns how many.
pub async fn retire_tables_unused_by(
    db: &PgPool,
    month: MonthId,
    in_use: &[String],
) -> Result<u64, StoreError> {
    let fixed: Vec<String> =
        super::limits::table_fixed_accounts().iter().map(|a| a.to_string()).collect();
    let done = sqlx::query(
        "UPDATE lookup_tables t SET state = 'retiring', retired_after = $1, updated_at = now()
         WHERE t.state = 'ready' AND t.address IS NOT NULL AND NOT EXISTS (
             SELECT 1 FROM lookup_table_entries e
             WHERE e.table_id = t.id AND e.address <> ALL($3) AND e.address = ANY($2))",
    )
    .bind(month.to_string())
    .bind(in_use)
    .bind(&fixed)
    .execute(db)
    .await?;
    Ok(done.rows_affected())
}

/// The recipients' token accounts of every plan still being paid, and of the latest plan: a
/// table serving any of them is kept.
pub async fn token_accounts_in_use(db: &PgPool) -> Result<Vec<String>, StoreError> {
    Ok(sqlx::query_scalar(
        "SELECT DISTINCT r.token_account FROM payout_recipients r JOIN payout_epochs e USING (month)
         WHERE NOT e.unpaid_carried OR e.month = (SELECT max(month) FROM payout_epochs WHERE state <> 'empty')",
    )
    .fetch_all(db)
    .await?)
}

/// Tables to reclaim: `(id, address, state)` of retiring and deactivated tables.
pub async fn tables_to_reclaim(db: &PgPool) -> Result<Vec<(u32, Pubkey, String)>, StoreError> {
    let rows = sqlx::query(
        "SELECT id, address, state FROM lookup_tables
         WHERE state IN ('retiring', 'deactivated') AND address IS NOT NULL ORDER BY id",
    )
    .fetch_all(db)
    .await?;
    rows.into_iter()
        .map(|row| {
            Ok((row.get::<i32, _>("id") as u32, pubkey(row.get("address"))?, row.get("state")))
        })
        .collect()
}

/// Addresses of the kept tables that may hold rent (created, not closed).
pub async fn table_addresses_holding_rent(db: &PgPool) -> Result<Vec<Pubkey>, StoreError> {
    let rows: Vec<String> = sqlx::query_scalar(
        "SELECT address FROM lookup_tables WHERE address IS NOT NULL AND state <> 'closed' ORDER BY id",
    )
    .fetch_all(db)
    .await?;
    rows.iter().map(|a| pubkey(a)).collect()
}

/// Adds one engine run's costs to its month's (`payout_costs`; nothing for a month without
/// a plan).
pub async fn record_costs(
    db: &PgPool,
    month: MonthId,
    run: &super::engine::PayoutSummary,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO payout_costs (month, runs, transactions_sent, fee_lamports, token_accounts_created,
             token_account_rent, lookup_table_rent, epoch_rent, lookup_tables_created, lookup_table_extensions)
         SELECT $1, 1, $2, $3, $4, $5, $6, $7, $8, $9 WHERE EXISTS (SELECT 1 FROM payout_epochs WHERE month = $1)
         ON CONFLICT (month) DO UPDATE SET runs = payout_costs.runs + 1,
             transactions_sent = payout_costs.transactions_sent + EXCLUDED.transactions_sent,
             fee_lamports = payout_costs.fee_lamports + EXCLUDED.fee_lamports,
             token_accounts_created = payout_costs.token_accounts_created + EXCLUDED.token_accounts_created,
             token_account_rent = payout_costs.token_account_rent + EXCLUDED.token_account_rent,
             lookup_table_rent = payout_costs.lookup_table_rent + EXCLUDED.lookup_table_rent,
             epoch_rent = payout_costs.epoch_rent + EXCLUDED.epoch_rent,
             lookup_tables_created = payout_costs.lookup_tables_created + EXCLUDED.lookup_tables_created,
             lookup_table_extensions = payout_costs.lookup_table_extensions + EXCLUDED.lookup_table_extensions,
             updated_at = now()",
    )
    .bind(month.to_string())
    .bind(run.transactions_sent as i64)
    .bind(run.fee_lamports)
    .bind(run.token_accounts_created as i64)
    .bind(to_i64(run.token_account_rent, "token_account_rent")?)
    .bind(run.lookup_table_rent)
    .bind(run.epoch_rent)
    .bind(run.lookup_tables_created as i32)
    .bind(run.lookup_table_extensions as i32)
    .execute(db)
    .await?;
    Ok(())
}

/// A month's payout costs (`payout_costs`), for `status` and the report page.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MonthCosts {
    pub month: String,
    pub recipients: i64,
    pub runs: i32,
    pub transactions_sent: i64,
    pub fee_lamports: i64,
    pub token_accounts_created: i64,
    pub token_account_rent: i64,
    pub lookup_table_rent: i64,
    pub epoch_rent: i64,
    pub lookup_tables_created: i32,
    pub lookup_table_extensions: i32,
}

impl MonthCosts {
    /// Fees per paid recipient, in lamports (0 without recipients).
    pub fn fee_per_recipient(&self) -> i64 {
        if self.recipients > 0 {
            self.fee_lamports / self.recipients
        } else {
            0
        }
    }
}

/// Every month's costs, oldest first (`month`: just that one).
pub async fn month_costs(
    db: &PgPool,
    month: Option<MonthId>,
) -> Result<Vec<MonthCosts>, StoreError> {
    let rows = sqlx::query(
        "SELECT c.*, (SELECT count(*) FROM payout_recipients r WHERE r.month = c.month) AS recipients
         FROM payout_costs c WHERE $1::text IS NULL OR c.month = $1 ORDER BY c.month",
    )
    .bind(month.map(|m| m.to_string()))
    .fetch_all(db)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| MonthCosts {
            month: r.get("month"),
            recipients: r.get("recipients"),
            runs: r.get("runs"),
            transactions_sent: r.get("transactions_sent"),
            fee_lamports: r.get("fee_lamports"),
            token_accounts_created: r.get("token_accounts_created"),
            token_account_rent: r.get("token_account_rent"),
            lookup_table_rent: r.get("lookup_table_rent"),
            epoch_rent: r.get("epoch_rent"),
            lookup_tables_created: r.get("lookup_tables_created"),
            lookup_table_extensions: r.get("lookup_table_extensions"),
        })
        .collect())
}
