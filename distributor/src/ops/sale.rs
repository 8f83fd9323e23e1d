//! `distributor sale …`: the members' initial sale (DESIGN §6) — members buy from the genesis
//! allocation at a special price, within a window, up to a per-member cap proven by a Merkle
//! allowlist.
//!
//! * `allowlist` reads Postgres: the members paying on the allowlist's day (a subscription
//!   covers it) whose wallet in force is a valid address on the curve (it signs the purchase),
//!   each with the cap of `[sale]` in the configuration (the highest listed qualification they
//!   hold, else the base cap). It writes `allowlist.json` and `allowlist.csv` (members in
//!   `member_id` order, each with its proof) and prints the root. The tree is
//!   `stk_client::vesting::Allowlist`, the very leaves and nodes `stk_vesting::purchase`
//!   verifies (`stk_common::merkle`).
//! * `open` (the vesting admin) opens the sale with that root; what is unsold goes back at
//!   `close` to the treasury's distribution vault (fixed at open). `close` is permissionless
//!   once the window ended or the sale sold out. `buy` is a member's purchase with their line
//!   of `allowlist.json`. `status` shows the sale.
use super::{
    cluster_time, execute, read_account, stk_decimals, token_amount, units, Context, Mode, Op,
    OpsError,
};
use crate::{chain::ChainBackend, config::Config};
use anchor_lang::prelude::Pubkey;
use anchor_spl::token_interface::spl_token_2022::{
    extension::StateWithExtensions, state::Mint as MintState,
};
use clap::Subcommand;
use serde::{Deserialize, Serialize};
use std::{fmt::Write as _, path::PathBuf};
use stk_client::vesting::{Allowlist, AllowlistEntry, PaymentAccounts};
use stk_common::seeds;
use stk_vesting::{
    instructions::{OpenSaleArgs, PurchaseArgs},
    state::{Sale, SaleMember, SalePrice, SaleVesting},
};

const DAY: i64 = 86_400;

#[derive(Subcommand, Debug, Clone)]
pub enum SaleCmd {
    /// Build the allowlist from Postgres (paying members with a valid wallet, caps from
    /// `[sale]`), write allowlist.json and allowlist.csv with every member's proof, print the
    /// Merkle root. Sends nothing.
    Allowlist {
        /// The day eligibility is judged on (YYYY-MM-DD, the community's time zone); default
        /// today.
        #[arg(long)]
        as_of: Option<String>,
        /// Directory receiving allowlist.json and allowlist.csv.
        #[arg(long, default_value = "sale")]
        out: PathBuf,
    },
    /// Open the sale with the allowlist's root (the vesting admin signs, once). The unsold
    /// rest goes back to the treasury's distribution vault at `close`.
    Open {
        /// The allowlist.json written by `sale allowlist` (its root is checked against its
        /// entries).
        #[arg(long)]
        allowlist: PathBuf,
        /// The stable-coin mint buyers pay with (SPL Token or Token-2022).
        #[arg(long)]
        payment_mint: String,
        /// The treasury's token account of the payment mint receiving every payment.
        #[arg(long)]
        payment_destination: String,
        /// Price of one whole STK in the payment mint, e.g. 0.5 (at its decimals).
        #[arg(long)]
        price: String,
        /// Start of the window, unix seconds (default: the cluster's current time).
        #[arg(long)]
        start: Option<i64>,
        /// Length of the window in days.
        #[arg(long)]
        days: i64,
        /// STK on sale (default: the whole sale vault).
        #[arg(long)]
        total: Option<String>,
        /// Vesting of every purchase (default: `[sale]` of the configuration).
        #[arg(long)]
        vesting_days: Option<u32>,
        #[arg(long)]
        cliff_days: Option<u32>,
        #[arg(long)]
        period_days: Option<u32>,
    },
    /// A member buys `--amount` STK with their allowlist line (the member's wallet signs and
    /// pays from its account of the payment mint); the purchase becomes a vesting grant.
    Buy {
        #[arg(long)]
        allowlist: PathBuf,
        /// STK to buy, e.g. 250.
        #[arg(long)]
        amount: String,
        /// The buyer's token account of the payment mint (default: its associated account).
        #[arg(long)]
        from: Option<String>,
        /// Seed of the new grant (default: derived from the clock).
        #[arg(long)]
        grant_id: Option<String>,
    },
    /// Close the sale once its window ended or it sold out, returning the unsold STK to the
    /// distribution vault (permissionless).
    Close,
    /// The sale: window, price, total, sold, unsold, root; with --allowlist what each member
    /// bought.
    Status {
        #[arg(long)]
        allowlist: Option<PathBuf>,
    },
}

