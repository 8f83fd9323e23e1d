//! `distributor hold …`: fraud holds (DESIGN §5.5) — public, time-locked, confirmed by the
//! startup fund's council (never the treasury admin), never cancellable by the holder.
//!
//! `place` (the treasury admin) → `confirm` (each council member; the program counts M
//! distinct members of the current council) → `execute` after the time lock (anyone; moves
//! the amount into the escrow vault, created on first use) → `release` or `forfeit` (council
//! votes; the threshold carries the outcome out). `withdraw` (the admin, before anything
//! moved), `close` (the admin, once finished), `list`.
use super::{cluster_time, execute, read_account, stk_decimals, units, Mode, Op, OpsError};
use crate::chain::ChainBackend;
use anchor_lang::{prelude::Pubkey, AccountDeserialize, Discriminator};
use clap::Subcommand;
use std::{fmt::Write as _, path::PathBuf};
use stk_common::seeds;
use stk_treasury::state::{FraudHold, HoldOutcome, HoldStatus};

#[derive(Subcommand, Debug, Clone)]
pub enum HoldCmd {
    /// Place a public hold on a token account (the treasury admin signs). Executable only
    /// after the notice period and once the council confirmed it.
    Place {
        #[arg(long)]
        token_account: String,
        /// STK held (at most the balance).
        #[arg(long)]
        amount: String,
        #[arg(long, default_value_t = 2)]
        reason_code: u16,
        /// The public reason document; its SHA-256 is recorded on-chain.
        #[arg(long)]
        reason_file: PathBuf,
    },
    /// Confirm a hold (a member of the startup fund's council signs; not the treasury admin).
    Confirm {
        #[arg(long)]
        token_account: String,
    },
    /// Move a confirmed hold's amount into the escrow vault after its time lock
    /// (permissionless; creates the escrow vault on first use).
    Execute {
        #[arg(long)]
        token_account: String,
    },
    /// Vote to release the escrowed amount back to the holder (a council member signs).
    Release {
        #[arg(long)]
        token_account: String,
        /// The holder's STK account receiving it (default: the holder's associated account).
        #[arg(long)]
        holder_account: Option<String>,
    },
    /// Vote to forfeit the escrowed amount to the distribution vault (a council member).
    Forfeit {
        #[arg(long)]
        token_account: String,
    },
    /// Withdraw a hold before anything moved (the treasury admin signs).
    Withdraw {
        #[arg(long)]
        token_account: String,
    },
    /// Close a finished hold (the treasury admin signs and gets the rent back).
    Close {
        #[arg(long)]
        token_account: String,
    },
    /// Every hold: amount, state, time lock, approvals, votes, appeal.
    List,
}

impl HoldCmd {
    pub fn signs(&self) -> bool {
        !matches!(self, HoldCmd::List)
    }
}

fn status_name(status: HoldStatus) -> &'static str {
    match status {
        HoldStatus::Placed => "placed",
        HoldStatus::Escrowed => "escrowed",
        HoldStatus::Withdrawn => "withdrawn",
        HoldStatus::Released => "released",
        HoldStatus::Forfeited => "forfeited",
    }
}

async fn hold_of<B: ChainBackend>(
    backend: &mut B,
    token_account: &Pubkey,
) -> Result<FraudHold, OpsError> {
    read_account(backend, &seeds::find_fraud_hold(token_account), "fraud hold")
        .await?
        .ok_or_else(|| OpsError::usage(format!("{token_account} has no fraud hold")))
}

/// Every hold on-chain, by address.
pub async fn list<B: ChainBackend>(backend: &mut B) -> Result<Vec<FraudHold>, OpsError> {
    let filters = [(0, FraudHold::DISCRIMINATOR.to_vec())];
    let found = backend
        .program_accounts(&stk_treasury::ID, &filters)
        .await?
        .ok_or_else(|| OpsError::usage("this chain backend cannot list accounts"))?;
    let mut holds: Vec<FraudHold> = found
        .iter()
        .filter_map(|(_, data)| FraudHold::try_deserialize(&mut data.as_slice()).ok())
        .collect();
    holds.sort_by_key(|h| h.token_account);
    Ok(holds)
}

fn vote(
    member: &Pubkey,
    hold: &FraudHold,
    token_account: &Pubkey,
    outcome: HoldOutcome,
    holder_account: Option<Pubkey>,
) -> Op {
    let holder_account =
        holder_account.unwrap_or_else(|| stk_client::ata(&hold.owner, &seeds::find_stk_mint()));
    let what = match outcome {
        HoldOutcome::Release => format!("vote to release the hold on {token_account}"),
        HoldOutcome::Forfeit => format!("vote to forfeit the hold on {token_account}"),
    };
    Op::new(
        what,
        vec![stk_client::treasury::vote_fraud_hold(
            member,
            token_account,
            &holder_account,
            outcome,
        )],
    )
}

