//! Payout integrity (issue 18), against the real Postgres and the embedded ledger (the real
//! bank, Token-2022, the treasury natively): the approval names the exact report; the plan is
//! built from the approved document and checked before every send; months go in order and an
//! aborted epoch's unpaid recipients are owed again; an empty month needs no chain; unusable
//! recipients stay pending and skipped ones come back; two engines racing pay once; only
//! failures on-chain give a batch up.
mod common;

use anchor_lang::prelude::Pubkey;
use common::TestDb;
use solana_keypair::Keypair;
use solana_signer::Signer;
use sqlx::{PgPool, Row};
use std::sync::Arc;
use stk_common::calendar::MonthId;
use stk_distributor::{
    chain::{
        embedded::SharedBackend,
        faults::{BackendFaults, CrashPlan, CrashPoint, FaultyBackend},
        ChainBackend,
    },
    config::Config,
    payout::{
        approved::{self, ApprovalError, ApprovalState},
        carry,
        engine::{Approver, EngineError, EngineSettings, PayoutEngine},
        from_report::{freeze_and_plan, Approval, FreezeError, FreezeRequest},
        limits::TxForm,
        onchain,
        plan::{plan_batches, Payee, PlanShape},
        store,
    },
    report,
    seed::{self, SeedArgs},
};
use stk_harness::Ledger;

fn jan() -> MonthId {
    MonthId::new(2027, 1).unwrap()
}

async fn seed_community(db: &TestDb, members: u64, months: u32) {
    let args = SeedArgs {
        members,
        events: members * 40,
        seed: 11,
        from: "2027-01".into(),
        months,
        bad: 0,
        free_users: 0,
    };
    seed::seed(&db.pool, &Config::default_config(), &args).await.unwrap();
}

fn request(month: MonthId, mint: Pubkey, form: TxForm) -> FreezeRequest {
    FreezeRequest {
        month,
        first_month: jan(),
        mint,
        shape: PlanShape::sized(form, 0),
        approval: Approval::Required,
    }
}

fn settings(admin: &Arc<Keypair>) -> EngineSettings {
    EngineSettings { approver: Some(Approver(admin.clone())), ..Default::default() }
}

/// A plan of `n` fresh wallets saved directly (as a frozen report's would be).
async fn direct_plan(
    db: &PgPool,
    month: MonthId,
    mint: &Pubkey,
    n: usize,
    form: TxForm,
) -> Vec<Payee> {
    let payees = common::fresh_payees(mint, n);
    common::save_direct_plan(db, month, &payees, PlanShape::sized(form, 0)).await;
    payees
}

async fn epoch(backend: &mut impl ChainBackend, month: MonthId) -> onchain::EpochView {
    let data = backend.account_data(&onchain::epoch_address(month)).await.unwrap();
    onchain::decode_epoch(data).unwrap().expect("epoch on-chain")
}