impl SaleCmd {
    pub fn signs(&self) -> bool {
        !matches!(self, SaleCmd::Allowlist { .. } | SaleCmd::Status { .. })
    }

    pub fn needs_db(&self) -> bool {
        matches!(self, SaleCmd::Allowlist { .. })
    }
}

/// One member of the allowlist file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AllowlistMember {
    pub member_id: i64,
    pub wallet: String,
    /// STK base units.
    pub cap: u64,
    /// Sibling hashes, hex, leaf to root.
    pub proof: Vec<String>,
}

/// A member left out, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Excluded {
    pub member_id: i64,
    pub reason: String,
}

/// `allowlist.json`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AllowlistFile {
    /// The Merkle root, hex.
    pub root: String,
    /// The day eligibility was judged on.
    pub as_of: String,
    /// Decimals of `cap` (the STK mint's).
    pub decimals: u8,
    pub members: Vec<AllowlistMember>,
    pub excluded: Vec<Excluded>,
}

impl AllowlistFile {
    /// Reads a file and rebuilds its tree: the root must be the one written (a hand-edited
    /// cap or wallet is caught here, not by a refused purchase).
    pub fn load(path: &std::path::Path) -> Result<(AllowlistFile, Allowlist), OpsError> {
        let file_error = |error: String| OpsError::File {
            what: "allowlist",
            path: path.display().to_string(),
            error,
        };
        let text = std::fs::read_to_string(path).map_err(|e| file_error(e.to_string()))?;
        let file: AllowlistFile =
            serde_json::from_str(&text).map_err(|e| file_error(e.to_string()))?;
        let list = file.tree().map_err(file_error)?;
        if hex::encode(list.root()) != file.root {
            return Err(file_error(format!(
                "its entries give the root {}, not the {} it states (edited?)",
                hex::encode(list.root()),
                file.root
            )));
        }
        Ok((file, list))
    }

    fn tree(&self) -> Result<Allowlist, String> {
        let entries = self
            .members
            .iter()
            .map(|m| {
                let wallet = m.wallet.parse().map_err(|_| {
                    format!("member {}: {:?} is not a wallet", m.member_id, m.wallet)
                })?;
                Ok(AllowlistEntry { wallet, cap: m.cap })
            })
            .collect::<Result<Vec<_>, String>>()?;
        Allowlist::new(entries).map_err(|e| e.to_string())
    }

    /// The CSV: `member_id,wallet,cap,proof` (proof: hex hashes separated by spaces).
    pub fn csv(&self) -> String {
        let mut text = String::from("member_id,wallet,cap,proof\n");
        for m in &self.members {
            let _ = writeln!(text, "{},{},{},{}", m.member_id, m.wallet, m.cap, m.proof.join(" "));
        }
        text
    }
}

/// A member as read from Postgres for the allowlist.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Candidate {
    pub member_id: i64,
    /// The wallet in force on the day (`None`: never registered one).
    pub wallet: Option<String>,
    /// Qualifications granted by the day.
    pub qualifications: Vec<String>,
}

/// The cap of a member holding `qualifications`, in STK base units.
pub fn cap_of(config: &Config, qualifications: &[String]) -> u64 {
    let sale = &config.sale;
    let unit = 10u64.saturating_pow(u32::from(config.emission.decimals));
    let best = sale
        .qualification_caps
        .iter()
        .filter(|q| qualifications.contains(&q.qualification))
        .map(|q| q.cap_stk)
        .max()
        .unwrap_or(0);
    best.max(sale.base_cap_stk).saturating_mul(unit)
}

