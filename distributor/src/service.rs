//! The distributor service: one [`tick`] does everything that is due at `now`, and
//! [`run`] repeats it until SIGTERM/SIGINT. State lives in Postgres and on-chain, so the
//! service can be killed at any moment and started again.
//!
//! At start, [`run`] compares the configuration's emission schedule with `stk_mint`'s
//! on-chain one ([`check_schedule`]) and stops on a mismatch. After every pass it records
//! the pass's outcome, Postgres's and the RPC node's reachability and the payout backlog
//! ([`observe`]) for `/healthz` and `/metrics`.
//!
//! A tick, in order:
//! 1. cranks `stk_mint::mint_quarter` for every quarter that has started and is not minted
//!    (permissionless; the schedule and the counter are read from the mint's config account);
//! 2. refreshes the staking positions of members' wallets whose lock has ended while they
//!    still carry its multiplier (`crate::locks`), so they stop earning it;
//! 3. for every month of the schedule whose payout time has passed and whose epoch is not
//!    closed, oldest first (a month only after the previous one is complete): computes the
//!    report once (a report awaiting approval is never recomputed behind the operator's back;
//!    `distributor report` recomputes it and says so), waits for the operator's approval of
//!    that exact hash when `require_approval`, then freezes it and plans it in one
//!    transaction, and runs the exactly-once engine: it proposes the plan on-chain and waits
//!    for the admin's `approve_epoch` (the service never holds the admin key), then pays. A
//!    month with nothing payable completes without touching the chain. A month waits while
//!    its quarter is not minted yet.
use crate::{
    chain::{faults::CrashPlan, ChainBackend},
    config::Config,
    metrics::Metrics,
    payout::{
        approved::{self, ApprovalState},
        engine::{EngineError, EngineSettings, PayoutEngine, PayoutSummary},
        from_report::{freeze_and_plan, Approval, FreezeRequest},
        plan::PlanShape,
    },
    report,
    schedule_clock::PayoutTime,
};
use anchor_lang::{prelude::Pubkey, AccountDeserialize};
use sqlx::PgPool;
use std::{path::PathBuf, sync::atomic::Ordering, time::Duration};
use stk_common::{calendar::MonthId, schedule::ScheduleParams, seeds};
use stk_mint::state::MintConfig;

#[derive(Debug, Clone)]
pub struct ServiceSettings {
    pub payout_time: PayoutTime,
    pub require_approval: bool,
    /// Plan new months with address lookup tables when the backend supports them.
    pub lookup_tables: bool,
    /// Members without a token account in new months' plans (created, or left pending).
    pub token_accounts: crate::payout::plan::TokenAccountPolicy,
    pub engine: EngineSettings,
    pub report_dir: Option<PathBuf>,
    pub poll_interval: Duration,
    /// Fault injection for tests: where the payout engine stops as if killed. Empty (never
    /// fires) unless a test arms it.
    pub crash: CrashPlan,
    /// The operator cranks (genesis, fund deposits, fees; `crate::ops::cranks`). Off by
    /// default; `distributor run` turns them on.
    pub cranks: crate::ops::cranks::OperatorCranks,
}

