//! `distributor dormancy …`: dormant-wallet reintegration (DESIGN §5.5).
//!
//! * `candidates`: members' wallets (the wallet in force) whose owner shows no activity in
//!   Postgres (events, joining, wallet registration) and whose wallet named in no transaction
//!   on-chain for `[dormancy] inactive_days`, with their STK balances. Sends nothing.
//! * `flag` (the treasury admin): a public notice on a token account, with a deadline.
//! * `notices`: the public list — every notice, its balance, deadline and state.
//! * `reintegrate` (permissionless): after the deadline, moves each still-flagged balance to
//!   the distribution vault; a notice whose account changed meanwhile is voided instead
//!   (the program would refuse it).
//! * `void` (permissionless) and `close` (the admin, after the cooldown).
use super::{
    cluster_time, execute, read_account, stk_decimals, units, Context, Mode, Op, OpsError,
};
use crate::chain::{ChainBackend, LastSeen};
use anchor_lang::{prelude::Pubkey, AccountDeserialize, Discriminator};
use anchor_spl::token_interface::spl_token_2022::{
    extension::StateWithExtensions, state::Account as TokenAccountState,
};
use clap::Subcommand;
use std::{fmt::Write as _, path::PathBuf};
use stk_common::seeds;
use stk_treasury::{
    flagged::{still_flagged, Observed},
    state::{DormancyNotice, NoticeStatus},
};

#[derive(Subcommand, Debug, Clone)]
pub enum DormancyCmd {
    /// Wallets whose owners were inactive for `[dormancy] inactive_days` (no activity in
    /// Postgres, no transaction on-chain) and that hold STK. Sends nothing.
    Candidates {
        /// Override `[dormancy] inactive_days`.
        #[arg(long)]
        inactive_days: Option<u32>,
    },
    /// Flag token accounts (a public notice starts; the owner may cancel it with any
    /// signature). The treasury admin signs.
    Flag {
        /// The STK token account(s) to flag.
        #[arg(long = "token-account", required = true)]
        token_accounts: Vec<String>,
        /// Reason code (default: `[dormancy] reason_code`, 1 = inactivity).
        #[arg(long)]
        reason_code: Option<u16>,
    },
    /// The public list of notices with their deadlines.
    Notices {
        /// Also write the list as CSV to this file.
        #[arg(long)]
        csv: Option<PathBuf>,
    },
    /// After a notice's deadline, move the flagged balance to the distribution vault
    /// (permissionless). Without --token-account: every pending notice past its deadline
    /// (a notice whose account changed is voided instead).
    Reintegrate {
        #[arg(long = "token-account")]
        token_accounts: Vec<String>,
    },
    /// Void a pending notice whose account was closed, reassigned or changed
    /// (permissionless).
    Void {
        #[arg(long = "token-account", required = true)]
        token_account: String,
    },
    /// Close a resolved notice (after the cooldown), so the account may be flagged again;
    /// the admin signs and gets the rent back.
    Close {
        #[arg(long = "token-account", required = true)]
        token_account: String,
    },
}

impl DormancyCmd {
    pub fn signs(&self) -> bool {
        !matches!(self, DormancyCmd::Candidates { .. } | DormancyCmd::Notices { .. })
    }

    pub fn needs_db(&self) -> bool {
        matches!(self, DormancyCmd::Candidates { .. })
    }
}

/// A dormancy candidate: one STK account of an inactive member's wallet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Candidate {
    pub member_id: i64,
    pub wallet: Pubkey,
    pub token_account: Pubkey,
    pub balance: u64,
    /// Unix seconds of the member's latest activity in Postgres.
    pub last_active: i64,
    /// The wallet's latest transaction on-chain.
    pub last_seen: LastSeen,
}