/// Builds the allowlist from candidates (already the paying members, in `member_id` order):
/// a member without a wallet, with a malformed or off-curve one, or sharing it with another
/// member is excluded with the reason (a shared wallet would have two caps).
pub fn build(
    config: &Config,
    as_of: &str,
    candidates: &[Candidate],
) -> Result<AllowlistFile, OpsError> {
    let mut excluded = vec![];
    let mut eligible: Vec<(i64, Pubkey, u64)> = vec![];
    for c in candidates {
        let reason = match c.wallet.as_deref().map(crate::wallet::parse_wallet) {
            None => Some("no wallet registered".to_string()),
            Some(Err(why)) => Some(format!("malformed wallet: {why}")),
            Some(Ok(w)) if !w.is_on_curve() => {
                Some("wallet is off the curve (a program address cannot sign)".to_string())
            }
            Some(Ok(w)) => {
                eligible.push((c.member_id, w, cap_of(config, &c.qualifications)));
                None
            }
        };
        if let Some(reason) = reason {
            excluded.push(Excluded { member_id: c.member_id, reason });
        }
    }
    let mut count = std::collections::HashMap::<Pubkey, usize>::new();
    for (_, w, _) in &eligible {
        *count.entry(*w).or_default() += 1;
    }
    let (kept, shared): (Vec<_>, Vec<_>) =
        eligible.into_iter().partition(|(_, w, _)| count[w] == 1);
    for (member_id, wallet, _) in shared {
        excluded.push(Excluded {
            member_id,
            reason: format!("wallet {wallet} is registered by several members"),
        });
    }
    excluded.sort_by_key(|e| e.member_id);
    let entries: Vec<AllowlistEntry> =
        kept.iter().map(|(_, wallet, cap)| AllowlistEntry { wallet: *wallet, cap: *cap }).collect();
    let list = Allowlist::new(entries).map_err(|e| {
        OpsError::usage(format!("no eligible member on {as_of}: {e} (see the exclusions)"))
    })?;
    let members = kept
        .iter()
        .map(|(member_id, wallet, cap)| {
            let (_, proof) = list.proof(wallet).unwrap_or_default();
            AllowlistMember {
                member_id: *member_id,
                wallet: wallet.to_string(),
                cap: *cap,
                proof: proof.iter().map(hex::encode).collect(),
            }
        })
        .collect();
    Ok(AllowlistFile {
        root: hex::encode(list.root()),
        as_of: as_of.to_string(),
        decimals: config.emission.decimals,
        members,
        excluded,
    })
}

/// The paying members on `as_of` (default: today in the configured zone), their wallet in
/// force at the end of that day and their qualifications granted by then, in `member_id`
/// order; and the day used.
pub async fn candidates(
    db: &sqlx::PgPool,
    config: &Config,
    as_of: Option<&str>,
) -> Result<(String, Vec<Candidate>), OpsError> {
    if let Some(day) = as_of {
        if chrono::NaiveDate::parse_from_str(day, "%Y-%m-%d").is_err() {
            return Err(OpsError::usage(format!("--as-of {day:?} is not YYYY-MM-DD")));
        }
    }
    let day: String = sqlx::query_scalar(
        "SELECT to_char(COALESCE($1::date, (now() AT TIME ZONE $2)::date), 'YYYY-MM-DD')",
    )
    .bind(as_of)
    .bind(&config.time_zone)
    .fetch_one(db)
    .await?;
    let rows: Vec<(i64, Option<String>, Vec<String>)> = sqlx::query_as(
        "WITH d AS (SELECT $1::date AS day,
                           (($1::date + 1)::timestamp AT TIME ZONE $2) AS day_end)
         SELECT m.id,
                (SELECT w.address FROM wallets w, d
                  WHERE w.member_id = m.id AND w.registered_at < d.day_end
                  ORDER BY w.registered_at DESC, w.id DESC LIMIT 1),
                ARRAY(SELECT DISTINCT g.qualification FROM qualification_grants g, d
                       WHERE g.member_id = m.id AND g.granted_at < d.day_end
                       ORDER BY g.qualification)
         FROM members m, d
         WHERE EXISTS (SELECT 1 FROM subscriptions s
                        WHERE s.member_id = m.id AND s.starts_on <= d.day AND s.ends_on >= d.day)
         ORDER BY m.id",
    )
    .bind(&day)
    .bind(&config.time_zone)
    .fetch_all(db)
    .await?;
    let list = rows
        .into_iter()
        .map(|(member_id, wallet, qualifications)| Candidate { member_id, wallet, qualifications })
        .collect();
    Ok((day, list))
}