/// Issue 18.1: `approve` names the report; anything else is refused, and a recomputed report
/// (changed inputs) needs its own approval before it can be frozen.
#[tokio::test]
async fn the_approval_names_the_exact_report() {
    let db = TestDb::new("approve_sha").await;
    seed_community(&db, 30, 1).await;
    let (mut backend, treasury, _, _) = common::payout_world().await;
    let config = Config::default_config();
    let first = report::run(&db.pool, &config, jan(), None).await.unwrap();
    match approved::approve(&db.pool, jan(), &"00".repeat(32), "op").await {
        Err(ApprovalError::NotCurrent { current, .. }) => assert_eq!(current, first.sha256),
        other => panic!("expected a refusal, got {other:?}"),
    }
    approved::approve(&db.pool, jan(), &first.sha256, "op").await.unwrap();
    assert_eq!(
        approved::state(&db.pool, jan()).await.unwrap(),
        ApprovalState::Approved(first.sha256.clone())
    );

    // The inputs change (a paid member loses the wallet) and the report is recomputed: the
    // approval of the old hash no longer applies, and freezing is refused.
    let member: i64 = sqlx::query_scalar(
        "SELECT member_id FROM allocations WHERE month = $1 AND payable > 0 ORDER BY member_id LIMIT 1",
    )
    .bind(jan().to_string())
    .fetch_one(&db.pool)
    .await
    .unwrap();
    db.exec(&format!("DELETE FROM wallets WHERE member_id = {member}")).await;
    let second = report::run(&db.pool, &config, jan(), None).await.unwrap();
    assert_ne!(first.sha256, second.sha256);
    assert_eq!(
        approved::state(&db.pool, jan()).await.unwrap(),
        ApprovalState::Awaiting {
            current: second.sha256.clone(),
            stale_approval: Some(first.sha256.clone())
        }
    );
    let mint = treasury.mint();
    match freeze_and_plan(&db.pool, &mut backend, request(jan(), mint, TxForm::Legacy)).await {
        Err(FreezeError::Approval(ApprovalError::Stale { approved, current, .. })) => {
            assert_eq!((approved, current), (first.sha256.clone(), second.sha256.clone()))
        }
        other => panic!("expected a stale approval, got {other:?}"),
    }
    assert!(matches!(
        approved::approve(&db.pool, jan(), &first.sha256, "op").await,
        Err(ApprovalError::NotCurrent { .. })
    ));
    approved::approve(&db.pool, jan(), &second.sha256, "op").await.unwrap();
    let plan = freeze_and_plan(&db.pool, &mut backend, request(jan(), mint, TxForm::Legacy))
        .await
        .unwrap();
    assert_eq!(plan.report_sha256, second.sha256);
    assert!(plan.frozen_now);
    // A frozen report cannot be approved again, nor recomputed.
    assert!(matches!(
        approved::approve(&db.pool, jan(), &second.sha256, "op").await,
        Err(ApprovalError::Frozen(..))
    ));
    assert!(report::run(&db.pool, &config, jan(), None).await.is_err());
    db.drop_db().await;
}

/// Issue 18.2: the plan comes from the approved document (not the mutable rows), its hash is
/// what the epoch commits, and a stored batch changed after planning is refused before send.
#[tokio::test]
async fn the_plan_is_the_approved_document_and_is_checked_before_sending() {
    let db = TestDb::new("plan_doc").await;
    seed_community(&db, 40, 1).await;
    let (mut backend, treasury, month, admin) = common::payout_world().await;
    assert_eq!(month, jan());
    let outcome = report::run(&db.pool, &Config::default_config(), jan(), None).await.unwrap();
    approved::approve(&db.pool, jan(), &outcome.sha256, "op").await.unwrap();
    // Someone edits the mutable rows after the approval: the plan ignores them.
    db.exec("UPDATE allocations SET payable = payable + 1000 WHERE payable > 0").await;
    let mint = treasury.mint();
    let plan = freeze_and_plan(&db.pool, &mut backend, request(jan(), mint, TxForm::Legacy))
        .await
        .unwrap();
    assert_eq!(plan.total, outcome.report.totals.payable, "the approved document's payable");
    assert_eq!(plan.excluded, 0, "seeded wallets are ordinary wallets");
    let stored = store::load_plan(&db.pool, jan()).await.unwrap().unwrap();
    assert_eq!(stored.plan_hash.as_deref(), Some(plan.plan_hash.as_str()));

    // Proposed and approved; the epoch commits the stored plan hash.
    let vault = treasury.addresses.distribution_vault;
    let err = PayoutEngine::new(&mut backend, &db.pool, mint, settings(&admin))
        .with_crash(CrashPlan::at(CrashPoint::AfterApproval))
        .run(jan())
        .await
        .unwrap_err();
    assert!(matches!(err, EngineError::Crashed(CrashPoint::AfterApproval)), "{err}");
    assert_eq!(hex::encode(epoch(&mut backend, jan()).await.plan_hash), plan.plan_hash);
    let vault_before = backend.ledger.token_amount(&vault).await;

    // A stored line changed after planning: nothing is sent.
    db.exec(
        "UPDATE payout_recipients SET amount = amount + 1 WHERE batch_index = 1 AND position = 0",
    )
    .await;
    let err = PayoutEngine::new(&mut backend, &db.pool, mint, settings(&admin))
        .run(jan())
        .await
        .unwrap_err();
    assert!(matches!(err, EngineError::BatchMismatch { index: 1, .. }), "{err}");
    assert_eq!(backend.ledger.token_amount(&vault).await, vault_before, "nothing paid");
    db.exec(
        "UPDATE payout_recipients SET amount = amount - 1 WHERE batch_index = 1 AND position = 0",
    )
    .await;
    // A stored plan hash changed: refused too.
    db.exec(&format!("UPDATE payout_epochs SET plan_hash = '{}'", "11".repeat(32))).await;
    let err = PayoutEngine::new(&mut backend, &db.pool, mint, settings(&admin))
        .run(jan())
        .await
        .unwrap_err();
    assert!(matches!(err, EngineError::PlanMismatch { .. }), "{err}");
    db.exec(&format!("UPDATE payout_epochs SET plan_hash = '{}'", plan.plan_hash)).await;

    let summary =
        PayoutEngine::new(&mut backend, &db.pool, mint, settings(&admin)).run(jan()).await.unwrap();
    assert_eq!(summary.recipients_carried, 0);
    for line in outcome.report.members.iter().filter(|l| l.payable > 0) {
        let wallet: Pubkey = line.wallet.as_deref().unwrap().parse().unwrap();
        let account = stk_client::ata(&wallet, &mint);
        assert_eq!(backend.ledger.token_amount(&account).await, line.payable);
    }
    let e = epoch(&mut backend, jan()).await;
    assert!(e.closed);
    assert_eq!(e.paid, outcome.report.totals.payable);
    db.drop_db().await;
}

