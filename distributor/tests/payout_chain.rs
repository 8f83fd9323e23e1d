//! The payout engine against a chain that behaves like a real cluster (issue 18, points 10, 11
//! and 15), on real Postgres and the embedded ledger (the real bank, Token-2022, the treasury
//! natively):
//!
//! * every transaction the engine sends carries the compute-unit price its policy gives for
//!   its attempt — the embedded backend reports recent prioritization fees as configured;
//! * recipients are read in `getMultipleAccounts`-sized chunks: at most ⌈accounts / 100⌉
//!   reads per pass (50,000 recipients: 1,000 reads of 100 accounts), none one by one;
//! * a transaction delivered late — after the engine saw its blockhash expire and re-signed,
//!   or after it gave up waiting — is recognised by the on-chain bitmap and never paid twice;
//!   a program's refusal at preflight counts toward giving a batch up, other refusals do not.
mod common;

use anchor_lang::{prelude::Pubkey, Discriminator};
use common::TestDb;
use solana_signer::Signer;
use solana_transaction::versioned::VersionedTransaction;
use std::{
    collections::{BTreeMap, BTreeSet},
    sync::Arc,
};
use stk_common::calendar::MonthId;
use stk_distributor::{
    chain::{
        faults::{BackendFaults, FaultyBackend, LateDelivery},
        priority::{self, PriorityFeePolicy},
        recording::RecordingBackend,
        AccountSummary, ChainBackend, ChainError, RecentBlockhash, SignatureStatus,
    },
    payout::{
        engine::{Approver, EngineError, EngineSettings, PayoutEngine, PayoutSummary},
        limits::TxForm,
        onchain,
        plan::{Payee, PlanShape},
        recipients,
    },
};

fn settings(admin: &Arc<solana_keypair::Keypair>) -> EngineSettings {
    EngineSettings { approver: Some(Approver(admin.clone())), ..Default::default() }
}

/// Every payee holds exactly its amount, the epoch booked exactly their sum as paid, and the
/// vault paid at least that (the transfer fee on top, grossed up by the treasury).
async fn assert_paid_once<B: ChainBackend>(
    backend: &mut B,
    month: MonthId,
    payees: &[Payee],
    vault: &Pubkey,
    vault_before: u64,
) {
    for p in payees {
        let data = backend.account_data(&p.token_account).await.unwrap().expect("token account");
        assert_eq!(token_amount(&data), p.amount, "member {}", p.member_id);
    }
    let total: u64 = payees.iter().map(|p| p.amount).sum();
    let epoch = backend.account_data(&onchain::epoch_address(month)).await.unwrap();
    let epoch = onchain::decode_epoch(epoch).unwrap().expect("epoch");
    assert_eq!((epoch.total, epoch.paid), (total, total), "the epoch paid exactly the plan, once");
    let data = backend.account_data(vault).await.unwrap().expect("vault");
    let spent = vault_before - token_amount(&data);
    assert!(spent >= total && spent < total + total / 50, "{spent} for {total}");
}

fn token_amount(data: &[u8]) -> u64 {
    use anchor_spl::token_interface::spl_token_2022::{
        extension::StateWithExtensions, state::Account,
    };
    StateWithExtensions::<Account>::unpack(data).unwrap().base.amount
}

async fn vault_amount<B: ChainBackend>(backend: &mut B, vault: &Pubkey) -> u64 {
    token_amount(&backend.account_data(vault).await.unwrap().expect("vault"))
}

/// A batch's attempts and failures as recorded.
async fn batch_row(db: &sqlx::PgPool, month: MonthId, index: i32) -> (i32, i32, Option<String>) {
    sqlx::query_as(
        "SELECT attempts, failures, last_error FROM payout_batches WHERE month = $1 AND batch_index = $2",
    )
    .bind(month.to_string())
    .bind(index)
    .fetch_one(db)
    .await
    .unwrap()
}

