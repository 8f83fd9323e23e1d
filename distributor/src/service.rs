//! The distributor service: one [`tick`] does everything that is due at `now`, and
//! [`run`] repeats it until SIGTERM/SIGINT. State lives in Postgres and on-chain, so the
//! service can be killed at any moment and started again.
//!
//! A tick, in order:
//! 1. cranks `stk_mint::mint_quarter` for every quarter that has started and is not minted
//!    (permissionless; the schedule and the counter are read from the mint's config account);
//! 2. refreshes the staking positions of members' wallets whose lock has ended while they
//!    still carry its multiplier (`crate::locks`), so they stop earning it;
//! 3. for every month of the schedule whose payout time has passed and whose epoch is not
//!    closed, oldest first: computes the report unless it is frozen, waits for the operator's
//!    approval of that exact report when `require_approval`, then freezes it and pays it with
//!    the exactly-once engine. A month waits while its quarter is not minted yet.
use crate::{
    chain::{faults::CrashPlan, ChainBackend},
    config::Config,
    metrics::Metrics,
    payout::{
        engine::{EngineSettings, PayoutEngine, PayoutSummary},
        from_report::freeze_and_plan,
        plan::PlanShape,
    },
    report,
    schedule_clock::PayoutTime,
};
use anchor_lang::{prelude::Pubkey, AccountDeserialize};
use sqlx::PgPool;
use std::{path::PathBuf, sync::atomic::Ordering, time::Duration};
use stk_common::{calendar::MonthId, seeds};
use stk_mint::state::MintConfig;

#[derive(Debug, Clone)]
pub struct ServiceSettings {
    pub payout_time: PayoutTime,
    pub require_approval: bool,
    /// Plan new months with address lookup tables when the backend supports them.
    pub lookup_tables: bool,
    pub engine: EngineSettings,
    pub report_dir: Option<PathBuf>,
    pub poll_interval: Duration,
    /// Fault injection for tests: where the payout engine stops as if killed. Empty (never
    /// fires) unless a test arms it.
    pub crash: CrashPlan,
}

impl Default for ServiceSettings {
    fn default() -> Self {
        ServiceSettings {
            payout_time: PayoutTime::default(),
            require_approval: true,
            lookup_tables: true,
            engine: EngineSettings::default(),
            report_dir: Some(PathBuf::from("reports")),
            poll_interval: Duration::from_secs(60),
            crash: CrashPlan::none(),
        }
    }
}

/// What a tick did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TickEvent {
    QuarterMinted(u16),
    ReportComputed {
        month: MonthId,
        sha256: String,
    },
    WaitingForApproval(MonthId),
    WaitingForQuarter(MonthId),
    Paid {
        month: MonthId,
        summary: PayoutSummary,
    },
    /// The owners of the positions whose ended lock was refreshed to 1×.
    LocksRefreshed(Vec<Pubkey>),
}

async fn mint_config<B: ChainBackend>(backend: &mut B) -> anyhow::Result<MintConfig> {
    let data = backend
        .account_data(&seeds::find_mint_config())
        .await?
        .ok_or_else(|| anyhow::anyhow!("stk_mint is not initialized on this cluster"))?;
    Ok(MintConfig::try_deserialize(&mut data.as_slice())?)
}

async fn epoch_closed(db: &PgPool, month: MonthId) -> anyhow::Result<bool> {
    let state: Option<String> =
        sqlx::query_scalar("SELECT state FROM payout_epochs WHERE month = $1")
            .bind(month.to_string())
            .fetch_optional(db)
            .await?;
    Ok(state.as_deref() == Some("closed"))
}