/// Issue 18.4: month M is frozen only after M−1; an epoch the admin aborts part-way turns its
/// unpaid recipients into pending allocations, once.
#[tokio::test]
async fn months_go_in_order_and_an_aborted_epoch_owes_its_unpaid_recipients() {
    let db = TestDb::new("order_abort").await;
    seed_community(&db, 20, 2).await;
    let (mut backend, treasury, month, admin) = common::payout_world().await;
    let mint = treasury.mint();
    let config = Config::default_config();
    let feb = MonthId::new(2027, 2).unwrap();
    report::run(&db.pool, &config, jan(), None).await.unwrap();
    let february = report::run(&db.pool, &config, feb, None).await.unwrap();
    approved::approve(&db.pool, feb, &february.sha256, "op").await.unwrap();
    match freeze_and_plan(&db.pool, &mut backend, request(feb, mint, TxForm::Legacy)).await {
        Err(FreezeError::OutOfOrder { previous, .. }) => assert_eq!(previous, jan()),
        other => panic!("expected out of order, got {other:?}"),
    }
    assert!(!sqlx::query_scalar::<_, bool>("SELECT frozen FROM monthly_reports WHERE month = $1")
        .bind(feb.to_string())
        .fetch_one(&db.pool)
        .await
        .unwrap());

    // An epoch of four batches: two paid, then the admin aborts it.
    let db2 = TestDb::new("abort").await;
    let payees = direct_plan(&db2.pool, month, &mint, 60, TxForm::Legacy).await;
    let err = PayoutEngine::new(&mut backend, &db2.pool, mint, settings(&admin))
        .with_crash(CrashPlan::at(CrashPoint::AfterBatchConfirmed(1)))
        .run(month)
        .await
        .unwrap_err();
    assert!(matches!(err, EngineError::Crashed(_)), "{err}");
    Ledger::ok(treasury.close_epoch(&mut backend.ledger, &admin, month.0).await);
    let summary = PayoutEngine::new(&mut backend, &db2.pool, mint, settings(&admin))
        .run(month)
        .await
        .unwrap();
    let per_batch = PlanShape::sized(TxForm::Legacy, 0).recipients_per_batch;
    let unpaid = &payees[2 * per_batch..];
    assert_eq!(summary.recipients_carried, unpaid.len());
    assert_eq!(summary.amount_carried, unpaid.iter().map(|p| p.amount).sum::<u64>());
    for (i, p) in payees.iter().enumerate() {
        let held = backend.ledger.token_amount(&p.token_account).await;
        let owed: Option<(i64, String)> = sqlx::query_as(
            "SELECT amount, reason FROM pending_allocations WHERE member_id = $1 AND origin_month = $2 AND settled_month IS NULL",
        )
        .bind(p.member_id)
        .bind(month.to_string())
        .fetch_optional(&db2.pool)
        .await
        .unwrap();
        if i < 2 * per_batch {
            assert_eq!((held, owed), (p.amount, None), "paid once, owed nothing");
        } else {
            assert_eq!(held, 0);
            assert_eq!(owed, Some((p.amount as i64, carry::REASON_BATCH_UNPAID.to_string())));
        }
    }
    // Again: nothing carried twice, nothing sent.
    let again = PayoutEngine::new(&mut backend, &db2.pool, mint, settings(&admin))
        .run(month)
        .await
        .unwrap();
    assert_eq!((again.recipients_carried, again.transactions_sent), (0, 0));
    let pending: i64 =
        sqlx::query_scalar("SELECT coalesce(sum(amount), 0)::bigint FROM pending_allocations")
            .fetch_one(&db2.pool)
            .await
            .unwrap();
    assert_eq!(pending as u64, summary.amount_carried);
    db2.drop_db().await;
    db.drop_db().await;
}

