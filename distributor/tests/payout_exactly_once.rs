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
use solana_signer::Signer;
use solana_transaction::versioned::VersionedTransaction;
use sqlx::PgPool;
use std::sync::Mutex;
use stk_common::calendar::MonthId;
use stk_distributor::{
    chain::{
        embedded::EmbeddedBackend,
        faults::{BackendFaults, CrashPlan, CrashPoint, FaultyBackend},
        ChainBackend,
    },
    payout::{
        engine::{Approver, EngineError, EngineSettings, PayoutEngine, RentPayer},
        limits::{self, TxForm},
        lookup, onchain,
        plan::{plan_batches, Payee, PlanShape, TokenAccountPolicy},
        recipients,
        store::{self, StoreError},
    },
};
use stk_harness::{alt, ata, treasury::TreasurySetup};

mod common;

const RECIPIENTS: usize = 1_000;

struct World {
    backend: FaultyBackend<EmbeddedBackend>,
    treasury: TreasurySetup,
    month: MonthId,
    /// The treasury's admin (the ledger's payer), distinct from the distributor.
    admin: std::sync::Arc<solana_keypair::Keypair>,
}

/// Tables whose creation was sent (by any test of this binary), for the orphan check.
static CREATED_TABLES: Mutex<Vec<Pubkey>> = Mutex::new(vec![]);
/// The most static keys a v0 `distribute_batch` transaction named (any test of this binary).
static MAX_BATCH_STATIC_KEYS: Mutex<usize> = Mutex::new(0);

/// Every transaction the engine sends must fit one packet and the 64-lock limit; table
/// creations are remembered.
fn inspect(tx: &VersionedTransaction) {
    assert!(
        alt::fits(tx),
        "transaction of {} bytes, {} locks",
        alt::wire_size(tx),
        alt::account_locks(tx)
    );
    let keys = tx.message.static_account_keys();
    for ix in tx.message.instructions() {
        let program = keys[ix.program_id_index as usize];
        if program == stk_treasury::ID && tx.message.address_table_lookups().is_some() {
            let mut max = MAX_BATCH_STATIC_KEYS.lock().unwrap();
            *max = (*max).max(keys.len());
        }
        // ProgramInstruction::CreateLookupTable is variant 0; its first account is the table.
        if program == solana_address_lookup_table_interface::program::id()
            && ix.data.first() == Some(&0)
        {
            CREATED_TABLES.lock().unwrap().push(keys[ix.accounts[0] as usize]);
        }
    }
}

async fn world(faults: BackendFaults) -> World {
    let (backend, treasury, month, admin) = common::payout_world().await;
    let mut backend = FaultyBackend::new(backend, faults);
    backend.inspect = Some(inspect);
    World { backend, treasury, month, admin }
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

fn shape(form: TxForm) -> PlanShape {
    PlanShape::sized(form, 0)
}

async fn plan(db: &PgPool, month: MonthId, payees: &[Payee], report: &str, form: TxForm) -> String {
    let hash = hex::encode(Sha256::digest(report.as_bytes()));
    let shape = shape(form);
    let batches = plan_batches(payees.to_vec(), shape.recipients_per_batch, 4096).unwrap();
    store::save_plan(db, month, &hash, &batches, shape).await.unwrap();
    hash
}

fn engine<'a>(
    w: &'a mut World,
    db: &'a PgPool,
) -> PayoutEngine<'a, FaultyBackend<EmbeddedBackend>> {
    let mint = w.treasury.mint();
    let approver = Some(Approver(w.admin.clone()));
    PayoutEngine::new(
        &mut w.backend,
        db,
        mint,
        EngineSettings { compute_unit_limit: 400_000, approver, ..Default::default() },
    )
}

