//! Exactly-once payouts under crashes and chain faults, on the embedded ledger (the real bank,
//! the real Token-2022 program, the treasury natively) and the real Postgres.
//!
//! A ≥1,000-recipient month is paid by a sequence of fresh engine runs. Each run is "killed"
//! at one injected point (the engine returns at that point, as a killed process would stop;
//! the ledger and the database live on), and the backend loses responses, drops transactions
//! and hands out expired blockhashes along the way. After the last run every recipient holds
//! exactly its amount, the vault's remainder is exact, and running the month again sends
//! nothing.
use anchor_lang::prelude::Pubkey;
use sha2::{Digest, Sha256};
use sqlx::PgPool;
use stk_common::calendar::MonthId;
use stk_distributor::{
    chain::{
        embedded::EmbeddedBackend,
        faults::{BackendFaults, CrashPlan, CrashPoint, FaultyBackend},
    },
    payout::{
        engine::{EngineError, EngineSettings, PayoutEngine, RECIPIENTS_PER_LEGACY_BATCH},
        onchain,
        plan::{plan_batches, Payee},
        store::{self, StoreError},
    },
};
use stk_harness::{
    ata,
    treasury::{TreasurySetup, TreasurySetupArgs},
    Ledger,
};

mod common;

const RECIPIENTS: usize = 1_000;

struct World {
    backend: FaultyBackend<EmbeddedBackend>,
    treasury: TreasurySetup,
    month: MonthId,
}

async fn world(faults: BackendFaults) -> World {
    let mut ledger = Ledger::start().await;
    let mut args = TreasurySetupArgs::default();
    // The engine signs as the distributor with the backend's fee payer.
    args.distributor = ledger.ctx.payer.insecure_clone();
    let treasury = TreasurySetup::initialize(&mut ledger, args).await;
    Ledger::ok(treasury.stk.mint_quarter(&mut ledger, 0, true).await);
    let month = MonthId(treasury.stk.schedule.start_month);
    World { backend: FaultyBackend::new(EmbeddedBackend::new(ledger), faults), treasury, month }
}

fn payees(mint: &Pubkey, n: usize) -> Vec<Payee> {
    (0..n)
        .map(|i| {
            let wallet = Pubkey::new_unique();
            Payee {
                member_id: 10_000 + i as i64,
                wallet,
                token_account: ata(&wallet, mint),
                amount: 1_000_000 + 997 * i as u64,
            }
        })
        .collect()
}

async fn plan(db: &PgPool, month: MonthId, payees: &[Payee], report: &str) -> String {
    let hash = hex::encode(Sha256::digest(report.as_bytes()));
    let batches = plan_batches(payees.to_vec(), RECIPIENTS_PER_LEGACY_BATCH, 4096).unwrap();
    store::save_plan(db, month, &hash, &batches).await.unwrap();
    hash
}

fn engine<'a>(
    w: &'a mut World,
    db: &'a PgPool,
) -> PayoutEngine<'a, FaultyBackend<EmbeddedBackend>> {
    let mint = w.treasury.mint();
    PayoutEngine::new(
        &mut w.backend,
        db,
        mint,
        EngineSettings { compute_unit_limit: 400_000, ..Default::default() },
    )
}

