//! The service loop over a simulated calendar, on the embedded ledger and the real Postgres:
//! quarter cranks, the payout time of a month, waiting for approval, paying, restarting.
mod common;

use common::TestDb;
use sqlx::Row;
use stk_common::calendar::MonthId;
use stk_distributor::{
    chain::embedded::EmbeddedBackend,
    config::Config,
    metrics::Metrics,
    seed::{self, SeedArgs},
    service::{tick, ServiceSettings, TickEvent},
};
use stk_harness::{
    treasury::{TreasurySetup, TreasurySetupArgs},
    Ledger,
};

#[tokio::test]
async fn the_service_follows_the_calendar_waits_for_approval_and_pays_once() {
    let db = TestDb::new("service").await;
    let config = Config::default_config();
    let args = SeedArgs {
        members: 60,
        events: 4_000,
        seed: 3,
        from: "2027-01".into(),
        months: 2,
        bad: 0,
        free_users: 20,
    };
    seed::seed(&db.pool, &config, &args).await.unwrap();
    let mut ledger = Ledger::start().await;
    let mut setup = TreasurySetupArgs::default();
    setup.mint.schedule = config.schedule();
    setup.distributor = ledger.ctx.payer.insecure_clone();
    let treasury = TreasurySetup::initialize(&mut ledger, setup).await;
    let mint = treasury.mint();
    let mut backend = EmbeddedBackend::new(ledger);
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
    let events =
        tick(&mut backend, &db.pool, &config, &settings, &metrics, due + 180).await.unwrap();
    assert!(
        matches!(events.last(), Some(TickEvent::Paid { month, .. }) if *month == jan),
        "{events:?}"
    );

    // Every payable allocation is on-chain, exactly.
    let rows =
        sqlx::query("SELECT wallet, payable FROM allocations WHERE month = $1 AND payable > 0")
            .bind(jan.to_string())
            .fetch_all(&db.pool)
            .await
            .unwrap();
    assert!(!rows.is_empty());
    for row in rows {
        let wallet: String = row.get("wallet");
        let payable: i64 = row.get("payable");
        let account = stk_client::ata(&wallet.parse().unwrap(), &mint);
        assert_eq!(backend.ledger.token_amount(&account).await, payable as u64);
    }
    assert_eq!(metrics.months_paid.load(std::sync::atomic::Ordering::Relaxed), 1);
    let spent = metrics.lamports_spent.load(std::sync::atomic::Ordering::Relaxed);
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