/// The instructions of `tx` other than the compute budget's, as (program, accounts, data):
/// what stays the same when the same work is signed again.
fn work_of(tx: &VersionedTransaction) -> Vec<(Pubkey, Vec<Pubkey>, Vec<u8>)> {
    let keys = tx.message.static_account_keys();
    tx.message
        .instructions()
        .iter()
        .map(|ix| {
            let accounts = ix.accounts.iter().map(|a| keys[*a as usize]).collect();
            (keys[ix.program_id_index as usize], accounts, ix.data.clone())
        })
        .filter(|(program, _, _)| *program != solana_compute_budget_interface::ID)
        .collect()
}

/// The batch a `distribute_batch` transaction pays, if it is one.
fn batch_of(tx: &VersionedTransaction) -> Option<u16> {
    work_of(tx).into_iter().find_map(|(program, _, data)| {
        let discriminator = stk_treasury::instruction::DistributeBatch::DISCRIMINATOR;
        (program == stk_treasury::ID && data.starts_with(discriminator))
            .then(|| u16::from_le_bytes([data[12], data[13]]))
    })
}

/// The accounts a legacy transaction writes, its fee payer left out.
fn written_by(tx: &VersionedTransaction) -> BTreeSet<Pubkey> {
    let header = tx.message.header();
    let keys = tx.message.static_account_keys();
    let signed = header.num_required_signatures as usize;
    let writable_signed = signed - header.num_readonly_signed_accounts as usize;
    let writable_unsigned = keys.len() - header.num_readonly_unsigned_accounts as usize;
    (1..keys.len())
        .filter(|&i| i < writable_signed || (i >= signed && i < writable_unsigned))
        .map(|i| keys[i])
        .collect()
}

