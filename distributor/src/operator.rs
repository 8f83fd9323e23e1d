//! Operator commands: approve a month's report, show payout status, submit a payout over
//! JSON-RPC, approve a proposed plan with the admin key.
use anyhow::{anyhow, bail, Context};
use sqlx::Row;
use std::{path::Path, time::Duration};
use stk_common::{calendar::MonthId, seeds};
use stk_distributor::{
    chain::rpc::{RpcBackend, RpcSettings},
    db, keypair,
    payout::{
        admin::{self, ApproveOutcome},
        approved::{self, ApprovalState},
        engine::{EngineError, EngineSettings, PayoutEngine},
        from_report::{freeze_and_plan, Approval, FreezeRequest},
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

/// Months are computed, frozen and paid in order: a month's report needs the previous
/// month (within the schedule) frozen, so the pending amounts it carries in are final.
pub async fn check_previous_frozen(
    pool: &sqlx::PgPool,
    config: &stk_distributor::config::Config,
    m: MonthId,
) -> anyhow::Result<()> {
    if m.0 <= config.schedule().start_month {
        return Ok(());
    }
    let previous = MonthId(m.0 - 1);
    let frozen: Option<bool> =
        sqlx::query_scalar("SELECT frozen FROM monthly_reports WHERE month = $1")
            .bind(previous.to_string())
            .fetch_optional(pool)
            .await?;
    if frozen != Some(true) {
        bail!("{m} is computed only after {previous} is frozen (months are computed, frozen and paid in order): pay {previous} first");
    }
    Ok(())
}

/// After `report`: tells the operator when the report differs from the one that was awaiting
/// approval (or approved), and how to approve the new one.
pub fn tell_if_changed(m: MonthId, before: &ApprovalState, sha: &str) {
    let previous = match before {
        ApprovalState::Awaiting { current, .. } | ApprovalState::Approved(current) => current,
        _ => return,
    };
    if previous != sha {
        println!("the report of {m} changed: {previous} -> {sha} (its inputs changed); the approval of {previous}, if any, no longer applies");
    }
    println!("review it, then: distributor approve --month {m} --sha256 {sha}");
}

/// Records the operator's approval of the report `sha256` of the month, which must be the
/// current report (the hash `report` and `status` print); anything else is refused.
pub async fn approve(url: &str, month_text: &str, sha256: &str, by: &str) -> anyhow::Result<()> {
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
    approved::approve(&pool, m, &sha256.to_ascii_lowercase(), by).await?;
    println!("approved report {sha} of {m} by {by}");
    Ok(())
}

/// One month's payout costs in words.
pub fn costs_line(c: &store::MonthCosts) -> String {
    format!(
        "costs: {} transactions in {} runs; fees {} SOL ({} lamports per recipient); token-account rent {} SOL ({} accounts created, kept by the members); lookup-table rent {} SOL ({} tables created, {} extensions; returned when retired); epoch and plan pages {} SOL",
        c.transactions_sent,
        c.runs,
        stk_distributor::render::sol(c.fee_lamports),
        c.fee_per_recipient(),
        stk_distributor::render::sol(c.token_account_rent),
        c.token_accounts_created,
        stk_distributor::render::sol(c.lookup_table_rent),
        c.lookup_tables_created,
        c.lookup_table_extensions,
        stk_distributor::render::sol(c.epoch_rent),
    )
}

pub async fn status(url: &str, month_text: Option<&str>) -> anyhow::Result<()> {
    // A malformed --month is told before anything connects.
    let chosen = month_text.map(month).transpose()?;
    let pool = db::connect(url).await?;
    let months: Vec<String> = match chosen {
        Some(m) => vec![m.to_string()],
        None => sqlx::query_scalar(
            "SELECT month FROM monthly_reports UNION SELECT month FROM payout_epochs ORDER BY 1",
        )
        .fetch_all(&pool)
        .await?,
    };
    if months.is_empty() {
        println!("no report computed yet");
    }
    for m in months {
        let id = month(&m)?;
        match approved::state(&pool, id).await? {
            ApprovalState::NoReport => println!("{m}: no report"),
            ApprovalState::Awaiting { current, stale_approval } => {
                println!("{m}: report {current} awaiting approval: `distributor approve --month {m} --sha256 {current}`");
                if let Some(old) = stale_approval {
                    println!("  the approval of {old} no longer applies: the report was recomputed since");
                }
            }
            ApprovalState::Approved(sha) => {
                println!("{m}: report {sha} approved; the next `submit` or service pass freezes and plans it")
            }
            ApprovalState::Frozen(sha) => println!("{m}: report {sha} frozen"),
        }
        let epoch = sqlx::query(
            "SELECT state, total, batch_count, report_sha256, tx_form, open_signature, approve_signature,
                    close_signature, plan_hash, unpaid_carried, recipients_skipped, amount_carried
             FROM payout_epochs WHERE month = $1",
        )
        .bind(&m)
        .fetch_optional(&pool)
        .await?;
        if let Some(e) = epoch {
            let state: String = e.get("state");
            let plan_hash: Option<String> = e.get("plan_hash");
            let plan_hash = plan_hash.unwrap_or_default();
            if state == "empty" {
                println!("  nothing payable: complete without a transaction");
            } else {
                let counts = store::batch_counts(&pool, id).await?;
                let counts: Vec<String> = counts.iter().map(|(s, n)| format!("{n} {s}")).collect();
                println!(
                    "  epoch {state}, {} STK in {} {} batches ({}), plan {plan_hash}",
                    stk(e.get("total")),
                    e.get::<i32, _>("batch_count"),
                    e.get::<String, _>("tx_form"),
                    counts.join(", "),
                );
                if state == "proposed" {
                    println!("  awaiting approval of plan {plan_hash}: run `distributor approve-epoch --month {m} --plan-hash {plan_hash} --keypair admin.json`");
                }
                println!("  {}", PayoutProgress::read(&pool, id).await?.render(30));
                for (step, column) in [
                    ("open_epoch", "open_signature"),
                    ("approve_epoch", "approve_signature"),
                    ("close_epoch", "close_signature"),
                ] {
                    if let Some(signature) = e.get::<Option<String>, _>(column) {
                        println!("  {step:<13} {signature}");
                    }
                }
                if e.get::<bool, _>("unpaid_carried") {
                    println!(
                        "  not paid by the epoch, pending again: {} recipients, {} STK",
                        e.get::<i32, _>("recipients_skipped"),
                        stk(e.get("amount_carried"))
                    );
                }
            }
            for c in store::month_costs(&pool, Some(id)).await? {
                println!("  {}", costs_line(&c));
            }
            // Batches that are not confirmed and had trouble: last error and attempts.
            let stuck = sqlx::query(
                "SELECT batch_index, state, attempts, failures, last_error, signature FROM payout_batches
                 WHERE month = $1 AND state <> 'confirmed' AND (failures > 0 OR attempts > 1)
                 ORDER BY batch_index",
            )
            .bind(&m)
            .fetch_all(&pool)
            .await?;
            for b in stuck {
                println!(
                    "  stuck batch {:>4}: {} after {} signatures, {} failed on-chain; last error: {}; last signature {}",
                    b.get::<i32, _>("batch_index"),
                    b.get::<String, _>("state"),
                    b.get::<i32, _>("attempts"),
                    b.get::<i32, _>("failures"),
                    b.get::<Option<String>, _>("last_error").unwrap_or_else(|| "none (expired or unanswered)".into()),
                    b.get::<Option<String>, _>("signature").unwrap_or_default(),
                );
            }
        }
        let excluded = sqlx::query(
            "SELECT member_id, wallet, amount, reason FROM payout_exclusions WHERE month = $1 ORDER BY member_id",
        )
        .bind(&m)
        .fetch_all(&pool)
        .await?;
        for x in excluded {
            println!(
                "  left out, pending: member {} wallet {} {} STK: {}",
                x.get::<i64, _>("member_id"),
                x.get::<String, _>("wallet"),
                stk(x.get("amount")),
                x.get::<String, _>("reason")
            );
        }
    }
    // The rent the tables hold: what the months moved into them, less what retired ones returned.
    let (live, rent): (i64, i64) = sqlx::query_as(
        "SELECT (SELECT count(*) FROM lookup_tables
                 WHERE state IN ('planned', 'creating', 'extending', 'ready', 'retiring', 'deactivated')),
                (SELECT coalesce(sum(lookup_table_rent), 0)::bigint FROM payout_costs)",
    )
    .fetch_one(&pool)
    .await?;
    if live > 0 {
        println!("lookup tables kept across months: {live}, holding {} SOL of rent (returned when retired)", stk_distributor::render::sol(rent));
    }
    let pending: i64 = sqlx::query_scalar(
        "SELECT coalesce(sum(amount), 0)::bigint FROM pending_allocations WHERE settled_month IS NULL",
    )
    .fetch_one(&pool)
    .await?;
    println!("pending allocations carried (all months): {} STK", stk(pending));
    Ok(())
}

/// How `submit` sends a payout.
pub struct SubmitOptions<'a> {
    pub rpc_url: &'a str,
    pub keypair: &'a Path,
    pub priority_fee: stk_distributor::chain::priority::PriorityFeePolicy,
    pub require_approval: bool,
    pub lookup_tables: bool,
    pub rent_payer: Option<stk_distributor::payout::engine::RentPayer>,
    pub token_accounts: stk_distributor::payout::plan::TokenAccountPolicy,
    /// The emission schedule's first month (it has no previous month to wait for).
    pub first_month: u32,
}

