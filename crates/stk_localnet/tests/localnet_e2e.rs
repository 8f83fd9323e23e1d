//! End to end over JSON-RPC: the distributor's production path (`RpcBackend`) against the
//! localnet, a real validator running the five STK programs — nothing goes through
//! program-test's BanksServer here.
//!
//! One localnet and one Postgres database serve the cases, which build on each other in order
//! (one community, one chain, three past months):
//! 1. a full month: init (deploy key = admin, a separate distributor key) → genesis → quarters
//!    → seed → report → approve → plan → pay (v0 batches through lookup tables) → close →
//!    reclaim the tables; every member's balance and the vault read back exactly;
//! 2. the next month paid by the service (`service::tick`), killed in the middle of the payout
//!    and restarted: every member is paid once;
//! 3. the third month with send responses lost (the transaction lands although the send
//!    "failed"), dropped transactions and an expired blockhash; then the node's preflight
//!    refusals of programs' errors, with their exact codes;
//! 4. the operator commands as the CLI runs them, each signer its own keypair file: quotes,
//!    genesis, the lists, fees, staking, rotations (here), then staking funds, the startup
//!    fund's council and proposals, the members' sale, fraud holds and dormancy notices
//!    (`localnet_e2e/operators.rs`), spending the STK the first month paid a member's wallet
//!    whose key the test holds.
//!
//! Own runner (`harness = false`): cases run in order; a failing case is reported and the
//! rest still run; libtest's `test … ok` / `test result:` lines are kept (scripts/test.sh sums
//! them). Bare arguments filter cases by substring.
//!
//! Slots are shortened to 16 ticks (100 ms) so a lookup table's deactivation cooldown (512
//! slots) passes in about a minute.
use anchor_lang::prelude::Pubkey;
use anchor_spl::token_interface::spl_token_2022::{
    extension::{transfer_fee::TransferFeeAmount, BaseStateWithExtensions, StateWithExtensions},
    state::Account as TokenAccount,
};
use anyhow::{anyhow, ensure, Context};
use futures_util::FutureExt;
use solana_keypair::Keypair;
use solana_signer::Signer;
use sqlx::{Connection, Executor, PgConnection, PgPool};
use std::{
    collections::BTreeMap,
    panic::AssertUnwindSafe,
    process::ExitCode,
    time::{Duration, Instant},
};
use stk_common::{
    calendar::{month_of_ts, MonthId},
    seeds,
};
use stk_distributor::{
    chain::{
        faults::{BackendFaults, CrashPlan, CrashPoint, FaultyBackend},
        rpc::{RpcBackend, RpcSettings},
        ChainBackend, ChainError,
    },
    config::{Config, DEFAULT_CONFIG_TOML},
    init,
    metrics::Metrics,
    payout::{
        approved,
        engine::{Approver, EngineError, EngineSettings, PayoutEngine},
        from_report::{freeze_and_plan, Approval, FreezeRequest, FrozenPlan},
        plan::PlanShape,
    },
    report, seed,
    service::{self, ServiceSettings, TickEvent},
};
use stk_localnet::{audit, Localnet, LocalnetConfig};

const METADATA_URI: &str = "https://stk.example.org/stk.json";

/// The test's own output; descriptor 1 is diverted, since the programs print their logs
/// there (see `stk_harness::program_output`).
static CONSOLE: std::sync::OnceLock<stk_harness::program_output::Console> =
    std::sync::OnceLock::new();

macro_rules! println {
    ($($arg:tt)*) => {
        match $crate::CONSOLE.get() {
            Some(console) => console.say(format_args!($($arg)*)),
            None => std::println!($($arg)*),
        }
    };
}

#[path = "localnet_e2e/operators.rs"]
mod operators;
use operators::{
    council_and_fund_over_json_rpc, holds_and_dormancy_over_json_rpc, staking_funds_over_json_rpc,
    the_sale_over_json_rpc,
};

/// Everything the cases share.
struct Env {
    net: Localnet,
    admin: Keypair,
    distributor: Keypair,
    /// A member's wallet whose key the test holds: the first month pays it (the operator
    /// cases spend its STK).
    holder: Keypair,
    /// A startup-fund council member that is none of the programs' admins.
    councillor: Keypair,
    pool: PgPool,
    database: String,
    config: Config,
    /// The schedule's first three months; all have ended on the validator's wall clock.
    months: [MonthId; 3],
}