/// Issue 18.6: a month with nothing payable completes without a transaction, and the next
/// month is not blocked by it.
#[tokio::test]
async fn a_month_with_nothing_payable_needs_no_chain_and_blocks_nothing() {
    use stk_distributor::{
        metrics::Metrics,
        service::{tick, ServiceSettings, TickEvent},
    };
    let db = TestDb::new("empty_month").await;
    let (mut backend, _treasury, _, admin) = common::payout_world().await;
    let config = Config::default_config();
    let settings = ServiceSettings {
        report_dir: None,
        require_approval: false,
        engine: settings(&admin),
        ..ServiceSettings::default()
    };
    let feb = MonthId::new(2027, 2).unwrap();
    let offset = config.schedule().utc_offset_secs;
    let due = settings.payout_time.due_at(feb, offset);
    backend.ledger.warp_to_timestamp(due).await;
    let distributor = backend.payer().pubkey();
    let before = backend.balance(&distributor).await.unwrap();
    let events =
        tick(&mut backend, &db.pool, &config, &settings, &Metrics::default(), due).await.unwrap();
    assert!(events.contains(&TickEvent::NothingToPay(jan())), "{events:?}");
    assert!(events.contains(&TickEvent::NothingToPay(feb)), "February follows: {events:?}");
    assert_eq!(backend.balance(&distributor).await.unwrap(), before, "no transaction");
    for m in [jan(), feb] {
        assert!(backend.account_data(&onchain::epoch_address(m)).await.unwrap().is_none());
        let state: String = sqlx::query_scalar("SELECT state FROM payout_epochs WHERE month = $1")
            .bind(m.to_string())
            .fetch_one(&db.pool)
            .await
            .unwrap();
        assert_eq!(state, "empty");
    }
    db.drop_db().await;
}