pub async fn submit(url: &str, month_text: &str, opts: SubmitOptions<'_>) -> anyhow::Result<()> {
    let SubmitOptions { rpc_url, keypair: keypair_path, priority_fee, require_approval, .. } = opts;
    let m = month(month_text)?;
    let payer = keypair::load(keypair_path)?;
    let pool = db::connect(url).await?;
    db::migrate(&pool).await?;
    let mint = seeds::find_stk_mint();
    let settings = RpcSettings { url: rpc_url.to_string(), priority_fee, ..RpcSettings::default() };
    let mut backend = RpcBackend::new(payer, settings);
    use stk_distributor::chain::ChainBackend;
    // Batches are sized for the highest price the policy may pay (a legacy batch with the
    // compute-budget instructions carries fewer recipients).
    let shape = PlanShape::choose(
        opts.lookup_tables,
        backend.supports_lookup_tables(),
        priority_fee.max_price(),
    )
    .with_token_accounts(opts.token_accounts);
    let request = FreezeRequest {
        month: m,
        first_month: MonthId(opts.first_month),
        mint,
        shape,
        approval: if require_approval { Approval::Required } else { Approval::NotRequired },
    };
    let plan = freeze_and_plan(&pool, &mut backend, request).await?;
    println!(
        "{m}: report {} frozen; plan {}: {} recipients in {} batches, {} STK ({} left out, pending)",
        plan.report_sha256,
        plan.plan_hash,
        plan.payees,
        plan.batches,
        stk(plan.total as i64),
        plan.excluded
    );
    let engine_settings =
        EngineSettings { rent_payer: opts.rent_payer, ..EngineSettings::default() };
    let progress = ProgressWatcher::start(pool.clone(), m, Duration::from_millis(500));
    let outcome = PayoutEngine::new(&mut backend, &pool, mint, engine_settings).run(m).await;
    progress.finish().await;
    let summary = match outcome {
        Err(EngineError::AwaitingApproval { month, plan_hash }) => {
            println!(
                "{month}: the plan is proposed on-chain; awaiting approval of plan {plan_hash}:"
            );
            println!("  distributor approve-epoch --month {month} --plan-hash {plan_hash} --keypair admin.json --rpc-url {rpc_url}");
            println!("then run this command again (or let the service pay it)");
            return Ok(());
        }
        other => {
            other.with_context(|| format!("paying {m}; run the same command again to resume"))?
        }
    };
    if plan.batches == 0 {
        println!("{m}: nothing payable; month complete without a transaction");
        return Ok(());
    }
    println!(
        "{m}: {} recipients, {} batches confirmed in this run, {} transactions sent, epoch closed; {} recipients not paid are pending again",
        summary.recipients, summary.batches_confirmed_now, summary.transactions_sent, summary.recipients_carried
    );
    Ok(())
}