#[tokio::test]
async fn every_recipient_is_paid_exactly_once_whatever_crashes() {
    let test_db = common::TestDb::new("payout").await;
    let db = test_db.pool.clone();
    let faults = BackendFaults {
        lose_send_response: [4, 131, 160].into_iter().collect(),
        drop_transaction: [9, 140, 171].into_iter().collect(),
        expired_blockhash: [2, 150, 175].into_iter().collect(),
    };
    let mut w = world(faults).await;
    let mint = w.treasury.mint();
    let vault = w.treasury.addresses.distribution_vault;
    let vault_before = w.backend.inner.ledger.token_amount(&vault).await;
    let payees = payees(&mint, RECIPIENTS);
    let total: u64 = payees.iter().map(|p| p.amount).sum();
    let month = w.month;
    plan(&db, month, &payees, "report of the month").await;

    // Ten distinct kill points across the whole run, in the order the engine reaches them.
    let kills = [
        CrashPoint::AfterPlanLoaded,
        CrashPoint::AfterTokenAccountsCreated,
        CrashPoint::BeforeOpenEpochSent,
        CrashPoint::AfterOpenEpochSent,
        CrashPoint::AfterBatchRecordedBeforeSend(3),
        CrashPoint::AfterBatchSent(7),
        CrashPoint::AfterBatchLandedBeforeRecorded(7),
        CrashPoint::AfterBatchConfirmed(20),
        CrashPoint::AfterBatchRecordedBeforeSend(31),
        CrashPoint::AfterBatchSent(44),
        CrashPoint::BeforeCloseEpochSent,
        CrashPoint::AfterCloseEpochSent,
    ];
    let mut crashed_at = vec![];
    for point in kills {
        match engine(&mut w, &db).with_crash(CrashPlan::at(point)).run(month).await {
            Err(EngineError::Crashed(p)) => crashed_at.push(p),
            Ok(_) => panic!("the run finished before reaching {point:?}"),
            Err(e) => panic!("run armed at {point:?} failed: {e}"),
        }
    }
    assert_eq!(crashed_at, kills, "every kill point was reached");
    let last = engine(&mut w, &db).run(month).await.expect("the final run completes");
    assert!(last.epoch_closed_now || last.batches_confirmed_now == 0);

    // Every recipient holds exactly its amount; the vault paid amounts plus withheld fees.
    let ledger = &mut w.backend.inner.ledger;
    let mut left_vault = 0u64;
    for p in &payees {
        let account = ledger.token(&p.token_account).await;
        assert_eq!(account.amount, p.amount, "member {} paid exactly once", p.member_id);
        left_vault += account.amount + account.withheld;
    }
    assert_eq!(
        ledger.token_amount(&vault).await,
        vault_before - left_vault,
        "vault remainder is exact"
    );
    let epoch =
        onchain::decode_epoch(ledger.account(&onchain::epoch_address(month)).await.map(|a| a.data))
            .unwrap()
            .unwrap();
    assert!(epoch.closed);
    assert_eq!((epoch.paid, epoch.total), (total, total));
    // The injected transport faults really happened and were survived.
    assert!(w.backend.faults.lose_send_response.len() < 3, "lost responses were exercised");
    assert!(!w.backend.dropped.is_empty(), "dropped transactions were exercised");

    // Re-running a finished month sends nothing and changes nothing.
    let again = engine(&mut w, &db).run(month).await.unwrap();
    assert_eq!(again.transactions_sent, 0);
    assert_eq!(w.backend.inner.ledger.token_amount(&vault).await, vault_before - left_vault);
    let counts = store::batch_counts(&db, month).await.unwrap();
    assert_eq!(
        counts,
        vec![("confirmed".to_string(), RECIPIENTS.div_ceil(RECIPIENTS_PER_LEGACY_BATCH) as i64)]
    );
    test_db.drop_db().await;
}

#[tokio::test]
async fn an_opened_plan_is_never_recomputed() {
    let test_db = common::TestDb::new("plan").await;
    let db = test_db.pool.clone();
    let w = world(BackendFaults::default()).await;
    let payees = payees(&w.treasury.mint(), 30);
    let month = w.month;
    let hash = plan(&db, month, &payees, "report v1").await;
    // The same report again is a no-op; another report for the month is refused.
    assert_eq!(plan(&db, month, &payees, "report v1").await, hash);
    let other = plan_batches(payees[..10].to_vec(), RECIPIENTS_PER_LEGACY_BATCH, 4096).unwrap();
    match store::save_plan(&db, month, "00", &other).await {
        Err(StoreError::PlanMismatch { .. }) => {}
        other => panic!("expected a plan mismatch, got {other:?}"),
    }
    let stored = store::load_plan(&db, month).await.unwrap().unwrap();
    assert_eq!(stored.batches.len(), 2);
    assert_eq!(stored.batches.iter().map(|b| b.batch.payees.len()).sum::<usize>(), 30);
    test_db.drop_db().await;
}