/// `sale allowlist`: builds and writes the files; returns the file and what to print.
pub async fn allowlist(
    ctx: &Context,
    as_of: Option<&str>,
    out: &std::path::Path,
) -> Result<(AllowlistFile, String), OpsError> {
    let (db, config) = (ctx.db()?, ctx.config()?);
    let (day, found) = candidates(db, config, as_of).await?;
    let file = build(config, &day, &found)?;
    let write = |name: &str, text: String| {
        let path = out.join(name);
        std::fs::create_dir_all(out).and_then(|_| std::fs::write(&path, text)).map_err(|e| {
            OpsError::File {
                what: "writing",
                path: path.display().to_string(),
                error: e.to_string(),
            }
        })
    };
    let json = serde_json::to_string_pretty(&file)
        .map_err(|e| OpsError::Build { what: "allowlist.json".into(), error: e.to_string() })?;
    write("allowlist.json", json + "\n")?;
    write("allowlist.csv", file.csv())?;
    let mut text = format!(
        "allowlist of {day}: {} members, {} excluded\n",
        file.members.len(),
        file.excluded.len()
    );
    for e in &file.excluded {
        let _ = writeln!(text, "  excluded member {}: {}", e.member_id, e.reason);
    }
    let _ = writeln!(text, "written {}/allowlist.json and allowlist.csv", out.display());
    let _ = writeln!(text, "root {}", file.root);
    Ok((file, text))
}

/// Decimals of any SPL Token or Token-2022 mint.
async fn mint_decimals<B: ChainBackend>(
    backend: &mut B,
    mint: &Pubkey,
) -> Result<(u8, Pubkey), OpsError> {
    let account = backend
        .accounts(&[*mint])
        .await?
        .pop()
        .flatten()
        .ok_or_else(|| OpsError::usage(format!("the payment mint {mint} does not exist")))?;
    let state = StateWithExtensions::<MintState>::unpack(&account.data)
        .map_err(|e| OpsError::BadAccount { address: *mint, what: "mint", error: e.to_string() })?;
    Ok((state.base.decimals, account.owner))
}

/// The sale's price: `--price` payment units per whole STK as the program's fraction
/// (payment base units per `10^stk_decimals` STK base units).
pub fn price(text: &str, payment_decimals: u8, stk_decimals: u8) -> Result<SalePrice, OpsError> {
    let num = units::parse_units(text, payment_decimals)
        .map_err(|e| OpsError::usage(format!("--price: {e}")))?;
    if num == 0 {
        return Err(OpsError::usage("--price must be above zero"));
    }
    let den = 10u64
        .checked_pow(u32::from(stk_decimals))
        .ok_or_else(|| OpsError::usage("the STK decimals overflow"))?;
    Ok(SalePrice { num, den })
}

/// The sale vesting in days, validated early with a message naming the options.
pub fn vesting(
    cliff_days: u32,
    vesting_days: u32,
    period_days: u32,
) -> Result<SaleVesting, OpsError> {
    if vesting_days == 0
        || cliff_days > vesting_days
        || period_days == 0
        || period_days > vesting_days
    {
        return Err(OpsError::usage(
            "need 0 <= --cliff-days <= --vesting-days, 0 < --period-days <= --vesting-days",
        ));
    }
    Ok(SaleVesting {
        cliff_seconds: i64::from(cliff_days) * DAY,
        duration_seconds: i64::from(vesting_days) * DAY,
        period_seconds: i64::from(period_days) * DAY,
    })
}

async fn sale_state<B: ChainBackend>(backend: &mut B) -> Result<Sale, OpsError> {
    read_account(backend, &seeds::find_sale(), "sale")
        .await?
        .ok_or_else(|| OpsError::usage("no sale is open on this cluster (`distributor sale open`)"))
}

