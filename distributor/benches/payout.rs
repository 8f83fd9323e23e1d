//! Benchmark (not a test): a full month's payout on the embedded ledger, with and without
//! address lookup tables.
//!
//! `cargo bench --workspace --bench payout` — `STK_BENCH_RECIPIENTS` members (default 50000);
//! `STK_BENCH_FORMS=lookup_table,legacy` (default both); Postgres from `STK_TEST_DATABASE_URL`.
//!
//! Per form, on a fresh ledger (the five programs natively, the real Token-2022, ATA and
//! address-lookup-table programs) and a fresh database: the plan is saved, then one engine run
//! creates every recipient's token account (paid by a separate rent payer, so rent is counted
//! apart from fees), creates and extends the month's lookup tables, opens the epoch, pays every
//! batch and closes the epoch; then the tables are deactivated and, 512 banks later, closed.
//! Every recipient's balance is checked. Printed: transactions sent (by kind), recipients per
//! payout transaction, lamports of fees per recipient, rent per recipient, wall time and peak
//! memory (VmHWM, reset between forms).
use anchor_lang::prelude::Pubkey;
use sha2::{Digest, Sha256};
use solana_signer::Signer;
use sqlx::{Connection, Executor, PgConnection};
use std::{sync::Arc, time::Instant};
use stk_common::calendar::MonthId;
use stk_distributor::{
    chain::{embedded::EmbeddedBackend, ChainBackend},
    db,
    payout::{
        engine::{Approver, EngineSettings, PayoutEngine, RentPayer},
        limits::TxForm,
        onchain,
        plan::{plan_batches, Payee, PlanShape},
        store,
    },
};
use stk_harness::{ata, treasury::TreasurySetup, Ledger};

/// Resets VmHWM to the current resident size (Linux `clear_refs` 5).
fn reset_hwm() {
    let _ = std::fs::write("/proc/self/clear_refs", "5");
}

struct Row {
    form: TxForm,
    recipients: usize,
    batches: usize,
    recipients_per_batch: usize,
    tables: usize,
    transactions: usize,
    fees: u64,
    ata_rent: u64,
    table_rent: u64,
    seconds: f64,
    hwm_mib: u64,
}

async fn run_form(admin: &str, form: TxForm, n: usize) -> anyhow::Result<Row> {
    reset_hwm();
    let name = format!("stk_bench_payout_{}_{}", form.as_str(), std::process::id());
    let (base, _) = admin.rsplit_once('/').expect("URL with a database");
    let mut conn = PgConnection::connect(admin).await?;
    conn.execute(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)").as_str()).await?;
    conn.execute(format!("CREATE DATABASE {name}").as_str()).await?;
    let pool = db::connect(&format!("{base}/{name}")).await?;
    db::migrate(&pool).await?;

    // The admin (the ledger's payer) approves the plan; a distinct key distributes.
    let mut ledger = Ledger::start().await;
    let admin_key = Arc::new(ledger.ctx.payer.insecure_clone());
    let treasury = TreasurySetup::initialize(&mut ledger, Default::default()).await;
    Ledger::ok(treasury.stk.mint_quarter(&mut ledger, 0, true).await);
    let month = MonthId(treasury.stk.schedule.start_month);
    let after = MonthId(month.0 + 1).start_ts(treasury.stk.schedule.utc_offset_secs) + 3_600;
    if ledger.now().await < after {
        ledger.warp_to_timestamp(after).await;
    }
    let mint = treasury.mint();
    let vault = treasury.addresses.distribution_vault;
    let rent_payer = ledger.funded_keypair(2_000_000_000_000).await;
    let rent_payer_key = rent_payer.pubkey();
    let vault_before = ledger.token_amount(&vault).await;

    // A month's worth of members; amounts sum well within the first month's allowance.
    let payees: Vec<Payee> = (0..n)
        .map(|i| {
            let wallet = solana_keypair::Keypair::new().pubkey();
            Payee {
                member_id: i as i64 + 1,
                wallet,
                token_account: ata(&wallet, &mint),
                amount: 1_000 + (i as u64 * 7_919) % 100_000,
            }
        })
        .collect();
    let shape = PlanShape::sized(form, 0);
    let batches = plan_batches(payees.clone(), shape.recipients_per_batch, 4096)?;
    let batch_count = batches.len();
    let hash = hex::encode(Sha256::digest(format!("bench {n} {}", form.as_str())));
    store::save_plan(&pool, month, &hash, &batches, shape).await?;
    drop(batches);

    let mut backend = EmbeddedBackend::with_payer(ledger, treasury.distributor.insecure_clone());
    let distributor = backend.payer().pubkey();
    let distributor_before = backend.balance(&distributor).await?;
    let rent_payer_before = backend.balance(&rent_payer_key).await?;
    let settings = EngineSettings {
        rent_payer: Some(RentPayer(Arc::new(rent_payer))),
        approver: Some(Approver(admin_key)),
        ..EngineSettings::default()
    };
    let started = Instant::now();
    let summary = PayoutEngine::new(&mut backend, &pool, mint, settings.clone()).run(month).await?;
    let paid_seconds = started.elapsed().as_secs_f64();
    let tables = store::load_tables(&pool, month).await?;
    let mut table_rent = 0;
    for t in &tables {
        table_rent += backend.balance(&t.address).await?;
    }
    // Reclaim the tables' rent: closable once the deactivation left SlotHashes.
    let mut reclaim_txs = 0;
    if !tables.is_empty() {
        for _ in 0..520 {
            backend.wait().await;
        }
        let mut engine = PayoutEngine::new(&mut backend, &pool, mint, settings);
        let closed = engine.reclaim_lookup_tables().await?;
        assert_eq!(closed, tables.len(), "every table closed");
        reclaim_txs = closed.div_ceil(16);
    }
    let seconds = started.elapsed().as_secs_f64();

    // Every recipient holds exactly its amount; the vault's remainder is exact.
    let ledger = &mut backend.ledger;
    let mut left_vault = 0;
    for p in &payees {
        let t = ledger.token(&p.token_account).await;
        assert_eq!(t.amount, p.amount, "member {} paid exactly", p.member_id);
        left_vault += t.amount + t.withheld;
    }
    assert_eq!(ledger.token_amount(&vault).await, vault_before - left_vault);
    let ata_rent_each = ledger.lamports(&payees[0].token_account).await;
    let epoch_rent = ledger.lamports(&onchain::epoch_address(month)).await;
    let distributor_spent = distributor_before - ledger.lamports(&distributor).await;
    let rent_payer_spent = rent_payer_before - ledger.lamports(&rent_payer_key).await;
    let ata_rent = ata_rent_each * n as u64;
    // Fees: everything spent except rent still held (epoch account, token accounts).
    let fees = distributor_spent - epoch_rent + (rent_payer_spent - ata_rent);
    println!(
        "{:>13}: {} recipients, {} batches paid, {} tables, {} token accounts created, {} transactions \
         sent + {} to close tables; paid in {:.1} s",
        form.as_str(),
        n,
        batch_count,
        tables.len(),
        summary.token_accounts_created,
        summary.transactions_sent,
        reclaim_txs,
        paid_seconds
    );
    pool.close().await;
    conn.execute(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)").as_str()).await?;
    Ok(Row {
        form,
        recipients: n,
        batches: batch_count,
        recipients_per_batch: shape.recipients_per_batch,
        tables: tables.len(),
        transactions: summary.transactions_sent + reclaim_txs,
        fees,
        ata_rent,
        table_rent,
        seconds,
        hwm_mib: stk_distributor::metrics::vm_hwm_kib() / 1024,
    })
}