/// Runs a `hold` subcommand; returns what to print.
pub async fn run<B: ChainBackend>(
    backend: &mut B,
    mode: &Mode,
    cmd: &HoldCmd,
) -> Result<String, OpsError> {
    use stk_client::treasury as t;
    let signer = mode.signer(backend);
    let key = |text: &str| super::parse_pubkey("--token-account", text);
    let op = match cmd {
        HoldCmd::List => {
            let decimals = stk_decimals(backend).await?;
            let now = cluster_time(backend).await?;
            let utc = super::fund::utc;
            let holds = list(backend).await?;
            let mut text = format!("{} holds (as of {})\n", holds.len(), utc(now));
            for h in &holds {
                let _ = writeln!(
                    text,
                    "  {} owner {} {} STK  {}  executable {}  approvals {}  release/forfeit \
                     votes {}/{}{}",
                    h.token_account,
                    h.owner,
                    units::format_units(h.amount, decimals),
                    status_name(h.status),
                    utc(h.executable_at),
                    h.approvals.count_ones(),
                    h.release_votes.count_ones(),
                    h.forfeit_votes.count_ones(),
                    if h.appealed_at > 0 {
                        format!("  appeal {}", h.appeal_uri)
                    } else {
                        String::new()
                    }
                );
            }
            return Ok(text);
        }
        HoldCmd::Place { token_account, amount, reason_code, reason_file } => {
            let account = key(token_account)?;
            // One hold per account: the program's `init` would refuse a second with the
            // system program's bare "already in use".
            if let Some(hold) =
                read_account::<_, FraudHold>(backend, &seeds::find_fraud_hold(&account), "hold")
                    .await?
            {
                return Err(OpsError::usage(format!(
                    "{account} already has a fraud hold ({}); a finished hold must be closed \
                     (`hold close`) before another is placed",
                    status_name(hold.status)
                )));
            }
            let decimals = stk_decimals(backend).await?;
            let amount = super::parse_stk("--amount", amount, decimals)?;
            let document = std::fs::read(reason_file).map_err(|e| OpsError::File {
                what: "reading the reason",
                path: reason_file.display().to_string(),
                error: e.to_string(),
            })?;
            let reason_hash: [u8; 32] = {
                use sha2::{Digest, Sha256};
                Sha256::digest(&document).into()
            };
            Op::new(
                format!(
                    "place a fraud hold of {} STK on {account} (reason {reason_code}, sha256 {})",
                    units::format_units(amount, decimals),
                    hex::encode(reason_hash)
                ),
                vec![t::place_fraud_hold(&signer, &account, *reason_code, reason_hash, amount)],
            )
        }
        HoldCmd::Confirm { token_account } => {
            let account = key(token_account)?;
            hold_of(backend, &account).await?;
            Op::new(
                format!("confirm the fraud hold on {account}"),
                vec![t::approve_fraud_hold(&signer, &account)],
            )
        }
        HoldCmd::Execute { token_account } => {
            let account = key(token_account)?;
            hold_of(backend, &account).await?;
            // The escrow vault exists since the treasury's `initialize`.
            Op::new(
                format!("execute the fraud hold on {account}"),
                vec![t::execute_fraud_hold(&account)],
            )
        }
        HoldCmd::Release { token_account, holder_account } => {
            let account = key(token_account)?;
            let hold = hold_of(backend, &account).await?;
            let to = holder_account
                .as_deref()
                .map(|t| super::parse_pubkey("--holder-account", t))
                .transpose()?;
            vote(&signer, &hold, &account, HoldOutcome::Release, to)
        }
        HoldCmd::Forfeit { token_account } => {
            let account = key(token_account)?;
            let hold = hold_of(backend, &account).await?;
            vote(&signer, &hold, &account, HoldOutcome::Forfeit, None)
        }
        HoldCmd::Withdraw { token_account } => {
            let account = key(token_account)?;
            Op::new(
                format!("withdraw the fraud hold on {account}"),
                vec![t::withdraw_fraud_hold(&signer, &account)],
            )
        }
        HoldCmd::Close { token_account } => {
            let account = key(token_account)?;
            Op::new(
                format!("close the fraud hold on {account}"),
                vec![t::close_fraud_hold(&signer, &account)],
            )
        }
    };
    let outcome = execute(backend, mode, &op).await?;
    let mut text = outcome.describe(&op.what);
    if let (super::Outcome::Sent(_), Some(account)) = (&outcome, target(cmd)) {
        let account = key(account)?;
        if let Some(hold) =
            read_account::<_, FraudHold>(backend, &seeds::find_fraud_hold(&account), "fraud hold")
                .await?
        {
            let _ = writeln!(
                text,
                "hold on {account}: {}, {} approvals",
                status_name(hold.status),
                hold.approvals.count_ones()
            );
        }
    }
    Ok(text)
}

fn target(cmd: &HoldCmd) -> Option<&str> {
    match cmd {
        HoldCmd::Place { token_account, .. }
        | HoldCmd::Confirm { token_account }
        | HoldCmd::Execute { token_account }
        | HoldCmd::Release { token_account, .. }
        | HoldCmd::Forfeit { token_account }
        | HoldCmd::Withdraw { token_account } => Some(token_account),
        HoldCmd::Close { .. } | HoldCmd::List => None,
    }
}
