//! `distributor` — the STK distributor's command line.
use anyhow::Context;
use clap::{Args, Parser, Subcommand};
use std::path::PathBuf;
use stk_common::calendar::MonthId;
use stk_distributor::{config::Config, db, ops::Group, report, seed};

mod demo;
mod operator;

#[derive(Parser, Debug)]
#[command(
    name = "distributor",
    version,
    about = "STK distributor: ranks, monthly reports and exactly-once payouts",
    after_help = "A month, in order (month M only after M-1 is frozen):\n  \
        distributor init ...                      once per cluster (admin key; --distributor <pubkey>)\n  \
        distributor report --month M              prints the report's sha256\n  \
        distributor approve --month M --sha256 H  the operator approves that exact report\n  \
        distributor submit --month M ...          freezes + plans, proposes the plan on-chain\n  \
        distributor approve-epoch --month M --plan-hash P --keypair admin.json\n  \
        distributor submit --month M ...          pays every batch exactly once, closes the epoch\n\
        `distributor run` is the service doing report/submit on its own; `status` shows where a month stands."
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Args, Debug)]
struct DbArgs {
    /// Postgres URL.
    #[arg(
        long,
        env = "DATABASE_URL",
        default_value = "postgres://postgres@127.0.0.1:5432/postgres"
    )]
    database_url: String,
}

#[derive(Args, Debug)]
struct ConfigArgs {
    /// Configuration file (default: the built-in distributor/stk.toml).
    #[arg(long, env = "STK_CONFIG")]
    config: Option<PathBuf>,
}

impl ConfigArgs {
    fn load(&self) -> anyhow::Result<Config> {
        match &self.config {
            None => Ok(Config::default_config()),
            Some(path) => {
                let text = std::fs::read_to_string(path)
                    .with_context(|| format!("reading the configuration {}", path.display()))?;
                Config::parse(&text).with_context(|| format!("in {}", path.display()))
            }
        }
    }
}

/// How payouts are sent (override `[payout]` of the configuration).
#[derive(Args, Debug)]
struct PayoutArgs {
    /// Address lookup tables for new months' plans: auto (when the backend supports them;
    /// 54 recipients per transaction) or never (legacy, 19).
    #[arg(long, env = "STK_LOOKUP_TABLES", value_enum)]
    lookup_tables: Option<stk_distributor::config::LookupTables>,
    /// Keypair file paying the rent of recipients' missing token accounts (signs only those
    /// transactions; must not be readable by group or others). Default: the distributor key.
    #[arg(long, env = "STK_RENT_PAYER_KEYPAIR")]
    rent_payer: Option<PathBuf>,
    /// The compute-unit price of every transaction sent (overrides `[payout.priority_fee]`).
    #[command(flatten)]
    priority_fee: stk_distributor::chain::priority::PriorityFeeArgs,
    /// Members without an STK token account in new months' plans: create it for them, or
    /// leave them pending until they create it (overrides `payout.token_accounts`).
    #[arg(long, env = "STK_TOKEN_ACCOUNTS", value_enum)]
    token_accounts: Option<stk_distributor::payout::plan::TokenAccountPolicy>,
}

/// How a month is paid, resolved from the configuration and the flags.
struct PayoutChoice {
    lookup_tables: bool,
    rent_payer: Option<stk_distributor::payout::engine::RentPayer>,
    priority_fee: stk_distributor::chain::priority::PriorityFeePolicy,
    token_accounts: stk_distributor::payout::plan::TokenAccountPolicy,
}

impl PayoutArgs {
    /// Whether lookup tables are wanted, the rent payer and the priority-fee policy.
    fn resolve(&self, config: &Config) -> anyhow::Result<PayoutChoice> {
        let lookup_tables = self.lookup_tables.unwrap_or(config.payout.lookup_tables).wanted();
        let rent_payer =
            stk_distributor::payout::load_rent_payer(&config.payout, self.rent_payer.as_deref())?;
        let priority_fee =
            self.priority_fee.apply(config.payout.priority_fee).map_err(anyhow::Error::msg)?;
        let token_accounts = self.token_accounts.unwrap_or(config.payout.token_accounts);
        Ok(PayoutChoice { lookup_tables, rent_payer, priority_fee, token_accounts })
    }
}