/// Issue 18.10: with a policy (the median of the recent fees, a floor, a cap, doubled per
/// attempt) and the node reporting recent fees of 3,000 / 5,000 / 7,000 / 9,000, every
/// transaction the engine sends — token accounts, the epoch's steps, the plan roots, the
/// admin's approval, every batch, the close — carries `SetComputeUnitPrice` of 5,000 at its
/// first signature, 10,000 at the second, the cap 12,000 after; the recent fees are asked for
/// the accounts each transaction writes. Dropped transactions and an expired blockhash make the
/// engine re-sign, so escalation is exercised; every recipient is still paid exactly once.
#[tokio::test]
async fn every_transaction_carries_the_priority_fee_of_its_attempt() {
    let db = TestDb::new("priority_fee").await;
    let (backend, treasury, month, admin) = common::payout_world().await;
    let mint = treasury.mint();
    let vault = treasury.addresses.distribution_vault;
    let policy = PriorityFeePolicy {
        percentile: 50,
        floor_micro_lamports: 1_000,
        cap_micro_lamports: 12_000,
        raise_percent_per_attempt: 100,
    };
    let recent = vec![9_000, 3_000, 7_000, 5_000];
    let backend = backend.with_priority_fees(policy, recent.clone());
    // Sends: the token-account transactions (the 4th dropped, re-signed), open_epoch, the plan
    // roots, the approval, then the batches (two of the first batch's signatures dropped).
    let first_batch = token_account_transactions(60, policy.max_price()) + 1 + 3;
    let faults = BackendFaults {
        drop_transaction: [3, first_batch, first_batch + 1].into_iter().collect(),
        expired_blockhash: [first_batch + 5].into_iter().collect(),
        ..Default::default()
    };
    let mut backend = RecordingBackend::new(FaultyBackend::new(backend, faults));
    let vault_before = vault_amount(&mut backend, &vault).await;
    // Legacy batches are sized for the cap (the compute-budget instructions cost bytes).
    let shape = PlanShape::sized(TxForm::Legacy, policy.max_price());
    assert!(shape.recipients_per_batch < PlanShape::sized(TxForm::Legacy, 0).recipients_per_batch);
    let payees = common::fresh_payees(&mint, 60);
    common::save_direct_plan(&db.pool, month, &payees, shape).await;
    let summary =
        PayoutEngine::new(&mut backend, &db.pool, mint, settings(&admin)).run(month).await.unwrap();
    assert!(summary.epoch_closed_now, "{summary:?}");
    assert_paid_once(&mut backend, month, &payees, &vault, vault_before).await;

    let sent = backend.sent.clone();
    assert_eq!(backend.fee_queries.len(), sent.len(), "one recent-fee query per signature");
    let mut attempts: BTreeMap<Vec<(Pubkey, Vec<Pubkey>, Vec<u8>)>, u32> = BTreeMap::new();
    let mut prices = BTreeSet::new();
    let mut batch_prices: BTreeMap<u16, Vec<u64>> = BTreeMap::new();
    for (tx, asked) in sent.iter().zip(&backend.fee_queries) {
        let attempt = attempts.entry(work_of(tx)).or_default();
        let price = priority::price_of(tx).expect("every transaction is priced");
        assert_eq!(price, policy.price(&recent, *attempt), "attempt {attempt}: {:?}", work_of(tx));
        *attempt += 1;
        prices.insert(price);
        let asked: BTreeSet<Pubkey> = asked.iter().copied().collect();
        assert!(written_by(tx).is_subset(&asked), "asked for every account written");
        if let Some(batch) = batch_of(tx) {
            batch_prices.entry(batch).or_default().push(price);
        }
    }
    assert_eq!(prices, [5_000, 10_000, 12_000].into_iter().collect(), "escalated to the cap");
    assert_eq!(batch_prices.len(), summary.batches);
    assert_eq!(batch_prices[&0], vec![5_000, 10_000, 12_000], "batch 0: two dropped, then paid");
    assert!(batch_prices.values().skip(1).all(|p| p[0] == 5_000));
    // Every kind of transaction went through the priced path.
    let programs: BTreeSet<Pubkey> =
        sent.iter().flat_map(|tx| work_of(tx).into_iter().map(|(p, _, _)| p)).collect();
    assert!(programs.contains(&stk_treasury::ID));
    assert!(programs.contains(&spl_associated_token_account_interface::program::ID));
    // The admin's approval (signed by the admin key) is priced too.
    let admin_key = admin.pubkey();
    assert!(sent.iter().any(|tx| tx.message.static_account_keys()[0] == admin_key));
    db.drop_db().await;
}

/// Transactions creating `n` missing token accounts at the price `micro_lamports`.
fn token_account_transactions(n: usize, micro_lamports: u64) -> usize {
    n.div_ceil(stk_distributor::payout::limits::max_token_account_creations(micro_lamports))
}

/// A chain with no accounts at all, answering reads only (for counting reads at scale).
struct EmptyChain(solana_keypair::Keypair);

impl ChainBackend for EmptyChain {
    fn payer(&self) -> &solana_keypair::Keypair {
        &self.0
    }
    async fn latest_blockhash(&mut self) -> Result<RecentBlockhash, ChainError> {
        Ok(RecentBlockhash { blockhash: Default::default(), last_valid_block_height: 0 })
    }
    async fn block_height(&mut self) -> Result<u64, ChainError> {
        Ok(0)
    }
    async fn send(&mut self, _tx: &VersionedTransaction) -> Result<(), ChainError> {
        Err(ChainError::Rejected("read-only".into()))
    }
    async fn signature_status(
        &mut self,
        _signature: &solana_signature::Signature,
    ) -> Result<SignatureStatus, ChainError> {
        Ok(SignatureStatus::Unknown)
    }
    async fn account_data(&mut self, _address: &Pubkey) -> Result<Option<Vec<u8>>, ChainError> {
        Ok(None)
    }
    async fn accounts(
        &mut self,
        addresses: &[Pubkey],
    ) -> Result<Vec<Option<AccountSummary>>, ChainError> {
        assert!(addresses.len() <= stk_distributor::chain::MAX_MULTIPLE_ACCOUNTS);
        Ok(vec![None; addresses.len()])
    }
    async fn balance(&mut self, _address: &Pubkey) -> Result<u64, ChainError> {
        Ok(0)
    }
    async fn wait(&mut self) {}
}