impl Env {
    /// A backend paying with `key`.
    fn backend(&self, key: &Keypair) -> RpcBackend {
        RpcBackend::new(
            key.insecure_clone(),
            RpcSettings {
                url: self.net.rpc_url.clone(),
                poll_interval: Duration::from_millis(200),
                request_timeout: Duration::from_secs(15),
                ..RpcSettings::default()
            },
        )
    }

    /// Registers the holder's key as the wallet of the member `month`'s report pays most,
    /// at the time that member's wallet in force was registered (so it is the latest).
    async fn register_holder(&self, month: MonthId) -> anyhow::Result<i64> {
        let member: i64 = sqlx::query_scalar(
            "SELECT member_id FROM allocations WHERE month = $1 AND payable > 0
              ORDER BY payable DESC, member_id LIMIT 1",
        )
        .bind(month.to_string())
        .fetch_one(&self.pool)
        .await?;
        let inserted = sqlx::query(
            "INSERT INTO wallets (member_id, address, registered_at)
             SELECT member_id, $3, registered_at FROM wallets
              WHERE member_id = $2 AND address = (SELECT wallet FROM allocations
                                                   WHERE month = $1 AND member_id = $2)
              ORDER BY registered_at DESC, id DESC LIMIT 1",
        )
        .bind(month.to_string())
        .bind(member)
        .bind(self.holder.pubkey().to_string())
        .execute(&self.pool)
        .await?;
        ensure!(inserted.rows_affected() == 1, "member {member}'s wallet in force");
        Ok(member)
    }

    /// The operator approves the month's current report by its exact hash.
    async fn approve(&self, month: MonthId) -> anyhow::Result<String> {
        let sha: String =
            sqlx::query_scalar("SELECT report_sha256 FROM monthly_reports WHERE month = $1")
                .bind(month.to_string())
                .fetch_one(&self.pool)
                .await?;
        approved::approve(&self.pool, month, &sha, "e2e").await?;
        Ok(sha)
    }

    /// Freezes the approved report of `month` and plans it (v0 batches through lookup tables
    /// when the backend has them), checking every recipient over `backend`.
    async fn plan(
        &self,
        backend: &mut impl ChainBackend,
        month: MonthId,
    ) -> anyhow::Result<FrozenPlan> {
        let request = FreezeRequest {
            month,
            first_month: self.months[0],
            mint: seeds::find_stk_mint(),
            shape: PlanShape::choose(true, backend.supports_lookup_tables(), 0),
            approval: Approval::Required,
        };
        Ok(freeze_and_plan(&self.pool, backend, request).await?)
    }

    /// Engine settings whose approver is the admin (the deploy key): the engine signs
    /// `approve_epoch` itself, as an operator running `distributor approve-epoch` would.
    fn engine(&self) -> EngineSettings {
        EngineSettings {
            max_waits: 2_000,
            approver: Some(Approver(std::sync::Arc::new(self.admin.insecure_clone()))),
            ..EngineSettings::default()
        }
    }

    /// Every paid member of `months` holds exactly the sum of its payouts (read over JSON-RPC).
    async fn assert_balances(&self, months: &[MonthId]) -> anyhow::Result<usize> {
        let client = self.net.client();
        let mut members = 0;
        let mut expected: BTreeMap<String, u64> = BTreeMap::new();
        for month in months {
            let rows: Vec<(String, i64)> = sqlx::query_as(
                "SELECT wallet, payable FROM allocations WHERE month = $1 AND payable > 0",
            )
            .bind(month.to_string())
            .fetch_all(&self.pool)
            .await?;
            ensure!(!rows.is_empty(), "{month} pays nobody");
            members += rows.len();
            for (wallet, payable) in rows {
                *expected.entry(wallet).or_default() += payable as u64;
            }
        }
        let owners: Vec<Pubkey> = expected
            .keys()
            .map(|w| w.parse())
            .collect::<Result<_, _>>()
            .map_err(|_| anyhow!("wallet"))?;
        let balances = audit::token_balances(&client, &owners).await?;
        for ((wallet, want), have) in expected.iter().zip(balances) {
            ensure!(have == *want, "{wallet} holds {have}, the reports of {months:?} pay {want}");
        }
        Ok(members)
    }

    async fn token(&self, address: &Pubkey) -> anyhow::Result<(u64, u64)> {
        let data = self.net.client().get_account_data(address).await?;
        let state = StateWithExtensions::<TokenAccount>::unpack(&data)?;
        let withheld = state
            .get_extension::<TransferFeeAmount>()
            .map(|f| u64::from(f.withheld_amount))
            .unwrap_or(0);
        Ok((state.base.amount, withheld))
    }

