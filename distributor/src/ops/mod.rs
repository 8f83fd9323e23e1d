//! Operator commands (issue 16): the admin and crank instructions of the five programs as
//! `distributor` subcommands, and the service's periodic cranks.
//!
//! Every command builds its instructions with `stk_client` (nothing is assembled twice) into an
//! [`Op`] and hands it to [`execute`], the one "sign or print" path:
//!
//! * `--keypair FILE` (default `--sign-with local`): signs with the key, sends through the
//!   chain backend (JSON-RPC or the embedded ledger) and waits until it lands;
//! * `--dry-run`: prints the transaction and its accounts (names from the committed IDLs) and
//!   sends nothing;
//! * `--sign-with external --authority PUBKEY`: prints the unsigned transaction, base58 and
//!   base64, with `PUBKEY` as signer and fee payer, for a multisig (Squads-style) to propose.
//!
//! Modules: [`quote`], [`fees`], [`staking`], [`fund`], [`genesis`], [`sale`],
//! [`dormancy`], [`holds`], [`authority`] (command groups), [`scan`] (finding withheld fees),
//! [`units`] (decimal amounts), [`idl`] (names), [`cranks`] (what the service runs).
//!
//! Commands that read Postgres or the configuration (`sale allowlist`, `dormancy
//! candidates`) get them through a [`Context`].
use crate::{
    chain::{rpc, ChainBackend, ChainError, SignatureStatus},
    payout::limits,
};
use anchor_lang::{prelude::Pubkey, AccountDeserialize};
use clap::{Args, ValueEnum};
use solana_keypair::Keypair;
use solana_signature::Signature;
use solana_signer::Signer;
use std::{fmt::Write as _, path::PathBuf};
use stk_client::Instruction;

pub mod authority;
pub mod cranks;
pub mod dormancy;
pub mod fees;
pub mod fund;
pub mod genesis;
pub mod holds;
pub mod idl;
pub mod quote;
pub mod sale;
pub mod scan;
pub mod staking;
pub mod units;

/// How long `execute` waits for one signature (backend waits) and how often it re-signs an
/// expired transaction before giving up.
const MAX_WAITS: u32 = 2_000;
const MAX_ATTEMPTS: u32 = 5;

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum SignWith {
    /// Sign with `--keypair` and send.
    Local,
    /// Print the unsigned transaction for an external signer (a multisig).
    External,
}

/// The signing options every command that sends a transaction takes.
#[derive(Args, Debug, Clone)]
pub struct SignArgs {
    /// JSON-RPC endpoint of the cluster.
    #[arg(long, global = true, env = "STK_RPC_URL", default_value = "http://127.0.0.1:8899")]
    pub rpc_url: String,
    /// Keypair file that signs and pays (must not be readable by group or others).
    #[arg(long, global = true, env = "STK_KEYPAIR")]
    pub keypair: Option<PathBuf>,
    /// `local`: sign with --keypair and send. `external`: print the unsigned transaction
    /// (base58 and base64) and its accounts for a multisig, signed by --authority.
    #[arg(long, global = true, value_enum, default_value = "local")]
    pub sign_with: SignWith,
    /// The signer and fee payer with --sign-with external (e.g. a Squads vault address).
    #[arg(long, global = true)]
    pub authority: Option<String>,
    /// Print the transaction and its accounts; send nothing.
    #[arg(long, global = true)]
    pub dry_run: bool,
    /// The compute-unit price of what is sent (default: `[payout.priority_fee]`'s default
    /// policy; an external signer sets its own).
    #[command(flatten)]
    pub priority_fee: crate::chain::priority::PriorityFeeArgs,
}

/// What [`execute`] does with a transaction.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Sign with the backend's key and send.
    Send,
    /// Print the transaction that `signer` would sign; send nothing.
    DryRun { signer: Pubkey },
    /// Print the unsigned transaction for `authority` (signer and fee payer).
    External { authority: Pubkey },
}