/// Issue 18.11: 50,000 recipients (a wallet and a token account each: 100,000 accounts) are
/// checked in exactly ⌈100,000 / 100⌉ = 1,000 `getMultipleAccounts` of at most 100 accounts,
/// and no account is read one by one.
#[tokio::test]
async fn fifty_thousand_recipients_are_checked_in_a_thousand_reads() {
    let mint = Pubkey::new_unique();
    let pairs: Vec<(Pubkey, Pubkey)> = (0..50_000)
        .map(|_| {
            let wallet = Pubkey::new_unique();
            (wallet, stk_client::ata(&wallet, &mint))
        })
        .collect();
    let mut backend = RecordingBackend::new(EmptyChain(solana_keypair::Keypair::new()));
    let verdicts =
        recipients::check_all(&mut backend, &mint, &pairs, Default::default()).await.unwrap();
    assert_eq!(verdicts.len(), pairs.len());
    let counts = backend.take_counts();
    assert_eq!(counts.accounts_read, 100_000);
    assert_eq!(counts.multiple_accounts, 1_000, "⌈100,000 / 100⌉");
    assert_eq!(counts.largest_read, 100);
    assert_eq!(counts.single_accounts, 0);
}

/// Issue 18.11, through the engine: the re-check before the epoch opens reads every wallet and
/// token account in reads of 100 (⌈2n / 100⌉), the token-account pass every token account
/// (⌈n / 100⌉); nothing else reads per recipient (the few single reads are the epoch, the plan
/// pages and the lookup tables, per batch or per table).
#[tokio::test]
async fn the_engine_reads_recipients_in_chunks_of_a_hundred() {
    let db = TestDb::new("batched_reads").await;
    let (backend, treasury, month, admin) = common::payout_world().await;
    let mint = treasury.mint();
    let mut backend = RecordingBackend::new(backend);
    let n = 330;
    let payees = common::fresh_payees(&mint, n);
    let shape = PlanShape::sized(TxForm::LookupTable, 0);
    common::save_direct_plan(&db.pool, month, &payees, shape).await;
    let summary =
        PayoutEngine::new(&mut backend, &db.pool, mint, settings(&admin)).run(month).await.unwrap();
    assert!(summary.epoch_closed_now);
    let counts = backend.take_counts();
    // Each wallet once, each token account twice; then the costs' accounting: one token
    // account per creation transaction, the epoch and its plan pages before and after the run,
    // the tables after it (there were none before).
    let accounting = token_account_transactions(n, 0)
        + 2 * onchain::month_state_accounts(month).len()
        + stk_distributor::payout::store::load_all_tables(&db.pool).await.unwrap().len();
    assert_eq!(counts.accounts_read, 3 * n + accounting, "{counts:?}");
    assert!(counts.largest_read <= 100, "{counts:?}");
    // (the accounting: one read per creation transaction, two for the epoch and pages, two
    // for the tables)
    let bound = (2 * n).div_ceil(100) + n.div_ceil(100) + token_account_transactions(n, 0) + 4;
    assert!(
        counts.multiple_accounts <= bound,
        "{} > {bound}: {counts:?}",
        counts.multiple_accounts
    );
    let batches = summary.batches;
    assert!(
        counts.single_accounts <= 6 * batches + 40 && counts.single_accounts < n,
        "single reads are per batch, not per recipient: {counts:?} for {batches} batches"
    );
    db.drop_db().await;
}