    /// Fees withheld in the recipients' accounts of `month`.
    async fn withheld(&self, month: MonthId) -> anyhow::Result<u64> {
        let accounts: Vec<String> =
            sqlx::query_scalar("SELECT token_account FROM payout_recipients WHERE month = $1")
                .bind(month.to_string())
                .fetch_all(&self.pool)
                .await?;
        let mut total = 0;
        for account in accounts {
            total += self.token(&account.parse().map_err(|_| anyhow!("account"))?).await?.1;
        }
        Ok(total)
    }
}

/// Runs the engine for `month` until it returns (each call is one "process").
async fn pay(
    backend: &mut impl ChainBackend,
    env: &Env,
    month: MonthId,
    crash: CrashPlan,
) -> Result<stk_distributor::payout::engine::PayoutSummary, EngineError> {
    PayoutEngine::new(backend, &env.pool, seeds::find_stk_mint(), env.engine())
        .with_crash(crash)
        .run(month)
        .await
}

/// What `distributor init` is given here: the deploy key is the admin and the only council
/// member; a separate distributor key.
fn suite_params(env: &Env) -> init::SuiteParams {
    let schedule = env.config.schedule();
    init::SuiteParams {
        decimals: env.config.emission.decimals,
        metadata_uri: METADATA_URI.into(),
        transfer_fee_bps: 50,
        max_transfer_fee: 10_000_000,
        schedule,
        distributor: env.distributor.pubkey(),
        staking_fee_bps: 4_000,
        startup_fund_fee_bps: 3_000,
        dormancy_notice_secs: 90 * 86_400,
        fiat_decimals: 2,
        council: vec![env.admin.pubkey()],
        council_threshold: 1,
        fund_lock_seconds: 3 * 31_557_600,
        staking_reward_rate: 0,
    }
}

async fn a_full_month_over_json_rpc(env: &Env) -> anyhow::Result<()> {
    let month = env.months[0];
    // init with the deploy key, as after `anchor deploy`.
    let mut admin = env.backend(&env.admin);
    let schedule = env.config.schedule();
    let params = suite_params(env);
    let suite = init::initialize_suite(&mut admin, &env.pool, &params).await?;
    ensure!(
        suite.initialized_now.len() == 5,
        "all five initialized now: {:?}",
        suite.initialized_now
    );
    let again = init::initialize_suite(&mut admin, &env.pool, &params).await?;
    ensure!(again.initialized_now.is_empty(), "init is idempotent over RPC");

    // genesis and the started quarters, cranked by the distributor key (permissionless).
    let mut backend = env.backend(&env.distributor);
    let now = unix_now();
    let (genesis, quarters) =
        service::crank(&mut backend, &env.pool, &EngineSettings::default(), now).await?;
    let started: Vec<u16> = (0..schedule.num_quarters)
        .take_while(|q| schedule.quarter_start_ts(*q).is_ok_and(|t| t <= now))
        .collect();
    ensure!(
        genesis && quarters == started,
        "genesis {genesis}, quarters {quarters:?} (started {started:?})"
    );
    let vault = seeds::find_distribution_vault();
    let (vault_before, _) = env.token(&vault).await?;
    let mut minted = 0;
    for q in &started {
        minted += schedule.split(schedule.quarter_emission(*q)?).1;
    }
    ensure!(
        vault_before == minted,
        "the vault holds the started quarters' distribution: {vault_before} vs {minted}"
    );

    // report, approve, plan, pay; the holder's key becomes the wallet of the member the first
    // report pays most (registered with that member's wallet in force), and the report is
    // computed again.
    report::run(&env.pool, &env.config, month, None).await?;
    let member = env.register_holder(month).await?;
    let outcome = report::run(&env.pool, &env.config, month, None).await?;
    let holder_paid = outcome
        .report
        .members
        .iter()
        .find(|m| m.member_id == member)
        .filter(|m| m.wallet.as_deref() == Some(env.holder.pubkey().to_string().as_str()))
        .map(|m| m.payable)
        .unwrap_or(0);
    ensure!(holder_paid > 0, "the report pays member {member} at the holder's wallet");
    env.approve(month).await?;
    let plan = env.plan(&mut backend, month).await?;
    ensure!(plan.total == outcome.report.totals.payable, "the plan pays the report");
    let summary = pay(&mut backend, env, month, CrashPlan::none()).await?;
    ensure!(summary.epoch_closed_now && summary.lookup_tables_created > 0, "{summary:?}");
    ensure!(summary.batches_confirmed_now == plan.batches, "{summary:?}");
    let members = env.assert_balances(&[month]).await?;
    ensure!(members == plan.payees, "{members} members vs {} payees", plan.payees);
    let (vault_after, _) = env.token(&vault).await?;
    let withheld = env.withheld(month).await?;
    ensure!(
        vault_before - vault_after == plan.total + withheld,
        "the vault paid exactly the plan and the fees: {vault_before} - {vault_after} vs {} + {withheld}",
        plan.total
    );

    // The lookup tables are kept for the next months: each holds exactly its recorded entries
    // on-chain (read over JSON-RPC). Retiring and closing them is exercised on the embedded
    // ledger (`distributor/tests/payout_exactly_once.rs`), where 512 slots pass at once.
    let tables = stk_distributor::payout::store::load_all_tables(&env.pool).await?;
    ensure!(!tables.is_empty(), "v0 batches used lookup tables");
    for table in &tables {
        let address = table.address.ok_or_else(|| anyhow!("table {} has no address", table.id))?;
        let account = env
            .net
            .client()
            .get_account_with_commitment(
                &address,
                solana_commitment_config::CommitmentConfig::confirmed(),
            )
            .await?
            .value
            .ok_or_else(|| anyhow!("table {address} is missing on-chain"))?;
        let onchain =
            stk_distributor::payout::lookup::decode_table(&account.data).map_err(|e| anyhow!(e))?;
        ensure!(table.state == "ready", "table {address} is {}", table.state);
        ensure!(onchain.addresses == table.entries, "table {address} holds its record");
    }
    println!(
        "  {month}: {members} members paid {} STK in {} v0 batches; {} tables kept",
        audit::stk(plan.total),
        plan.batches,
        tables.len()
    );
    Ok(())
}