/// Issue 18.7: unusable wallets and token accounts are left out before planning (pending,
/// with the reason); an account that turns unusable after the plan is skipped on-chain and
/// owed again, once.
#[tokio::test]
async fn unusable_recipients_stay_pending_and_skipped_ones_come_back() {
    let db = TestDb::new("recipients").await;
    seed_community(&db, 40, 1).await;
    let (mut backend, treasury, _, admin) = common::payout_world().await;
    let mint = treasury.mint();
    let config = Config::default_config();
    report::run(&db.pool, &config, jan(), None).await.unwrap();
    let members: Vec<i64> = sqlx::query_scalar(
        "SELECT member_id FROM allocations WHERE month = $1 AND payable > 0 ORDER BY member_id LIMIT 5",
    )
    .bind(jan().to_string())
    .fetch_all(&db.pool)
    .await
    .unwrap();
    assert_eq!(members.len(), 5);
    let pda = Pubkey::find_program_address(&[b"not a wallet"], &stk_treasury::ID).0;
    let token_account_wallet = Keypair::new().pubkey();
    backend.ledger.install_account(
        &token_account_wallet,
        &stk_client::TOKEN_2022,
        &common::token_account_data(&mint, &Keypair::new().pubkey(), false),
    );
    let memo_wallet = Keypair::new().pubkey();
    backend.ledger.install_account(
        &stk_client::ata(&memo_wallet, &mint),
        &stk_client::TOKEN_2022,
        &common::token_account_data(&mint, &memo_wallet, true),
    );
    let later_wallet = Keypair::new().pubkey();
    let wallets = [pda, token_account_wallet, stk_client::TOKEN_2022, memo_wallet, later_wallet];
    for (member, wallet) in members.iter().zip(wallets) {
        db.exec(&format!("UPDATE wallets SET address = '{wallet}' WHERE member_id = {member}"))
            .await;
    }
    let outcome = report::run(&db.pool, &config, jan(), None).await.unwrap();
    let payable = |member: i64| {
        outcome.report.members.iter().find(|l| l.member_id == member).unwrap().payable
    };
    approved::approve(&db.pool, jan(), &outcome.sha256, "op").await.unwrap();
    let plan = freeze_and_plan(&db.pool, &mut backend, request(jan(), mint, TxForm::LookupTable))
        .await
        .unwrap();
    assert_eq!(plan.excluded, 4);
    let reasons = [
        "wallet_off_curve",
        "wallet_is_token_account",
        "wallet_is_program",
        "token_account_memo_required",
    ];
    for (member, reason) in members.iter().zip(reasons) {
        let row = sqlx::query(
            "SELECT p.amount, p.reason, x.reason AS excluded FROM pending_allocations p
             JOIN payout_exclusions x ON x.member_id = p.member_id AND x.month = p.origin_month
             WHERE p.member_id = $1 AND p.origin_month = $2",
        )
        .bind(member)
        .bind(jan().to_string())
        .fetch_one(&db.pool)
        .await
        .unwrap();
        assert_eq!(row.get::<i64, _>("amount") as u64, payable(*member), "member {member}");
        assert_eq!(row.get::<String, _>("reason"), reason);
        assert_eq!(row.get::<String, _>("excluded"), reason);
    }
    assert_eq!(
        plan.total,
        outcome.report.totals.payable - members[..4].iter().map(|m| payable(*m)).sum::<u64>()
    );

    // After the approval the fifth member turns on required memos: the treasury skips the
    // line, the rest is paid, and the line is owed again — once.
    let err = PayoutEngine::new(&mut backend, &db.pool, mint, settings(&admin))
        .with_crash(CrashPlan::at(CrashPoint::AfterApproval))
        .run(jan())
        .await
        .unwrap_err();
    assert!(matches!(err, EngineError::Crashed(_)), "{err}");
    let later_account = stk_client::ata(&later_wallet, &mint);
    backend.ledger.install_account(
        &later_account,
        &stk_client::TOKEN_2022,
        &common::token_account_data(&mint, &later_wallet, true),
    );
    let summary =
        PayoutEngine::new(&mut backend, &db.pool, mint, settings(&admin)).run(jan()).await.unwrap();
    assert_eq!(summary.recipients_carried, 1);
    assert_eq!(summary.amount_carried, payable(members[4]));
    assert_eq!(backend.ledger.token_amount(&later_account).await, 0);
    let owed: (i64, String) = sqlx::query_as(
        "SELECT amount, reason FROM pending_allocations WHERE member_id = $1 AND origin_month = $2",
    )
    .bind(members[4])
    .bind(jan().to_string())
    .fetch_one(&db.pool)
    .await
    .unwrap();
    assert_eq!(owed, (payable(members[4]) as i64, carry::REASON_SKIPPED.to_string()));
    let e = epoch(&mut backend, jan()).await;
    assert_eq!(e.paid, plan.total - payable(members[4]));
    let again =
        PayoutEngine::new(&mut backend, &db.pool, mint, settings(&admin)).run(jan()).await.unwrap();
    assert_eq!((again.recipients_carried, again.transactions_sent), (0, 0));
    let rows: i64 =
        sqlx::query_scalar("SELECT count(*) FROM pending_allocations WHERE member_id = $1")
            .bind(members[4])
            .fetch_one(&db.pool)
            .await
            .unwrap();
    assert_eq!(rows, 1);
    db.drop_db().await;
}

/// Each kept table holds exactly its recorded entries on-chain (extended once, never twice),
/// starting with the fixed accounts; returns the recorded token accounts, table by table.
async fn tables_hold_their_records(
    backend: &mut stk_distributor::chain::embedded::EmbeddedBackend,
    db: &PgPool,
) -> Vec<Pubkey> {
    let fixed = stk_distributor::payout::limits::table_fixed_accounts();
    let mut recorded = vec![];
    for table in store::load_all_tables(db).await.unwrap() {
        let data = backend.ledger.account(&table.address.unwrap()).await.unwrap().data;
        let onchain = stk_distributor::payout::lookup::decode_table(&data).unwrap();
        assert_eq!(onchain.addresses, table.entries, "table {} holds its record", table.id);
        assert_eq!(table.entries[..fixed.len()], fixed[..]);
        recorded.extend_from_slice(&table.entries[fixed.len()..]);
    }
    recorded
}

