//! Benchmark (not a test): two months' payouts on the embedded ledger, with and without
//! address lookup tables.
//!
//! `cargo bench --profile dev --workspace --bench payout` — `STK_BENCH_RECIPIENTS` members
//! (default 50000); `STK_BENCH_FORMS=lookup_table,legacy` (default both); Postgres from
//! `STK_TEST_DATABASE_URL`.
//!
//! Per form, on a fresh ledger (the five programs natively, the real Token-2022, ATA and
//! address-lookup-table programs) and a fresh database:
//! * **first month**: every member's token account is created (paid by a separate rent payer,
//!   so rent is counted apart from fees), the kept lookup tables are created and extended, the
//!   epoch is opened, approved, paid and closed;
//! * **steady month**: 1% of the members left and 1% joined: the newcomers' accounts are
//!   created and appended to the kept tables; everything else is one transaction per batch.
//!
//! Every recipient's balance is checked. Printed per month: transactions sent, recipients per
//! payout transaction, fees per recipient, token-account rent, lookup-table rent, wall time
//! and peak memory (VmHWM, reset between forms). The figures come from the engine's own
//! accounting (`payout_costs`), checked against the balances.
use anchor_lang::prelude::Pubkey;
use sha2::{Digest, Sha256};
use solana_signer::Signer;
use sqlx::{Connection, Executor, PgConnection};
use std::{sync::Arc, time::Instant};
use stk_common::calendar::MonthId;
use stk_distributor::{
    chain::embedded::EmbeddedBackend,
    db,
    payout::{
        engine::{Approver, EngineSettings, PayoutEngine, RentPayer},
        limits::TxForm,
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
    month: &'static str,
    recipients: usize,
    batches: usize,
    tables_created: usize,
    table_extensions: usize,
    token_accounts: usize,
    transactions: usize,
    fees: i64,
    ata_rent: u64,
    table_rent: i64,
    seconds: f64,
    hwm_mib: u64,
}

fn members(range: std::ops::Range<usize>, mint: &Pubkey) -> Vec<Payee> {
    range
        .map(|i| {
            let wallet = solana_keypair::Keypair::new().pubkey();
            Payee {
                member_id: i as i64 + 1,
                wallet,
                token_account: ata(&wallet, mint),
                amount: 1_000 + (i as u64 * 7_919) % 100_000,
            }
        })
        .collect()
}

async fn run_form(admin: &str, form: TxForm, n: usize) -> anyhow::Result<Vec<Row>> {
    reset_hwm();
    let name = format!("stk_bench_payout_{}_{}", form.as_str(), std::process::id());
    let (base, _) = admin.rsplit_once('/').expect("URL with a database");
    let mut conn = PgConnection::connect(admin).await?;
    conn.execute(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)").as_str()).await?;
    conn.execute(format!("CREATE DATABASE {name}").as_str()).await?;
    let pool = db::connect(&format!("{base}/{name}")).await?;
    db::migrate(&pool).await?;

    // The admin (the ledger's payer) approves the plans; a distinct key distributes.
    let mut ledger = Ledger::start().await;
    let admin_key = Arc::new(ledger.ctx.payer.insecure_clone());
    let treasury = TreasurySetup::initialize(&mut ledger, Default::default()).await;
    Ledger::ok(treasury.stk.mint_quarter(&mut ledger, 0, true).await);
    let first = MonthId(treasury.stk.schedule.start_month);
    let mint = treasury.mint();
    let vault = treasury.addresses.distribution_vault;
    let rent_payer = ledger.funded_keypair(2_000_000_000_000).await;
    // The distributor key pays the kept tables' rent (≈0.058 SOL per full table).
    ledger.airdrop(&treasury.distributor.pubkey(), 100_000_000_000).await;
    let offset = treasury.stk.schedule.utc_offset_secs;
    let mut backend = EmbeddedBackend::with_payer(ledger, treasury.distributor.insecure_clone());
    let settings = EngineSettings {
        rent_payer: Some(RentPayer(Arc::new(rent_payer))),
        approver: Some(Approver(admin_key)),
        ..EngineSettings::default()
    };

    // A month's worth of members; amounts sum well within a month's allowance. The steady
    // month: the first 1% left, as many joined.
    let churn = (n / 100).max(1);
    let month_one = members(0..n, &mint);
    let mut month_two = month_one[churn..].to_vec();
    month_two.extend(members(n..n + churn, &mint));
    let mut rows = vec![];
    for (k, (label, payees)) in
        [("first", month_one), ("steady", month_two)].into_iter().enumerate()
    {
        let month = MonthId(first.0 + k as u32);
        let after = MonthId(month.0 + 1).start_ts(offset) + 3_600;
        if backend.ledger.now().await < after {
            backend.ledger.warp_to_timestamp(after).await;
        }
        let vault_before = backend.ledger.token_amount(&vault).await;
        let before: Vec<u64> = {
            let mut v = Vec::with_capacity(payees.len());
            for p in &payees {
                v.push(match backend.ledger.account(&p.token_account).await {
                    Some(_) => backend.ledger.token(&p.token_account).await.amount,
                    None => 0,
                });
            }
            v
        };
        let shape = PlanShape::sized(form, 0);
        let batches = plan_batches(payees.clone(), shape.recipients_per_batch, 4096)?;
        let batch_count = batches.len();
        let hash = hex::encode(Sha256::digest(format!("bench {n} {} {label}", form.as_str())));
        store::save_plan(&pool, month, &hash, &batches, shape).await?;
        drop(batches);

        let started = Instant::now();
        let summary =
            PayoutEngine::new(&mut backend, &pool, mint, settings.clone()).run(month).await?;
        let seconds = started.elapsed().as_secs_f64();

        // Every recipient holds exactly its amount more; the vault's remainder is exact.
        let mut left_vault = 0;
        for (p, was) in payees.iter().zip(before) {
            let t = backend.ledger.token(&p.token_account).await;
            assert_eq!(t.amount - was, p.amount, "member {} paid exactly", p.member_id);
            left_vault += p.amount;
        }
        let vault_after = backend.ledger.token_amount(&vault).await;
        assert!(vault_before - vault_after >= left_vault, "the vault paid at least the plan");
        let costs = store::month_costs(&pool, Some(month)).await?;
        let c = costs.first().expect("the month's costs are recorded");
        assert_eq!(c.token_accounts_created as usize, summary.token_accounts_created);
        println!(
            "{:>13} {label:>6} month: {} recipients, {} batches, {} tables created, {} extensions, {} token accounts, {} transactions; paid in {:.1} s",
            form.as_str(),
            payees.len(),
            batch_count,
            summary.lookup_tables_created,
            summary.lookup_table_extensions,
            summary.token_accounts_created,
            summary.transactions_sent,
            seconds
        );
        rows.push(Row {
            form,
            month: label,
            recipients: payees.len(),
            batches: batch_count,
            tables_created: summary.lookup_tables_created,
            table_extensions: summary.lookup_table_extensions,
            token_accounts: summary.token_accounts_created,
            transactions: summary.transactions_sent,
            fees: c.fee_lamports,
            ata_rent: c.token_account_rent as u64,
            table_rent: c.lookup_table_rent,
            seconds,
            hwm_mib: stk_distributor::metrics::vm_hwm_kib() / 1024,
        });
    }
    pool.close().await;
    conn.execute(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)").as_str()).await?;
    Ok(rows)
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
        rows.extend(rt.block_on(run_form(&admin, form, n))?);
    }
    println!();
    println!(
        "{:<13} {:>6} {:>10} {:>8} {:>7} {:>7} {:>6} {:>8} {:>6} {:>12} {:>8} {:>13} {:>14} {:>7} {:>9}",
        "form",
        "month",
        "recipients",
        "batches",
        "rcp/tx",
        "tables+",
        "ext",
        "accounts",
        "txs",
        "fees (lam)",
        "fee/rcp",
        "ATA rent/rcp",
        "table rent",
        "wall s",
        "VmHWM MiB"
    );
    for r in &rows {
        println!(
            "{:<13} {:>6} {:>10} {:>8} {:>7.1} {:>7} {:>6} {:>8} {:>6} {:>12} {:>8.1} {:>13} {:>14} {:>7.1} {:>9}",
            r.form.as_str(),
            r.month,
            r.recipients,
            r.batches,
            r.recipients as f64 / r.batches as f64,
            r.tables_created,
            r.table_extensions,
            r.token_accounts,
            r.transactions,
            r.fees,
            r.fees as f64 / r.recipients as f64,
            r.ata_rent / r.recipients as u64,
            r.table_rent,
            r.seconds,
            r.hwm_mib
        );
    }
    println!(
        "rcp/tx: recipients per payout transaction; tables+: lookup tables created; ext: extend \
         transactions; txs: every transaction of the run (token accounts, tables, epoch, batches); \
         fees: lamports spent less rent held, 5,000 per signature here; ATA rent/rcp: rent of \
         the accounts created, per recipient (the members keep it); table rent: lamports moved \
         into the kept tables (returned when a table is retired)"
    );
    Ok(())
}
