//! The service loop over a simulated calendar, on the embedded ledger and the real Postgres:
//! quarter cranks, the payout time of a month, waiting for the report's approval, proposing
//! the plan and waiting for the admin's on-chain approval, paying, restarting.
mod common;

use anchor_lang::prelude::Pubkey;
use common::TestDb;
use solana_keypair::Keypair;
use sqlx::Row;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use stk_common::calendar::MonthId;
use stk_distributor::{
    chain::{
        embedded::EmbeddedBackend,
        faults::{CrashPlan, CrashPoint},
    },
    config::Config,
    metrics::Metrics,
    payout::{
        admin::{approve_epoch, AdminError, ApproveOutcome},
        engine::Approver,
    },
    progress::PayoutProgress,
    seed::{self, SeedArgs},
    service::{tick, ServiceSettings, TickEvent},
};
use stk_harness::{
    treasury::{TreasurySetup, TreasurySetupArgs},
    Ledger,
};

/// A seeded community (January–February 2027), STK and the treasury on a fresh embedded
/// ledger; the backend signs as the distributor, the ledger's payer is the admin (returned).
async fn community(
    tag: &str,
    members: u64,
    events: u64,
) -> (TestDb, Config, EmbeddedBackend, TreasurySetup, Arc<Keypair>) {
    let db = TestDb::new(tag).await;
    let config = Config::default_config();
    let args = SeedArgs {
        members,
        events,
        seed: 3,
        from: "2027-01".into(),
        months: 2,
        bad: 0,
        free_users: 20,
    };
    seed::seed(&db.pool, &config, &args).await.unwrap();
    let mut ledger = Ledger::start().await;
    let admin = Arc::new(ledger.ctx.payer.insecure_clone());
    let mut setup = TreasurySetupArgs::default();
    setup.mint.schedule = config.schedule();
    let treasury = TreasurySetup::initialize(&mut ledger, setup).await;
    let backend = EmbeddedBackend::with_payer(ledger, treasury.distributor.insecure_clone());
    (db, config, backend, treasury, admin)
}

/// Every payable allocation of `month` is on the member's token account, exactly.
async fn assert_paid_exactly(
    db: &TestDb,
    backend: &mut EmbeddedBackend,
    mint: &Pubkey,
    month: MonthId,
) {
    let rows =
        sqlx::query("SELECT wallet, payable FROM allocations WHERE month = $1 AND payable > 0")
            .bind(month.to_string())
            .fetch_all(&db.pool)
            .await
            .unwrap();
    assert!(!rows.is_empty());
    for row in rows {
        let wallet: String = row.get("wallet");
        let payable: i64 = row.get("payable");
        let account = stk_client::ata(&wallet.parse().unwrap(), mint);
        assert_eq!(backend.ledger.token_amount(&account).await, payable as u64, "{wallet}");
    }
}