impl Default for ServiceSettings {
    fn default() -> Self {
        ServiceSettings {
            payout_time: PayoutTime::default(),
            require_approval: true,
            lookup_tables: true,
            token_accounts: Default::default(),
            engine: EngineSettings::default(),
            report_dir: Some(PathBuf::from("reports")),
            poll_interval: Duration::from_secs(60),
            crash: CrashPlan::none(),
            cranks: Default::default(),
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
    /// The plan is on-chain; the admin has to run `distributor approve-epoch`.
    WaitingForPlanApproval {
        month: MonthId,
        plan_hash: String,
    },
    /// Nothing payable (no credit, or no credited member with a usable wallet): complete
    /// without a transaction.
    NothingToPay(MonthId),
    Paid {
        month: MonthId,
        summary: PayoutSummary,
    },
    /// Operator cranks (`ServiceSettings::cranks`).
    GenesisMinted,
    /// The startup fund's vault held unbooked deposits (a quarter's share, the fee split's).
    DepositsRecorded,
    FeesHarvested {
        accounts: usize,
        withheld: u64,
        split: bool,
    },
    /// Published quotes copied into Postgres for the monthly reports.
    QuotesCaptured(usize),
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

/// Whether the month is complete: its epoch closed and its unpaid lines carried, or nothing
/// to pay.
async fn month_done(db: &PgPool, month: MonthId) -> anyhow::Result<bool> {
    let state: Option<(String, bool)> =
        sqlx::query_as("SELECT state, unpaid_carried FROM payout_epochs WHERE month = $1")
            .bind(month.to_string())
            .fetch_optional(db)
            .await?;
    Ok(matches!(state, Some((s, carried)) if s == "empty" || (s == "closed" && carried)))
}

/// Cranks `stk_mint::mint_quarter` for every quarter of `schedule` that has started by `now`
/// and is not minted yet (permissionless), oldest first; returns the quarters minted now.
pub async fn crank_quarters<B: ChainBackend>(
    backend: &mut B,
    db: &PgPool,
    schedule: &stk_common::schedule::ScheduleParams,
    mint_cfg: &MintConfig,
    engine: &EngineSettings,
    now: i64,
) -> anyhow::Result<Vec<u16>> {
    let mut minted_now = vec![];
    let mut minted = mint_cfg.quarters_minted;
    while minted < schedule.num_quarters && schedule.quarter_start_ts(minted)? <= now {
        let ix = stk_client::mint::mint_quarter(
            &solana_signer::Signer::pubkey(backend.payer()),
            minted,
            &mint_cfg.startup_fund_destination,
            &mint_cfg.distribution_destination,
        );
        PayoutEngine::new(backend, db, mint_cfg.mint, engine.clone())
            .submit_until_landed("mint_quarter", &[ix])
            .await?;
        tracing::info!(quarter = minted, "quarter minted");
        minted_now.push(minted);
        minted += 1;
    }
    Ok(minted_now)
}

/// `distributor crank`: the permissionless mints that are due at `now` — the genesis
/// allocation (once) and every started quarter — as the service's first step does, for an
/// operator without the service (and the localnet's scripts). Returns (genesis minted now,
/// quarters minted now).
pub async fn crank<B: ChainBackend>(
    backend: &mut B,
    db: &PgPool,
    engine: &EngineSettings,
    now: i64,
) -> anyhow::Result<(bool, Vec<u16>)> {
    let mint_cfg = mint_config(backend).await?;
    let genesis = !mint_cfg.genesis_minted;
    if genesis {
        let ix = stk_client::mint::mint_genesis(
            &solana_signer::Signer::pubkey(backend.payer()),
            &mint_cfg.genesis_destination,
        );
        PayoutEngine::new(backend, db, mint_cfg.mint, engine.clone())
            .submit_until_landed("mint_genesis", &[ix])
            .await?;
        tracing::info!("genesis allocation minted");
    }
    // The schedule the mint enforces (the configuration's must equal it; `init` wrote it).
    let schedule = mint_cfg.schedule;
    let quarters = crank_quarters(backend, db, &schedule, &mint_cfg, engine, now).await?;
    Ok((genesis, quarters))
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

    if settings.cranks.genesis
        && !mint_cfg.genesis_minted
        && crate::ops::cranks::genesis(backend).await?
    {
        events.push(TickEvent::GenesisMinted);
    }

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
        // Each quarter's deposit locks from its own crank, also when catching up.
        if settings.cranks.record_deposits && crate::ops::cranks::record_deposits(backend).await? {
            events.push(TickEvent::DepositsRecorded);
        }
        minted += 1;
    }
    // Operator cranks: deposits that arrived otherwise (or whose crank failed), then fees. A
    // failing fee crank is retried at the next pass and never holds up a payout.
    if settings.cranks.record_deposits && crate::ops::cranks::record_deposits(backend).await? {
        events.push(TickEvent::DepositsRecorded);
    }
    if let Some(interval) = settings.cranks.fee_interval {
        match crate::ops::cranks::fees_if_due(backend, db, interval, now).await {
            Ok(Some(crate::ops::cranks::FeeRun { accounts, withheld, split })) => {
                events.push(TickEvent::FeesHarvested { accounts, withheld, split })
            }
            Ok(None) => {}
            Err(error) => tracing::warn!(%error, "fee crank failed; retried at the next pass"),
        }
    }
    if settings.cranks.capture_quotes {
        match crate::ops::quote::capture(backend, db).await {
            Ok(0) => {}
            Ok(n) => events.push(TickEvent::QuotesCaptured(n)),
            Err(error) => tracing::warn!(%error, "capturing quotes failed; retried next pass"),
        }
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
        if month_done(db, month).await? {
            month = MonthId(month.0 + 1);
            continue;
        }
        if schedule.quarter_of_month(month).is_none_or(|q| q >= minted) {
            events.push(TickEvent::WaitingForQuarter(month));
            break;
        }
        let mut state = approved::state(db, month).await?;
        if state == ApprovalState::NoReport {
            let outcome = report::run(db, config, month, settings.report_dir.as_deref()).await?;
            tracing::info!(%month, sha256 = %outcome.sha256, "report computed; review it and run `distributor approve --month {month} --sha256 {}`", outcome.sha256);
            events.push(TickEvent::ReportComputed { month, sha256: outcome.sha256.clone() });
            state = approved::state(db, month).await?;
        }
        if let ApprovalState::Awaiting { current, stale_approval } = &state {
            if settings.require_approval {
                match stale_approval {
                    Some(old) => tracing::warn!(%month, approved = %old, current = %current,
                        "the approved report is no longer the current one (recomputed): approve the new one with `distributor approve --month {month} --sha256 {current}`"),
                    None => tracing::info!(%month, report = %current,
                        "waiting for `distributor approve --month {month} --sha256 {current}`"),
                }
                events.push(TickEvent::WaitingForApproval(month));
                break;
            }
        }
        // Sized for the highest price the backend's priority-fee policy may pay.
        let shape = PlanShape::choose(
            settings.lookup_tables,
            backend.supports_lookup_tables(),
            backend.priority_fee().max_price(),
        )
        .with_token_accounts(settings.token_accounts);
        let request = FreezeRequest {
            month,
            first_month: first,
            mint,
            shape,
            approval: if settings.require_approval {
                Approval::Required
            } else {
                Approval::NotRequired
            },
        };
        let planned = freeze_and_plan(db, backend, request).await?;
        let outcome = PayoutEngine::new(backend, db, mint, settings.engine.clone())
            .with_crash(settings.crash.clone())
            .run(month)
            .await;
        let summary = match outcome {
            Ok(s) => s,
            Err(EngineError::AwaitingApproval { month, plan_hash }) => {
                tracing::info!(%month, %plan_hash, "waiting for `distributor approve-epoch --month {month} --plan-hash {plan_hash}`");
                events.push(TickEvent::WaitingForPlanApproval { month, plan_hash });
                break;
            }
            Err(e) => {
                metrics.failures.fetch_add(1, Ordering::Relaxed);
                return Err(e.into());
            }
        };
        metrics.last_success_unix.store(now.max(0) as u64, Ordering::Relaxed);
        if planned.batches == 0 {
            tracing::info!(%month, excluded = planned.excluded, "nothing payable: month complete without a transaction");
            events.push(TickEvent::NothingToPay(month));
            month = MonthId(month.0 + 1);
            continue;
        }
        metrics.months_paid.fetch_add(1, Ordering::Relaxed);
        metrics
            .batches_confirmed
            .fetch_add(summary.batches_confirmed_now as u64, Ordering::Relaxed);
        metrics.recipients_paid.fetch_add(summary.recipients as u64, Ordering::Relaxed);
        metrics.transactions_sent.fetch_add(summary.transactions_sent as u64, Ordering::Relaxed);
        metrics.lamports_spent.fetch_add(summary.lamports_spent, Ordering::Relaxed);
        tracing::info!(%month, recipients = summary.recipients, carried = summary.recipients_carried, "month paid");
        events.push(TickEvent::Paid { month, summary });
        month = MonthId(month.0 + 1);
    }
    Ok(events)
}

/// The fields in which the configuration's emission schedule differs from `stk_mint`'s
/// on-chain one, each as `emission.<key>: configuration X, on-chain Y` (empty: they agree).
pub fn schedule_differences(config: &ScheduleParams, onchain: &ScheduleParams) -> Vec<String> {
    let month = |m: u32| MonthId(m).to_string();
    let fields: [(&str, String, String); 9] = [
        ("start_month", month(config.start_month), month(onchain.start_month)),
        (
            "utc_offset_secs",
            config.utc_offset_secs.to_string(),
            onchain.utc_offset_secs.to_string(),
        ),
        (
            "months_per_quarter",
            config.months_per_quarter.to_string(),
            onchain.months_per_quarter.to_string(),
        ),
        ("num_quarters", config.num_quarters.to_string(), onchain.num_quarters.to_string()),
        ("decay_num", config.decay_num.to_string(), onchain.decay_num.to_string()),
        ("decay_den", config.decay_den.to_string(), onchain.decay_den.to_string()),
        ("genesis_bps", config.genesis_bps.to_string(), onchain.genesis_bps.to_string()),
        (
            "startup_fund_bps",
            config.startup_fund_bps.to_string(),
            onchain.startup_fund_bps.to_string(),
        ),
        // The cap in base units follows from `emission.decimals`.
        ("decimals (cap in base units)", config.cap.to_string(), onchain.cap.to_string()),
    ];
    fields
        .into_iter()
        .filter(|(_, c, o)| c != o)
        .map(|(key, c, o)| format!("emission.{key}: configuration {c}, on-chain {o}"))
        .collect()
}

/// Reads `stk_mint`'s schedule and compares it with the configuration's: `Ok(None)` when they
/// agree, `Ok(Some(message))` naming every differing field when they do not (the reports'
/// pools would not be what the mint emits), `Err` when the mint cannot be read.
pub async fn check_schedule<B: ChainBackend>(
    backend: &mut B,
    config: &Config,
) -> anyhow::Result<Option<String>> {
    let onchain = mint_config(backend).await?;
    let mut differences = schedule_differences(&config.schedule(), &onchain.schedule);
    if onchain.decimals != config.emission.decimals {
        differences.push(format!(
            "emission.decimals: configuration {}, on-chain {}",
            config.emission.decimals, onchain.decimals
        ));
    }
    Ok((!differences.is_empty()).then(|| {
        format!(
            "the configuration's emission schedule differs from stk_mint's on-chain schedule ({}): {}; \
             correct [emission] in the configuration",
            seeds::find_mint_config(),
            differences.join("; ")
        )
    }))
}

/// What the health endpoint and the gauges report after a pass: whether the pass succeeded,
/// whether Postgres and the RPC node answer, the distributor's SOL balance, the months waiting
/// for `approve` and the unconfirmed batches. A failed probe is logged and reported, never an
/// error of its own.
pub async fn observe<B: ChainBackend>(
    backend: &mut B,
    db: &PgPool,
    metrics: &Metrics,
    pass_ok: bool,
    now: i64,
) {
    let payer = solana_signer::Signer::pubkey(backend.payer());
    let rpc = match backend.balance(&payer).await {
        Ok(lamports) => Some(lamports),
        Err(e) => {
            tracing::warn!(error = %e, "health: the RPC node does not answer");
            None
        }
    };
    let postgres = match payout_backlog(db).await {
        Ok(backlog) => Some(backlog),
        Err(e) => {
            tracing::warn!(error = %format!("{e:#}"), "health: Postgres does not answer");
            None
        }
    };
    metrics.record_pass(crate::metrics::PassObservation {
        pass_ok,
        at_unix: now,
        sol_balance_lamports: rpc,
        backlog: postgres,
    });
}

/// Months awaiting approval and unconfirmed batches, from Postgres.
async fn payout_backlog(db: &PgPool) -> anyhow::Result<crate::metrics::Backlog> {
    // A computed report, not frozen, whose exact SHA-256 nobody approved yet.
    let (months_awaiting_approval,): (i64,) = sqlx::query_as(
        "SELECT count(*) FROM monthly_reports r
         WHERE NOT r.frozen AND NOT EXISTS (
             SELECT 1 FROM payout_approvals a
             WHERE a.month = r.month AND a.report_sha256 = r.report_sha256)",
    )
    .fetch_one(db)
    .await?;
    // A batch exists from its plan's creation; its age is the plan's.
    let (unconfirmed, oldest_age): (i64, i64) = sqlx::query_as(
        "SELECT count(*), COALESCE(EXTRACT(EPOCH FROM now() - min(e.created_at)), 0)::bigint
         FROM payout_batches b JOIN payout_epochs e ON e.month = b.month
         WHERE b.state <> 'confirmed'",
    )
    .fetch_one(db)
    .await?;
    Ok(crate::metrics::Backlog {
        months_awaiting_approval: months_awaiting_approval.max(0) as u64,
        batches_unconfirmed: unconfirmed.max(0) as u64,
        oldest_unconfirmed_batch_age_seconds: oldest_age.max(0) as u64,
    })
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
    // The schedule must be stk_mint's: a mismatch stops the service; a mint that cannot be
    // read (node down, not initialized yet) is retried.
    let checked = async {
        loop {
            match check_schedule(backend, config).await {
                Ok(None) => return Ok(()),
                Ok(Some(mismatch)) => return Err(anyhow::anyhow!(mismatch)),
                Err(e) => {
                    metrics.failures.fetch_add(1, Ordering::Relaxed);
                    tracing::error!(error = %format!("{e:#}"), "cannot read stk_mint's schedule; retrying");
                    tokio::time::sleep(settings.poll_interval).await;
                }
            }
        }
    };
    tokio::select! {
        checked = checked => checked?,
        signal = &mut stop => {
            let signal = signal?;
            tracing::info!(signal, "stopping; the next start resumes from Postgres and the chain");
            return Ok(());
        }
    }
    tracing::info!("configuration schedule matches stk_mint's");
    loop {
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs() as i64)
            .unwrap_or(0);
        let pass = async {
            let pass_ok = match tick(backend, db, config, settings, metrics, now).await {
                Ok(events) => {
                    for event in events {
                        tracing::info!(?event, "service");
                    }
                    true
                }
                Err(e) => {
                    metrics.failures.fetch_add(1, Ordering::Relaxed);
                    tracing::error!(error = %format!("{e:#}"), "tick failed; retrying at the next interval");
                    false
                }
            };
            observe(backend, db, metrics, pass_ok, now).await;
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