/// Issue 18.8: two engines (the service and a manual `submit`) start on the same month at
/// once; the month's lock makes the second wait: every recipient is paid once and each lookup
/// table is created and extended once.
#[tokio::test]
async fn two_engines_racing_for_a_month_pay_it_once() {
    let db = TestDb::new("race").await;
    let (backend, treasury, month, admin) = common::payout_world().await;
    let mint = treasury.mint();
    let payees = direct_plan(&db.pool, month, &mint, 400, TxForm::LookupTable).await;
    let shared = SharedBackend::new(backend);
    let (mut one, mut two) = (shared.clone(), shared.clone());
    let (first, second) = tokio::join!(
        PayoutEngine::new(&mut one, &db.pool, mint, settings(&admin)).run(month),
        PayoutEngine::new(&mut two, &db.pool, mint, settings(&admin)).run(month),
    );
    let (first, second) = (first.unwrap(), second.unwrap());
    assert!(
        first.transactions_sent == 0 || second.transactions_sent == 0,
        "one engine did the month, the other found it done: {} / {}",
        first.transactions_sent,
        second.transactions_sent
    );
    assert_eq!(first.lookup_tables_created + second.lookup_tables_created, 2);
    let mut backend = shared.lock().await;
    for p in &payees {
        assert_eq!(backend.ledger.token_amount(&p.token_account).await, p.amount);
    }
    // Each table holds its recorded entries exactly once: the fixed accounts, then the
    // recipients' token accounts in plan order.
    let plan = store::load_plan(&db.pool, month).await.unwrap().unwrap();
    let recorded = tables_hold_their_records(&mut backend, &db.pool).await;
    let planned: Vec<Pubkey> =
        plan.batches.iter().flat_map(|b| b.batch.payees.iter().map(|p| p.token_account)).collect();
    assert_eq!(recorded, planned);
    db.drop_db().await;
}

/// Two engines on different months at once — the service paying one month while an
/// operator's `submit` pays the next — both maintain the kept lookup tables: the next month's
/// newcomers are appended to the same tables the first month is creating and extending. The
/// tables' own lock serializes that work, so each table holds exactly its record on-chain, no
/// account is recorded twice, and both months pay every recipient once.
#[tokio::test]
async fn two_engines_on_different_months_share_the_kept_tables() {
    let db = TestDb::new("race_months").await;
    let (backend, treasury, month, admin) = common::payout_world().await;
    let mint = treasury.mint();
    let next = MonthId(month.0 + 1);
    let shape = PlanShape::sized(TxForm::LookupTable, 0);
    let first = common::fresh_payees(&mint, 300);
    // The next month: most of the same members (other amounts) and sixty newcomers.
    let mut second: Vec<Payee> =
        first[40..].iter().map(|p| Payee { amount: p.amount + 7, ..p.clone() }).collect();
    second.extend(
        common::fresh_payees(&mint, 60)
            .into_iter()
            .map(|p| Payee { member_id: p.member_id + 10_000, ..p }),
    );
    common::save_direct_plan(&db.pool, month, &first, shape).await;
    common::save_direct_plan(&db.pool, next, &second, shape).await;
    let shared = SharedBackend::new(backend);
    {
        let mut backend = shared.lock().await;
        common::after_month(&mut backend.ledger, next, treasury.stk.schedule.utc_offset_secs).await;
    }
    let (mut one, mut two) = (shared.clone(), shared.clone());
    let (a, b) = tokio::join!(
        PayoutEngine::new(&mut one, &db.pool, mint, settings(&admin)).run(month),
        PayoutEngine::new(&mut two, &db.pool, mint, settings(&admin)).run(next),
    );
    let (a, b) = (a.unwrap(), b.unwrap());
    assert!(a.epoch_closed_now && b.epoch_closed_now, "{a:?}\n{b:?}");
    // Whichever ran first, each month had accounts the other had not recorded: both engines
    // created or extended the shared tables.
    for s in [&a, &b] {
        assert!(s.lookup_tables_created + s.lookup_table_extensions > 0, "{s:?}");
    }

    let mut expected: std::collections::BTreeMap<Pubkey, u64> = Default::default();
    for p in first.iter().chain(&second) {
        *expected.entry(p.token_account).or_default() += p.amount;
    }
    let mut backend = shared.lock().await;
    for (account, amount) in &expected {
        assert_eq!(backend.ledger.token_amount(account).await, *amount, "{account}");
    }
    let recorded = tables_hold_their_records(&mut backend, &db.pool).await;
    let unique: std::collections::BTreeSet<Pubkey> = recorded.iter().copied().collect();
    assert_eq!(unique.len(), recorded.len(), "no account is recorded twice");
    assert_eq!(unique, expected.keys().copied().collect(), "every recipient of both months");
    db.drop_db().await;
}