/// A month of 60 fresh recipients in legacy batches of 19, planned directly, on a ledger
/// behind `faults`. Sends: the token-account transactions (5), open_epoch, the plan roots, the
/// approval: batch 0's first signature is [`FaultyMonth::first_batch`].
struct FaultyMonth {
    db: TestDb,
    backend: FaultyBackend<stk_distributor::chain::embedded::EmbeddedBackend>,
    month: MonthId,
    mint: Pubkey,
    admin: Arc<solana_keypair::Keypair>,
    payees: Vec<Payee>,
    vault: Pubkey,
    vault_before: u64,
}

impl FaultyMonth {
    /// The index of batch 0's first signature among the sends.
    fn first_batch() -> usize {
        token_account_transactions(60, 0) + 3
    }

    async fn new(tag: &str, faults: BackendFaults) -> FaultyMonth {
        let db = TestDb::new(tag).await;
        let (backend, treasury, month, admin) = common::payout_world().await;
        let mint = treasury.mint();
        let vault = treasury.addresses.distribution_vault;
        let mut backend = FaultyBackend::new(backend, faults);
        let vault_before = vault_amount(&mut backend, &vault).await;
        let payees = common::fresh_payees(&mint, 60);
        let shape = PlanShape::sized(TxForm::Legacy, 0);
        common::save_direct_plan(&db.pool, month, &payees, shape).await;
        FaultyMonth { db, backend, month, mint, admin, payees, vault, vault_before }
    }

    async fn pay(&mut self, settings: EngineSettings) -> Result<PayoutSummary, EngineError> {
        PayoutEngine::new(&mut self.backend, &self.db.pool, self.mint, settings)
            .run(self.month)
            .await
    }

    async fn batch(&self, index: i32) -> (i32, i32, Option<String>) {
        batch_row(&self.db.pool, self.month, index).await
    }

    /// Every recipient paid exactly once; drops the database.
    async fn paid_once(mut self) {
        assert_paid_once(
            &mut self.backend,
            self.month,
            &self.payees,
            &self.vault,
            self.vault_before,
        )
        .await;
        self.db.drop_db().await;
    }
}

/// Issue 18.15: the first signature of batch 0 is held by the chain; the engine waits until
/// its blockhash expired in its view, finds the bit clear and re-signs; the held transaction
/// lands just before the replacement, which the treasury refuses as "batch already paid". The
/// bitmap is the final word: the batch is confirmed, the refusal is not counted (one allowed
/// failure would otherwise give the batch up), every recipient is paid exactly once.
#[tokio::test]
async fn a_batch_landing_after_the_engine_resigned_it_is_paid_once() {
    let faults = BackendFaults {
        deliver_late: [(FaultyMonth::first_batch(), LateDelivery::BeforeNextSend)]
            .into_iter()
            .collect(),
        ..Default::default()
    };
    let mut m = FaultyMonth::new("late_resigned", faults).await;
    let strict = EngineSettings { max_attempts: 1, ..settings(&m.admin) };
    let summary = m.pay(strict).await.unwrap();
    assert!(summary.epoch_closed_now, "{summary:?}");
    assert_eq!(m.backend.landed_late.len(), 1, "the held transaction was delivered");
    let (late, status) = m.backend.landed_late[0].clone();
    assert_eq!(status, SignatureStatus::Succeeded, "the late original paid the batch");
    assert_eq!(m.batch(0).await, (2, 0, None), "re-signed once; the refused resend not counted");
    let resend: solana_signature::Signature = sqlx::query_scalar::<_, String>(
        "SELECT signature FROM payout_batches WHERE month = $1 AND batch_index = 0",
    )
    .bind(m.month.to_string())
    .fetch_one(&m.db.pool)
    .await
    .unwrap()
    .parse()
    .unwrap();
    assert_ne!(resend, late);
    match m.backend.signature_status(&resend).await.unwrap() {
        SignatureStatus::Failed { custom_code, .. } => {
            assert_eq!(custom_code, Some(onchain::batch_already_paid_code()))
        }
        other => panic!("the resend should have been refused on-chain: {other:?}"),
    }
    m.paid_once().await;
}