impl Mode {
    /// The key that signs (and so is the admin, council member or funder of the instruction).
    pub fn signer<B: ChainBackend>(&self, backend: &B) -> Pubkey {
        match self {
            Mode::Send => backend.payer().pubkey(),
            Mode::DryRun { signer } => *signer,
            Mode::External { authority } => *authority,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum OpsError {
    #[error("{0}")]
    Usage(String),
    #[error(transparent)]
    Keypair(#[from] crate::keypair::KeypairError),
    #[error(transparent)]
    Chain(#[from] ChainError),
    #[error("{what} was refused on-chain: {explained}\n  ({error})")]
    Refused { what: String, error: String, explained: String },
    #[error("{what}: not confirmed after {attempts} signatures; check the cluster and run again")]
    Stuck { what: String, attempts: u32 },
    #[error("{what}: {error}")]
    Build { what: String, error: String },
    #[error("{0} is not initialized on this cluster (run `distributor init` first)")]
    NotInitialized(&'static str),
    #[error("account {address} is not a valid {what}: {error}")]
    BadAccount { address: Pubkey, what: &'static str, error: String },
    #[error("database: {0}")]
    Db(#[from] sqlx::Error),
    #[error("{what} {path}: {error}")]
    File { what: &'static str, path: String, error: String },
}

impl OpsError {
    fn usage(text: impl Into<String>) -> Self {
        OpsError::Usage(text.into())
    }
}

/// Parses a base58 public key, naming the option in the error.
pub fn parse_pubkey(option: &str, text: &str) -> Result<Pubkey, OpsError> {
    text.trim()
        .parse()
        .map_err(|_| OpsError::usage(format!("{option} {text:?} is not a public key")))
}

impl SignArgs {
    /// The mode, and the keypair of the backend: `--keypair` when signing locally; for a dry
    /// run or an external signer a throwaway key (it never signs anything that is sent).
    pub fn resolve(&self) -> Result<(Mode, Keypair), OpsError> {
        let authority =
            self.authority.as_deref().map(|a| parse_pubkey("--authority", a)).transpose()?;
        match self.sign_with {
            SignWith::External => {
                let authority = authority.ok_or_else(|| {
                    OpsError::usage("--sign-with external needs --authority PUBKEY (the signer)")
                })?;
                Ok((Mode::External { authority }, Keypair::new()))
            }
            SignWith::Local => match (&self.keypair, self.dry_run) {
                (Some(path), false) => Ok((Mode::Send, crate::keypair::load(path)?)),
                (Some(path), true) => {
                    let key = crate::keypair::load(path)?;
                    Ok((Mode::DryRun { signer: key.pubkey() }, key))
                }
                (None, true) => {
                    let signer = authority.ok_or_else(|| {
                        OpsError::usage("--dry-run needs --keypair FILE or --authority PUBKEY")
                    })?;
                    Ok((Mode::DryRun { signer }, Keypair::new()))
                }
                (None, false) => Err(OpsError::usage(
                    "give --keypair FILE to sign and send, --dry-run to only print, or \
                     --sign-with external --authority PUBKEY for a multisig",
                )),
            },
        }
    }

    /// A JSON-RPC backend on `--rpc-url` and the mode.
    pub fn rpc_backend(&self) -> Result<(rpc::RpcBackend, Mode), OpsError> {
        let (mode, key) = self.resolve()?;
        let priority_fee = self.priority_fee.apply(Default::default()).map_err(OpsError::Usage)?;
        let settings =
            rpc::RpcSettings { url: self.rpc_url.clone(), priority_fee, ..Default::default() };
        Ok((rpc::RpcBackend::new(key, settings), mode))
    }
}

/// A command group of the CLI.
#[derive(Debug, Clone)]
pub enum Group {
    Quote(quote::QuoteCmd),
    Fees(fees::FeesCmd),
    Staking(staking::StakingCmd),
    Fund(fund::FundCmd),
    Genesis,
    Sale(sale::SaleCmd),
    Dormancy(dormancy::DormancyCmd),
    Hold(holds::HoldCmd),
    Authority(authority::AuthorityCmd),
}

/// What some commands need besides the chain: Postgres and the configuration.
#[derive(Debug, Clone, Default)]
pub struct Context {
    pub db: Option<sqlx::PgPool>,
    pub config: Option<crate::config::Config>,
}

impl Context {
    pub fn db(&self) -> Result<&sqlx::PgPool, OpsError> {
        self.db
            .as_ref()
            .ok_or_else(|| OpsError::usage("this command reads Postgres (--database-url)"))
    }

    pub fn config(&self) -> Result<&crate::config::Config, OpsError> {
        self.config.as_ref().ok_or_else(|| OpsError::usage("this command needs the configuration"))
    }
}

impl Group {
    /// Whether the command sends a transaction (read-only ones need no key).
    pub fn signs(&self) -> bool {
        match self {
            Group::Quote(c) => c.signs(),
            Group::Staking(c) => c.signs(),
            Group::Fund(c) => c.signs(),
            Group::Sale(c) => c.signs(),
            Group::Dormancy(c) => c.signs(),
            Group::Hold(c) => c.signs(),
            Group::Authority(c) => c.signs(),
            Group::Fees(_) | Group::Genesis => true,
        }
    }

    /// Whether the command reads Postgres.
    pub fn needs_db(&self) -> bool {
        match self {
            Group::Sale(c) => c.needs_db(),
            Group::Dormancy(c) => c.needs_db(),
            _ => false,
        }
    }

    /// Runs the command on `backend`; returns what to print.
    pub async fn run<B: ChainBackend>(
        &self,
        backend: &mut B,
        mode: &Mode,
    ) -> Result<String, OpsError> {
        self.run_with(backend, mode, &Context::default()).await
    }

    /// Like [`Group::run`], with Postgres and the configuration for the commands that read
    /// them.
    pub async fn run_with<B: ChainBackend>(
        &self,
        backend: &mut B,
        mode: &Mode,
        ctx: &Context,
    ) -> Result<String, OpsError> {
        match self {
            Group::Quote(c) => quote::run(backend, mode, c).await,
            Group::Fees(c) => fees::run(backend, mode, c).await,
            Group::Staking(c) => staking::run(backend, mode, c).await,
            Group::Fund(c) => fund::run(backend, mode, c).await,
            Group::Genesis => genesis::run(backend, mode).await,
            Group::Sale(c) => sale::run(backend, mode, ctx, c).await,
            Group::Dormancy(c) => dormancy::run(backend, mode, ctx, c).await,
            Group::Hold(c) => holds::run(backend, mode, c).await,
            Group::Authority(c) => authority::run(backend, mode, c).await,
        }
    }
}

/// Runs a command over JSON-RPC (`--rpc-url`), signing as `sign` says.
pub async fn run_cli(sign: &SignArgs, group: &Group) -> Result<String, OpsError> {
    run_cli_with(sign, group, &Context::default()).await
}

/// [`run_cli`] with Postgres and the configuration.
pub async fn run_cli_with(
    sign: &SignArgs,
    group: &Group,
    ctx: &Context,
) -> Result<String, OpsError> {
    let (mut backend, mode) = if group.signs() {
        sign.rpc_backend()?
    } else {
        let settings = rpc::RpcSettings { url: sign.rpc_url.clone(), ..Default::default() };
        // Reads only: the key is never used.
        let mode = Mode::DryRun { signer: Pubkey::default() };
        (rpc::RpcBackend::new(Keypair::new(), settings), mode)
    };
    group.run_with(&mut backend, &mode, ctx).await
}

/// One transaction of a command: what it does (for messages) and its instructions.
#[derive(Debug, Clone)]
pub struct Op {
    pub what: String,
    pub instructions: Vec<Instruction>,
}

impl Op {
    pub fn new(what: impl Into<String>, instructions: Vec<Instruction>) -> Self {
        Op { what: what.into(), instructions }
    }
}

/// What [`execute`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// Landed with this signature.
    Sent(Signature),
    /// Printed (dry run or external signer): the text shown to the operator.
    Printed(String),
}

impl Outcome {
    /// The line(s) the command prints for this outcome.
    pub fn describe(&self, what: &str) -> String {
        match self {
            Outcome::Sent(signature) => format!("{what}: confirmed, signature {signature}\n"),
            Outcome::Printed(text) => text.clone(),
        }
    }
}

/// Signs and sends `op`, or prints it, according to `mode` (see the module documentation).
pub async fn execute<B: ChainBackend>(
    backend: &mut B,
    mode: &Mode,
    op: &Op,
) -> Result<Outcome, OpsError> {
    match mode {
        Mode::Send => submit(backend, op).await.map(Outcome::Sent),
        Mode::DryRun { signer } => {
            let mut text = format!("dry run (nothing sent): {}\n", op.what);
            text.push_str(&render(&op.instructions, signer));
            Ok(Outcome::Printed(text))
        }
        Mode::External { authority } => {
            let recent = backend.latest_blockhash().await?;
            let message = solana_message::Message::new_with_blockhash(
                &op.instructions,
                Some(authority),
                &recent.blockhash,
            );
            let tx = solana_transaction::Transaction::new_unsigned(message);
            let wire = bincode::serialize(&tx)
                .map_err(|e| OpsError::Build { what: op.what.clone(), error: e.to_string() })?;
            if wire.len() > limits::PACKET_DATA_SIZE {
                return Err(OpsError::Build {
                    what: op.what.clone(),
                    error: format!("{} bytes exceed the 1,232-byte packet limit", wire.len()),
                });
            }
            let mut text = format!(
                "unsigned transaction for an external signer: {}\n\
                 signer and fee payer {authority}; recent blockhash {} (a multisig proposal \
                 sets its own)\n",
                op.what, recent.blockhash
            );
            text.push_str(&render(&op.instructions, authority));
            let _ = writeln!(text, "base58: {}", bs58::encode(&wire).into_string());
            let _ = writeln!(
                text,
                "base64: {}",
                base64::Engine::encode(&base64::engine::general_purpose::STANDARD, &wire)
            );
            Ok(Outcome::Printed(text))
        }
    }
}

/// Signs with the backend's key at the price of the attempt (the backend's priority-fee
/// policy, raised at each attempt), sends, waits; re-signs with a fresh blockhash when one
/// expires unseen (a transaction that never landed changes nothing, so this is safe). A
/// program's refusal at preflight is reported like a refusal on-chain.
async fn submit<B: ChainBackend>(backend: &mut B, op: &Op) -> Result<Signature, OpsError> {
    let programs: Vec<Pubkey> = op.instructions.iter().map(|ix| ix.program_id).collect();
    let refused = |error: String, custom_code: Option<u32>| {
        let explained = custom_code
            .and_then(|code| idl::error(&programs, code))
            .unwrap_or_else(|| first_line(&error));
        OpsError::Refused { what: op.what.clone(), error, explained }
    };
    for attempt in 0..MAX_ATTEMPTS {
        let (price, priced) =
            crate::chain::priority::budget_instructions(backend, &op.instructions, None, attempt)
                .await;
        let recent = backend.latest_blockhash().await?;
        let sign = |ixs: &[Instruction]| {
            let tx = limits::signed(backend.payer(), ixs, None, recent.blockhash)
                .map_err(|error| OpsError::Build { what: op.what.clone(), error })?;
            limits::check(&tx)
                .map_err(|e| OpsError::Build { what: op.what.clone(), error: e.to_string() })?;
            Ok::<_, OpsError>(tx)
        };
        let tx = match sign(&priced) {
            Err(OpsError::Build { error, .. }) if price > 0 => {
                tracing::warn!(what = %op.what, %error, "sent without its priority fee to fit the packet");
                sign(&op.instructions)?
            }
            other => other?,
        };
        let signature = tx.signatures[0];
        match backend.send(&tx).await {
            Err(ChainError::RefusedAtPreflight { error, custom_code }) => {
                return Err(refused(error, custom_code))
            }
            other => other?,
        }
        for _ in 0..MAX_WAITS {
            match backend.signature_status(&signature).await? {
                SignatureStatus::Succeeded => {
                    tracing::info!(what = %op.what, %signature, "confirmed");
                    return Ok(signature);
                }
                SignatureStatus::Failed { error, custom_code } => {
                    return Err(refused(error, custom_code));
                }
                SignatureStatus::Unknown => {}
            }
            if backend.block_height().await? > recent.last_valid_block_height {
                break; // expired unseen: sign again
            }
            backend.wait().await;
        }
        tracing::warn!(what = %op.what, %signature, "blockhash expired unconfirmed; signing again");
    }
    Err(OpsError::Stuck { what: op.what.clone(), attempts: MAX_ATTEMPTS })
}

fn first_line(text: &str) -> String {
    text.lines().next().unwrap_or_default().to_string()
}

/// The instructions and their accounts, named from the IDLs where the program is ours.
pub fn render(instructions: &[Instruction], signer: &Pubkey) -> String {
    let mut text = format!("  signer and fee payer: {signer}\n");
    for (i, ix) in instructions.iter().enumerate() {
        let (name, account_names) = match idl::instruction(&ix.program_id, &ix.data) {
            Some((name, accounts)) => {
                (format!("{}.{name}", idl::program_name(&ix.program_id).unwrap_or("?")), accounts)
            }
            None => (format!("program {}", ix.program_id), vec![]),
        };
        let _ = writeln!(text, "  instruction {}: {name} ({} data bytes)", i + 1, ix.data.len());
        for (j, meta) in ix.accounts.iter().enumerate() {
            let role = match (meta.is_signer, meta.is_writable) {
                (true, true) => "signer, writable",
                (true, false) => "signer",
                (false, true) => "writable",
                (false, false) => "read-only",
            };
            let label = account_names.get(j).map(String::as_str).unwrap_or("(remaining)");
            let _ = writeln!(text, "    {:>2} {:<44} {:<17} {label}", j, meta.pubkey, role);
        }
    }
    text
}

/// Reads and deserializes an Anchor account, `None` if it does not exist.
pub async fn read_account<B: ChainBackend, T: AccountDeserialize>(
    backend: &mut B,
    address: &Pubkey,
    what: &'static str,
) -> Result<Option<T>, OpsError> {
    let Some(data) = backend.account_data(address).await? else { return Ok(None) };
    T::try_deserialize(&mut data.as_slice()).map(Some).map_err(|e| OpsError::BadAccount {
        address: *address,
        what,
        error: e.to_string(),
    })
}

/// Like [`read_account`], with "not initialized" when it is missing.
pub async fn require_account<B: ChainBackend, T: AccountDeserialize>(
    backend: &mut B,
    address: &Pubkey,
    what: &'static str,
) -> Result<T, OpsError> {
    read_account(backend, address, what).await?.ok_or(OpsError::NotInitialized(what))
}

/// The STK mint's decimals (from `stk_mint`'s config).
pub async fn stk_decimals<B: ChainBackend>(backend: &mut B) -> Result<u8, OpsError> {
    let config: stk_mint::state::MintConfig =
        require_account(backend, &stk_common::seeds::find_mint_config(), "stk_mint").await?;
    Ok(config.decimals)
}

/// The amount held by a Token-2022 (or SPL Token) account, `None` if it does not exist.
pub async fn token_amount<B: ChainBackend>(
    backend: &mut B,
    address: &Pubkey,
) -> Result<Option<u64>, OpsError> {
    use anchor_spl::token_interface::spl_token_2022::{
        extension::StateWithExtensions, state::Account as TokenAccountState,
    };
    let Some(data) = backend.account_data(address).await? else { return Ok(None) };
    let state = StateWithExtensions::<TokenAccountState>::unpack(&data).map_err(|e| {
        OpsError::BadAccount { address: *address, what: "token account", error: e.to_string() }
    })?;
    Ok(Some(state.base.amount))
}

/// Parses an amount of STK typed by the operator, naming the option on error.
pub fn parse_stk(option: &str, text: &str, decimals: u8) -> Result<u64, OpsError> {
    units::parse_units(text, decimals).map_err(|e| OpsError::usage(format!("{option}: {e}")))
}

/// The cluster's clock (unix seconds), for status commands: the Clock sysvar's
/// `unix_timestamp`, its fifth little-endian 8-byte field.
pub async fn cluster_time<B: ChainBackend>(backend: &mut B) -> Result<i64, OpsError> {
    let clock = anchor_lang::prelude::pubkey!("SysvarC1ock11111111111111111111111111111111");
    let data = backend.account_data(&clock).await?.ok_or(OpsError::NotInitialized("clock"))?;
    let bytes: [u8; 8] = data.get(32..40).and_then(|b| b.try_into().ok()).ok_or_else(|| {
        OpsError::BadAccount { address: clock, what: "clock sysvar", error: "short".into() }
    })?;
    Ok(i64::from_le_bytes(bytes))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args() -> SignArgs {
        SignArgs {
            rpc_url: "http://127.0.0.1:1".into(),
            keypair: None,
            sign_with: SignWith::Local,
            authority: None,
            dry_run: false,
            priority_fee: Default::default(),
        }
    }

    #[test]
    fn signing_options_resolve_or_explain_what_is_missing() {
        let err = args().resolve().unwrap_err().to_string();
        assert!(err.contains("--keypair FILE"), "{err}");
        let external = SignArgs { sign_with: SignWith::External, ..args() };
        assert!(external.resolve().unwrap_err().to_string().contains("--authority"));
        let vault = Pubkey::new_unique();
        let external = SignArgs { authority: Some(vault.to_string()), ..external };
        assert_eq!(external.resolve().unwrap().0, Mode::External { authority: vault });
        let dry = SignArgs { dry_run: true, authority: Some(vault.to_string()), ..args() };
        assert_eq!(dry.resolve().unwrap().0, Mode::DryRun { signer: vault });
        let bad = SignArgs { authority: Some("nope".into()), dry_run: true, ..args() };
        assert!(bad.resolve().unwrap_err().to_string().contains("\"nope\" is not a public key"));
    }

    #[test]
    fn render_names_the_instruction_and_every_account() {
        let admin = Pubkey::new_unique();
        let ix = stk_client::treasury::record_quarter_budget(&admin, 2, 500_000, 5_000);
        let text = render(&[ix.clone()], &admin);
        assert!(text.contains("stk_treasury.record_quarter_budget"), "{text}");
        for meta in &ix.accounts {
            assert!(text.contains(&meta.pubkey.to_string()), "{text}");
        }
        assert!(text.contains("quarter_quote"), "{text}");
        assert!(text.contains("signer, writable"), "{text}");
    }
}
