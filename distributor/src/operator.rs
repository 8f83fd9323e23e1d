//! Operator commands: approve a month, show payout status, submit a payout over JSON-RPC.
use anyhow::{anyhow, bail, Context};
use sqlx::Row;
use std::{path::Path, time::Duration};
use stk_common::{calendar::MonthId, seeds};
use stk_distributor::{
    chain::rpc::{RpcBackend, RpcSettings},
    db, keypair,
    payout::{
        engine::{EngineSettings, PayoutEngine},
        from_report::freeze_and_plan,
        plan::PlanShape,
        store,
    },
    progress::{PayoutProgress, ProgressWatcher},
};

fn month(text: &str) -> anyhow::Result<MonthId> {
    MonthId::parse(text).ok_or_else(|| anyhow!("--month {text:?} is not YYYY-MM"))
}

fn stk(amount: i64) -> String {
    format!("{}.{:06}", amount / 1_000_000, amount % 1_000_000)
}

pub async fn approve(url: &str, month_text: &str, by: &str) -> anyhow::Result<()> {
    let m = month(month_text)?;
    let pool = db::connect(url).await?;
    let row = sqlx::query(
        "SELECT report_sha256, pool, allocated_total, payable_total, pending_total, members_credited, quarantined FROM monthly_reports WHERE month = $1",
    )
    .bind(m.to_string())
    .fetch_optional(&pool)
    .await?
    .ok_or_else(|| anyhow!("no report for {m}: run `distributor report --month {m}` first"))?;
    let sha: String = row.get("report_sha256");
    println!("report {m}  sha256 {sha}");
    println!("  pool              {:>20} STK", stk(row.get("pool")));
    println!("  allocated         {:>20} STK", stk(row.get("allocated_total")));
    println!("  payable now       {:>20} STK", stk(row.get("payable_total")));
    println!("  pending (carried) {:>20} STK", stk(row.get("pending_total")));
    println!("  members credited  {:>20}", row.get::<i32, _>("members_credited"));
    println!("  quarantined rows  {:>20}", row.get::<i32, _>("quarantined"));
    sqlx::query(
        "INSERT INTO payout_approvals (month, report_sha256, approved_by) VALUES ($1, $2, $3)
         ON CONFLICT (month) DO UPDATE SET report_sha256 = EXCLUDED.report_sha256, approved_by = EXCLUDED.approved_by, approved_at = now()",
    )
    .bind(m.to_string())
    .bind(&sha)
    .bind(by)
    .execute(&pool)
    .await?;
    println!("approved by {by}");
    Ok(())
}

pub async fn status(url: &str, month_text: Option<&str>) -> anyhow::Result<()> {
    let pool = db::connect(url).await?;
    let months: Vec<String> = match month_text {
        Some(t) => vec![month(t)?.to_string()],
        None => {
            sqlx::query_scalar("SELECT month FROM payout_epochs ORDER BY month")
                .fetch_all(&pool)
                .await?
        }
    };
    if months.is_empty() {
        println!("no payout planned yet");
    }
    for m in months {
        let id = month(&m)?;
        let epoch = sqlx::query(
            "SELECT state, total, batch_count, report_sha256, tx_form, open_signature, close_signature
             FROM payout_epochs WHERE month = $1",
        )
        .bind(&m)
        .fetch_optional(&pool)
        .await?;
        let pending: i64 = sqlx::query_scalar(
            "SELECT coalesce(sum(amount), 0)::bigint FROM pending_allocations WHERE settled_month IS NULL",
        )
        .fetch_one(&pool)
        .await?;
        match epoch {
            None => println!("{m}: no payout plan (report not frozen yet)"),
            Some(e) => {
                let counts = store::batch_counts(&pool, id).await?;
                let counts: Vec<String> = counts.iter().map(|(s, n)| format!("{n} {s}")).collect();
                println!(
                    "{m}: epoch {}, {} STK in {} {} batches ({}), report {}",
                    e.get::<String, _>("state"),
                    stk(e.get("total")),
                    e.get::<i32, _>("batch_count"),
                    e.get::<String, _>("tx_form"),
                    counts.join(", "),
                    e.get::<String, _>("report_sha256")
                );
                println!("  {}", PayoutProgress::read(&pool, id).await?.render(30));
                for (step, column) in
                    [("open_epoch", "open_signature"), ("close_epoch", "close_signature")]
                {
                    if let Some(signature) = e.get::<Option<String>, _>(column) {
                        println!("  {step:<12} {signature}");
                    }
                }
            }
        }
        println!("  pending allocations carried (all months): {} STK", stk(pending));
    }
    Ok(())
}

/// How `submit` sends a payout.
pub struct SubmitOptions<'a> {
    pub rpc_url: &'a str,
    pub keypair: &'a Path,
    pub priority_fee: u64,
    pub require_approval: bool,
    pub lookup_tables: bool,
    pub rent_payer: Option<stk_distributor::payout::engine::RentPayer>,
}

pub async fn submit(url: &str, month_text: &str, opts: SubmitOptions<'_>) -> anyhow::Result<()> {
    let SubmitOptions { rpc_url, keypair: keypair_path, priority_fee, require_approval, .. } = opts;
    let m = month(month_text)?;
    let payer = keypair::load(keypair_path)?;
    let pool = db::connect(url).await?;
    db::migrate(&pool).await?;
    if require_approval {
        let approved: Option<String> =
            sqlx::query_scalar("SELECT report_sha256 FROM payout_approvals WHERE month = $1")
                .bind(m.to_string())
                .fetch_optional(&pool)
                .await?;
        let current: Option<String> =
            sqlx::query_scalar("SELECT report_sha256 FROM monthly_reports WHERE month = $1")
                .bind(m.to_string())
                .fetch_optional(&pool)
                .await?;
        match (approved, current) {
            (_, None) => bail!("no report for {m}: run `distributor report --month {m}` first"),
            (None, _) => bail!("{m} is not approved: run `distributor approve --month {m}` first"),
            (Some(a), Some(c)) if a != c => {
                bail!("the approved report ({a}) is not the current one ({c}); approve again")
            }
            _ => {}
        }
    }
    let mint = seeds::find_stk_mint();
    let settings = RpcSettings { url: rpc_url.to_string(), ..RpcSettings::default() };
    let mut backend = RpcBackend::new(payer, settings);
    use stk_distributor::chain::ChainBackend;
    let shape =
        PlanShape::choose(opts.lookup_tables, backend.supports_lookup_tables(), priority_fee);
    let plan = freeze_and_plan(&pool, m, &mint, shape).await?;
    tracing::info!(month = %m, recipients = plan.payees, batches = plan.batches, total = plan.total, form = shape.form.as_str(), "payout plan saved");
    let engine_settings = EngineSettings {
        compute_unit_price: priority_fee,
        rent_payer: opts.rent_payer,
        ..EngineSettings::default()
    };
    let progress = ProgressWatcher::start(pool.clone(), m, Duration::from_millis(500));
    let outcome = PayoutEngine::new(&mut backend, &pool, mint, engine_settings).run(m).await;
    progress.finish().await;
    let summary =
        outcome.with_context(|| format!("paying {m}; run the same command again to resume"))?;
    println!(
        "{m}: {} recipients, {} batches confirmed in this run, {} transactions sent, epoch closed",
        summary.recipients, summary.batches_confirmed_now, summary.transactions_sent
    );
    Ok(())
}