fn main() -> anyhow::Result<()> {
    let n: usize = std::env::var("STK_BENCH_RECIPIENTS")
        .ok()
        .and_then(|v| v.replace('_', "").parse().ok())
        .unwrap_or(50_000);
    let forms: Vec<TxForm> = std::env::var("STK_BENCH_FORMS")
        .unwrap_or_else(|_| "lookup_table,legacy".into())
        .split(',')
        .map(|f| TxForm::parse(f.trim()).expect("STK_BENCH_FORMS: lookup_table,legacy"))
        .collect();
    let admin = std::env::var("STK_TEST_DATABASE_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into());
    let max = stk_treasury::state::MAX_BATCH_COUNT as usize;
    for form in &forms {
        let per = PlanShape::sized(*form, 0).recipients_per_batch;
        println!(
            "{}: {} batches of {} for {} recipients; the treasury accepts {} per epoch (up to {} recipients)",
            form.as_str(),
            n.div_ceil(per),
            per,
            n,
            max,
            max * per
        );
    }
    // One thread: the embedded ledger must not race its clock warps (as the distributor).
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
    let mut rows = vec![];
    for form in forms {
        rows.push(rt.block_on(run_form(&admin, form, n))?);
    }
    println!();
    println!(
        "{:<13} {:>10} {:>8} {:>7} {:>7} {:>6} {:>12} {:>11} {:>12} {:>13} {:>8} {:>9}",
        "form",
        "recipients",
        "batches",
        "rcp/tx",
        "tables",
        "txs",
        "fees (lam)",
        "fee/rcp",
        "ATA rent/rcp",
        "table rent*",
        "wall s",
        "VmHWM MiB"
    );
    for r in &rows {
        println!(
            "{:<13} {:>10} {:>8} {:>7.1} {:>7} {:>6} {:>12} {:>11.1} {:>12} {:>13} {:>8.1} {:>9}",
            r.form.as_str(),
            r.recipients,
            r.batches,
            r.recipients as f64 / r.batches as f64,
            r.tables,
            r.transactions,
            r.fees,
            r.fees as f64 / r.recipients as f64,
            r.ata_rent / r.recipients as u64,
            r.table_rent,
            r.seconds,
            r.hwm_mib
        );
        let _ = r.recipients_per_batch;
    }
    println!(
        "rcp/tx: recipients per payout transaction (max {} with a table, {} without); fees: every \
         transaction of the run (token accounts, tables, epoch, batches, table close), 5,000 \
         lamports per signature here; *table rent: deposited while the month is paid, returned \
         when the tables are closed (included in fees only as the close transactions)",
        PlanShape::sized(TxForm::LookupTable, 0).recipients_per_batch,
        PlanShape::sized(TxForm::Legacy, 0).recipients_per_batch
    );
    Ok(())
}