/// Does what is due at `now` (unix seconds); see the module documentation.
pub async fn tick<B: ChainBackend>(
    backend: &mut B,
    db: &PgPool,
    config: &Config,
    settings: &ServiceSettings,
    metrics: &Metrics,
    now: i64,
) -> anyhow::Result<Vec<TickEvent>> {
    let mut events = vec![];
    let schedule = config.schedule();
    let mint_cfg = mint_config(backend).await?;
    let mint = mint_cfg.mint;

    // 1. Quarters that have started.
    let mut minted = mint_cfg.quarters_minted;
    while minted < schedule.num_quarters && schedule.quarter_start_ts(minted)? <= now {
        let ix = stk_client::mint::mint_quarter(
            &solana_signer::Signer::pubkey(backend.payer()),
            minted,
            &mint_cfg.startup_fund_destination,
            &mint_cfg.distribution_destination,
        );
        PayoutEngine::new(backend, db, mint, settings.engine.clone())
            .submit_until_landed("mint_quarter", &[ix])
            .await?;
        tracing::info!(quarter = minted, "quarter minted");
        events.push(TickEvent::QuarterMinted(minted));
        minted += 1;
    }

    // 2. Ended stake locks (they would keep earning their multiplier until touched).
    let refreshed =
        crate::locks::refresh_ended_locks(backend, db, &mint, now, &settings.engine).await?;
    if !refreshed.is_empty() {
        events.push(TickEvent::LocksRefreshed(refreshed));
    }

    // 3. Months whose payout is due, oldest first.
    let Some(due) = settings.payout_time.latest_due_month(now, schedule.utc_offset_secs) else {
        return Ok(events);
    };
    let first = MonthId(schedule.start_month);
    let mut month = first;
    while month <= due && schedule.month_index(month).is_some() {
        if epoch_closed(db, month).await? {
            month = MonthId(month.0 + 1);
            continue;
        }
        if schedule.quarter_of_month(month).is_none_or(|q| q >= minted) {
            events.push(TickEvent::WaitingForQuarter(month));
            break;
        }
        let frozen: Option<(bool, String)> =
            sqlx::query_as("SELECT frozen, report_sha256 FROM monthly_reports WHERE month = $1")
                .bind(month.to_string())
                .fetch_optional(db)
                .await?;
        let sha = match frozen {
            Some((true, sha)) => sha,
            _ => {
                let outcome =
                    report::run(db, config, month, settings.report_dir.as_deref()).await?;
                events.push(TickEvent::ReportComputed { month, sha256: outcome.sha256.clone() });
                outcome.sha256
            }
        };
        if settings.require_approval {
            let approved: Option<String> =
                sqlx::query_scalar("SELECT report_sha256 FROM payout_approvals WHERE month = $1")
                    .bind(month.to_string())
                    .fetch_optional(db)
                    .await?;
            if approved.as_deref() != Some(sha.as_str()) {
                tracing::info!(%month, report = %sha, "waiting for `distributor approve --month {month}`");
                events.push(TickEvent::WaitingForApproval(month));
                break;
            }
        }
        let shape = PlanShape::choose(
            settings.lookup_tables,
            backend.supports_lookup_tables(),
            settings.engine.compute_unit_price,
        );
        freeze_and_plan(db, month, &mint, shape).await?;
        let summary = match PayoutEngine::new(backend, db, mint, settings.engine.clone())
            .with_crash(settings.crash.clone())
            .run(month)
            .await
        {
            Ok(s) => s,
            Err(e) => {
                metrics.failures.fetch_add(1, Ordering::Relaxed);
                return Err(e.into());
            }
        };
        metrics.months_paid.fetch_add(1, Ordering::Relaxed);
        metrics
            .batches_confirmed
            .fetch_add(summary.batches_confirmed_now as u64, Ordering::Relaxed);
        metrics.recipients_paid.fetch_add(summary.recipients as u64, Ordering::Relaxed);
        metrics.transactions_sent.fetch_add(summary.transactions_sent as u64, Ordering::Relaxed);
        metrics.lamports_spent.fetch_add(summary.lamports_spent, Ordering::Relaxed);
        metrics.last_success_unix.store(now.max(0) as u64, Ordering::Relaxed);
        tracing::info!(%month, recipients = summary.recipients, "month paid");
        events.push(TickEvent::Paid { month, summary });
        month = MonthId(month.0 + 1);
    }
    Ok(events)
}

/// Resolves when the process is asked to stop (SIGTERM or SIGINT), naming the signal.
async fn stop_signal() -> std::io::Result<&'static str> {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        let mut terminate = signal(SignalKind::terminate())?;
        let mut interrupt = signal(SignalKind::interrupt())?;
        tokio::select! {
            _ = terminate.recv() => Ok("SIGTERM"),
            _ = interrupt.recv() => Ok("SIGINT"),
        }
    }
    #[cfg(not(unix))]
    {
        tokio::signal::ctrl_c().await?;
        Ok("SIGINT")
    }
}

/// Ticks every `poll_interval` until SIGTERM or SIGINT; a failed tick is logged and counted,
/// and the next one resumes (all state is in Postgres and on-chain).
///
/// A signal stops the service at once, also in the middle of a tick (a payout waiting on a
/// slow RPC node, say): the tick is dropped exactly as if the process had been killed there,
/// which the payout engine is built for (write-ahead records, the on-chain bitmap) and tested
/// against; the next start resumes where it stopped.
pub async fn run<B: ChainBackend>(
    backend: &mut B,
    db: &PgPool,
    config: &Config,
    settings: &ServiceSettings,
    metrics: &Metrics,
) -> anyhow::Result<()> {
    let stop = stop_signal();
    tokio::pin!(stop);
    loop {
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs() as i64)
            .unwrap_or(0);
        let pass = async {
            match tick(backend, db, config, settings, metrics, now).await {
                Ok(events) => {
                    for event in events {
                        tracing::info!(?event, "service");
                    }
                }
                Err(e) => {
                    metrics.failures.fetch_add(1, Ordering::Relaxed);
                    tracing::error!(error = %format!("{e:#}"), "tick failed; retrying at the next interval");
                }
            }
            tokio::time::sleep(settings.poll_interval).await;
        };
        tokio::select! {
            _ = pass => {}
            signal = &mut stop => {
                let signal = signal?;
                tracing::info!(signal, "stopping; the next start resumes from Postgres and the chain");
                return Ok(());
            }
        }
    }
}