/// `sale status`.
pub async fn status<B: ChainBackend>(
    backend: &mut B,
    allowlist: Option<&std::path::Path>,
) -> Result<String, OpsError> {
    let sale = sale_state(backend).await?;
    let decimals = stk_decimals(backend).await?;
    let now = cluster_time(backend).await?;
    let stk = |v: u64| units::format_units(v, decimals);
    let vault = token_amount(backend, &seeds::find_sale_vault()).await?.unwrap_or(0);
    let state = if sale.closed {
        "closed"
    } else if now < sale.start {
        "not started"
    } else if now >= sale.end || sale.sold >= sale.total {
        "ended (close it: `distributor sale close`)"
    } else {
        "open"
    };
    let utc = super::fund::utc;
    let mut text = String::new();
    let _ = writeln!(text, "state              {state}");
    let _ = writeln!(text, "window             {} .. {}", utc(sale.start), utc(sale.end));
    let _ = writeln!(
        text,
        "price              {} payment base units per {} STK base units ({})",
        sale.price.num, sale.price.den, sale.payment_mint
    );
    let _ = writeln!(text, "total / sold       {} / {} STK", stk(sale.total), stk(sale.sold));
    let _ = writeln!(text, "sale vault         {} STK", stk(vault));
    let _ = writeln!(text, "allowlist root     {}", hex::encode(sale.allowlist_root));
    let _ = writeln!(text, "payments to        {}", sale.payment_destination);
    let _ = writeln!(text, "unsold to          {}", sale.unsold_destination);
    if let Some(path) = allowlist {
        let (file, list) = AllowlistFile::load(path)?;
        if list.root() != sale.allowlist_root {
            return Err(OpsError::usage(format!(
                "{} is not the allowlist of this sale (root {})",
                path.display(),
                file.root
            )));
        }
        for m in &file.members {
            let wallet: Pubkey = super::parse_pubkey("wallet", &m.wallet)?;
            let bought: Option<SaleMember> =
                read_account(backend, &stk_client::vesting::sale_member(&wallet), "sale member")
                    .await?;
            let bought = bought.map(|b| b.purchased).unwrap_or(0);
            let _ = writeln!(
                text,
                "  member {:>8} {:<44} bought {:>14} of {:>14} STK",
                m.member_id,
                m.wallet,
                stk(bought),
                stk(m.cap)
            );
        }
    }
    Ok(text)
}