/// Members with a wallet whose latest activity in Postgres is before `cutoff` (unix seconds),
/// in `member_id` order: `(member_id, wallet address, latest activity)`.
pub async fn inactive_members(
    db: &sqlx::PgPool,
    cutoff: i64,
) -> Result<Vec<(i64, String, i64)>, OpsError> {
    Ok(sqlx::query_as(
        "WITH w AS (
             SELECT DISTINCT ON (member_id) member_id, address, registered_at FROM wallets
             ORDER BY member_id, registered_at DESC, id DESC),
         active AS (
             SELECT m.id, w.address,
                    GREATEST(m.joined_at, w.registered_at,
                             (SELECT max(e.occurred_at) FROM activity_events e
                               WHERE e.member_id = m.id)) AS last_active
             FROM members m JOIN w ON w.member_id = m.id)
         SELECT id, address, extract(epoch FROM last_active)::bigint FROM active
         WHERE last_active < to_timestamp($1)
         ORDER BY id",
    )
    .bind(cutoff as f64)
    .fetch_all(db)
    .await?)
}

/// A token account's mint, owner and amount, `None` if it is not a token account.
fn token_state(data: &[u8]) -> Option<(Pubkey, Observed)> {
    let state = StateWithExtensions::<TokenAccountState>::unpack(data).ok()?;
    Some((state.base.mint, Observed { owner: state.base.owner, amount: state.base.amount }))
}

/// The STK token accounts owned by `wallet` with their balances (all of them where the
/// backend can enumerate accounts, else its associated account).
async fn stk_accounts<B: ChainBackend>(
    backend: &mut B,
    wallet: &Pubkey,
) -> Result<Vec<(Pubkey, u64)>, OpsError> {
    let mint = seeds::find_stk_mint();
    let mut filters = super::scan::token_account_filters(&mint);
    filters.push((32, wallet.to_bytes().to_vec()));
    let found = match backend.program_accounts(&stk_client::TOKEN_2022, &filters).await? {
        Some(found) => found,
        None => {
            let ata = stk_client::ata(wallet, &mint);
            backend.account_data(&ata).await?.map(|d| vec![(ata, d)]).unwrap_or_default()
        }
    };
    let mut accounts: Vec<(Pubkey, u64)> = found
        .iter()
        .filter_map(|(address, data)| {
            let (m, o) = token_state(data)?;
            (m == mint && o.owner == *wallet).then_some((*address, o.amount))
        })
        .collect();
    accounts.sort();
    Ok(accounts)
}

/// `dormancy candidates`: see the module documentation. Accounts that already have a notice
/// are left out.
pub async fn candidates<B: ChainBackend>(
    backend: &mut B,
    ctx: &Context,
    inactive_days: Option<u32>,
) -> Result<(i64, Vec<Candidate>), OpsError> {
    let (db, config) = (ctx.db()?, ctx.config()?);
    let days = inactive_days.unwrap_or(config.dormancy.inactive_days);
    let now = cluster_time(backend).await?;
    let cutoff = now.saturating_sub(i64::from(days).saturating_mul(86_400));
    let mut found = vec![];
    for (member_id, address, last_active) in inactive_members(db, cutoff).await? {
        let Ok(wallet) = crate::wallet::parse_wallet(&address) else {
            tracing::debug!(member_id, %address, "malformed wallet: not a dormancy candidate");
            continue;
        };
        let last_seen = backend.last_seen(&wallet).await?;
        if matches!(last_seen, LastSeen::At(t) if t >= cutoff) {
            continue; // the wallet transacted: its owner is alive
        }
        for (token_account, balance) in stk_accounts(backend, &wallet).await? {
            if balance == 0 {
                continue;
            }
            let notice = seeds::find_dormancy_notice(&token_account);
            if backend.account_data(&notice).await?.is_some() {
                continue;
            }
            found.push(Candidate {
                member_id,
                wallet,
                token_account,
                balance,
                last_active,
                last_seen,
            });
        }
    }
    Ok((cutoff, found))
}