async fn the_service_killed_mid_payout_restarts_and_pays_once(env: &Env) -> anyhow::Result<()> {
    let month = env.months[1];
    let metrics = Metrics::default();
    let settings =
        ServiceSettings { report_dir: None, engine: env.engine(), ..ServiceSettings::default() };
    let mut backend = env.backend(&env.distributor);
    let now = unix_now();
    let events =
        service::tick(&mut backend, &env.pool, &env.config, &settings, &metrics, now).await?;
    ensure!(
        events.iter().any(|e| matches!(e, TickEvent::WaitingForApproval(m) if *m == month)),
        "the service waits for the approval of {month}: {events:?}"
    );
    env.approve(month).await?;
    // Killed after the second batch was sent, before its outcome was known.
    let crashing =
        ServiceSettings { crash: CrashPlan::at(CrashPoint::AfterBatchSent(1)), ..settings.clone() };
    let crash = service::tick(&mut backend, &env.pool, &env.config, &crashing, &metrics, now).await;
    ensure!(
        matches!(
            crash.as_ref().map_err(|e| e.downcast_ref::<EngineError>()),
            Err(Some(EngineError::Crashed(_)))
        ),
        "the first process dies mid-payout: {crash:?}"
    );
    // A new process (a new backend, the same database and chain).
    let mut restarted = env.backend(&env.distributor);
    let events =
        service::tick(&mut restarted, &env.pool, &env.config, &settings, &metrics, now).await?;
    let paid = events.iter().find_map(|e| match e {
        TickEvent::Paid { month: m, summary } if *m == month => Some(summary.clone()),
        _ => None,
    });
    let summary = paid.ok_or_else(|| anyhow!("the restarted service pays {month}: {events:?}"))?;
    ensure!(summary.epoch_closed_now, "{summary:?}");
    let members = env.assert_balances(&env.months[..2]).await?;
    println!("  {month}: paid once after a crash mid-payout ({members} allocations over two months exact)");
    Ok(())
}