/// Issue 18.15: the engine gives up waiting for batch 0 (fewer waits than its blockhash
/// lives: the run stops, the month goes on); the held transaction lands while the next run
/// waits for that recorded signature. The next run never signs batch 0 again: the bitmap shows
/// it paid, every recipient is paid exactly once.
#[tokio::test]
async fn a_batch_landing_after_the_engine_gave_up_waiting_is_paid_once() {
    let faults = BackendFaults {
        deliver_late: [(FaultyMonth::first_batch(), LateDelivery::AfterWaits(5))]
            .into_iter()
            .collect(),
        ..Default::default()
    };
    let mut m = FaultyMonth::new("late_gave_up", faults).await;
    let impatient = EngineSettings { max_waits: 3, max_attempts: 1, ..settings(&m.admin) };
    match m.pay(impatient.clone()).await {
        Err(EngineError::Stuck { what, .. }) => assert_eq!(what, "batch 0"),
        other => panic!("expected the run to stop waiting for batch 0, got {other:?}"),
    }
    assert_eq!(m.backend.held(), 1, "still held when the engine gave up");
    let summary = m.pay(impatient).await.unwrap();
    assert!(summary.epoch_closed_now, "{summary:?}");
    assert_eq!(m.backend.landed_late.len(), 1);
    assert_eq!(m.backend.landed_late[0].1, SignatureStatus::Succeeded);
    assert_eq!(m.batch(0).await, (1, 0, None), "batch 0 was signed once, ever");
    m.paid_once().await;
}

/// Issue 18.15: refusals at preflight, per the engine's rules (README, "Exactly once"). A
/// program's refusal counts like a failure on-chain: with one allowed failure the batch is
/// given up, with its error on record. The next run (failures below the limit) waits out the
/// recorded signature, re-signs, and meets a refusal that is not a program's (the node behind:
/// an unknown blockhash): not counted, re-signed once more, paid. Nothing refused ever lands.
#[tokio::test]
async fn preflight_refusals_count_only_when_a_program_refused() {
    let program_refusal = ChainError::RefusedAtPreflight {
        error: "Transaction simulation failed: Error processing Instruction 0: custom program error: 0x1799".into(),
        custom_code: Some(0x1799),
    };
    let node_behind =
        ChainError::Rejected("Transaction simulation failed: Blockhash not found".into());
    // Batch 0's first signature (the 12th send) is refused by a program; its second (the
    // 13th: the first run stops at batch 0) by the node.
    let faults = BackendFaults {
        refuse_at_preflight: [
            (FaultyMonth::first_batch(), program_refusal),
            (FaultyMonth::first_batch() + 1, node_behind),
        ]
        .into_iter()
        .collect(),
        ..Default::default()
    };
    let mut m = FaultyMonth::new("preflight", faults).await;
    let strict = EngineSettings { max_attempts: 1, ..settings(&m.admin) };
    match m.pay(strict).await {
        Err(EngineError::GaveUp { index, attempts, error }) => {
            assert_eq!((index, attempts), (0, 1));
            assert!(error.contains("0x1799"), "{error}");
        }
        other => panic!("expected batch 0 to be given up, got {other:?}"),
    }
    let (attempts, failures, last_error) = m.batch(0).await;
    assert_eq!((attempts, failures), (1, 1));
    assert!(last_error.is_some_and(|e| e.contains("custom program error: 0x1799")));
    assert_eq!(m.backend.refused.len(), 1);

    let summary = m.pay(settings(&m.admin)).await.unwrap();
    assert!(summary.epoch_closed_now, "{summary:?}");
    assert_eq!(m.backend.refused.len(), 2, "the node's refusal was injected");
    let (attempts, failures, _) = m.batch(0).await;
    assert_eq!((attempts, failures), (3, 1), "the node's refusal is not counted");
    assert_eq!(m.batch(1).await, (1, 0, None));
    for signature in m.backend.refused.clone() {
        let status = m.backend.signature_status(&signature).await.unwrap();
        assert_eq!(status, SignatureStatus::Unknown, "a refused transaction never lands");
    }
    m.paid_once().await;
}