/// Runs a `sale` subcommand; returns what to print.
pub async fn run<B: ChainBackend>(
    backend: &mut B,
    mode: &Mode,
    ctx: &Context,
    cmd: &SaleCmd,
) -> Result<String, OpsError> {
    let signer = mode.signer(backend);
    let op = match cmd {
        SaleCmd::Allowlist { as_of, out } => {
            return Ok(allowlist(ctx, as_of.as_deref(), out).await?.1)
        }
        SaleCmd::Status { allowlist } => return status(backend, allowlist.as_deref()).await,
        SaleCmd::Open {
            allowlist,
            payment_mint,
            payment_destination,
            price: price_text,
            start,
            days,
            total,
            vesting_days,
            cliff_days,
            period_days,
        } => {
            let (file, list) = AllowlistFile::load(allowlist)?;
            // The sale is a one-time event: the program's `init` would refuse a second with
            // the system program's bare "already in use".
            if let Some(sale) =
                read_account::<_, Sale>(backend, &seeds::find_sale(), "sale").await?
            {
                return Err(OpsError::usage(format!(
                    "the sale was already opened ({}; it is a one-time event): `distributor \
                     sale status` shows it",
                    if sale.closed { "closed" } else { "open or ended, not closed" }
                )));
            }
            let payment_mint = super::parse_pubkey("--payment-mint", payment_mint)?;
            let payment_destination =
                super::parse_pubkey("--payment-destination", payment_destination)?;
            let decimals = stk_decimals(backend).await?;
            if file.decimals != decimals {
                return Err(OpsError::usage(format!(
                    "the allowlist's caps have {} decimals, the STK mint {decimals}",
                    file.decimals
                )));
            }
            let (payment_decimals, _) = mint_decimals(backend, &payment_mint).await?;
            let price = price(price_text, payment_decimals, decimals)?;
            let start = match start {
                Some(s) => *s,
                None => cluster_time(backend).await?,
            };
            let end = days
                .checked_mul(DAY)
                .and_then(|d| start.checked_add(d))
                .filter(|_| *days > 0)
                .ok_or_else(|| OpsError::usage("--days must be a positive number of days"))?;
            let vault = token_amount(backend, &seeds::find_sale_vault())
                .await?
                .ok_or(OpsError::NotInitialized("the sale vault (stk_vesting)"))?;
            let total = match total {
                Some(t) => super::parse_stk("--total", t, decimals)?,
                None => vault,
            };
            if total == 0 || total > vault {
                return Err(OpsError::usage(format!(
                    "--total must be within the sale vault's {} STK (is genesis minted?)",
                    units::format_units(vault, decimals)
                )));
            }
            let defaults = ctx.config.as_ref().map(|c| c.sale.clone()).unwrap_or_default();
            let vesting = vesting(
                cliff_days.unwrap_or(defaults.cliff_days),
                vesting_days.unwrap_or(defaults.vesting_days),
                period_days.unwrap_or(defaults.period_days),
            )?;
            let args =
                OpenSaleArgs { price, start, end, allowlist_root: list.root(), total, vesting };
            Op::new(
                format!(
                    "open the sale of {} STK to {} members",
                    units::format_units(total, decimals),
                    file.members.len()
                ),
                vec![stk_client::vesting::open_sale(
                    &signer,
                    &payment_mint,
                    &payment_destination,
                    // The unsold rest goes to the treasury's distribution vault (the builder
                    // derives it; the program refuses any other destination).
                    args,
                )],
            )
        }
        SaleCmd::Buy { allowlist, amount, from, grant_id } => {
            let sale = sale_state(backend).await?;
            let (file, list) = AllowlistFile::load(allowlist)?;
            if list.root() != sale.allowlist_root {
                return Err(OpsError::usage(format!(
                    "{} is not the allowlist of the open sale",
                    allowlist.display()
                )));
            }
            let (cap, proof) = list.proof(&signer).ok_or_else(|| {
                OpsError::usage(format!(
                    "wallet {signer} is not on the allowlist of {}",
                    file.as_of
                ))
            })?;
            let decimals = stk_decimals(backend).await?;
            let amount = super::parse_stk("--amount", amount, decimals)?;
            let (_, payment_program) = mint_decimals(backend, &sale.payment_mint).await?;
            let source = match from {
                Some(text) => super::parse_pubkey("--from", text)?,
                None => spl_associated_token_account_interface::address::get_associated_token_address_with_program_id(
                    &signer,
                    &sale.payment_mint,
                    &payment_program,
                ),
            };
            let grant_id = match grant_id {
                Some(text) => super::parse_pubkey("--grant-id", text)?,
                None => {
                    let nanos = std::time::SystemTime::now()
                        .duration_since(std::time::UNIX_EPOCH)
                        .map(|d| d.as_nanos())
                        .unwrap_or(0);
                    let digest = sha256(&[signer.as_ref(), &nanos.to_le_bytes()]);
                    Pubkey::new_from_array(digest)
                }
            };
            let payment = PaymentAccounts {
                mint: sale.payment_mint,
                source,
                destination: sale.payment_destination,
                token_program: payment_program,
            };
            Op::new(
                format!(
                    "buy {} STK in the sale (cap {})",
                    units::format_units(amount, decimals),
                    units::format_units(cap, decimals)
                ),
                vec![stk_client::vesting::purchase(
                    &signer,
                    payment,
                    PurchaseArgs { amount, cap, proof, grant_id },
                )],
            )
        }
        SaleCmd::Close => {
            let sale = sale_state(backend).await?;
            if sale.closed {
                return Ok("the sale is already closed\n".to_string());
            }
            Op::new("close the sale", vec![stk_client::vesting::close_sale(&signer)])
        }
    };
    let outcome = execute(backend, mode, &op).await?;
    Ok(outcome.describe(&op.what))
}

fn sha256(parts: &[&[u8]]) -> [u8; 32] {
    use sha2::{Digest, Sha256};
    let mut hasher = Sha256::new();
    for p in parts {
        hasher.update(p);
    }
    hasher.finalize().into()
}