async fn late_landings_and_preflight_refusals(env: &Env) -> anyhow::Result<()> {
    let month = env.months[2];
    report::run(&env.pool, &env.config, month, None).await?;
    env.approve(month).await?;
    let mut backend = FaultyBackend::new(
        env.backend(&env.distributor),
        BackendFaults {
            // The node took these, but the responses were lost: they land "behind the
            // engine's back" and are found by signature or by the bitmap.
            lose_send_response: [0, 3, 5].into(),
            drop_transaction: [4].into(),
            expired_blockhash: [6].into(),
            ..Default::default()
        },
    );
    env.plan(&mut backend, month).await?;
    let summary = pay(&mut backend, env, month, CrashPlan::none()).await?;
    ensure!(summary.epoch_closed_now, "{summary:?}");
    env.assert_balances(&env.months).await?;

    // Preflight refusals: the node simulates and refuses, naming the program's error code.
    let mut plain = env.backend(&env.distributor);
    let now = unix_now();
    let schedule = env.config.schedule();
    let next = (0..schedule.num_quarters)
        .find(|q| schedule.quarter_start_ts(*q).is_ok_and(|t| t > now))
        .ok_or_else(|| anyhow!("a quarter not started yet"))?;
    let refusals = [
        (
            "a quarter that has not started",
            stk_client::mint::mint_quarter(
                &env.distributor.pubkey(),
                next,
                &seeds::find_fund_vault(),
                &seeds::find_distribution_vault(),
            ),
            stk_mint::errors::MintError::QuarterNotStarted as u32,
            &env.distributor,
        ),
        (
            "the genesis allocation twice",
            stk_client::mint::mint_genesis(&env.distributor.pubkey(), &seeds::find_sale_vault()),
            stk_mint::errors::MintError::GenesisAlreadyMinted as u32,
            &env.distributor,
        ),
    ];
    for (what, ix, code, signer) in refusals {
        let recent = plain.latest_blockhash().await?;
        let tx = solana_transaction::Transaction::new_signed_with_payer(
            &[ix],
            Some(&signer.pubkey()),
            &[signer],
            recent.blockhash,
        );
        let expected =
            format!("custom program error: {:#x}", anchor_lang::error::ERROR_CODE_OFFSET + code);
        match plain.send(&tx.into()).await {
            Err(ChainError::RefusedAtPreflight { error, custom_code }) => ensure!(
                error.contains(&expected)
                    && custom_code == Some(anchor_lang::error::ERROR_CODE_OFFSET + code),
                "{what}: refused, but not with {expected}: {error} ({custom_code:?})"
            ),
            other => return Err(anyhow!("{what}: expected a preflight refusal, got {other:?}")),
        }
    }
    println!("  {month}: paid once despite lost responses, a dropped transaction and an expired blockhash; refusals carry their codes");
    Ok(())
}

fn unix_now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

macro_rules! cases {
    ($($case:ident),* $(,)?) => {
        const CASES: &[&str] = &[$(stringify!($case)),*];
        async fn run_case(name: &str, env: &Env) -> anyhow::Result<()> {
            match name {
                $(stringify!($case) => $case(env).await,)*
                _ => unreachable!("unknown case {name}"),
            }
        }
    };
}

cases![
    a_full_month_over_json_rpc,
    the_service_killed_mid_payout_restarts_and_pays_once,
    late_landings_and_preflight_refusals,
    operator_commands_over_json_rpc,
    operator_reads_dry_runs_and_refusals_over_json_rpc,
    staking_funds_over_json_rpc,
    council_and_fund_over_json_rpc,
    the_sale_over_json_rpc,
    holds_and_dormancy_over_json_rpc,
];

/// The operator commands over JSON-RPC (`distributor quote …` as the CLI runs them): one
/// signed with a keypair file and sent, one printed with `--sign-with external` for a
/// multisig, signed apart from the distributor and sent — it lands.
async fn operator_commands_over_json_rpc(env: &Env) -> anyhow::Result<()> {
    use stk_distributor::ops::{self, quote::QuoteCmd, Group, SignArgs, SignWith};

    let mut admin = env.backend(&env.admin);
    init::initialize_suite(&mut admin, &env.pool, &suite_params(env)).await?; // idempotent
    let (rows, _) = ops::quote::history(&mut admin).await?;
    let quarter = rows.len() as u16;

    // `--keypair admin.json`: signs, sends, waits until it lands.
    let keys = operators::Signers::new(env, "quote")?;
    let local = keys.admin.clone();
    let budget = QuoteCmd::Budget { quarter: None, budget: "250000".into(), backing_bps: 5_000 };
    let text = ops::run_cli(&local, &Group::Quote(budget)).await?;
    ensure!(text.contains("confirmed"), "{text}");
    let (rows, _) = ops::quote::history(&mut admin).await?;
    let row = rows.get(quarter as usize).context("the recorded quarter")?;
    ensure!(row.budget == 25_000_000 && row.backing == 12_500_000, "{row:?}");

    // `--sign-with external --authority <admin>`: printed, not sent; signed here (as a
    // multisig's members would) and sent, it lands.
    let external = SignArgs {
        keypair: None,
        sign_with: SignWith::External,
        authority: Some(env.admin.pubkey().to_string()),
        ..local
    };
    let text = ops::run_cli(&external, &Group::Quote(QuoteCmd::Publish { quarter })).await?;
    let encoded = text
        .lines()
        .find_map(|l| l.strip_prefix("base64: "))
        .with_context(|| format!("no base64 line in {text}"))?;
    let wire = base64::Engine::decode(&base64::engine::general_purpose::STANDARD, encoded)?;
    let mut tx: solana_transaction::Transaction = bincode::deserialize(&wire)?;
    ensure!(tx.message.account_keys[0] == env.admin.pubkey(), "the authority pays");
    let (rows, _) = ops::quote::history(&mut admin).await?;
    ensure!(rows[quarter as usize].published.is_none(), "printing sent nothing");
    let blockhash = tx.message.recent_blockhash;
    tx.try_sign(&[&env.admin], blockhash)?;
    env.net.client().send_and_confirm_transaction(&tx).await?;
    let (rows, _) = ops::quote::history(&mut admin).await?;
    let published = rows[quarter as usize].published.context("published by the signed tx")?;
    ensure!(published.price > 0, "{published:?}");
    println!("  quote {quarter}: recorded with --keypair, published through --sign-with external");
    Ok(())
}

