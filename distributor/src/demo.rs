//! The main job on an embedded local ledger: a full monthly distribution with sample data.
//!
//! 1. a fresh Postgres database with the Aisystant contract, seeded with a realistic community
//!    (≈500 paying members, ≈12,000 free users, a month of activity);
//! 2. the five programs on the embedded ledger (program-test bank, natively, with the real
//!    Token-2022 program): STK initialized with its metadata and schedule, the treasury on top,
//!    the genesis and the quarter minted by the permissionless cranks;
//! 3. the month's report (JSON, CSV, HTML) and the operator's approval of its exact hash;
//! 4. the exactly-once payout: report frozen and plan saved in one Postgres transaction,
//!    `open_epoch` with the plan hash, `write_plan_roots`, the admin's `approve_epoch` (signed
//!    here by the demo's admin key — a key other than the distributor's), every
//!    `distribute_batch` proving its content against the approved plan, `close_epoch`; then
//!    the totals, the report's paths and a few members' balances on-chain.
use anchor_spl::token_interface::{
    spl_token_2022::{
        extension::{BaseStateWithExtensions, StateWithExtensions},
        state::Mint as MintState,
    },
    spl_token_metadata_interface::state::TokenMetadata,
};
use anyhow::{anyhow, Context};
use sqlx::{Connection, Executor, PgConnection, Row};
use std::path::PathBuf;
use stk_common::calendar::MonthId;
use stk_distributor::{
    chain::embedded::EmbeddedBackend,
    config::Config,
    db,
    payout::{
        approved,
        engine::{Approver, EngineSettings, PayoutEngine},
        from_report::{freeze_and_plan, Approval, FreezeRequest},
        plan::PlanShape,
    },
    progress::ProgressWatcher,
    report, seed,
};
use stk_harness::{
    treasury::{TreasurySetup, TreasurySetupArgs},
    Ledger,
};

/// The terminal's standard output while descriptor 1 is diverted (set by `main`).
static CONSOLE: std::sync::OnceLock<std::sync::Arc<stk_harness::program_output::Console>> =
    std::sync::OnceLock::new();

pub fn set_console(console: std::sync::Arc<stk_harness::program_output::Console>) {
    let _ = CONSOLE.set(console);
}

/// The demo's own lines go to the console, not to descriptor 1 where the programs print.
macro_rules! println {
    ($($arg:tt)*) => {
        match CONSOLE.get() {
            Some(console) => console.say(format_args!($($arg)*)),
            None => std::println!($($arg)*),
        }
    };
}

#[derive(clap::Args, Debug)]
pub struct DemoArgs {
    /// Postgres server (the demo creates and replaces the database named by --database).
    #[arg(
        long,
        env = "STK_DEMO_ADMIN_URL",
        default_value = "postgres://postgres@127.0.0.1:5432/postgres"
    )]
    pub admin_url: String,
    /// Name of the demo database (dropped and recreated).
    #[arg(long, default_value = "stk_demo")]
    pub database: String,
    /// The month to distribute (YYYY-MM), within the first quarter of the schedule.
    #[arg(long, default_value = "2027-01")]
    pub month: String,
    /// People with a chance of a paid subscription (≈60% end up paying).
    #[arg(long, default_value_t = 830)]
    pub members: u64,
    /// Free users on top (they earn nothing).
    #[arg(long, default_value_t = 11_700)]
    pub free_users: u64,
    /// Activity events over the month.
    #[arg(long, default_value_t = 60_000)]
    pub events: u64,
    /// Where the report files go.
    #[arg(long, default_value = "reports")]
    pub out: PathBuf,
}

fn stk(amount: u64) -> String {
    format!("{}.{:06}", amount / 1_000_000, amount % 1_000_000)
}