/// Pays a 1,000-recipient month of `form` through one fresh engine run per kill point, then
/// checks that every recipient holds exactly its amount, the vault remainder is exact and a
/// re-run sends nothing. Returns the world for form-specific checks.
async fn pay_through_crashes(
    db: &PgPool,
    form: TxForm,
    faults: BackendFaults,
    kills: &[CrashPoint],
) -> World {
    let mut w = world(faults).await;
    let mint = w.treasury.mint();
    let vault = w.treasury.addresses.distribution_vault;
    let vault_before = w.backend.inner.ledger.token_amount(&vault).await;
    let payees = payees(&mint, RECIPIENTS);
    let total: u64 = payees.iter().map(|p| p.amount).sum();
    let month = w.month;
    plan(db, month, &payees, "report of the month", form).await;

    let mut crashed_at = vec![];
    for &point in kills {
        match engine(&mut w, db).with_crash(CrashPlan::at(point)).run(month).await {
            Err(EngineError::Crashed(p)) => crashed_at.push(p),
            Ok(_) => panic!("the run finished before reaching {point:?}"),
            Err(e) => panic!("run armed at {point:?} failed: {e}"),
        }
    }
    assert_eq!(crashed_at, kills, "every kill point was reached");
    let last = engine(&mut w, db).run(month).await.expect("the final run completes");
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
    assert!(
        w.backend.faults.lose_send_response.len() < 3,
        "lost responses were exercised: {:?} left",
        w.backend.faults.lose_send_response
    );
    assert!(!w.backend.dropped.is_empty(), "dropped transactions were exercised");
    assert!(
        w.backend.faults.expired_blockhash.len() < 3,
        "expired blockhashes were exercised: {:?} left",
        w.backend.faults.expired_blockhash
    );

    // Re-running a finished month sends nothing and changes nothing.
    let again = engine(&mut w, db).run(month).await.unwrap();
    assert_eq!(again.transactions_sent, 0);
    assert_eq!(w.backend.inner.ledger.token_amount(&vault).await, vault_before - left_vault);
    let counts = store::batch_counts(db, month).await.unwrap();
    let per_batch = shape(form).recipients_per_batch;
    assert_eq!(counts, vec![("confirmed".to_string(), RECIPIENTS.div_ceil(per_batch) as i64)]);
    w
}

#[tokio::test]
async fn every_recipient_is_paid_exactly_once_whatever_crashes() {
    let test_db = common::TestDb::new("payout").await;
    let db = test_db.pool.clone();
    let faults = BackendFaults {
        lose_send_response: [4, 131, 160].into_iter().collect(),
        drop_transaction: [9, 140, 171].into_iter().collect(),
        expired_blockhash: [2, 150, 175].into_iter().collect(),
        ..Default::default()
    };
    // Fifteen distinct kill points across the whole run, in the order the engine reaches them:
    // the plan proposed (open), its roots half written, its approval landed.
    let kills = [
        CrashPoint::AfterPlanLoaded,
        CrashPoint::AfterTokenAccountsCreated,
        CrashPoint::BeforeOpenEpochSent,
        CrashPoint::AfterOpenEpochSent,
        CrashPoint::AfterPlanRootsWritten(0),
        CrashPoint::AfterPlanRootsWritten(1),
        CrashPoint::AfterApproval,
        CrashPoint::AfterBatchRecordedBeforeSend(3),
        CrashPoint::AfterBatchSent(7),
        CrashPoint::AfterBatchLandedBeforeRecorded(7),
        CrashPoint::AfterBatchConfirmed(20),
        CrashPoint::AfterBatchRecordedBeforeSend(31),
        CrashPoint::AfterBatchSent(44),
        CrashPoint::BeforeCloseEpochSent,
        CrashPoint::AfterCloseEpochSent,
    ];
    pay_through_crashes(&db, TxForm::Legacy, faults, &kills).await;
    assert!(store::load_all_tables(&db).await.unwrap().is_empty(), "legacy uses no table");
    test_db.drop_db().await;
}