/// `distributor approve-epoch`: the admin approves the plan the distributor proposed.
pub async fn approve_epoch(
    url: &str,
    month_text: &str,
    plan_hash: &str,
    rpc_url: &str,
    keypair_path: &Path,
    dry_run: bool,
    priority_fee: stk_distributor::chain::priority::PriorityFeePolicy,
) -> anyhow::Result<()> {
    let m = month(month_text)?;
    let admin = keypair::load(keypair_path)?;
    let pool = db::connect(url).await?;
    let settings = RpcSettings { url: rpc_url.to_string(), priority_fee, ..RpcSettings::default() };
    let mut backend = RpcBackend::new(admin.insecure_clone(), settings);
    match admin::approve_epoch(&mut backend, &pool, m, plan_hash, &admin, dry_run).await? {
        ApproveOutcome::WouldApprove { batches, recipients, total } => println!(
            "{m}: plan {plan_hash} checked against Postgres and the chain: {recipients} recipients in {batches} batches, {} STK; not signed (--dry-run)",
            stk(total as i64)
        ),
        ApproveOutcome::Approved { .. } => {
            println!("{m}: plan {plan_hash} approved on-chain; the distributor pays at its next pass")
        }
        ApproveOutcome::AlreadyApproved => println!("{m}: plan {plan_hash} was approved before"),
    }
    Ok(())
}