#[tokio::test]
async fn the_service_follows_the_calendar_waits_for_approval_and_pays_once() {
    let (db, config, mut backend, treasury, admin) = community("service", 60, 4_000).await;
    let mint = treasury.mint();
    let settings = ServiceSettings { report_dir: None, ..ServiceSettings::default() };
    let metrics = Metrics::default();
    let schedule = config.schedule();
    let offset = schedule.utc_offset_secs;
    let jan = MonthId::new(2027, 1).unwrap();
    let feb = MonthId::new(2027, 2).unwrap();

    // Mid-January: quarter 0 has started and is cranked; no month is due yet.
    let t = jan.start_ts(offset) + 14 * 86_400;
    backend.ledger.warp_to_timestamp(t).await;
    let events = tick(&mut backend, &db.pool, &config, &settings, &metrics, t).await.unwrap();
    assert_eq!(events, vec![TickEvent::QuarterMinted(0)]);

    // A minute before January's payout time: nothing.
    let due = settings.payout_time.due_at(jan, offset);
    backend.ledger.warp_to_timestamp(due - 60).await;
    let events =
        tick(&mut backend, &db.pool, &config, &settings, &metrics, due - 60).await.unwrap();
    assert!(events.is_empty(), "{events:?}");

    // At the payout time: the report is computed, then the service waits for approval, also
    // after a restart (a new tick), and pays nothing meanwhile.
    backend.ledger.warp_to_timestamp(due).await;
    let events = tick(&mut backend, &db.pool, &config, &settings, &metrics, due).await.unwrap();
    let sha = match &events[..] {
        [TickEvent::ReportComputed { month, sha256 }, TickEvent::WaitingForApproval(waiting)]
            if *month == jan && *waiting == jan =>
        {
            sha256.clone()
        }
        other => panic!("unexpected events {other:?}"),
    };
    let events =
        tick(&mut backend, &db.pool, &config, &settings, &metrics, due + 60).await.unwrap();
    assert_eq!(events.last(), Some(&TickEvent::WaitingForApproval(jan)));
    let vault = treasury.addresses.distribution_vault;
    let vault_before = backend.ledger.token_amount(&vault).await;

    // An approval of another report does not count; the right one does.
    sqlx::query("INSERT INTO payout_approvals (month, report_sha256, approved_by) VALUES ($1, 'stale', 'test')")
        .bind(jan.to_string())
        .execute(&db.pool)
        .await
        .unwrap();
    let events =
        tick(&mut backend, &db.pool, &config, &settings, &metrics, due + 120).await.unwrap();
    assert_eq!(events.last(), Some(&TickEvent::WaitingForApproval(jan)));
    assert_eq!(backend.ledger.token_amount(&vault).await, vault_before, "nothing paid unapproved");
    sqlx::query("UPDATE payout_approvals SET report_sha256 = $2 WHERE month = $1")
        .bind(jan.to_string())
        .bind(&sha)
        .execute(&db.pool)
        .await
        .unwrap();
    // The approved report is frozen and planned; the plan is proposed on-chain, and the
    // service waits for the admin (it never holds the admin key), also across ticks.
    let events =
        tick(&mut backend, &db.pool, &config, &settings, &metrics, due + 180).await.unwrap();
    let plan_hash = match events.last() {
        Some(TickEvent::WaitingForPlanApproval { month, plan_hash }) if *month == jan => {
            plan_hash.clone()
        }
        other => panic!("unexpected events {events:?} ({other:?})"),
    };
    let events =
        tick(&mut backend, &db.pool, &config, &settings, &metrics, due + 200).await.unwrap();
    assert!(matches!(events.last(), Some(TickEvent::WaitingForPlanApproval { .. })), "{events:?}");
    assert_eq!(backend.ledger.token_amount(&vault).await, vault_before, "nothing paid unapproved");

    // The admin approves: another hash is refused before anything is signed; the right one
    // (recomputed from Postgres) is signed.
    let wrong = "ab".repeat(32);
    match approve_epoch(&mut backend, &db.pool, jan, &wrong, &admin, false).await {
        Err(AdminError::HashMismatch { .. }) => {}
        other => panic!("expected a refusal, got {other:?}"),
    }
    let dry = approve_epoch(&mut backend, &db.pool, jan, &plan_hash, &admin, true).await.unwrap();
    assert!(matches!(dry, ApproveOutcome::WouldApprove { .. }), "{dry:?}");
    let done = approve_epoch(&mut backend, &db.pool, jan, &plan_hash, &admin, false).await.unwrap();
    assert_eq!(done, ApproveOutcome::Approved { signature_sent: true });
    let events =
        tick(&mut backend, &db.pool, &config, &settings, &metrics, due + 240).await.unwrap();
    assert!(
        matches!(events.last(), Some(TickEvent::Paid { month, .. }) if *month == jan),
        "{events:?}"
    );

    // Every payable allocation is on-chain, exactly, and the progress shows it all confirmed.
    assert_paid_exactly(&db, &mut backend, &mint, jan).await;
    let progress = PayoutProgress::read(&db.pool, jan).await.unwrap();
    assert!(progress.batches > 0);
    assert_eq!((progress.confirmed, progress.sent), (progress.batches, 0));
    let payable: i64 =
        sqlx::query_scalar("SELECT count(*) FROM allocations WHERE month = $1 AND payable > 0")
            .bind(jan.to_string())
            .fetch_one(&db.pool)
            .await
            .unwrap();
    assert_eq!(progress.recipients_confirmed, payable as u64);
    // The epoch's open and close signatures were recorded (write-ahead) for the operator.
    let (open_sig, close_sig): (Option<String>, Option<String>) = sqlx::query_as(
        "SELECT open_signature, close_signature FROM payout_epochs WHERE month = $1",
    )
    .bind(jan.to_string())
    .fetch_one(&db.pool)
    .await
    .unwrap();
    for signature in [open_sig, close_sig] {
        let signature = signature.expect("signature recorded");
        assert!(signature.parse::<solana_signature::Signature>().is_ok(), "{signature}");
    }
    assert_eq!(metrics.months_paid.load(Ordering::Relaxed), 1);
    let spent = metrics.lamports_spent.load(Ordering::Relaxed);
    assert!(spent > 0, "fees and rent of the payout are counted");

    // After the payout, a restart finds nothing to do for January.
    let events =
        tick(&mut backend, &db.pool, &config, &settings, &metrics, due + 3_600).await.unwrap();
    assert!(events.is_empty(), "{events:?}");

    // April: quarter 1 is cranked; February is due, computed and waits for its approval.
    let april = schedule.quarter_start_ts(1).unwrap() + 7 * 3_600;
    backend.ledger.warp_to_timestamp(april).await;
    let events = tick(&mut backend, &db.pool, &config, &settings, &metrics, april).await.unwrap();
    assert_eq!(events.first(), Some(&TickEvent::QuarterMinted(1)));
    assert!(
        matches!(events.get(1), Some(TickEvent::ReportComputed { month, .. }) if *month == feb)
    );
    assert_eq!(events.last(), Some(&TickEvent::WaitingForApproval(feb)));
    db.drop_db().await;
}

