//! The STK localnet: a real `solana-test-validator` (Agave 4.2.2, in this process) serving
//! JSON-RPC and WebSocket on 127.0.0.1, running
//!
//! * the five STK programs as **native builtins** (no SBF toolchain needed): the same
//!   processors and lifetime adapter as the test harness (`stk_harness::native::programs`),
//!   with program-test's syscall stubs bridged into Anchor's sysvar crate
//!   (`stk_harness::stub_bridge::install_standalone`);
//! * the real SPL Token-2022, associated-token-account and address-lookup-table programs the
//!   validator ships;
//! * each program's ProgramData account with the deploy key as upgrade authority — what
//!   `anchor deploy` leaves — so `distributor init --keypair <deploy key>` works here exactly
//!   as on a cluster.
//!
//! **Ephemeral.** Every start begins from an empty ledger. A validator restarted on an existing
//! ledger replays its blocks inside `Validator::new`, before anything outside can register a
//! builtin (4.2.2 has no hook for additional builtins there), so every STK transaction would
//! replay as "program not found" and the STK state would be lost anyway; the localnet says so
//! instead of pretending.
//!
//! The clock follows the wall clock (votes carry real timestamps): local runs use a schedule
//! that started in the past (`scripts/lib/localnet.sh` writes one).
use anchor_lang::prelude::Pubkey;
use anyhow::{bail, Context};
use solana_account::{Account, AccountSharedData};
use solana_keypair::Keypair;
use solana_program_runtime::program_cache_entry::ProgramCacheEntry;
use solana_signer::Signer;
use solana_test_validator::{TestValidator, TestValidatorGenesis};
use std::{
    path::{Path, PathBuf},
    time::{Duration, Instant},
};

/// Lamports per SOL.
pub const LAMPORTS_PER_SOL: u64 = 1_000_000_000;
/// What the deploy key holds at genesis (it pays the suite's rent at `init`).
pub const DEPLOY_KEY_LAMPORTS: u64 = 100_000 * LAMPORTS_PER_SOL;
/// What every other funded address holds at genesis.
pub const FUNDED_LAMPORTS: u64 = 1_000 * LAMPORTS_PER_SOL;
/// Mainnet's account-lock limit per transaction (the validator would allow 128 with every
/// feature active): payout batch sizes measured here must hold on mainnet.
pub const ACCOUNT_LOCK_LIMIT: usize = 64;

/// How to start a localnet.
pub struct LocalnetConfig {
    /// The ledger directory; emptied at start (see the crate docs: the localnet is ephemeral).
    /// A non-empty directory that is not a validator ledger is refused.
    pub ledger: PathBuf,
    /// JSON-RPC port (WebSocket on the next one); `None`: free ports.
    pub rpc_port: Option<u16>,
    /// Upgrade authority of the five programs, funded with [`DEPLOY_KEY_LAMPORTS`].
    pub deploy_key: Pubkey,
    /// Addresses funded with [`FUNDED_LAMPORTS`] each (the distributor key, wallets).
    pub funded: Vec<Pubkey>,
    /// Ticks per slot (default 64, i.e. 400 ms slots); fewer make slots shorter, which the
    /// tests use to reach lookup-table deactivation in seconds rather than minutes.
    pub ticks_per_slot: Option<u64>,
}

/// A running localnet; dropping it (or [`Localnet::stop`]) stops the validator.
pub struct Localnet {
    validator: Option<TestValidator>,
    ledger: PathBuf,
    pub rpc_url: String,
    pub ws_url: String,
    pub deploy_key: Pubkey,
}

fn system_account(lamports: u64) -> AccountSharedData {
    AccountSharedData::from(Account {
        lamports,
        data: vec![],
        owner: Pubkey::default(),
        executable: false,
        rent_epoch: 0,
    })
}

/// Makes `ledger` an empty directory: creates it, or empties a previous validator ledger.
fn prepare_ledger(ledger: &Path) -> anyhow::Result<()> {
    match std::fs::read_dir(ledger) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => return Err(e).with_context(|| format!("reading {}", ledger.display())),
        Ok(mut entries) => {
            let empty = entries.next().is_none();
            // Only a directory the validator made is wiped: never someone's home by a typo.
            if !empty && !TestValidatorGenesis::ledger_exists(ledger) {
                bail!(
                    "{} is neither empty nor a validator ledger (no genesis.bin); refusing to wipe it",
                    ledger.display()
                );
            }
            std::fs::remove_dir_all(ledger)
                .with_context(|| format!("removing the old ledger {}", ledger.display()))?;
        }
    }
    std::fs::create_dir_all(ledger).with_context(|| format!("creating {}", ledger.display()))
}