/// Every run adds its costs to `payout_costs`, failed runs too. When that record cannot be
/// written (here a trigger makes the database refuse it), a run that failed still reports its
/// own error — the batch given up — not the database's; a run that paid reports the database
/// error (its costs are missing), and the next run, with the database healthy, records them
/// and pays nothing twice.
#[tokio::test]
async fn a_failed_run_keeps_its_own_error_when_its_costs_cannot_be_recorded() {
    let program_refusal = ChainError::RefusedAtPreflight {
        error: "Transaction simulation failed: Error processing Instruction 0: custom program error: 0x1799".into(),
        custom_code: Some(0x1799),
    };
    let faults = BackendFaults {
        refuse_at_preflight: [(FaultyMonth::first_batch(), program_refusal)].into_iter().collect(),
        ..Default::default()
    };
    let mut m = FaultyMonth::new("costs_refused", faults).await;
    let pool = m.db.pool.clone();
    sqlx::raw_sql(
        "CREATE FUNCTION refuse_costs() RETURNS trigger LANGUAGE plpgsql AS
           $$ BEGIN RAISE EXCEPTION 'payout_costs is read-only in this test'; END $$;
         CREATE TRIGGER refuse_costs BEFORE INSERT OR UPDATE ON payout_costs
           FOR EACH ROW EXECUTE FUNCTION refuse_costs();",
    )
    .execute(&pool)
    .await
    .unwrap();
    let strict = EngineSettings { max_attempts: 1, ..settings(&m.admin) };
    match m.pay(strict).await {
        Err(EngineError::GaveUp { index, error, .. }) => {
            assert_eq!(index, 0);
            assert!(error.contains("0x1799"), "{error}");
        }
        other => panic!("expected the run's own error (batch 0 given up), got {other:?}"),
    }
    match m.pay(settings(&m.admin)).await {
        Err(EngineError::Store(e)) => {
            assert!(e.to_string().contains("payout_costs is read-only"), "{e}")
        }
        other => panic!("expected the costs' database error after paying, got {other:?}"),
    }
    let costs: i64 =
        sqlx::query_scalar("SELECT count(*) FROM payout_costs").fetch_one(&pool).await.unwrap();
    assert_eq!(costs, 0, "nothing was recorded while the database refused it");
    sqlx::raw_sql("DROP TRIGGER refuse_costs ON payout_costs").execute(&pool).await.unwrap();
    let summary = m.pay(settings(&m.admin)).await.unwrap();
    assert_eq!(summary.batches_confirmed_now, 0, "the paid month pays nothing again");
    let costs: i64 =
        sqlx::query_scalar("SELECT count(*) FROM payout_costs").fetch_one(&pool).await.unwrap();
    assert_eq!(costs, 1, "the healthy run's costs are on record");
    m.paid_once().await;
}