/// The process dies in the middle of a payout (after a batch was sent, before it was recorded
/// as confirmed); a restarted service — new backend connection, new metrics — finishes the
/// month, and every member holds exactly the reported amount.
#[tokio::test]
async fn a_service_restarted_mid_payout_finishes_the_month_exactly_once() {
    let (db, config, backend, treasury, admin) = community("service_restart", 120, 8_000).await;
    let mint = treasury.mint();
    let schedule = config.schedule();
    let jan = MonthId::new(2027, 1).unwrap();
    let settings = ServiceSettings {
        report_dir: None,
        require_approval: false,
        // The embedded test signs the admin's approval itself.
        engine: stk_distributor::payout::engine::EngineSettings {
            approver: Some(Approver(admin)),
            ..Default::default()
        },
        // Legacy batches of 19, so that the month has several and the crash falls mid-way.
        lookup_tables: false,
        crash: CrashPlan::at(CrashPoint::AfterBatchSent(2)),
        ..ServiceSettings::default()
    };
    let due = settings.payout_time.due_at(jan, schedule.utc_offset_secs);
    let mut backend = backend;
    backend.ledger.warp_to_timestamp(due).await;
    let metrics = Metrics::default();

    // First life: the quarter is cranked, the report computed, and the payout dies mid-way.
    let err = tick(&mut backend, &db.pool, &config, &settings, &metrics, due).await.unwrap_err();
    assert!(format!("{err:#}").contains("AfterBatchSent(2)"), "{err:#}");
    assert_eq!(metrics.failures.load(Ordering::Relaxed), 1);
    let progress = PayoutProgress::read(&db.pool, jan).await.unwrap();
    assert!(progress.batches > 3, "the month needs several batches: {progress:?}");
    assert_eq!(progress.confirmed, 2, "{progress:?}");
    assert_eq!(progress.sent, 1, "batch 2 was sent, its outcome not yet recorded");
    // Batches 0..=2 landed (2 without its record), and nobody after them was paid.
    let planned =
        sqlx::query("SELECT batch_index, wallet, amount FROM payout_recipients WHERE month = $1")
            .bind(jan.to_string())
            .fetch_all(&db.pool)
            .await
            .unwrap();
    for row in planned {
        let wallet: String = row.get("wallet");
        let account = stk_client::ata(&wallet.parse().unwrap(), &mint);
        let expected = if row.get::<i32, _>("batch_index") <= 2 { row.get("amount") } else { 0i64 };
        assert_eq!(backend.ledger.token_amount(&account).await, expected as u64, "{wallet}");
    }

    // Second life: a new process has a new connection (no status cache) and new metrics.
    let (ledger, payer) = backend.into_parts();
    let mut backend = EmbeddedBackend::with_payer(ledger, payer.expect("the distributor key"));
    let metrics = Metrics::default();
    let settings = ServiceSettings { crash: CrashPlan::none(), ..settings };
    let events =
        tick(&mut backend, &db.pool, &config, &settings, &metrics, due + 60).await.unwrap();
    let summary = match events.last() {
        Some(TickEvent::Paid { month, summary }) if *month == jan => summary.clone(),
        other => panic!("unexpected events {other:?}"),
    };
    assert!(!summary.epoch_opened_now, "the epoch was opened by the first life");
    assert_eq!(
        summary.batches_confirmed_now as u64,
        progress.batches - 2,
        "batch 2 is confirmed from the bitmap, the rest are paid now"
    );
    assert_paid_exactly(&db, &mut backend, &mint, jan).await;
    let progress = PayoutProgress::read(&db.pool, jan).await.unwrap();
    assert_eq!((progress.confirmed, progress.sent), (progress.batches, 0));
    assert_eq!(metrics.months_paid.load(Ordering::Relaxed), 1);

    // A third start the same day does nothing.
    let events =
        tick(&mut backend, &db.pool, &config, &settings, &metrics, due + 120).await.unwrap();
    assert!(events.is_empty(), "{events:?}");
    db.drop_db().await;
}