/// Every dormancy notice on-chain, by deadline then address.
pub async fn notices<B: ChainBackend>(
    backend: &mut B,
) -> Result<Vec<(Pubkey, DormancyNotice)>, OpsError> {
    let filters = [(0, DormancyNotice::DISCRIMINATOR.to_vec())];
    let found = backend
        .program_accounts(&stk_treasury::ID, &filters)
        .await?
        .ok_or_else(|| OpsError::usage("this chain backend cannot list accounts"))?;
    let mut list: Vec<(Pubkey, DormancyNotice)> = found
        .iter()
        .filter_map(|(address, data)| {
            Some((*address, DormancyNotice::try_deserialize(&mut data.as_slice()).ok()?))
        })
        .collect();
    list.sort_by_key(|(address, n)| (n.notice_ends_at, *address));
    Ok(list)
}

fn status_name(status: NoticeStatus) -> &'static str {
    match status {
        NoticeStatus::Pending => "pending",
        NoticeStatus::Cancelled => "cancelled by the owner",
        NoticeStatus::Reintegrated => "reintegrated",
        NoticeStatus::Voided => "voided",
    }
}

/// Whether the account is still exactly the flagged one (what `reintegrate` requires).
async fn still_the_flagged_account<B: ChainBackend>(
    backend: &mut B,
    notice: &DormancyNotice,
) -> Result<bool, OpsError> {
    let mint = seeds::find_stk_mint();
    let account = backend.accounts(&[notice.token_account]).await?.pop().flatten();
    let observed = account
        .filter(|a| a.owner == stk_client::TOKEN_2022)
        .and_then(|a| token_state(&a.data))
        .filter(|(m, _)| *m == mint)
        .map(|(_, o)| o);
    Ok(still_flagged(observed, &notice.owner, notice.flagged_balance))
}

fn accounts_of(option: &str, texts: &[String]) -> Result<Vec<Pubkey>, OpsError> {
    texts.iter().map(|t| super::parse_pubkey(option, t)).collect()
}