/// The same month through kept lookup tables (v0 transactions of 54 recipients; four tables of
/// up to 251 token accounts after the five fixed accounts), killed also while the tables are created and
/// extended. The tables outlive the month; once no plan uses them they are retired.
#[tokio::test]
async fn lookup_table_payouts_are_exactly_once_whatever_crashes() {
    let test_db = common::TestDb::new("payout_alt").await;
    let db = test_db.pool.clone();
    // Sends: the four tables (≈40 create/extend transactions), then the token accounts (84),
    // the epoch and the batches (≈25): faults land in every phase.
    let faults = BackendFaults {
        lose_send_response: [4, 60, 130, 145].into_iter().collect(),
        drop_transaction: [9, 70, 133, 148].into_iter().collect(),
        expired_blockhash: [2, 80, 136, 150].into_iter().collect(),
        ..Default::default()
    };
    let kills = [
        CrashPoint::AfterPlanLoaded,
        CrashPoint::BeforeLookupTableCreateSent(1),
        CrashPoint::AfterLookupTableCreateSent(1),
        CrashPoint::BeforeLookupTableExtendSent(2),
        CrashPoint::AfterLookupTableExtendSent(2),
        CrashPoint::AfterLookupTableCreateSent(3),
        CrashPoint::BeforeLookupTableExtendSent(4),
        CrashPoint::AfterLookupTablesReady,
        CrashPoint::AfterTokenAccountsCreated,
        CrashPoint::BeforeOpenEpochSent,
        CrashPoint::AfterOpenEpochSent,
        CrashPoint::AfterPlanRootsWritten(0),
        CrashPoint::AfterApproval,
        CrashPoint::AfterBatchRecordedBeforeSend(2),
        CrashPoint::AfterBatchSent(5),
        CrashPoint::AfterBatchLandedBeforeRecorded(5),
        CrashPoint::AfterBatchConfirmed(9),
        CrashPoint::AfterBatchSent(17),
        CrashPoint::BeforeCloseEpochSent,
        CrashPoint::AfterCloseEpochSent,
    ];
    let mut w = pay_through_crashes(&db, TxForm::LookupTable, faults, &kills).await;
    let month = w.month;
    let tables = store::load_all_tables(&db).await.unwrap();
    assert_eq!(tables.len(), RECIPIENTS.div_ceil(limits::table_recipient_room()));
    assert!(
        tables.iter().all(|t| t.state == "ready" && t.addresses_extended == t.entries.len()),
        "complete and kept for the next month"
    );
    // On-chain, each table holds exactly its record: nothing appended twice.
    for t in &tables {
        let data = w.backend.inner.ledger.account(&t.address.unwrap()).await.unwrap().data;
        assert_eq!(lookup::decode_table(&data).unwrap().addresses, t.entries);
    }

    // No orphan: every table whose creation was ever sent is the recorded one, or never
    // came to exist.
    let recorded: Vec<Pubkey> = tables.iter().filter_map(|t| t.address).collect();
    let created = CREATED_TABLES.lock().unwrap().clone();
    assert!(created.len() >= tables.len());
    for address in created {
        if !recorded.contains(&address) {
            assert!(
                w.backend.inner.ledger.account(&address).await.is_none(),
                "orphan lookup table {address}"
            );
        }
    }

    // A later plan none of whose recipients these tables hold: the month's tables are no
    // longer used by an unfinished or the latest plan, so they are retired (deactivated) and,
    // once the deactivation has left SlotHashes (512 banks later), closed with their rent
    // back to the distributor. Then nothing is left to send.
    let next = MonthId(month.0 + 1);
    let strangers = payees(&w.treasury.mint(), 3);
    plan(&db, next, &strangers, "next month", TxForm::LookupTable).await;
    engine(&mut w, &db).reclaim_lookup_tables().await.unwrap();
    let retired = store::load_all_tables(&db).await.unwrap();
    assert!(retired.iter().all(|t| t.state == "deactivated"), "retired: {retired:?}");
    for _ in 0..520 {
        w.backend.wait().await;
    }
    let distributor = w.backend.payer().pubkey();
    let before = w.backend.balance(&distributor).await.unwrap();
    let mut rent = 0;
    for address in &recorded {
        rent += w.backend.balance(address).await.unwrap();
    }
    let closed = engine(&mut w, &db).reclaim_lookup_tables().await.unwrap();
    assert_eq!(closed, tables.len());
    for address in &recorded {
        assert!(w.backend.inner.ledger.account(address).await.is_none(), "table closed");
    }
    let after = w.backend.balance(&distributor).await.unwrap();
    assert!(after > before && after - before > rent - 10 * 5_000, "rent reclaimed");
    let again = engine(&mut w, &db).run(month).await.unwrap();
    assert_eq!(again.transactions_sent, 0);
    assert!(store::load_all_tables(&db).await.unwrap().iter().all(|t| t.state == "closed"));
    test_db.drop_db().await;
}

