//! The service's start and health checks on the embedded ledger and the real Postgres: the
//! configuration's schedule against `stk_mint`'s, and what `/healthz` and the gauges report
//! after a pass (reachability, SOL balance, months awaiting approval, unconfirmed batches).
mod common;

use common::*;
use solana_signer::Signer;
use std::sync::atomic::Ordering;
use stk_common::calendar::MonthId;
use stk_distributor::{
    chain::{
        embedded::EmbeddedBackend,
        faults::{CrashPlan, CrashPoint},
        ChainBackend,
    },
    config::Config,
    metrics::Metrics,
    service::{check_schedule, observe, run, tick, ServiceSettings, TickEvent},
};
use stk_harness::{
    treasury::{TreasurySetup, TreasurySetupArgs},
    Ledger,
};

/// Two paying members active in January 2027, and STK with the treasury on a fresh embedded
/// ledger (the schedule of `config`), paid by the distributor key.
async fn setup(tag: &str, config: &Config) -> (TestDb, EmbeddedBackend) {
    let db = TestDb::new(tag).await;
    for (id, wallet) in [(1, WALLET_A), (2, WALLET_B)] {
        db.member(id, "2027-01-04", Some("2027-06-30"), Some(wallet)).await;
        db.daily_lessons(id, "2027-01-04", 20).await;
    }
    let mut ledger = Ledger::start().await;
    let mut args = TreasurySetupArgs::default();
    args.mint.schedule = config.schedule();
    // The distributor key is its own (the treasury refuses admin == distributor).
    let distributor = args.distributor.insecure_clone();
    TreasurySetup::initialize(&mut ledger, args).await;
    (db, EmbeddedBackend::with_payer(ledger, distributor))
}

#[tokio::test]
async fn a_schedule_differing_from_stk_mint_stops_the_service() {
    let config = Config::default_config();
    let (db, mut backend) = setup("schedule", &config).await;
    assert_eq!(check_schedule(&mut backend, &config).await.unwrap(), None);

    let mut other = config.clone();
    other.emission.decay_num = 96;
    other.emission.genesis_bps = 900;
    other.validate().unwrap();
    let mismatch = check_schedule(&mut backend, &other).await.unwrap().expect("a mismatch");
    for expected in [
        "emission.decay_num: configuration 96, on-chain 95",
        "emission.genesis_bps: configuration 900, on-chain 1000",
    ] {
        assert!(mismatch.contains(expected), "{mismatch}");
    }
    assert!(!mismatch.contains("start_month"), "only the differing fields: {mismatch}");

    // `run` stops at once with that error, before any pass.
    let settings = ServiceSettings { report_dir: None, ..ServiceSettings::default() };
    let metrics = Metrics::default();
    let err = run(&mut backend, &db.pool, &other, &settings, &metrics).await.unwrap_err();
    assert_eq!(err.to_string(), mismatch);
    assert_eq!(metrics.passes.load(Ordering::Relaxed), 0);
    db.drop_db().await;
}

#[tokio::test]
async fn health_and_gauges_follow_the_passes() {
    let config = Config::default_config();
    let (db, mut backend) = setup("health", &config).await;
    let jan = MonthId::new(2027, 1).unwrap();
    // The admin (the ledger's payer) approves the plan the service proposes.
    let admin = std::sync::Arc::new(backend.ledger.ctx.payer.insecure_clone());
    let engine = stk_distributor::payout::engine::EngineSettings {
        approver: Some(stk_distributor::payout::engine::Approver(admin)),
        ..Default::default()
    };
    let settings = ServiceSettings { report_dir: None, engine, ..ServiceSettings::default() };
    let metrics = Metrics::default();
    let due = settings.payout_time.due_at(jan, config.schedule().utc_offset_secs);
    backend.ledger.warp_to_timestamp(due).await;

    // January is computed and waits for its approval.
    let events = tick(&mut backend, &db.pool, &config, &settings, &metrics, due).await.unwrap();
    assert_eq!(events.last(), Some(&TickEvent::WaitingForApproval(jan)));
    observe(&mut backend, &db.pool, &metrics, true, due).await;
    let payer = backend.payer().pubkey();
    let lamports = backend.balance(&payer).await.unwrap();
    assert!(lamports > 0);
    let gauge = |g: &std::sync::atomic::AtomicU64| g.load(Ordering::Relaxed);
    assert_eq!(gauge(&metrics.sol_balance_lamports), lamports);
    assert_eq!(gauge(&metrics.months_awaiting_approval), 1);
    assert_eq!(gauge(&metrics.batches_unconfirmed), 0);
    assert_eq!(gauge(&metrics.last_pass_unix), due as u64);
    let (healthy, body) = metrics.health();
    assert!(healthy, "{body}");
    let rendered = metrics.render();
    assert!(rendered.contains(&format!("stk_distributor_sol_balance_lamports {lamports}\n")));
    assert!(rendered.contains("stk_distributor_months_awaiting_approval 1\n"), "{rendered}");

    // Approved, then the payout dies after sending its first batch: the month no longer
    // waits for approval, a batch is unconfirmed, and the failed pass makes it unhealthy.
    let sha: String =
        sqlx::query_scalar("SELECT report_sha256 FROM monthly_reports WHERE month = '2027-01'")
            .fetch_one(&db.pool)
            .await
            .unwrap();
    sqlx::query("INSERT INTO payout_approvals (month, report_sha256, approved_by) VALUES ('2027-01', $1, 'test')")
        .bind(&sha)
        .execute(&db.pool)
        .await
        .unwrap();
    let crashing = ServiceSettings {
        crash: CrashPlan::at(CrashPoint::AfterBatchSent(0)),
        lookup_tables: false,
        ..settings.clone()
    };
    tick(&mut backend, &db.pool, &config, &crashing, &metrics, due + 60).await.unwrap_err();
    observe(&mut backend, &db.pool, &metrics, false, due + 60).await;
    assert_eq!(gauge(&metrics.months_awaiting_approval), 0);
    assert!(gauge(&metrics.batches_unconfirmed) >= 1);
    let (healthy, body) = metrics.health();
    assert!(!healthy && body.contains("last pass: failed"), "{body}");
    assert!(gauge(&metrics.sol_balance_lamports) < lamports, "fees were paid");

    // The restarted pass pays: healthy again, nothing unconfirmed.
    let events =
        tick(&mut backend, &db.pool, &config, &settings, &metrics, due + 120).await.unwrap();
    assert!(matches!(events.last(), Some(TickEvent::Paid { .. })), "{events:?}");
    observe(&mut backend, &db.pool, &metrics, true, due + 120).await;
    assert_eq!(gauge(&metrics.batches_unconfirmed), 0);
    assert_eq!(gauge(&metrics.oldest_unconfirmed_batch_age_seconds), 0);
    assert!(metrics.health().0, "{}", metrics.health().1);

    // Postgres gone: unhealthy, and it says so.
    db.pool.close().await;
    observe(&mut backend, &db.pool, &metrics, true, due + 180).await;
    let (healthy, body) = metrics.health();
    assert!(!healthy && body.contains("postgres: unreachable"), "{body}");
    assert_eq!(gauge(&metrics.postgres_up), 0);
    db.drop_db().await;
}
