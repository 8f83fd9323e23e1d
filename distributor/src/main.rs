//! `distributor` — the STK distributor's command line.
use clap::{Parser, Subcommand};

mod demo;

#[derive(Parser, Debug)]
#[command(
    name = "distributor",
    version,
    about = "STK distributor: ranks, monthly reports and exactly-once payouts"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Run the suite on an embedded local ledger (in-process, nothing to install): initialize
    /// STK, mint genesis and the first quarters, print the token and its schedule.
    Demo(demo::DemoArgs),
}

fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(
            |_| "info,solana=warn,solana_runtime=warn,solana_program_test=warn".into(),
        ))
        .init();
    let cli = Cli::parse();
    // A current-thread runtime: the embedded ledger (program-test) advances its bank from a
    // background task that must not race a clock warp on another worker thread.
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
    match cli.command {
        Command::Demo(args) => runtime.block_on(demo::run(args)),
    }
}