/// Writes `key` as a keypair file the distributor accepts (`chmod 600`).
fn key_file(
    dir: &std::path::Path,
    name: &str,
    key: &Keypair,
) -> anyhow::Result<std::path::PathBuf> {
    use std::os::unix::fs::PermissionsExt;
    let path = dir.join(name);
    std::fs::write(&path, serde_json::to_string(&key.to_bytes().to_vec())?)?;
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600))?;
    Ok(path)
}

/// More operator commands over JSON-RPC, as the CLI runs them (`ops::run_cli`): the genesis
/// crank (once: a second run says so), the commands that list accounts through
/// `getProgramAccounts` (`authority show`, `fund status`, `hold list`, `dormancy notices`,
/// `dormancy candidates` with Postgres, `staking show`), the fee harvest packed over every
/// account holding withheld fees (after it, nothing is left to harvest), a `--dry-run` that
/// names the accounts and sends nothing, a key that is not the admin's refused at preflight
/// with the program's error name, the admin's `staking rate` and `fees split` landing, and
/// the staking admin rotated to the distributor key and back (`authority propose|accept`).
async fn operator_reads_dry_runs_and_refusals_over_json_rpc(env: &Env) -> anyhow::Result<()> {
    use stk_distributor::ops::{
        self,
        authority::{AuthorityCmd, Role},
        dormancy::DormancyCmd,
        fees::FeesCmd,
        fund::FundCmd,
        holds::HoldCmd,
        quote::QuoteCmd,
        staking::StakingCmd,
        Context, Group, OpsError, SignArgs,
    };
    let mut admin = env.backend(&env.admin);
    init::initialize_suite(&mut admin, &env.pool, &suite_params(env)).await?; // idempotent
    let keys = operators::Signers::new(env, "reads")?;
    let (as_admin, as_distributor) = (keys.admin.clone(), keys.distributor.clone());

    // Genesis: minted by an earlier case or now, and once.
    let text = ops::run_cli(&as_distributor, &Group::Genesis).await?;
    ensure!(text.contains("confirmed") || text.contains("already minted"), "{text}");
    let config: stk_mint::state::MintConfig =
        ops::require_account(&mut admin, &seeds::find_mint_config(), "stk_mint").await?;
    ensure!(config.genesis_minted, "genesis minted");
    let again = ops::run_cli(&as_distributor, &Group::Genesis).await?;
    ensure!(again.contains("already minted"), "{again}");

    // Who holds what, and the lists read through getProgramAccounts.
    let show = ops::run_cli(&as_distributor, &Group::Authority(AuthorityCmd::Show)).await?;
    ensure!(show.contains(&format!("distributor key  {}", env.distributor.pubkey())), "{show}");
    ensure!(show.contains(&format!("{:<16} {}", "mint admin", env.admin.pubkey())), "{show}");
    let holds = ops::run_cli(&as_distributor, &Group::Hold(HoldCmd::List)).await?;
    ensure!(holds.starts_with("0 holds"), "{holds}");
    let notices =
        ops::run_cli(&as_distributor, &Group::Dormancy(DormancyCmd::Notices { csv: None })).await?;
    ensure!(notices.starts_with("0 notices"), "{notices}");
    let status = ops::run_cli(&as_distributor, &Group::Fund(FundCmd::Status)).await?;
    ensure!(status.contains("deposited") && status.contains("council"), "{status}");
    let ctx = Context { db: Some(env.pool.clone()), config: Some(env.config.clone()) };
    let candidates = Group::Dormancy(DormancyCmd::Candidates { inactive_days: None });
    let text = ops::run_cli_with(&as_distributor, &candidates, &ctx).await?;
    ensure!(text.starts_with("0 candidates"), "members active this quarter: {text}");

    // The harvest finds every account holding withheld fees (the months paid above withheld
    // some in members' accounts) and leaves none.
    let text = ops::run_cli(&as_distributor, &Group::Fees(FeesCmd::Harvest)).await?;
    ensure!(text.contains("confirmed") || text.contains("nothing to harvest"), "{text}");
    let again = ops::run_cli(&as_distributor, &Group::Fees(FeesCmd::Harvest)).await?;
    ensure!(again.contains("nothing to harvest"), "{again}");

    // `staking rate`: a dry run names the pool and sends nothing; the distributor's key is
    // refused at preflight by name (Anchor's has_one check); the admin's lands.
    let before = ops::staking::summary(&mut admin).await?;
    let rate = Group::Staking(StakingCmd::Rate { rate: before.reward_rate + 3 });
    let dry = SignArgs { dry_run: true, ..as_admin.clone() };
    let text = ops::run_cli(&dry, &rate).await?;
    let pool = seeds::find_staking_pool(&seeds::find_stk_mint()).to_string();
    ensure!(text.starts_with("dry run (nothing sent)"), "{text}");
    ensure!(text.contains("stk_staking.set_reward_rate") && text.contains(&pool), "{text}");
    ensure!(ops::staking::summary(&mut admin).await? == before, "the dry run sent nothing");
    match ops::run_cli(&as_distributor, &rate).await {
        Err(OpsError::Refused { explained, .. }) if explained.contains("ConstraintHasOne") => {}
        other => return Err(anyhow!("expected ConstraintHasOne, got {other:?}")),
    }
    match ops::run_cli(
        &as_distributor,
        &Group::Quote(QuoteCmd::Receipt { amount: "1".into(), quarters: 1 }),
    )
    .await
    {
        Err(OpsError::Refused { explained, .. }) if explained.contains("NotAdmin") => {}
        other => return Err(anyhow!("expected NotAdmin, got {other:?}")),
    }
    let text = ops::run_cli(&as_admin, &rate).await?;
    ensure!(text.contains("confirmed"), "{text}");
    let after = ops::staking::summary(&mut admin).await?;
    ensure!(after.reward_rate == before.reward_rate + 3, "{after:?}");
    let restore = Group::Staking(StakingCmd::Rate { rate: before.reward_rate });
    ops::run_cli(&as_admin, &restore).await?;

    // `fees split` (the treasury admin) empties the fee vault the harvest filled.
    let text = ops::run_cli(&as_admin, &Group::Fees(FeesCmd::Split)).await?;
    ensure!(text.contains("confirmed"), "{text}");
    let fee_vault = ops::token_amount(&mut admin, &seeds::find_fee_vault()).await?;
    ensure!(fee_vault == Some(0), "the fee vault after the split: {fee_vault:?}");

    // `authority propose` / `accept`: the staking admin goes to the distributor key and back;
    // a key that is not the candidate is refused before signing.
    let propose = |to: &Keypair| {
        Group::Authority(AuthorityCmd::Propose {
            role: Role::Staking,
            candidate: to.pubkey().to_string(),
        })
    };
    let accept = Group::Authority(AuthorityCmd::Accept { role: Role::Staking });
    let staking_admin = |holders: Vec<(Role, Pubkey, Pubkey)>| {
        holders.into_iter().find(|(r, ..)| *r == Role::Staking).map(|(_, h, p)| (h, p))
    };
    let text = ops::run_cli(&as_admin, &propose(&env.distributor)).await?;
    ensure!(text.contains("confirmed"), "{text}");
    match ops::run_cli(&as_admin, &accept).await {
        Err(OpsError::Usage(m)) if m.contains("is not the proposed staking admin") => {}
        other => return Err(anyhow!("expected the candidate check, got {other:?}")),
    }
    ensure!(ops::run_cli(&as_distributor, &accept).await?.contains("confirmed"));
    let holder = staking_admin(ops::authority::holders(&mut admin).await?);
    ensure!(holder == Some((env.distributor.pubkey(), Pubkey::default())), "{holder:?}");
    ensure!(ops::run_cli(&as_distributor, &propose(&env.admin)).await?.contains("confirmed"));
    ensure!(ops::run_cli(&as_admin, &accept).await?.contains("confirmed"));
    let holder = staking_admin(ops::authority::holders(&mut admin).await?);
    ensure!(holder == Some((env.admin.pubkey(), Pubkey::default())), "{holder:?}");
    println!(
        "  genesis, lists, candidates, harvest and split, a dry run, two refusals, a rate and a rotation over JSON-RPC"
    );
    Ok(())
}