/// Kept tables across months: a second month with most of the same members and a few
/// newcomers creates no table, appends the newcomers to the newest table in one extension,
/// creates their token accounts in one transaction and otherwise sends one transaction per
/// batch (and the epoch's own). Its costs are on record per month.
#[tokio::test]
async fn a_steady_month_reuses_the_tables() {
    let test_db = common::TestDb::new("kept_tables").await;
    let db = test_db.pool.clone();
    let mut w = world(BackendFaults::default()).await;
    let mint = w.treasury.mint();
    let month = w.month;
    let members = payees(&mint, 300);
    plan(&db, month, &members, "month one", TxForm::LookupTable).await;
    let first = engine(&mut w, &db).run(month).await.unwrap();
    assert_eq!(first.lookup_tables_created, 2, "300 accounts: 251 + 49");
    assert_eq!(first.token_accounts_created, 300);

    // Month two: ten members left, twenty joined.
    let next = MonthId(month.0 + 1);
    common::after_month(&mut w.backend.inner.ledger, next, w.treasury.stk.schedule.utc_offset_secs)
        .await;
    let mut second_members = members[10..].to_vec();
    second_members.extend(
        payees(&mint, 20).into_iter().map(|p| Payee { member_id: p.member_id + 1_000, ..p }),
    );
    plan(&db, next, &second_members, "month two", TxForm::LookupTable).await;
    let second = engine(&mut w, &db).run(next).await.unwrap();
    assert_eq!(second.lookup_tables_created, 0);
    assert_eq!(second.lookup_table_extensions, 1, "20 newcomers appended at once");
    assert_eq!(second.token_accounts_created, 20);
    let batches = second_members.len().div_ceil(shape(TxForm::LookupTable).recipients_per_batch);
    // 1 extension + the token-account transactions (12 each at most: two) + open + one roots
    // write + approve (the admin's) + the batches + close.
    let ata_txs = 20usize.div_ceil(limits::max_token_account_creations(0));
    assert_eq!(ata_txs, 2);
    assert_eq!(second.transactions_sent, 1 + ata_txs + 3 + batches + 1);
    for p in &second_members {
        let account = w.backend.inner.ledger.token(&p.token_account).await;
        assert!(account.amount >= p.amount, "member {} paid", p.member_id);
    }
    let tables = store::load_all_tables(&db).await.unwrap();
    assert_eq!(tables.len(), 2);
    assert_eq!(tables[1].entries.len(), 5 + 49 + 20);
    // Every paid batch resolved its recipients through the kept tables: each v0 batch
    // named at most the epoch and its plan page besides the programs and the payer.
    let named = *MAX_BATCH_STATIC_KEYS.lock().unwrap();
    assert!((1..=6).contains(&named), "{named} static keys");

    // Costs per month: the second month's rent went only to 20 token accounts.
    let costs = store::month_costs(&db, None).await.unwrap();
    assert_eq!(costs.len(), 2);
    let (one, two) = (&costs[0], &costs[1]);
    assert_eq!((one.token_accounts_created, two.token_accounts_created), (300, 20));
    let ata_rent = w.backend.balance(&members[0].token_account).await.unwrap() as i64;
    assert_eq!(two.token_account_rent, 20 * ata_rent);
    assert_eq!(one.token_account_rent, 300 * ata_rent);
    assert!(one.lookup_table_rent > 0 && two.lookup_table_rent > 0, "{one:?} / {two:?}");
    assert!(two.lookup_table_rent < one.lookup_table_rent / 4);
    // Fees are exactly 5,000 lamports per signature the distributor paid (the admin pays its
    // own approval).
    assert_eq!(two.fee_lamports, (second.transactions_sent as i64 - 1) * 5_000);
    assert_eq!(two.recipients, second_members.len() as i64);
    test_db.drop_db().await;
}