/// Issue 18.15 with the embedded backend simulating like a node (preflight on): a batch the
/// treasury refuses (it names the distribution vault as a recipient) is refused at preflight
/// with the program's code, never lands (no fee, no status), and is given up after
/// `max_attempts` refusals with the error on record; the other batches are paid.
#[tokio::test]
async fn a_batch_the_program_refuses_at_simulation_is_given_up_without_landing() {
    let db = TestDb::new("simulated").await;
    let (backend, treasury, month, admin) = common::payout_world().await;
    let mint = treasury.mint();
    let vault = treasury.addresses.distribution_vault;
    let mut backend = RecordingBackend::new(backend.with_preflight(true));
    let mut lines = common::fresh_payees(&mint, 3);
    lines.push(Payee {
        member_id: 99_999,
        wallet: solana_keypair::Keypair::new().pubkey(),
        token_account: vault,
        amount: 5,
    });
    let shape = PlanShape { recipients_per_batch: 3, ..PlanShape::sized(TxForm::Legacy, 0) };
    common::save_direct_plan(&db.pool, month, &lines, shape).await;
    let tries = EngineSettings { max_attempts: 3, ..settings(&admin) };
    match PayoutEngine::new(&mut backend, &db.pool, mint, tries).run(month).await {
        Err(EngineError::GaveUp { index, attempts, error }) => {
            assert_eq!((index, attempts), (1, 3));
            assert!(error.contains("simulation failed"), "{error}");
        }
        other => panic!("expected to give up batch 1, got {other:?}"),
    }
    let batch_1: Vec<_> =
        backend.sent.iter().filter(|tx| batch_of(tx) == Some(1)).cloned().collect();
    assert_eq!(batch_1.len(), 3, "three signatures, each refused");
    for tx in &batch_1 {
        let status = backend.signature_status(&tx.signatures[0]).await.unwrap();
        assert_eq!(status, SignatureStatus::Unknown, "a refused transaction never lands");
    }
    for p in &lines[..3] {
        let data = backend.account_data(&p.token_account).await.unwrap().expect("paid");
        assert_eq!(token_amount(&data), p.amount);
    }
    db.drop_db().await;
}

/// Issue 18, point 12: how many token accounts one transaction can create. On the real ATA and
/// Token-2022 programs (the STK mint carries the transfer-fee extension) one creation is five
/// entries of the instruction trace (the ATA program and four invocations), and a transaction
/// may run 64: 12 creations and a compute-budget instruction land, 13 fail with
/// `MaxInstructionTraceLengthExceeded` whatever their encoding — so a lookup table could not
/// raise the count. The compute budget per creation covers the measure.
#[tokio::test]
async fn token_account_creation_is_packed_to_the_trace_limit() {
    use stk_distributor::payout::limits;
    let (backend, treasury, _month, _admin) = common::payout_world().await;
    let mut ledger = backend.ledger;
    let mint = treasury.mint();
    let payer = ledger.ctx.payer.pubkey();
    let per_tx = limits::max_token_account_creations(0);
    assert_eq!(per_tx, 12);
    let creations = |n: usize| {
        let wallets: Vec<Pubkey> = (0..n).map(|_| Pubkey::new_unique()).collect();
        let mut ixs = limits::budget_instructions(1_400_000, 0);
        ixs.extend(limits::token_account_creations(&payer, &mint, &wallets));
        (wallets, ixs)
    };
    let (wallets, ixs) = creations(per_tx);
    let done = ledger.send(&ixs, &[]).await.expect("12 creations land");
    let per_account = done.compute_units / per_tx as u64;
    eprintln!("token accounts: {per_account} CU each ({} for {per_tx})", done.compute_units);
    assert!(per_account > 5_000, "the real programs ran: {per_account} CU");
    assert!(
        done.compute_units <= u64::from(limits::COMPUTE_UNITS_PER_TOKEN_ACCOUNT) * per_tx as u64
    );
    for w in &wallets {
        assert!(ledger.account(&stk_client::ata(w, &mint)).await.is_some());
    }
    // Idempotent: the same creations again succeed and change nothing.
    ledger.send(&ixs, &[]).await.expect("idempotent creations land again");
    // One more creation exceeds the trace.
    let (wallets, ixs) = creations(per_tx + 1);
    let failure = ledger.send(&ixs, &[]).await.expect_err("13 creations exceed the trace");
    assert!(
        failure.logs.iter().any(|l| l.contains("Max instruction trace length exceeded")),
        "{:?}",
        failure.logs
    );
    assert!(
        ledger.account(&stk_client::ata(&wallets[0], &mint)).await.is_none(),
        "nothing created"
    );
}