pub async fn run(args: DemoArgs) -> anyhow::Result<()> {
    let month = MonthId::parse(&args.month)
        .ok_or_else(|| anyhow!("--month must be YYYY-MM, got {:?}", args.month))?;
    let config = Config::default_config();
    let schedule = config.schedule();
    let quarter = schedule.quarter_of_month(month).ok_or_else(|| {
        anyhow!("{month} is outside the emission schedule starting {}", config.emission.start_month)
    })?;

    // 1. Postgres: a fresh database, migrated and seeded.
    let (base, _) =
        args.admin_url.rsplit_once('/').context("--admin-url must end with a database name")?;
    let url = format!("{base}/{}", args.database);
    {
        let mut admin =
            PgConnection::connect(&args.admin_url).await.context("connecting to Postgres")?;
        admin
            .execute(format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", args.database).as_str())
            .await?;
        admin.execute(format!("CREATE DATABASE {}", args.database).as_str()).await?;
    }
    let pool = db::connect(&url).await?;
    db::migrate(&pool).await?;
    let seeded = seed::seed(
        &pool,
        &config,
        &seed::SeedArgs {
            members: args.members,
            events: args.events,
            seed: 2027,
            from: month.to_string(),
            months: 1,
            bad: 3,
            free_users: args.free_users,
        },
    )
    .await?;
    println!(
        "database {}: {} people ({} paying members), {} activity events, {} bad rows to quarantine",
        args.database, seeded.members, seeded.paying, seeded.events, seeded.bad_rows
    );

    // 2. The ledger: STK + treasury, genesis and the quarter minted by the cranks.
    let mut ledger = Ledger::start().await;
    let mut setup = TreasurySetupArgs::default();
    setup.mint.schedule = schedule;
    setup.mint.decimals = config.emission.decimals;
    // The admin (the ledger's payer) and the distributor are distinct keys, as the treasury
    // requires: the hot distributor key pays nothing the admin did not approve.
    let admin = std::sync::Arc::new(ledger.ctx.payer.insecure_clone());
    let treasury = TreasurySetup::initialize(&mut ledger, setup).await;
    let mint = treasury.mint();
    Ledger::ok(treasury.stk.mint_genesis(&mut ledger).await);
    for q in 0..=quarter {
        Ledger::ok(treasury.stk.mint_quarter(&mut ledger, q, true).await);
    }
    let data = ledger.mint_data(&mint).await;
    let state = StateWithExtensions::<MintState>::unpack(&data).context("reading the STK mint")?;
    let metadata = state.get_variable_len_extension::<TokenMetadata>().context("token metadata")?;
    let vault = treasury.addresses.distribution_vault;
    let vault_before = ledger.token_amount(&vault).await;
    println!(
        "STK mint {mint}: {} ({}), {} decimals, supply {} STK of the 21,000,000 cap; distribution vault {} STK",
        metadata.name,
        metadata.symbol,
        state.base.decimals,
        stk(state.base.supply),
        stk(vault_before)
    );

    // 3. The report, then the operator's approval (given here by the demo itself).
    let outcome = report::run(&pool, &config, month, Some(&args.out)).await?;
    let t = &outcome.report.totals;
    println!(
        "report {month}: pool {} STK, {} members credited, {} free users active (earn nothing), {} events accepted, {} quarantined",
        stk(outcome.report.emission.pool),
        t.members_credited,
        t.free_users_active,
        t.events_accepted,
        t.events_quarantined
    );
    println!(
        "  allocated {} STK: payable now {} STK, pending (no valid wallet) {} STK for {} members",
        stk(t.allocated),
        stk(t.payable),
        stk(t.pending_out),
        t.members_without_valid_wallet
    );
    approved::approve(&pool, month, &outcome.sha256, "demo").await?;
    println!("  operator approved report sha256 {}", outcome.sha256);

    // 4. Exactly-once payout, signed by the distributor key; the admin approves the plan.
    // The treasury opens a month's epoch only once the month has ended: the demo's clock
    // moves to the payout morning.
    let payout_morning = MonthId(month.0 + 1).start_ts(schedule.utc_offset_secs) + 6 * 3_600;
    if ledger.now().await < payout_morning {
        ledger.warp_to_timestamp(payout_morning).await;
    }
    let mut backend = EmbeddedBackend::with_payer(ledger, treasury.distributor.insecure_clone());
    let shape = PlanShape::choose(config.payout.lookup_tables.wanted(), true, 0)
        .with_token_accounts(config.payout.token_accounts);
    let request = FreezeRequest {
        month,
        first_month: MonthId(schedule.start_month),
        mint,
        shape,
        approval: Approval::Required,
    };
    let plan = freeze_and_plan(&pool, &mut backend, request).await?;
    println!(
        "payout plan {}: {} recipients in {} batches of up to {} ({} transactions), {} STK; {} left out (unusable wallet), pending",
        plan.plan_hash,
        plan.payees,
        plan.batches,
        shape.recipients_per_batch,
        shape.form.as_str(),
        stk(plan.total),
        plan.excluded
    );
    println!(
        "  admin {} approves the plan on-chain; distributor {} pays it",
        solana_signer::Signer::pubkey(admin.as_ref()),
        solana_signer::Signer::pubkey(&treasury.distributor)
    );
    let started = std::time::Instant::now();
    let progress =
        ProgressWatcher::start(pool.clone(), month, std::time::Duration::from_millis(200));
    let settings = EngineSettings { approver: Some(Approver(admin)), ..EngineSettings::default() };
    let paid = PayoutEngine::new(&mut backend, &pool, mint, settings).run(month).await;
    progress.finish().await;
    let summary = paid?;
    println!(
        "paid: {} batches confirmed, {} plan roots written, {} transactions, {} token accounts and {} lookup tables created, epoch closed: {}, {} recipients pending again, {} lamports of fees and rent ({:.1} s)",
        summary.batches_confirmed_now,
        summary.roots_written,
        summary.transactions_sent,
        summary.token_accounts_created,
        summary.lookup_tables_created,
        summary.epoch_closed_now,
        summary.recipients_carried,
        summary.lamports_spent,
        started.elapsed().as_secs_f64()
    );
    let ledger = &mut backend.ledger;
    let epoch = stk_distributor::payout::onchain::decode_epoch(
        ledger
            .account(&stk_distributor::payout::onchain::epoch_address(month))
            .await
            .map(|a| a.data),
    )
    .map_err(|e| anyhow!(e))?
    .context("the epoch account")?;
    println!(
        "epoch {month} on-chain: plan {} approved by the admin, {} of {} STK paid",
        hex::encode(epoch.plan_hash),
        stk(epoch.paid),
        stk(epoch.total)
    );
    let vault_after = ledger.token_amount(&vault).await;
    println!(
        "distribution vault: {} -> {} STK (members received {} STK; transfer fees withheld in their accounts)",
        stk(vault_before),
        stk(vault_after),
        stk(plan.total)
    );

    println!("report files:");
    for f in &outcome.files {
        println!("  {}", f.display());
    }
    println!("a few members on-chain:");
    let rows = sqlx::query(
        "SELECT member_id, wallet, payable FROM allocations WHERE month = $1 AND payable > 0 ORDER BY payable DESC, member_id LIMIT 5",
    )
    .bind(month.to_string())
    .fetch_all(&pool)
    .await?;
    for row in rows {
        let member: i64 = row.get("member_id");
        let wallet: String = row.get("wallet");
        let payable: i64 = row.get("payable");
        let wallet_key: anchor_lang::prelude::Pubkey = wallet.parse().context("wallet")?;
        let balance = ledger.token(&stk_client::ata(&wallet_key, &mint)).await;
        println!(
            "  member {member:>6}  wallet {wallet:<44}  report {:>14} STK  on-chain {:>14} STK",
            stk(payable as u64),
            stk(balance.amount)
        );
        if balance.amount != payable as u64 {
            return Err(anyhow!(
                "member {member} holds {} but the report says {}",
                balance.amount,
                payable
            ));
        }
    }
    // Every recipient of the plan, not only the members shown: each token account holds
    // exactly the plan's amount, which is the report's.
    let recipients: Vec<(i64, String, i64, i64)> = sqlx::query_as(
        "SELECT r.member_id, r.token_account, r.amount, a.payable
           FROM payout_recipients r JOIN allocations a USING (month, member_id)
          WHERE r.month = $1 ORDER BY r.member_id",
    )
    .bind(month.to_string())
    .fetch_all(&pool)
    .await?;
    let mut wrong = vec![];
    for (member, account, amount, payable) in &recipients {
        let account: anchor_lang::prelude::Pubkey = account.parse().context("token account")?;
        let held = match ledger.account(&account).await {
            Some(_) => ledger.token(&account).await.amount,
            None => 0,
        };
        if held != *amount as u64 || amount != payable {
            wrong.push(format!(
                "member {member} holds {} (plan {}, report {})",
                stk(held),
                stk(*amount as u64),
                stk(*payable as u64)
            ));
        }
    }
    println!(
        "every recipient on-chain: {} of {} hold exactly their report amount",
        recipients.len() - wrong.len(),
        recipients.len()
    );
    if !wrong.is_empty() {
        return Err(anyhow!("{} recipients differ: {}", wrong.len(), wrong.join("; ")));
    }
    pool.close().await;
    Ok(())
}