/// The secret member tokens are signed with, and where members reach the app.
#[derive(Args, Debug)]
struct LinkSecretArgs {
    /// File holding the secret shared with Aisystant (at least 32 bytes, chmod 600).
    #[arg(long, env = "STK_LINK_SECRET_FILE")]
    link_secret_file: PathBuf,
    /// The app's public URL (`https://stk.example.org`): its host is the domain in the
    /// messages wallets sign. `serve` defaults to the address it bound.
    #[arg(long, env = "STK_PUBLIC_URL")]
    public_url: Option<String>,
}

#[derive(Args, Debug)]
struct ServeArgs {
    #[command(flatten)]
    link: LinkSecretArgs,
    /// Address to listen on (port 0 picks a free port; the bound address is printed).
    #[arg(long, env = "STK_SERVE_ADDR", default_value = "127.0.0.1:8080")]
    addr: String,
    /// The built app (`npm run build` in app/); without it only the API is served.
    #[arg(long, env = "STK_APP_DIR")]
    app_dir: Option<PathBuf>,
    /// The JSON-RPC URL the members' browsers use (public: never one with an API key).
    #[arg(long, env = "STK_PUBLIC_RPC_URL", default_value = "http://127.0.0.1:8899")]
    rpc_url: String,
    /// The Wallet Standard chain of that cluster.
    #[arg(long, env = "STK_CHAIN", default_value = "solana:localnet")]
    chain: String,
    /// API requests allowed per client IP and minute.
    #[arg(long, env = "STK_RATE_LIMIT", default_value_t = 120)]
    requests_per_minute: u32,
    /// Behind a reverse proxy: the header holding the client's address (`x-forwarded-for`,
    /// `x-real-ip`), whose rightmost address keys the rate limit.
    #[arg(long, env = "STK_CLIENT_IP_HEADER")]
    client_ip_header: Option<String>,
    /// Seconds a wallet-link message stays valid.
    #[arg(long, default_value_t = 300)]
    nonce_ttl_seconds: u64,
    /// Write `URL=http://…` here once listening (for scripts).
    #[arg(long)]
    ready_file: Option<PathBuf>,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// The main job: a full monthly distribution with sample data on an embedded local ledger
    /// (in-process, nothing to install): seed, mint, report, approve, pay, show balances.
    Demo(demo::DemoArgs),
    /// Apply the database migrations (the Aisystant contract and the distributor's tables).
    Migrate {
        #[command(flatten)]
        db: DbArgs,
    },
    /// Fill an empty contract with deterministic sample members and activity.
    Seed {
        #[command(flatten)]
        db: DbArgs,
        #[command(flatten)]
        config: ConfigArgs,
        #[command(flatten)]
        args: seed::SeedArgs,
    },
    /// Compute a month's report (dry run: nothing is sent on-chain) and write its files.
    Report {
        #[command(flatten)]
        db: DbArgs,
        #[command(flatten)]
        config: ConfigArgs,
        /// The month, YYYY-MM.
        #[arg(long)]
        month: String,
        /// Directory that receives YYYY-MM/report.{json,csv,html,sha256}.
        #[arg(long, default_value = "reports")]
        out: PathBuf,
    },
    /// Show a month's report totals and record the operator's approval of that exact report
    /// (its SHA-256, printed by `report` and `status`); any other hash is refused.
    Approve {
        #[command(flatten)]
        db: DbArgs,
        /// The month, YYYY-MM.
        #[arg(long)]
        month: String,
        /// The SHA-256 of the report approved.
        #[arg(long)]
        sha256: String,
        /// Who approves (recorded with the approval).
        #[arg(long, env = "USER", default_value = "operator")]
        by: String,
    },
    /// What is planned, sent, confirmed and pending for a month (or every month).
    Status {
        #[command(flatten)]
        db: DbArgs,
        /// The month, YYYY-MM (default: every month with a payout plan).
        #[arg(long)]
        month: Option<String>,
    },
    /// Pay an approved month once over JSON-RPC: freeze the report and plan it (one
    /// transaction), propose the plan on-chain (open_epoch, write_plan_roots), then — once the
    /// admin approved it with `approve-epoch` — pay every batch exactly once and close the
    /// epoch. Safe to interrupt and run again.
    Submit {
        #[command(flatten)]
        db: DbArgs,
        /// The month, YYYY-MM.
        #[arg(long)]
        month: String,
        /// JSON-RPC endpoint of the cluster.
        #[arg(long, env = "STK_RPC_URL", default_value = "http://127.0.0.1:8899")]
        rpc_url: String,
        /// The distributor's keypair file (must not be readable by group or others).
        #[arg(long, env = "STK_KEYPAIR")]
        keypair: PathBuf,
        /// Pay even without a recorded approval.
        #[arg(long)]
        no_approval: bool,
        #[command(flatten)]
        config: ConfigArgs,
        #[command(flatten)]
        payout: PayoutArgs,
    },
    /// The admin approves the payout plan the distributor proposed on-chain: recomputes the
    /// plan hash from Postgres, refuses a mismatch (with the hash given or the epoch's), signs
    /// `approve_epoch`.
    ApproveEpoch {
        #[command(flatten)]
        db: DbArgs,
        /// The month, YYYY-MM.
        #[arg(long)]
        month: String,
        /// The plan hash to approve (printed by `submit`, `status` and the service).
        #[arg(long)]
        plan_hash: String,
        /// The admin keypair (must not be readable by group or others).
        #[arg(long)]
        keypair: PathBuf,
        /// JSON-RPC endpoint of the cluster.
        #[arg(long, env = "STK_RPC_URL", default_value = "http://127.0.0.1:8899")]
        rpc_url: String,
        /// Check everything, sign nothing.
        #[arg(long)]
        dry_run: bool,
        #[command(flatten)]
        priority_fee: stk_distributor::chain::priority::PriorityFeeArgs,
    },
    /// The long-running service: cranks quarters, computes each month's report after its
    /// payout time, waits for the report's approval, proposes the plan and waits for the
    /// admin's approve-epoch, pays exactly once. Stops on SIGTERM/SIGINT.
    Run {
        #[command(flatten)]
        db: DbArgs,
        #[command(flatten)]
        config: ConfigArgs,
        /// JSON-RPC endpoint of the cluster.
        #[arg(long, env = "STK_RPC_URL", default_value = "http://127.0.0.1:8899")]
        rpc_url: String,
        /// The distributor's keypair file (must not be readable by group or others).
        #[arg(long, env = "STK_KEYPAIR")]
        keypair: PathBuf,
        /// Health and metrics address (`/healthz`, `/metrics`).
        #[arg(long, env = "STK_METRICS_ADDR", default_value = "127.0.0.1:9464")]
        metrics_addr: String,
        /// Day of the following month on which a month is paid (1..=28).
        #[arg(long, env = "STK_PAYOUT_DAY", default_value_t = 1)]
        payout_day: u32,
        /// Hour of that day, in the community's time zone (0..=23).
        #[arg(long, env = "STK_PAYOUT_HOUR", default_value_t = 6)]
        payout_hour: u32,
        /// Pay without waiting for `distributor approve`.
        #[arg(long, env = "STK_NO_APPROVAL")]
        no_approval: bool,
        /// Seconds between two passes.
        #[arg(long, env = "STK_POLL_SECONDS", default_value_t = 60)]
        poll_seconds: u64,
        /// Directory of the report files.
        #[arg(long, env = "STK_REPORT_DIR", default_value = "reports")]
        out: PathBuf,
        #[command(flatten)]
        payout: PayoutArgs,
        /// Hours between two fee harvests (and splits, when this key is the treasury admin);
        /// 0 turns the fee crank off.
        #[arg(long, env = "STK_FEE_INTERVAL_HOURS", default_value_t = 24)]
        fee_interval_hours: u64,
    },
    /// Initialize the whole suite on a cluster after `anchor deploy` (mint with metadata and
    /// schedule, vesting sale vault, startup fund, staking pool, treasury with its vaults and
    /// authorities). Idempotent; prints every address.
    Init {
        #[command(flatten)]
        db: DbArgs,
        #[command(flatten)]
        config: ConfigArgs,
        /// JSON-RPC endpoint of the cluster.
        #[arg(long, env = "STK_RPC_URL", default_value = "http://127.0.0.1:8899")]
        rpc_url: String,
        /// The admin keypair (pays; becomes the admin of every program).
        #[arg(long, env = "STK_KEYPAIR")]
        keypair: PathBuf,
        /// URI of the token metadata JSON (name, symbol, logo) wallets display.
        #[arg(long)]
        metadata_uri: String,
        /// The distributor's public key (the hot key of the service; must differ from the
        /// admin key, which approves every payout plan).
        #[arg(long)]
        distributor: Option<String>,
        /// Transfer fee in basis points and its maximum per transfer (base units).
        #[arg(long, default_value_t = 50)]
        transfer_fee_bps: u16,
        #[arg(long, default_value_t = 10_000_000)]
        max_transfer_fee: u64,
        /// Startup-fund council keys (comma-separated; default: the admin key) and threshold.
        #[arg(long, value_delimiter = ',')]
        council: Vec<String>,
        #[arg(long, default_value_t = 1)]
        council_threshold: u8,
    },
    /// The treasury's quote: quarter budgets, one-time receipts, published quotes, history.
    Quote {
        #[command(flatten)]
        sign: stk_distributor::ops::SignArgs,
        #[command(subcommand)]
        cmd: stk_distributor::ops::quote::QuoteCmd,
    },
    /// Transfer fees: harvest what Token-2022 withheld, split the fee vault.
    Fees {
        #[command(flatten)]
        sign: stk_distributor::ops::SignArgs,
        #[command(subcommand)]
        cmd: stk_distributor::ops::fees::FeesCmd,
    },
    /// The staking pool's rewards: rate, funding, pool summary.
    Staking {
        #[command(flatten)]
        sign: stk_distributor::ops::SignArgs,
        #[command(subcommand)]
        cmd: stk_distributor::ops::staking::StakingCmd,
    },
    /// The startup fund: deposit crank, council proposals and approvals, executions, returns,
    /// status with tranches and unlock dates.
    Fund {
        #[command(flatten)]
        sign: stk_distributor::ops::SignArgs,
        #[command(subcommand)]
        cmd: stk_distributor::ops::fund::FundCmd,
    },
    /// Mint the genesis allocation into the sale vault (permissionless, once).
    Genesis {
        #[command(flatten)]
        sign: stk_distributor::ops::SignArgs,
    },
    /// The members' initial sale: allowlist from Postgres (with proofs and root), open, buy,
    /// close, status.
    Sale {
        #[command(flatten)]
        sign: stk_distributor::ops::SignArgs,
        #[command(flatten)]
        db: DbArgs,
        #[command(flatten)]
        config: ConfigArgs,
        #[command(subcommand)]
        cmd: stk_distributor::ops::sale::SaleCmd,
    },
    /// Dormant wallets: candidates (Postgres and chain), flag, the public notices,
    /// reintegrate after the deadline, void, close.
    Dormancy {
        #[command(flatten)]
        sign: stk_distributor::ops::SignArgs,
        #[command(flatten)]
        db: DbArgs,
        #[command(flatten)]
        config: ConfigArgs,
        #[command(subcommand)]
        cmd: stk_distributor::ops::dormancy::DormancyCmd,
    },
    /// Fraud holds: place (admin), confirm (fund council), execute, release or forfeit
    /// (council votes), withdraw, close, list.
    Hold {
        #[command(flatten)]
        sign: stk_distributor::ops::SignArgs,
        #[command(subcommand)]
        cmd: stk_distributor::ops::holds::HoldCmd,
    },
    /// Two-step rotations of every program's admin and the distributor key; the startup
    /// fund's council change; who holds what.
    Authority {
        #[command(flatten)]
        sign: stk_distributor::ops::SignArgs,
        #[command(subcommand)]
        cmd: stk_distributor::ops::authority::AuthorityCmd,
    },
    /// Mint what is due now (permissionless): the genesis allocation once, then every
    /// quarter that has started — what `run` does at each pass, for operators without the
    /// service.
    Crank {
        #[command(flatten)]
        db: DbArgs,
        /// JSON-RPC endpoint of the cluster.
        #[arg(long, env = "STK_RPC_URL", default_value = "http://127.0.0.1:8899")]
        rpc_url: String,
        /// The keypair paying the fees (any funded key; must not be readable by others).
        #[arg(long, env = "STK_KEYPAIR")]
        keypair: PathBuf,
        #[command(flatten)]
        priority_fee: stk_distributor::chain::priority::PriorityFeeArgs,
    },
    /// The members' app and its JSON API (read-only except wallet linking, rate limited per
    /// client IP): link a wallet by signing a message, see and verify a month. Stops on
    /// SIGTERM/SIGINT.
    Serve {
        #[command(flatten)]
        db: DbArgs,
        #[command(flatten)]
        serve: ServeArgs,
    },
    /// Print a member's link to the app (what Aisystant sends a member): a token signed with
    /// the link secret that names the member and expires.
    MemberLink {
        #[command(flatten)]
        link: LinkSecretArgs,
        /// The member (community account id).
        #[arg(long)]
        member: i64,
        /// Minutes the link stays valid.
        #[arg(long, default_value_t = 60)]
        valid_minutes: i64,
    },
    /// Validate a configuration file and print its hash.
    CheckConfig {
        #[command(flatten)]
        config: ConfigArgs,
    },
}

fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    // The demo runs the programs natively in this process, and they print their logs on
    // descriptor 1 ("Instruction: …"): divert it; the demo and its log lines keep the
    // original standard output (see stk_harness::program_output).
    let console = match &cli.command {
        Command::Demo(_) => Some(std::sync::Arc::new(
            stk_harness::program_output::divert(None).context("diverting program output")?,
        )),
        _ => None,
    };
    let writer = match &console {
        Some(console) => tracing_subscriber::fmt::writer::BoxMakeWriter::new(std::sync::Arc::new(
            console.0.try_clone()?,
        )),
        None => tracing_subscriber::fmt::writer::BoxMakeWriter::new(std::io::stdout),
    };
    let filter = tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| {
        "info,solana=warn,solana_runtime=warn,solana_program_test=warn,sqlx=warn".into()
    });
    // STK_LOG_FORMAT=json for log collectors; human-readable otherwise.
    if std::env::var("STK_LOG_FORMAT").as_deref() == Ok("json") {
        tracing_subscriber::fmt().json().with_writer(writer).with_env_filter(filter).init();
    } else {
        // Colours only on a terminal: journald and log files get plain text.
        use std::io::IsTerminal;
        tracing_subscriber::fmt()
            .with_ansi(std::io::stdout().is_terminal())
            .with_writer(writer)
            .with_env_filter(filter)
            .init();
    }
    // A current-thread runtime: the embedded ledger (program-test) advances its bank from a
    // background task that must not race a clock warp on another worker thread.
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
    match cli.command {
        Command::Demo(args) => {
            if let Some(console) = console {
                demo::set_console(console);
            }
            runtime.block_on(demo::run(args))
        }
        Command::Migrate { db } => runtime.block_on(async {
            let pool = db::connect(&db.database_url).await?;
            db::migrate(&pool).await?;
            tracing::info!("migrations applied");
            Ok(())
        }),
        Command::Seed { db, config, args } => runtime.block_on(async {
            let config = config.load()?;
            let pool = db::connect(&db.database_url).await?;
            db::migrate(&pool).await?;
            let started = std::time::Instant::now();
            let s = seed::seed(&pool, &config, &args).await?;
            tracing::info!(
                members = s.members,
                paying = s.paying,
                events = s.events,
                bad_rows = s.bad_rows,
                seconds = started.elapsed().as_secs_f64(),
                "seeded"
            );
            Ok(())
        }),
        Command::Report { db, config, month, out } => runtime.block_on(async {
            let config = config.load()?;
            let month_id = MonthId::parse(&month)
                .with_context(|| format!("--month {month:?} is not YYYY-MM"))?;
            let pool = db::connect(&db.database_url).await?;
            operator::check_previous_frozen(&pool, &config, month_id).await?;
            let before = stk_distributor::payout::approved::state(&pool, month_id).await?;
            let started = std::time::Instant::now();
            let outcome = report::run(&pool, &config, month_id, Some(&out)).await?;
            operator::tell_if_changed(month_id, &before, &outcome.sha256);
            let t = &outcome.report.totals;
            tracing::info!(
                month = %month,
                sha256 = %outcome.sha256,
                pool = outcome.report.emission.pool,
                allocated = t.allocated,
                payable = t.payable,
                pending_out = t.pending_out,
                quarantined = outcome.report.quarantine.rows.len(),
                seconds = started.elapsed().as_secs_f64(),
                "report written"
            );
            for f in &outcome.files {
                println!("{}", f.display());
            }
            println!("sha256 {}", outcome.sha256);
            Ok(())
        }),
        Command::Approve { db, month, sha256, by } => {
            runtime.block_on(operator::approve(&db.database_url, &month, &sha256, &by))
        }
        Command::ApproveEpoch { db, month, plan_hash, keypair, rpc_url, dry_run, priority_fee } => {
            let priority_fee = priority_fee.apply(Default::default()).map_err(anyhow::Error::msg)?;
            runtime.block_on(operator::approve_epoch(
                &db.database_url,
                &month,
                &plan_hash,
                &rpc_url,
                &keypair,
                dry_run,
                priority_fee,
            ))
        }
        Command::Status { db, month } => {
            runtime.block_on(operator::status(&db.database_url, month.as_deref()))
        }
        Command::Submit { db, month, rpc_url, keypair, no_approval, config, payout } => runtime
            .block_on(async {
            let config = config.load()?;
            let PayoutChoice { lookup_tables, rent_payer, priority_fee, token_accounts } =
                payout.resolve(&config)?;
            let opts = operator::SubmitOptions {
                first_month: config.schedule().start_month,
                rpc_url: &rpc_url,
                keypair: &keypair,
                priority_fee,
                require_approval: !no_approval,
                lookup_tables,
                rent_payer,
                token_accounts,
            };
            operator::submit(&db.database_url, &month, opts).await
        }),
        Command::Run {
            db,
            config,
            rpc_url,
            keypair,
            metrics_addr,
            payout_day,
            payout_hour,
            no_approval,
            poll_seconds,
            out,
            payout,
            fee_interval_hours,
        } => runtime.block_on(async {
            use stk_distributor::{chain::rpc, metrics, schedule_clock::PayoutTime, service};
            let config = config.load()?;
            let PayoutChoice { lookup_tables, rent_payer, priority_fee, token_accounts } =
                payout.resolve(&config)?;
            let payout_time = PayoutTime { day: payout_day, hour: payout_hour };
            payout_time.validate().map_err(|e| anyhow::anyhow!(e))?;
            let payer = stk_distributor::keypair::load(&keypair)?;
            let pool = db::connect(&db.database_url).await?;
            db::migrate(&pool).await?;
            let registry = std::sync::Arc::new(metrics::Metrics::default());
            let listener = tokio::net::TcpListener::bind(&metrics_addr)
                .await
                .with_context(|| format!("binding the metrics address {metrics_addr}"))?;
            // The bound address, so `--metrics-addr 127.0.0.1:0` works and is findable.
            let metrics_addr = listener.local_addr()?;
            tokio::spawn(metrics::serve(listener, registry.clone()));
            let settings = service::ServiceSettings {
                payout_time,
                require_approval: !no_approval,
                report_dir: Some(out),
                poll_interval: std::time::Duration::from_secs(poll_seconds.max(1)),
                lookup_tables,
                token_accounts,
                engine: stk_distributor::payout::engine::EngineSettings {
                    rent_payer,
                    ..Default::default()
                },
                cranks: stk_distributor::ops::cranks::OperatorCranks::all(
                    (fee_interval_hours > 0).then(|| {
                        std::time::Duration::from_secs(fee_interval_hours.saturating_mul(3_600))
                    }),
                ),
                ..service::ServiceSettings::default()
            };
            let mut backend = rpc::RpcBackend::new(
                payer,
                rpc::RpcSettings { url: rpc_url, priority_fee, ..rpc::RpcSettings::default() },
            );
            tracing::info!(?priority_fee, "priority fees");
            // The node's URL without its API key (`redact`): logs are shipped and kept.
            tracing::info!(%metrics_addr, rpc = %backend.redacted_url(), "distributor service started");
            service::run(&mut backend, &pool, &config, &settings, &registry).await
        }),
        Command::Init {
            db,
            config,
            rpc_url,
            keypair,
            metadata_uri,
            distributor,
            transfer_fee_bps,
            max_transfer_fee,
            council,
            council_threshold,
        } => runtime.block_on(async {
            use solana_signer::Signer;
            use stk_distributor::{chain::rpc, init};
            let config = config.load()?;
            let payer = stk_distributor::keypair::load(&keypair)?;
            let admin = payer.pubkey();
            let parse = |s: &str| -> anyhow::Result<anchor_lang::prelude::Pubkey> {
                s.parse().map_err(|_| anyhow::anyhow!("{s:?} is not a public key"))
            };
            let distributor = distributor.as_deref().map(parse).transpose()?.ok_or_else(|| {
                anyhow::anyhow!("--distributor <pubkey> is required: the distributor key must differ from the admin key (the treasury refuses both being one key)")
            })?;
            if distributor == admin {
                anyhow::bail!("--distributor must differ from the admin key: the admin approves the plans the distributor key pays");
            }
            let council = if council.is_empty() {
                vec![admin]
            } else {
                council.iter().map(|c| parse(c)).collect::<anyhow::Result<Vec<_>>>()?
            };
            // Before anything irreversible: the URI must not serve another token's metadata.
            println!("{}", stk_distributor::metadata::preflight(&metadata_uri).await?);
            let pool = db::connect(&db.database_url).await?;
            db::migrate(&pool).await?;
            let params = init::SuiteParams {
                decimals: config.emission.decimals,
                metadata_uri,
                transfer_fee_bps,
                max_transfer_fee,
                schedule: config.schedule(),
                distributor,
                staking_fee_bps: 4_000,
                startup_fund_fee_bps: 3_000,
                dormancy_notice_secs: 90 * 86_400,
                fiat_decimals: 2,
                council,
                council_threshold,
                fund_lock_seconds: 3 * 31_557_600,
                staking_reward_rate: 0,
            };
            let settings = rpc::RpcSettings {
                url: rpc_url,
                priority_fee: config.payout.priority_fee,
                ..Default::default()
            };
            let mut backend = rpc::RpcBackend::new(payer, settings);
            let suite = init::initialize_suite(&mut backend, &pool, &params).await?;
            println!("initialized now: {:?}", suite.initialized_now);
            if stk_distributor::ops::cranks::genesis(&mut backend).await? {
                println!("genesis allocation minted into the sale vault");
            }
            for (name, address) in suite.entries {
                println!("{name:<42} {address}");
            }
            for note in suite.notes {
                println!("note: {note}");
            }
            Ok(())
        }),
        Command::Quote { sign, cmd } => operator_command(&runtime, &sign, Group::Quote(cmd)),
        Command::Fees { sign, cmd } => operator_command(&runtime, &sign, Group::Fees(cmd)),
        Command::Staking { sign, cmd } => operator_command(&runtime, &sign, Group::Staking(cmd)),
        Command::Fund { sign, cmd } => operator_command(&runtime, &sign, Group::Fund(cmd)),
        Command::Genesis { sign } => operator_command(&runtime, &sign, Group::Genesis),
        Command::Sale { sign, db, config, cmd } => {
            operator_command_with(&runtime, &sign, Group::Sale(cmd), &db, &config)
        }
        Command::Dormancy { sign, db, config, cmd } => {
            operator_command_with(&runtime, &sign, Group::Dormancy(cmd), &db, &config)
        }
        Command::Hold { sign, cmd } => operator_command(&runtime, &sign, Group::Hold(cmd)),
        Command::Authority { sign, cmd } => {
            operator_command(&runtime, &sign, Group::Authority(cmd))
        }
        Command::Crank { db, rpc_url, keypair, priority_fee } => runtime.block_on(async {
            let priority_fee =
                priority_fee.apply(Default::default()).map_err(anyhow::Error::msg)?;
            use stk_distributor::{chain::rpc, service};
            let payer = stk_distributor::keypair::load(&keypair)?;
            let pool = db::connect(&db.database_url).await?;
            db::migrate(&pool).await?;
            let mut backend = rpc::RpcBackend::new(
                payer,
                rpc::RpcSettings { url: rpc_url, priority_fee, ..Default::default() },
            );
            let now = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_secs() as i64)
                .unwrap_or(0);
            let engine = stk_distributor::payout::engine::EngineSettings::default();
            let (genesis, quarters) = service::crank(&mut backend, &pool, &engine, now).await?;
            println!("genesis minted now: {genesis}; quarters minted now: {quarters:?}");
            Ok(())
        }),
        Command::Serve { db, serve } => runtime.block_on(serve_app(&db, serve)),
        Command::MemberLink { link, member, valid_minutes } => {
            let url = link.public_url.as_deref().ok_or_else(|| {
                anyhow::anyhow!("--public-url is required: where members reach the app")
            })?;
            let secret = stk_distributor::serve::token::load_secret(&link.link_secret_file)?;
            let expires = chrono::Utc::now().timestamp() + valid_minutes.max(1) * 60;
            let token = stk_distributor::serve::token::issue(&secret, member, expires);
            println!("{}/#member={token}", url.trim_end_matches('/'));
            Ok(())
        }
        Command::CheckConfig { config } => {
            let c = config.load()?;
            println!("configuration valid; sha256 {}", c.sha256());
            Ok(())
        }
    }
}