/// A kept table the distributor key changed out of band (here: one foreign address appended)
/// no longer holds its recorded prefix. The next month that appends newcomers to it stops
/// with `Corrupt` before any of its batches is sent, and pays no one: a batch resolving its
/// recipients through that table would name the wrong accounts.
#[tokio::test]
async fn a_kept_table_changed_out_of_band_stops_the_next_month() {
    let test_db = common::TestDb::new("table_tampered").await;
    let db = test_db.pool.clone();
    let mut w = world(BackendFaults::default()).await;
    let mint = w.treasury.mint();
    let month = w.month;
    let members = payees(&mint, 20);
    plan(&db, month, &members, "month one", TxForm::LookupTable).await;
    let first = engine(&mut w, &db).run(month).await.unwrap();
    assert_eq!(first.lookup_tables_created, 1);
    let tables = store::load_all_tables(&db).await.unwrap();
    let address = tables[0].address.unwrap();

    let key = w.backend.payer().insecure_clone();
    let foreign = Pubkey::new_unique();
    let extend = solana_address_lookup_table_interface::instruction::extend_lookup_table(
        address,
        key.pubkey(),
        Some(key.pubkey()),
        vec![foreign],
    );
    stk_harness::Ledger::ok(w.backend.inner.ledger.send(&[extend], &[&key]).await);

    let next = MonthId(month.0 + 1);
    common::after_month(&mut w.backend.inner.ledger, next, w.treasury.stk.schedule.utc_offset_secs)
        .await;
    let mut second_members = members.clone();
    let newcomers: Vec<Payee> = payees(&mint, 3)
        .into_iter()
        .map(|p| Payee { member_id: p.member_id + 1_000, ..p })
        .collect();
    second_members.extend(newcomers.clone());
    plan(&db, next, &second_members, "month two", TxForm::LookupTable).await;
    match engine(&mut w, &db).run(next).await {
        Err(EngineError::Store(StoreError::Corrupt(message))) => assert!(
            message.contains("does not hold its recorded addresses")
                && message.contains(&address.to_string()),
            "{message}"
        ),
        other => panic!("expected the changed table to stop the month, got {other:?}"),
    }
    let sent: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM payout_batches WHERE month = $1 AND state <> 'planned'",
    )
    .bind(next.to_string())
    .fetch_one(&db)
    .await
    .unwrap();
    assert_eq!(sent, 0, "no batch of the month was sent");
    for p in &newcomers {
        let ledger = &mut w.backend.inner.ledger;
        let paid = ledger.account_exists(&p.token_account).await
            && ledger.token(&p.token_account).await.amount > 0;
        assert!(!paid, "newcomer {} was paid", p.member_id);
    }
    let table = w.backend.account_data(&address).await.unwrap().unwrap();
    let onchain = lookup::decode_table(&table).unwrap();
    assert_eq!(onchain.addresses.last(), Some(&foreign), "the engine wrote nothing after it");
    test_db.drop_db().await;
}

/// `payout.token_accounts = "leave_pending"`: members without an STK account are left out of
/// the plan with the reason `no_token_account`; nobody's account is created.
#[tokio::test]
async fn leave_pending_creates_no_token_account() {
    let test_db = common::TestDb::new("leave_pending").await;
    let db = test_db.pool.clone();
    let mut w = world(BackendFaults::default()).await;
    let mint = w.treasury.mint();
    let members = common::fresh_payees(&mint, 6);
    // Three members already hold an STK account; three do not.
    for p in &members[..3] {
        w.backend.inner.ledger.create_ata(&p.wallet, &mint).await;
    }
    let pairs: Vec<(Pubkey, Pubkey)> =
        members.iter().map(|p| (p.wallet, p.token_account)).collect();
    let verdicts =
        recipients::check_all(&mut w.backend, &mint, &pairs, TokenAccountPolicy::LeavePending)
            .await
            .unwrap();
    assert_eq!(verdicts[..3], [Ok(()), Ok(()), Ok(())]);
    assert!(verdicts[3..].iter().all(|v| *v == Err(recipients::Unusable::NoTokenAccount)));
    let created = recipients::check_all(&mut w.backend, &mint, &pairs, TokenAccountPolicy::Create)
        .await
        .unwrap();
    assert!(created.iter().all(|v| v.is_ok()));
    // A plan fixed with leave_pending: the engine creates nothing, even for a recipient
    // whose account disappeared meanwhile; the treasury skips it and it is carried back.
    let month = w.month;
    let hash = hex::encode(Sha256::digest(b"leave pending"));
    let shape = shape(TxForm::Legacy).with_token_accounts(TokenAccountPolicy::LeavePending);
    let batches = plan_batches(members.to_vec(), shape.recipients_per_batch, 4096).unwrap();
    store::save_plan(&db, month, &hash, &batches, shape).await.unwrap();
    assert_eq!(
        store::load_plan(&db, month).await.unwrap().unwrap().token_accounts,
        TokenAccountPolicy::LeavePending
    );
    let summary = engine(&mut w, &db).run(month).await.unwrap();
    assert_eq!(summary.token_accounts_created, 0);
    for p in &members[3..] {
        assert!(w.backend.inner.ledger.account(&p.token_account).await.is_none());
    }
    assert_eq!(summary.recipients_carried, 3);
    for p in &members[..3] {
        assert_eq!(w.backend.inner.ledger.token(&p.token_account).await.amount, p.amount);
    }
    test_db.drop_db().await;
}