impl Localnet {
    /// Starts the validator and returns once it executes STK transactions.
    pub async fn start(config: LocalnetConfig) -> anyhow::Result<Localnet> {
        let started = Instant::now();
        prepare_ledger(&config.ledger)?;
        if let Some(port) = config.rpc_port {
            for p in [port, port.saturating_add(1)] {
                std::net::TcpListener::bind(("0.0.0.0", p))
                    .with_context(|| format!("port {p} (JSON-RPC {port}, WebSocket {port}+1)"))?;
            }
        }
        // Our programs call sysvars and CPIs through program-test's stubs (see stk_harness).
        stk_harness::stub_bridge::install_standalone();

        let mut genesis = TestValidatorGenesis::default();
        // Gossip on any free port (the default 8000 may be taken).
        genesis.ledger_path(&config.ledger).gossip_port(0);
        genesis.transaction_account_lock_limit = Some(ACCOUNT_LOCK_LIMIT);
        if let Some(port) = config.rpc_port {
            genesis.rpc_port(port);
        }
        if let Some(ticks) = config.ticks_per_slot {
            genesis.ticks_per_slot(ticks);
        }
        genesis.add_account(config.deploy_key, system_account(DEPLOY_KEY_LAMPORTS));
        for address in &config.funded {
            genesis.add_account(*address, system_account(FUNDED_LAMPORTS));
        }
        for program in stk_harness::native::programs() {
            // The program account as the bank keeps a builtin's (owner the native loader,
            // executable, data its name): present from genesis, so registering the processor
            // below does not have to write the account into an already running bank.
            genesis.add_account(
                program.id,
                AccountSharedData::from(Account {
                    lamports: LAMPORTS_PER_SOL,
                    data: program.name.as_bytes().to_vec(),
                    owner: solana_sdk_ids::native_loader::ID,
                    executable: true,
                    rent_epoch: 0,
                }),
            );
            // What `anchor deploy` leaves: ProgramData naming the deploy key as upgrade
            // authority, which every `initialize` checks.
            let data = stk_common::deploy::program_data_header(0, Some(&config.deploy_key));
            genesis.add_account(
                stk_common::deploy::program_data_address(&program.id),
                AccountSharedData::from(Account {
                    lamports: 10 * LAMPORTS_PER_SOL,
                    data,
                    owner: stk_common::deploy::BPF_LOADER_UPGRADEABLE,
                    executable: false,
                    rent_epoch: 0,
                }),
            );
        }
        let validator = genesis
            .start_async_with_mint_address(
                &Keypair::new(),
                solana_net_utils::SocketAddrSpace::new(true),
            )
            .await
            .map_err(|e| anyhow::anyhow!("the validator did not start: {e}"))?;
        {
            // Register the processors in the working bank; every later bank inherits them.
            let forks = validator.bank_forks();
            let forks = forks.read().map_err(|_| anyhow::anyhow!("bank forks lock poisoned"))?;
            let bank = forks.working_bank();
            for program in stk_harness::native::programs() {
                let entry = ProgramCacheEntry::new_builtin(0, program.name.len(), program.register);
                bank.add_builtin(program.id, program.name, entry);
            }
            tracing::debug!(slot = bank.slot(), "STK programs registered");
        }
        let net = Localnet {
            rpc_url: validator.rpc_url(),
            ws_url: validator.rpc_pubsub_url(),
            deploy_key: config.deploy_key,
            ledger: config.ledger,
            validator: Some(validator),
        };
        // Programs in genesis are "not deployed" until the bank has moved past slot 2.
        let client = net.client();
        let deadline = Instant::now() + Duration::from_secs(120);
        while !client.get_slot().await.is_ok_and(|slot| slot >= 3) {
            if Instant::now() > deadline {
                bail!("the validator did not reach slot 3 within 120 s");
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        tracing::info!(rpc = %net.rpc_url, seconds = started.elapsed().as_secs_f64(), "localnet up");
        Ok(net)
    }

    /// A JSON-RPC client at `confirmed` commitment.
    pub fn client(&self) -> solana_client::nonblocking::rpc_client::RpcClient {
        solana_client::nonblocking::rpc_client::RpcClient::new_with_commitment(
            self.rpc_url.clone(),
            solana_commitment_config::CommitmentConfig::confirmed(),
        )
    }

    pub fn ledger(&self) -> &Path {
        &self.ledger
    }

    /// Stops the validator (its threads join) and removes the ledger.
    pub fn stop(mut self) {
        self.shutdown();
    }

    fn shutdown(&mut self) {
        if let Some(validator) = self.validator.take() {
            drop(validator);
            let _ = std::fs::remove_dir_all(&self.ledger);
        }
    }
}

impl Drop for Localnet {
    fn drop(&mut self) {
        self.shutdown();
    }
}

/// Writes a new Solana CLI keypair file (JSON array of 64 bytes) readable only by its owner,
/// or reads the existing one (which must be private too).
pub fn keypair_file(path: &Path) -> anyhow::Result<Keypair> {
    if path.exists() {
        return Ok(stk_distributor::keypair::load(path)?);
    }
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    }
    let key = Keypair::new();
    let json = serde_json::to_string(&key.to_bytes().to_vec())?;
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
        .with_context(|| format!("creating {}", path.display()))?;
    file.write_all(json.as_bytes())?;
    tracing::info!(path = %path.display(), pubkey = %key.pubkey(), "new keypair written (chmod 600)");
    Ok(key)
}

pub mod audit {
    //! Reading a paid month back over JSON-RPC, as anyone outside the distributor would.
    use anchor_lang::prelude::Pubkey;
    use anchor_spl::token_interface::spl_token_2022::{
        extension::StateWithExtensions, state::Account as TokenAccount,
    };
    use anyhow::Context;
    use solana_client::nonblocking::rpc_client::RpcClient;
    use sqlx::{PgPool, Row};
    use stk_common::calendar::MonthId;

