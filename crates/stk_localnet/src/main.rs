//! `stk-localnet` — a local Solana cluster running the five STK programs, for operators,
//! integrators and the scripts. `stk-localnet --help` lists the options.
use anyhow::Context;
use clap::{Args, Parser, Subcommand};
use solana_signer::Signer;
use std::path::PathBuf;
use stk_localnet::{keypair_file, Localnet, LocalnetConfig};

#[derive(Parser, Debug)]
#[command(
    name = "stk-localnet",
    version,
    about = "A local Solana cluster (real JSON-RPC) running the five STK programs natively with the real SPL Token-2022, ATA and lookup-table programs. Ephemeral: every start begins from an empty ledger.",
    args_conflicts_with_subcommands = true
)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
    #[command(flatten)]
    start: StartArgs,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Start the localnet (the default) and run until SIGINT/SIGTERM.
    Start(StartArgs),
    /// Check that every member paid for a month holds exactly the reported amount, read over
    /// JSON-RPC (for a fresh localnet where that month is the only payout).
    CheckBalances(CheckArgs),
}

#[derive(Args, Debug, Clone)]
struct StartArgs {
    /// JSON-RPC port (WebSocket on the next port); 0 picks free ports.
    #[arg(long, default_value_t = 8899)]
    rpc_port: u16,
    /// The deploy key: upgrade authority of the five programs (as `anchor deploy` leaves
    /// them), so it is the key `distributor init` needs. Created (chmod 600) when absent;
    /// funded with 100,000 SOL.
    #[arg(long, default_value = "localnet-deploy.json")]
    deploy_keypair: PathBuf,
    /// More keypair files to fund with 1,000 SOL each (created chmod 600 when absent), e.g.
    /// the distributor key or test wallets. Repeatable.
    #[arg(long = "fund-keypair")]
    fund_keypairs: Vec<PathBuf>,
    /// Public keys to fund with 1,000 SOL each (a Phantom or Solflare wallet). Repeatable.
    #[arg(long = "fund")]
    fund: Vec<String>,
    /// Ledger directory (emptied at start; default: a temporary directory removed at exit).
    #[arg(long)]
    ledger: Option<PathBuf>,
    /// Start from an empty ledger. This is the default and the only mode: a restarted validator
    /// replays its ledger before the STK builtins can be registered, so the STK state could not
    /// survive a restart (README, "It is ephemeral"). Accepted so that scripts written for
    /// `solana-test-validator --reset` work unchanged.
    #[arg(long)]
    reset: bool,
    /// Once ready, write `RPC_URL=…`, `WS_URL=…` and `DEPLOY_KEYPAIR=…` lines here (for scripts).
    #[arg(long)]
    ready_file: Option<PathBuf>,
    /// Where the programs' own log lines go (`msg!`, "Instruction: …"; a native program prints
    /// them on the process's standard output). Default: discarded.
    #[arg(long)]
    program_log: Option<PathBuf>,
}

#[derive(Args, Debug)]
struct CheckArgs {
    /// JSON-RPC endpoint.
    #[arg(long, default_value = "http://127.0.0.1:8899")]
    rpc_url: String,
    /// The distributor's Postgres database.
    #[arg(
        long,
        env = "DATABASE_URL",
        default_value = "postgres://postgres@127.0.0.1:5432/postgres"
    )]
    database_url: String,
    /// The month, YYYY-MM.
    #[arg(long)]
    month: String,
}

async fn stop_signal() -> anyhow::Result<&'static str> {
    use tokio::signal::unix::{signal, SignalKind};
    let mut terminate = signal(SignalKind::terminate())?;
    let mut interrupt = signal(SignalKind::interrupt())?;
    tokio::select! {
        _ = terminate.recv() => Ok("SIGTERM"),
        _ = interrupt.recv() => Ok("SIGINT"),
    }
}