/// Runs a `dormancy` subcommand; returns what to print.
pub async fn run<B: ChainBackend>(
    backend: &mut B,
    mode: &Mode,
    ctx: &Context,
    cmd: &DormancyCmd,
) -> Result<String, OpsError> {
    let signer = mode.signer(backend);
    let decimals = stk_decimals(backend).await?;
    let stk = |v: u64| units::format_units(v, decimals);
    let utc = super::fund::utc;
    let mut text = String::new();
    let ops: Vec<Op> = match cmd {
        DormancyCmd::Candidates { inactive_days } => {
            let (cutoff, list) = candidates(backend, ctx, *inactive_days).await?;
            let _ = writeln!(
                text,
                "{} candidates: no activity and no transaction since {}",
                list.len(),
                utc(cutoff)
            );
            for c in &list {
                let seen = match c.last_seen {
                    LastSeen::Unknown => "on-chain: unknown".to_string(),
                    LastSeen::Never => "on-chain: never".to_string(),
                    LastSeen::At(t) => format!("on-chain: {}", utc(t)),
                };
                let _ = writeln!(
                    text,
                    "  member {:>8} wallet {} account {} {:>14} STK  last active {}  {seen}",
                    c.member_id,
                    c.wallet,
                    c.token_account,
                    stk(c.balance),
                    utc(c.last_active)
                );
            }
            return Ok(text);
        }
        DormancyCmd::Notices { csv } => {
            let now = cluster_time(backend).await?;
            let list = notices(backend).await?;
            let mut rows = String::from(
                "token_account,owner,flagged_balance,flagged_at,deadline,status,reintegrated\n",
            );
            let _ = writeln!(text, "{} notices (as of {})", list.len(), utc(now));
            for (_, n) in &list {
                let mut state = status_name(n.status).to_string();
                if n.status == NoticeStatus::Pending && now >= n.notice_ends_at {
                    state.push_str(", due");
                }
                let _ = writeln!(
                    text,
                    "  {} owner {} {:>14} STK  flagged {}  deadline {}  {state}",
                    n.token_account,
                    n.owner,
                    stk(n.flagged_balance),
                    utc(n.flagged_at),
                    utc(n.notice_ends_at)
                );
                let _ = writeln!(
                    rows,
                    "{},{},{},{},{},{},{}",
                    n.token_account,
                    n.owner,
                    n.flagged_balance,
                    n.flagged_at,
                    n.notice_ends_at,
                    status_name(n.status),
                    n.amount_reintegrated
                );
            }
            if let Some(path) = csv {
                std::fs::write(path, rows).map_err(|e| OpsError::File {
                    what: "writing",
                    path: path.display().to_string(),
                    error: e.to_string(),
                })?;
            }
            return Ok(text);
        }
        DormancyCmd::Flag { token_accounts, reason_code } => {
            let reason =
                reason_code.or(ctx.config.as_ref().map(|c| c.dormancy.reason_code)).unwrap_or(1);
            let accounts = accounts_of("--token-account", token_accounts)?;
            // An account has one notice at a time: the program's `init` would refuse a second
            // with the system program's bare "already in use"; say which notice and what to do
            // before anything is signed (nothing of a partial list is sent either).
            for account in &accounts {
                let address = seeds::find_dormancy_notice(account);
                if let Some(n) =
                    read_account::<_, DormancyNotice>(backend, &address, "notice").await?
                {
                    return Err(OpsError::usage(format!(
                        "{account} already has a dormancy notice ({}, flagged {}, deadline {}); \
                         a resolved notice must be closed (`dormancy close`) before the account \
                         is flagged again",
                        status_name(n.status),
                        utc(n.flagged_at),
                        utc(n.notice_ends_at)
                    )));
                }
            }
            accounts
                .iter()
                .map(|account| {
                    Op::new(
                        format!("flag {account} as dormant (reason {reason})"),
                        vec![stk_client::treasury::flag_dormant(&signer, account, reason)],
                    )
                })
                .collect()
        }
        DormancyCmd::Reintegrate { token_accounts } => {
            let now = cluster_time(backend).await?;
            let chosen = accounts_of("--token-account", token_accounts)?;
            let mut ops = vec![];
            for (_, n) in notices(backend).await? {
                let named = chosen.contains(&n.token_account);
                if !chosen.is_empty() && !named {
                    continue;
                }
                if n.status != NoticeStatus::Pending || now < n.notice_ends_at {
                    if named {
                        let _ = writeln!(
                            text,
                            "{}: {} (deadline {}), nothing to do",
                            n.token_account,
                            status_name(n.status),
                            utc(n.notice_ends_at)
                        );
                    }
                    continue;
                }
                let account = n.token_account;
                ops.push(if still_the_flagged_account(backend, &n).await? {
                    Op::new(
                        format!("reintegrate {} STK of {account}", stk(n.flagged_balance)),
                        vec![stk_client::treasury::reintegrate(&account)],
                    )
                } else {
                    Op::new(
                        format!("void the notice of {account} (the account changed)"),
                        vec![stk_client::treasury::void_notice(&account)],
                    )
                });
            }
            if ops.is_empty() {
                text.push_str("no notice is due\n");
            }
            ops
        }
        DormancyCmd::Void { token_account } => {
            let account = super::parse_pubkey("--token-account", token_account)?;
            vec![Op::new(
                format!("void the notice of {account}"),
                vec![stk_client::treasury::void_notice(&account)],
            )]
        }
        DormancyCmd::Close { token_account } => {
            let account = super::parse_pubkey("--token-account", token_account)?;
            let notice: Option<DormancyNotice> =
                read_account(backend, &seeds::find_dormancy_notice(&account), "notice").await?;
            if notice.is_none() {
                return Err(OpsError::usage(format!("{account} has no dormancy notice")));
            }
            vec![Op::new(
                format!("close the notice of {account}"),
                vec![stk_client::treasury::close_dormancy_notice(&signer, &account)],
            )]
        }
    };
    for op in &ops {
        let outcome = execute(backend, mode, op).await?;
        text.push_str(&outcome.describe(&op.what));
    }
    Ok(text)
}