#[cfg(test)]
mod tests {
    use super::*;
    use stk_common::merkle;

    fn candidate(id: i64, wallet: Option<String>, quals: &[&str]) -> Candidate {
        Candidate {
            member_id: id,
            wallet,
            qualifications: quals.iter().map(|q| q.to_string()).collect(),
        }
    }

    fn on_curve() -> Pubkey {
        use solana_signer::Signer;
        solana_keypair::Keypair::new().pubkey()
    }

    #[test]
    fn the_allowlist_proves_every_member_as_the_program_verifies_and_explains_exclusions() {
        let config = Config::default_config();
        let (a, b, shared) = (on_curve(), on_curve(), on_curve());
        let pda = seeds::find_sale_vault();
        let candidates = vec![
            candidate(1, Some(a.to_string()), &[]),
            candidate(2, Some(b.to_string()), &["freshman", "master"]),
            candidate(3, None, &[]),
            candidate(4, Some("0xdead".into()), &[]),
            candidate(5, Some(pda.to_string()), &[]),
            candidate(6, Some(shared.to_string()), &[]),
            candidate(7, Some(shared.to_string()), &["elite"]),
        ];
        let file = build(&config, "2027-03-01", &candidates).unwrap();
        assert_eq!(file.members.len(), 2);
        let unit = 1_000_000;
        assert_eq!((file.members[0].member_id, file.members[0].cap), (1, 1_000 * unit));
        assert_eq!((file.members[1].member_id, file.members[1].cap), (2, 5_000 * unit));
        let excluded: Vec<i64> = file.excluded.iter().map(|e| e.member_id).collect();
        assert_eq!(excluded, vec![3, 4, 5, 6, 7]);
        assert!(file.excluded[2].reason.contains("off the curve"));
        assert!(file.excluded[3].reason.contains("several members"));
        let mut root = [0u8; 32];
        root.copy_from_slice(&hex::decode(&file.root).unwrap());
        for m in &file.members {
            let proof: Vec<[u8; 32]> =
                m.proof.iter().map(|h| hex::decode(h).unwrap().try_into().unwrap()).collect();
            let wallet: Pubkey = m.wallet.parse().unwrap();
            assert!(merkle::verify(&proof, &root, merkle::leaf(&wallet, m.cap)));
        }
        // Deterministic: the same inputs give the same file.
        assert_eq!(build(&config, "2027-03-01", &candidates).unwrap(), file);
        let csv = file.csv();
        assert_eq!(csv.lines().count(), 3);
        assert!(csv.lines().nth(1).unwrap().starts_with(&format!("1,{a},1000000000,")));
        // Nobody eligible is an error naming the day.
        let err = build(&config, "2027-03-01", &candidates[2..3]).unwrap_err().to_string();
        assert!(err.contains("no eligible member on 2027-03-01"), "{err}");
    }

    #[test]
    fn an_edited_allowlist_file_is_refused() {
        let config = Config::default_config();
        let file = build(&config, "2027-03-01", &[candidate(1, Some(on_curve().to_string()), &[])])
            .unwrap();
        let dir = std::env::temp_dir().join(format!("stk-allowlist-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("allowlist.json");
        std::fs::write(&path, serde_json::to_string(&file).unwrap()).unwrap();
        assert!(AllowlistFile::load(&path).is_ok());
        let mut edited = file.clone();
        edited.members[0].cap *= 2;
        std::fs::write(&path, serde_json::to_string(&edited).unwrap()).unwrap();
        let err = AllowlistFile::load(&path).unwrap_err().to_string();
        assert!(err.contains("edited?"), "{err}");
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn the_price_is_payment_units_per_whole_stk() {
        let p = price("0.5", 6, 6).unwrap();
        assert_eq!((p.num, p.den), (500_000, 1_000_000));
        assert_eq!(p.cost(2_000_000), Some(1_000_000), "2 STK cost 1 payment unit");
        assert!(price("0", 6, 6).is_err());
        assert!(price("0.0000001", 6, 6).unwrap_err().to_string().contains("--price"));
        assert!(vesting(0, 365, 30).is_ok());
        assert!(vesting(400, 365, 30).is_err());
        assert!(vesting(0, 365, 0).is_err());
    }
}