/// Issue 18.9: lost responses, dropped transactions and expired blockhashes never give a
/// batch up (even with one allowed failure); a batch refused on-chain is given up after
/// `max_attempts` failures, with its last error on record.
#[tokio::test]
async fn only_failures_on_chain_give_a_batch_up() {
    let db = TestDb::new("give_up").await;
    let (backend, treasury, month, admin) = common::payout_world().await;
    let mint = treasury.mint();
    // Sends: the token-account transactions, open_epoch, one write_plan_roots, approve_epoch,
    // then the four batches (from `first`): faults land on the batches.
    let first =
        60usize.div_ceil(stk_distributor::payout::limits::max_token_account_creations(0)) + 3;
    let faults = BackendFaults {
        lose_send_response: [first + 2].into_iter().collect(),
        drop_transaction: [first, first + 1, first + 4].into_iter().collect(),
        expired_blockhash: [first + 3, first + 5].into_iter().collect(),
        ..Default::default()
    };
    let mut backend = FaultyBackend::new(backend, faults);
    let payees = direct_plan(&db.pool, month, &mint, 60, TxForm::Legacy).await;
    let strict = EngineSettings { max_attempts: 1, ..settings(&admin) };
    PayoutEngine::new(&mut backend, &db.pool, mint, strict.clone()).run(month).await.unwrap();
    assert!(!backend.dropped.is_empty(), "faults were injected");
    for p in &payees {
        assert_eq!(backend.inner.ledger.token_amount(&p.token_account).await, p.amount);
    }
    let (attempts, failures): (i64, i64) = sqlx::query_as(
        "SELECT sum(attempts)::bigint, sum(failures)::bigint FROM payout_batches WHERE month = $1",
    )
    .bind(month.to_string())
    .fetch_one(&db.pool)
    .await
    .unwrap();
    assert!(attempts > 4, "re-signed after transport faults: {attempts}");
    assert_eq!(failures, 0);

    // A batch the treasury refuses (it names the distribution vault as a recipient).
    let db2 = TestDb::new("give_up_refused").await;
    let (backend, treasury, month, admin) = common::payout_world().await;
    let mut backend = backend;
    let mint = treasury.mint();
    let vault = treasury.addresses.distribution_vault;
    let shape = PlanShape::sized(TxForm::Legacy, 0);
    let mut lines: Vec<Payee> = (0..3)
        .map(|i| {
            let wallet = Keypair::new().pubkey();
            Payee {
                member_id: i,
                wallet,
                token_account: stk_client::ata(&wallet, &mint),
                amount: 1_000_000,
            }
        })
        .collect();
    lines.push(Payee {
        member_id: 99,
        wallet: Keypair::new().pubkey(),
        token_account: vault,
        amount: 5,
    });
    let batches = plan_batches(lines, 3, 10).unwrap();
    store::save_plan(&db2.pool, month, &"ab".repeat(32), &batches, shape).await.unwrap();
    let tries = EngineSettings { max_attempts: 3, ..settings(&admin) };
    match PayoutEngine::new(&mut backend, &db2.pool, mint, tries).run(month).await {
        Err(EngineError::GaveUp { index, attempts, error }) => {
            assert_eq!((index, attempts), (1, 3));
            assert!(!error.is_empty());
        }
        other => panic!("expected to give up batch 1, got {other:?}"),
    }
    let (state, failures, last_error): (String, i32, Option<String>) = sqlx::query_as(
        "SELECT state, failures, last_error FROM payout_batches WHERE month = $1 AND batch_index = 1",
    )
    .bind(month.to_string())
    .fetch_one(&db2.pool)
    .await
    .unwrap();
    assert_ne!(state, "confirmed");
    assert_eq!(failures, 3);
    assert!(last_error.is_some_and(|e| !e.is_empty()));
    db2.drop_db().await;
    db.drop_db().await;
}