/// A separate rent payer funds the recipients' token accounts; the distributor does not.
#[tokio::test]
async fn the_rent_payer_pays_the_token_account_rent() {
    let test_db = common::TestDb::new("rent_payer").await;
    let db = test_db.pool.clone();
    let mut w = world(BackendFaults::default()).await;
    let n = 30;
    let payees = payees(&w.treasury.mint(), n);
    let month = w.month;
    plan(&db, month, &payees, "report", TxForm::Legacy).await;
    let rent_payer = w.backend.inner.ledger.funded_keypair(1_000_000_000).await;
    let rent_payer_key = rent_payer.pubkey();
    let distributor = w.backend.payer().pubkey();
    let distributor_before = w.backend.balance(&distributor).await.unwrap();
    let rent_before = w.backend.balance(&rent_payer_key).await.unwrap();
    let settings = EngineSettings {
        rent_payer: Some(RentPayer(std::sync::Arc::new(rent_payer))),
        approver: Some(Approver(w.admin.clone())),
        ..Default::default()
    };
    let mint = w.treasury.mint();
    let summary = PayoutEngine::new(&mut w.backend, &db, mint, settings).run(month).await.unwrap();
    assert_eq!(summary.token_accounts_created, n);
    let mut ata_rent = 0;
    for p in &payees {
        ata_rent += w.backend.balance(&p.token_account).await.unwrap();
    }
    let rent_spent = rent_before - w.backend.balance(&rent_payer_key).await.unwrap();
    let distributor_spent = distributor_before - w.backend.balance(&distributor).await.unwrap();
    let ata_txs = n.div_ceil(limits::max_token_account_creations(0)) as u64;
    assert_eq!(rent_spent, ata_rent + ata_txs * 5_000, "rent payer: rent and its fees");
    assert_eq!(summary.rent_payer_lamports_spent, rent_spent);
    assert_eq!(summary.lamports_spent, distributor_spent);
    // The distributor paid the epoch and plan-page accounts and its own transactions (not the
    // admin's approval), not the token accounts' rent.
    let epoch_rent = w.backend.balance(&onchain::epoch_address(month)).await.unwrap();
    let page_rent = w.backend.balance(&onchain::plan_page_of(month, 0)).await.unwrap();
    let own_txs = (summary.transactions_sent as u64 - ata_txs - 1) * 5_000;
    assert_eq!(distributor_spent, epoch_rent + page_rent + own_txs);
    // (A plan page's rent alone exceeds 30 token accounts' rent: compare what is left.)
    assert!(distributor_spent - epoch_rent - page_rent < ata_rent);
    test_db.drop_db().await;
}

#[tokio::test]
async fn an_opened_plan_is_never_recomputed() {
    let test_db = common::TestDb::new("plan").await;
    let db = test_db.pool.clone();
    let w = world(BackendFaults::default()).await;
    let payees = payees(&w.treasury.mint(), 30);
    let month = w.month;
    let hash = plan(&db, month, &payees, "report v1", TxForm::Legacy).await;
    // The same report again is a no-op (even with another shape); another report for the
    // month is refused.
    assert_eq!(plan(&db, month, &payees, "report v1", TxForm::LookupTable).await, hash);
    let legacy = shape(TxForm::Legacy);
    let other = plan_batches(payees[..10].to_vec(), legacy.recipients_per_batch, 4096).unwrap();
    match store::save_plan(&db, month, "00", &other, legacy).await {
        Err(StoreError::PlanMismatch { .. }) => {}
        other => panic!("expected a plan mismatch, got {other:?}"),
    }
    let stored = store::load_plan(&db, month).await.unwrap().unwrap();
    assert_eq!(stored.form, TxForm::Legacy);
    assert_eq!(stored.batches.len(), 2);
    assert_eq!(stored.batches.iter().map(|b| b.batch.payees.len()).sum::<usize>(), 30);
    test_db.drop_db().await;
}