    /// `amount` base units as STK with six decimals.
    pub fn stk(amount: u64) -> String {
        format!("{}.{:06}", amount / 1_000_000, amount % 1_000_000)
    }

    /// What [`month_balances`] found.
    #[derive(Debug)]
    pub struct BalanceCheck {
        /// Members the report pays this month.
        pub members: usize,
        /// What the report pays them in total.
        pub total: u64,
        /// One line per member whose token account does not hold exactly the reported amount.
        pub wrong: Vec<String>,
    }

    /// The STK balance of each owner's associated token account (0 when it does not exist),
    /// read with `getMultipleAccounts`, 100 at a time.
    pub async fn token_balances(client: &RpcClient, owners: &[Pubkey]) -> anyhow::Result<Vec<u64>> {
        let mint = stk_common::seeds::find_stk_mint();
        let mut balances = Vec::with_capacity(owners.len());
        for chunk in owners.chunks(100) {
            let addresses: Vec<Pubkey> =
                chunk.iter().map(|owner| stk_client::ata(owner, &mint)).collect();
            let accounts =
                client.get_multiple_accounts(&addresses).await.context("getMultipleAccounts")?;
            for (address, account) in addresses.iter().zip(accounts) {
                balances.push(match account {
                    None => 0,
                    Some(account) => {
                        StateWithExtensions::<TokenAccount>::unpack(&account.data)
                            .with_context(|| format!("{address} is not a token account"))?
                            .base
                            .amount
                    }
                });
            }
        }
        Ok(balances)
    }

    /// Compares every paid member's on-chain STK balance with the month's report. Exact on a
    /// localnet where that month is the wallets' only income.
    pub async fn month_balances(
        client: &RpcClient,
        pool: &PgPool,
        month: MonthId,
    ) -> anyhow::Result<BalanceCheck> {
        let rows = sqlx::query(
            "SELECT member_id, wallet, payable FROM allocations
             WHERE month = $1 AND payable > 0 ORDER BY member_id",
        )
        .bind(month.to_string())
        .fetch_all(pool)
        .await?;
        let mut owners = vec![];
        let mut expected = vec![];
        for row in &rows {
            let wallet: String = row.get("wallet");
            owners.push(wallet.parse::<Pubkey>().map_err(|_| {
                anyhow::anyhow!("member {}: wallet {wallet:?}", row.get::<i64, _>("member_id"))
            })?);
            expected.push((row.get::<i64, _>("member_id"), row.get::<i64, _>("payable") as u64));
        }
        let balances = token_balances(client, &owners).await?;
        let mut wrong = vec![];
        for (((member, payable), owner), balance) in expected.iter().zip(&owners).zip(&balances) {
            if balance != payable {
                wrong.push(format!(
                    "member {member} ({owner}): holds {} STK, the report pays {} STK",
                    stk(*balance),
                    stk(*payable)
                ));
            }
        }
        Ok(BalanceCheck {
            members: rows.len(),
            total: expected.iter().map(|(_, p)| p).sum(),
            wrong,
        })
    }
}