/// Like [`operator_command`], with the configuration and (when the command reads it)
/// Postgres.
fn operator_command_with(
    runtime: &tokio::runtime::Runtime,
    sign: &stk_distributor::ops::SignArgs,
    group: Group,
    db: &DbArgs,
    config: &ConfigArgs,
) -> anyhow::Result<()> {
    let text = runtime.block_on(async {
        let ctx = stk_distributor::ops::Context {
            db: if group.needs_db() { Some(db::connect(&db.database_url).await?) } else { None },
            config: Some(config.load()?),
        };
        anyhow::Ok(stk_distributor::ops::run_cli_with(sign, &group, &ctx).await?)
    })?;
    print!("{text}");
    Ok(())
}

/// Runs an operator command (`distributor/src/ops/`) and prints what it reports.
fn operator_command(
    runtime: &tokio::runtime::Runtime,
    sign: &stk_distributor::ops::SignArgs,
    group: Group,
) -> anyhow::Result<()> {
    let text = runtime.block_on(stk_distributor::ops::run_cli(sign, &group))?;
    print!("{text}");
    Ok(())
}

/// `distributor serve`: binds, prints the address, serves until SIGTERM/SIGINT.
async fn serve_app(db: &DbArgs, args: ServeArgs) -> anyhow::Result<()> {
    use stk_distributor::serve;
    let secret = serve::token::load_secret(&args.link.link_secret_file)?;
    if let Some(dir) = &args.app_dir {
        if !dir.join("index.html").is_file() {
            anyhow::bail!(
                "{} has no index.html: run `npm ci && npm run build` in app/",
                dir.display()
            );
        }
    }
    let pool = db::connect(&db.database_url).await?;
    db::migrate(&pool).await?;
    let listener = tokio::net::TcpListener::bind(&args.addr)
        .await
        .with_context(|| format!("binding {}", args.addr))?;
    let bound = listener.local_addr()?;
    let url = format!("http://{bound}");
    let public_url = args.link.public_url.as_deref().unwrap_or(&url).trim_end_matches('/');
    let settings = serve::ServeSettings {
        public_url: public_url.to_string(),
        link_secret: secret,
        nonce_ttl: std::time::Duration::from_secs(args.nonce_ttl_seconds.max(1)),
        requests_per_minute: args.requests_per_minute,
        app_dir: args.app_dir,
        rpc_url: args.rpc_url,
        chain: args.chain,
        client_ip_header: args.client_ip_header,
    };
    tracing::info!(%url, public_url = %settings.public_url, "members' app listening");
    println!("URL={url}");
    if let Some(path) = &args.ready_file {
        std::fs::write(path, format!("URL={url}\n"))
            .with_context(|| format!("writing {}", path.display()))?;
    }
    let shutdown = async {
        let mut term =
            match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
                Ok(term) => term,
                Err(e) => {
                    tracing::error!(error = %e, "cannot listen for SIGTERM");
                    let _ = tokio::signal::ctrl_c().await;
                    return;
                }
            };
        tokio::select! {
            _ = term.recv() => {}
            _ = tokio::signal::ctrl_c() => {}
        }
        tracing::info!("members' app stopping");
    };
    serve::serve(listener, serve::router(pool, settings), shutdown).await?;
    Ok(())
}