/// Ended stake locks stop earning their multiplier because the service refreshes them
/// (`stk_distributor::locks`; stk_staking README, "Lock expiry"): a member's position whose
/// lock ended is refreshed to 1× by the next tick, a still-locked one is left alone, a wallet
/// the community does not know is not the service's business, and a second tick sends nothing.
#[tokio::test]
async fn the_service_refreshes_ended_stake_locks_so_they_stop_earning_their_multiplier() {
    use solana_signer::Signer;
    use stk_harness::staking::{StakingSetup, StakingSetupArgs};
    const STK: u64 = 1_000_000;
    let db = TestDb::new("locks").await;
    let mut config = Config::default_config();
    // No month of this schedule is due or started: the ticks below only look after staking.
    config.emission.start_month = "2030-01".into();
    let settings = ServiceSettings { report_dir: None, ..ServiceSettings::default() };
    let metrics = Metrics::default();
    let mut ledger = Ledger::start().await;
    let s = StakingSetup::initialize(&mut ledger, StakingSetupArgs::default()).await;
    let (alice, _) = s.wallet(&mut ledger, 1_000 * STK).await;
    let (bob, _) = s.wallet(&mut ledger, 1_000 * STK).await;
    let (stranger, _) = s.wallet(&mut ledger, 1_000 * STK).await;
    Ledger::ok(s.stake(&mut ledger, &alice, 500 * STK, 1).await); // 90 days, 1.25×
    Ledger::ok(s.stake(&mut ledger, &bob, 500 * STK, 3).await); // 365 days, 2×
    Ledger::ok(s.stake(&mut ledger, &stranger, 500 * STK, 1).await);
    db.member(1, "2027-01-01", None, Some(&alice.pubkey().to_string())).await;
    db.member(2, "2027-01-01", None, Some(&bob.pubkey().to_string())).await;
    db.member(3, "2027-01-01", None, Some("not-a-wallet")).await;
    let alice_end = s.position(&mut ledger, &alice.pubkey()).await.lock_end_ts;
    let mut backend = EmbeddedBackend::new(ledger);

    // Still locked: nothing to do.
    let now = backend.ledger.now().await;
    let events = tick(&mut backend, &db.pool, &config, &settings, &metrics, now).await.unwrap();
    assert_eq!(events, vec![]);

    // Alice's lock (and the stranger's) ended; Bob's did not.
    backend.ledger.warp_to_timestamp(alice_end + 1).await;
    let now = backend.ledger.now().await;
    let events = tick(&mut backend, &db.pool, &config, &settings, &metrics, now).await.unwrap();
    assert_eq!(events, vec![TickEvent::LocksRefreshed(vec![alice.pubkey()])]);
    let a = s.position(&mut backend.ledger, &alice.pubkey()).await;
    assert_eq!((a.multiplier_bps, a.weight), (10_000, a.amount));
    let b = s.position(&mut backend.ledger, &bob.pubkey()).await;
    assert_eq!((b.multiplier_bps, b.weight), (20_000, 2 * b.amount));
    let c = s.position(&mut backend.ledger, &stranger.pubkey()).await;
    assert_eq!(c.multiplier_bps, 12_500, "wallets outside the community are left to others");
    let pool = s.pool_state(&mut backend.ledger).await;
    assert_eq!(pool.rewards.total_weight, (a.weight + b.weight + c.weight) as u128);

    // Refreshed once: the next tick sends nothing.
    let events =
        tick(&mut backend, &db.pool, &config, &settings, &metrics, now + 60).await.unwrap();
    assert_eq!(events, vec![]);
    db.drop_db().await;
}