async fn start(args: StartArgs) -> anyhow::Result<()> {
    // The programs print their logs on descriptor 1 (see stk_harness::program_output).
    let console = stk_harness::program_output::divert(args.program_log.as_deref())
        .context("diverting the programs' output")?;
    let deploy = keypair_file(&args.deploy_keypair)?;
    let mut funded = vec![];
    let mut funded_files = vec![];
    for path in &args.fund_keypairs {
        let key = keypair_file(path)?;
        funded.push(key.pubkey());
        funded_files.push((path.clone(), key.pubkey()));
    }
    for text in &args.fund {
        funded.push(
            text.parse().map_err(|_| anyhow::anyhow!("--fund {text:?} is not a public key"))?,
        );
    }
    anyhow::ensure!(
        !funded.contains(&deploy.pubkey()),
        "the deploy key is funded already; do not list it with --fund/--fund-keypair"
    );
    // `--reset` changes nothing: every start resets (see its help).
    let _always_reset = args.reset;
    let temporary = args.ledger.is_none();
    let ledger = args.ledger.clone().unwrap_or_else(|| {
        std::env::temp_dir().join(format!("stk-localnet-{}", std::process::id()))
    });
    let signal = tokio::spawn(stop_signal());
    let net = Localnet::start(LocalnetConfig {
        ledger,
        rpc_port: (args.rpc_port != 0).then_some(args.rpc_port),
        deploy_key: deploy.pubkey(),
        funded,
        ticks_per_slot: None,
    })
    .await?;
    let deploy_path = std::fs::canonicalize(&args.deploy_keypair)?;
    console.say(format_args!("STK localnet (ephemeral: every start begins from an empty ledger)"));
    console.say(format_args!("  JSON-RPC    {}", net.rpc_url));
    console.say(format_args!("  WebSocket   {}", net.ws_url));
    console.say(format_args!(
        "  deploy key  {} ({}; upgrade authority of the five programs, 100,000 SOL)",
        deploy_path.display(),
        deploy.pubkey()
    ));
    for (path, key) in &funded_files {
        console.say(format_args!("  funded      {} ({key}, 1,000 SOL)", path.display()));
    }
    for key in &args.fund {
        console.say(format_args!("  funded      {key} (1,000 SOL)"));
    }
    for program in stk_harness::native::programs() {
        console.say(format_args!("  {:<16}    {}", program.name, program.id));
    }
    console.say(format_args!(
        "  ledger      {}{}",
        net.ledger().display(),
        if temporary { " (removed at exit)" } else { " (emptied at every start)" }
    ));
    console.say(format_args!(
        "next: distributor init --rpc-url {} --keypair {} --metadata-uri <URI> --distributor <pubkey>",
        net.rpc_url,
        deploy_path.display()
    ));
    console.say(format_args!("stop with Ctrl-C (SIGINT) or SIGTERM"));
    if let Some(ready) = &args.ready_file {
        let text = format!(
            "RPC_URL={}\nWS_URL={}\nDEPLOY_KEYPAIR={}\n",
            net.rpc_url,
            net.ws_url,
            deploy_path.display()
        );
        // Written whole under a temporary name and renamed: a script polling for the file
        // never reads half of it.
        let partial = ready.with_extension("partial");
        std::fs::write(&partial, text)?;
        std::fs::rename(&partial, ready)?;
    }
    let name = signal.await??;
    console.say(format_args!("{name}: stopping the localnet"));
    net.stop();
    if let Some(ready) = &args.ready_file {
        let _ = std::fs::remove_file(ready);
    }
    console.say(format_args!("stopped"));
    Ok(())
}

async fn check_balances(args: CheckArgs) -> anyhow::Result<()> {
    let month = stk_common::calendar::MonthId::parse(&args.month)
        .ok_or_else(|| anyhow::anyhow!("--month {:?} is not YYYY-MM", args.month))?;
    let pool = stk_distributor::db::connect(&args.database_url).await?;
    let client = solana_client::nonblocking::rpc_client::RpcClient::new_with_commitment(
        args.rpc_url.clone(),
        solana_commitment_config::CommitmentConfig::confirmed(),
    );
    let check = stk_localnet::audit::month_balances(&client, &pool, month).await?;
    println!(
        "{month}: {} members paid {} STK in total; every balance read over JSON-RPC from {}: {} exact, {} wrong",
        check.members,
        stk_localnet::audit::stk(check.total),
        args.rpc_url,
        check.members - check.wrong.len(),
        check.wrong.len()
    );
    for line in check.wrong.iter().take(20) {
        println!("  {line}");
    }
    anyhow::ensure!(
        check.wrong.is_empty(),
        "{} members do not hold their payout",
        check.wrong.len()
    );
    Ok(())
}

fn main() -> anyhow::Result<()> {
    // The validator logs through `log`; only errors by default (and the localnet's own lines).
    let filter = tracing_subscriber::EnvFilter::try_from_env("STK_LOCALNET_LOG")
        .unwrap_or_else(|_| "error,stk_localnet=info".into());
    tracing_subscriber::fmt().with_writer(std::io::stderr).with_env_filter(filter).init();
    let cli = Cli::parse();
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    match cli.command {
        None => runtime.block_on(start(cli.start)),
        Some(Command::Start(args)) => runtime.block_on(start(args)),
        Some(Command::CheckBalances(args)) => runtime.block_on(check_balances(args)),
    }
}
