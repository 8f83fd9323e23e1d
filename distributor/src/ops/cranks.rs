//! The operator cranks the service runs besides the quarter crank (issue 16), each through the
//! same [`execute`](super::execute) path as the commands and signed by the service's key:
//!
//! * genesis: `mint_genesis` once, before the first quarter;
//! * fund deposits: `record_deposits` after every quarter it mints, so the quarter's deposit
//!   locks from the quarter's start (not from whenever someone cranks it);
//! * quotes: every published quarterly quote is copied into Postgres (`quarter_quotes`) for
//!   the monthly report's quote table;
//! * fees: every `fee_interval`, harvest all withheld fees, then — when the service's key is
//!   the treasury's admin — split the fee vault and book what the split paid into the staking
//!   reward vault and the fund. The last run is kept in Postgres (`operator_cranks`).
use super::{fees, read_account, token_amount, Mode, OpsError, Outcome};
use crate::chain::ChainBackend;
use solana_signer::Signer;
use sqlx::PgPool;
use std::time::Duration;
use stk_common::seeds;
use stk_staking::state::StakingPool;
use stk_startup_fund::state::Fund;
use stk_treasury::state::Treasury;

/// Which cranks the service runs (all off by default: `distributor run` turns them on).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OperatorCranks {
    pub genesis: bool,
    pub record_deposits: bool,
    /// Copy newly published quotes into Postgres for the monthly reports.
    pub capture_quotes: bool,
    /// Harvest (and split) fees this often; `None`: never.
    pub fee_interval: Option<Duration>,
}

impl OperatorCranks {
    /// Every crank, fees every `fee_interval` (`None`: no fee crank).
    pub fn all(fee_interval: Option<Duration>) -> Self {
        OperatorCranks { genesis: true, record_deposits: true, capture_quotes: true, fee_interval }
    }
}

/// What the fee crank did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FeeRun {
    pub accounts: usize,
    pub withheld: u64,
    /// Whether the fee vault was split (needs the admin key).
    pub split: bool,
}

const FEES: &str = "fees";

/// `record_deposits` when the fund exists and the vault holds more than the fund has booked
/// (the program records nothing otherwise). Returns whether a transaction was sent.
pub async fn record_deposits<B: ChainBackend>(backend: &mut B) -> Result<bool, OpsError> {
    let Some(fund): Option<Fund> =
        read_account(backend, &seeds::find_fund(), "stk_startup_fund").await?
    else {
        return Ok(false);
    };
    let booked = fund
        .total_deposited
        .saturating_add(fund.total_returned)
        .saturating_sub(fund.total_invested);
    let held = token_amount(backend, &fund.vault).await?.unwrap_or(0);
    if held <= booked {
        return Ok(false);
    }
    let op = super::Op::new(
        "record the fund's deposits",
        vec![stk_client::startup_fund::record_deposits()],
    );
    super::execute(backend, &Mode::Send, &op).await?;
    Ok(true)
}

/// `credit_reward_deposits` when the reward vault holds more than the pool's books.
pub async fn credit_reward_deposits<B: ChainBackend>(backend: &mut B) -> Result<bool, OpsError> {
    let mint = seeds::find_stk_mint();
    let Some(pool): Option<StakingPool> =
        read_account(backend, &seeds::find_staking_pool(&mint), "stk_staking pool").await?
    else {
        return Ok(false);
    };
    let books = pool.rewards.unreleased.saturating_add(pool.rewards.released_unclaimed);
    let held = token_amount(backend, &pool.reward_vault).await?.unwrap_or(0);
    if held <= books {
        return Ok(false);
    }
    let op = super::Op::new(
        "credit tokens sent to the reward vault",
        vec![stk_client::staking::credit_reward_deposits(&mint)],
    );
    super::execute(backend, &Mode::Send, &op).await?;
    Ok(true)
}

/// Splits the fee vault when it holds anything, then books the split's payments.
pub async fn split_and_book<B: ChainBackend>(backend: &mut B) -> Result<bool, OpsError> {
    let treasury: Treasury =
        super::require_account(backend, &seeds::find_treasury(), "stk_treasury").await?;
    if token_amount(backend, &treasury.fee_vault).await?.unwrap_or(0) == 0 {
        return Ok(false);
    }
    fees::split(backend, &Mode::Send).await?;
    credit_reward_deposits(backend).await?;
    record_deposits(backend).await?;
    Ok(true)
}

async fn last_run(db: &PgPool, name: &str) -> Result<Option<i64>, sqlx::Error> {
    sqlx::query_scalar("SELECT last_run_at FROM operator_cranks WHERE name = $1")
        .bind(name)
        .fetch_optional(db)
        .await
}

async fn record_run(db: &PgPool, name: &str, now: i64) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO operator_cranks (name, last_run_at) VALUES ($1, $2)
         ON CONFLICT (name) DO UPDATE SET last_run_at = EXCLUDED.last_run_at",
    )
    .bind(name)
    .bind(now)
    .execute(db)
    .await?;
    Ok(())
}

/// Whether a crank last run at `last` is due again at `now`.
pub fn due(last: Option<i64>, now: i64, interval: Duration) -> bool {
    let interval = i64::try_from(interval.as_secs()).unwrap_or(i64::MAX);
    last.is_none_or(|last| now.saturating_sub(last) >= interval)
}

/// The fee crank, when due at `now` (see the module documentation).
pub async fn fees_if_due<B: ChainBackend>(
    backend: &mut B,
    db: &PgPool,
    interval: Duration,
    now: i64,
) -> anyhow::Result<Option<FeeRun>> {
    if !due(last_run(db, FEES).await?, now, interval) {
        return Ok(None);
    }
    let harvest = fees::harvest(backend, &Mode::Send).await?;
    let treasury: Treasury =
        super::require_account(backend, &seeds::find_treasury(), "stk_treasury").await?;
    let split = if treasury.admin == backend.payer().pubkey() {
        split_and_book(backend).await?
    } else {
        tracing::info!(
            admin = %treasury.admin,
            "fees harvested; splitting them needs the treasury admin: `distributor fees split`"
        );
        false
    };
    record_run(db, FEES, now).await?;
    let run = FeeRun {
        accounts: harvest.accounts,
        withheld: harvest.withheld_in_accounts.saturating_add(harvest.withheld_in_mint),
        split,
    };
    tracing::info!(
        accounts = run.accounts,
        withheld = run.withheld,
        split = run.split,
        "fee crank ran"
    );
    Ok(Some(run))
}

/// `mint_genesis` unless minted; whether it was minted now.
pub async fn genesis<B: ChainBackend>(backend: &mut B) -> Result<bool, OpsError> {
    Ok(matches!(super::genesis::mint_genesis(backend, &Mode::Send).await?, Some(Outcome::Sent(_))))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_crank_is_due_first_and_then_once_per_interval() {
        let day = Duration::from_secs(86_400);
        assert!(due(None, 0, day));
        assert!(!due(Some(1_000), 1_000 + 86_399, day));
        assert!(due(Some(1_000), 1_000 + 86_400, day));
        assert!(due(Some(i64::MIN), i64::MAX, Duration::MAX));
    }
}