async fn setup() -> anyhow::Result<Env> {
    let admin = Keypair::new();
    let distributor = Keypair::new();
    let holder = Keypair::new();
    let councillor = Keypair::new();
    let current = month_of_ts(unix_now(), 0).ok_or_else(|| anyhow!("current month"))?;
    let start = MonthId(current.0 - 3);
    let text = DEFAULT_CONFIG_TOML
        .replace("start_month = \"2027-01\"", &format!("start_month = \"{start}\""));
    ensure!(text != DEFAULT_CONFIG_TOML, "start_month not found in the default configuration");
    let config = Config::parse(&text)?;
    let scratch =
        std::env::temp_dir().join(format!(".tmp-stk-localnet-e2e-{}", std::process::id()));
    let net = Localnet::start(LocalnetConfig {
        ledger: scratch.join("ledger"),
        rpc_port: None,
        deploy_key: admin.pubkey(),
        funded: vec![distributor.pubkey(), holder.pubkey(), councillor.pubkey()],
        ticks_per_slot: Some(16),
    })
    .await?;
    let admin_url = std::env::var("STK_TEST_DATABASE_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into());
    let database = format!("stk_localnet_e2e_{}", std::process::id());
    let mut conn = PgConnection::connect(&admin_url).await.context("Postgres")?;
    conn.execute(format!("DROP DATABASE IF EXISTS {database} WITH (FORCE)").as_str()).await?;
    conn.execute(format!("CREATE DATABASE {database}").as_str()).await?;
    let (base, _) = admin_url.rsplit_once('/').context("database URL")?;
    let pool = stk_distributor::db::connect(&format!("{base}/{database}")).await?;
    stk_distributor::db::migrate(&pool).await?;
    let months = [start, MonthId(start.0 + 1), MonthId(start.0 + 2)];
    seed::seed(
        &pool,
        &config,
        &seed::SeedArgs {
            members: 150,
            events: 9_000,
            seed: 7,
            from: start.to_string(),
            months: 3,
            free_users: 50,
            bad: 1,
        },
    )
    .await?;
    Ok(Env { net, admin, distributor, holder, councillor, pool, database, config, months })
}

async fn teardown(env: Env) {
    env.pool.close().await;
    let admin_url = std::env::var("STK_TEST_DATABASE_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into());
    if let Ok(mut conn) = PgConnection::connect(&admin_url).await {
        let _ = conn
            .execute(format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", env.database).as_str())
            .await;
    }
    let ledger = env.net.ledger().parent().map(|p| p.to_path_buf());
    env.net.stop();
    if let Some(scratch) = ledger {
        let _ = std::fs::remove_dir_all(scratch);
    }
}

fn main() -> ExitCode {
    let filters: Vec<String> = std::env::args().skip(1).filter(|a| !a.starts_with('-')).collect();
    if std::env::args().any(|a| a == "--list") {
        CASES.iter().for_each(|case| println!("{case}: test"));
        return ExitCode::SUCCESS;
    }
    let selected: Vec<&str> = CASES
        .iter()
        .copied()
        .filter(|case| filters.is_empty() || filters.iter().any(|f| case.contains(f.as_str())))
        .collect();
    if let Ok(console) = stk_harness::program_output::divert(None) {
        let _ = CONSOLE.set(console);
    }
    println!("\nrunning {} tests", selected.len());
    let started = Instant::now();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    let mut failed = vec![];
    if !selected.is_empty() {
        runtime.block_on(async {
            let env = match setup().await {
                Ok(env) => env,
                Err(e) => {
                    println!("setup failed: {e:#}");
                    failed = selected.iter().map(|s| s.to_string()).collect();
                    return;
                }
            };
            for case in &selected {
                let outcome = AssertUnwindSafe(run_case(case, &env)).catch_unwind().await;
                match outcome {
                    Ok(Ok(())) => println!("test {case} ... ok"),
                    Ok(Err(e)) => {
                        println!("test {case} ... FAILED\n  {e:#}");
                        failed.push(case.to_string());
                    }
                    Err(_) => {
                        println!("test {case} ... FAILED (panicked)");
                        failed.push(case.to_string());
                    }
                }
            }
            teardown(env).await;
        });
    }
    let passed = selected.len() - failed.len();
    println!(
        "\ntest result: {}. {passed} passed; {} failed; 0 ignored; 0 measured; {} filtered out; finished in {:.2}s\n",
        if failed.is_empty() { "ok" } else { "FAILED" },
        failed.len(),
        CASES.len() - selected.len(),
        started.elapsed().as_secs_f64()
    );
    if failed.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}
