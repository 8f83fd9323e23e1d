//! `distributor quote …`: the treasury's directive quote (DESIGN: the quarter's fiat budget,
//! the share of it that backs STK, one-time receipts spread over quarters, and the published
//! price = backing so far / STK issued).
use super::{execute, require_account, units, Mode, Op, OpsError, Outcome};
use crate::chain::ChainBackend;
use clap::Subcommand;
use std::fmt::Write as _;
use stk_common::seeds;
use stk_treasury::state::{QuarterQuote, Treasury};

#[derive(Subcommand, Debug, Clone)]
pub enum QuoteCmd {
    /// Record a quarter's fiat budget and the share of it that backs STK (each quarter once,
    /// in order; the admin signs).
    Budget {
        /// The quarter (0 = the schedule's first); default: the next one to record.
        #[arg(long)]
        quarter: Option<u16>,
        /// The budget in fiat, e.g. 150000 or 150000.50 (the treasury's fiat decimals).
        #[arg(long)]
        budget: String,
        /// Basis points of the budget that back STK (10000 = all of it).
        #[arg(long, default_value_t = 10_000)]
        backing_bps: u16,
    },
    /// Record a one-time receipt (investors, donors), recognized in equal parts over the next
    /// `--quarters` recorded quarters (the admin signs).
    Receipt {
        /// The amount in fiat.
        #[arg(long)]
        amount: String,
        /// Over how many quarters it is recognized.
        #[arg(long)]
        quarters: u16,
    },
    /// Publish a recorded quarter's quote: backing through the quarter / STK issued (once;
    /// the admin signs).
    Publish {
        /// The quarter.
        #[arg(long)]
        quarter: u16,
    },
    /// Every recorded quarter's budget, backing, STK issued and price, as a table.
    History,
}

impl QuoteCmd {
    /// Whether the command sends a transaction (and so needs a signer).
    pub fn signs(&self) -> bool {
        !matches!(self, QuoteCmd::History)
    }
}

/// One row of `quote history`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QuoteRow {
    pub quarter: u16,
    pub budget: u64,
    pub backing_bps: u16,
    pub backing: u64,
    pub receipts_recognized: u64,
    pub cumulative_backing: u64,
    /// `None` until published.
    pub published: Option<Published>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Published {
    pub tokens_issued: u64,
    /// Fiat units per whole STK × 1e9 (`stk_common::fixed`).
    pub price: u64,
}

impl From<&QuarterQuote> for QuoteRow {
    fn from(q: &QuarterQuote) -> Self {
        QuoteRow {
            quarter: q.quarter,
            budget: q.budget,
            backing_bps: q.backing_bps,
            backing: q.backing,
            receipts_recognized: q.receipts_recognized,
            cumulative_backing: q.cumulative_backing,
            published: q
                .published
                .then_some(Published { tokens_issued: q.tokens_issued, price: q.price }),
        }
    }
}

/// Every recorded quarter's quote, oldest first, and the treasury's fiat decimals.
pub async fn history<B: ChainBackend>(backend: &mut B) -> Result<(Vec<QuoteRow>, u8), OpsError> {
    let treasury: Treasury =
        require_account(backend, &seeds::find_treasury(), "stk_treasury").await?;
    let mut rows = Vec::with_capacity(treasury.next_budget_quarter as usize);
    for quarter in 0..treasury.next_budget_quarter {
        let address = seeds::find_quarter_quote(quarter);
        let quote: QuarterQuote = require_account(backend, &address, "quarter quote").await?;
        rows.push(QuoteRow::from(&quote));
    }
    Ok((rows, treasury.fiat_decimals))
}

/// Copies the published quotes not yet in Postgres (`quarter_quotes`) from the chain, so a
/// monthly report reads the quote history from its own snapshot. Published quotes never
/// change on-chain: a row is written once. Returns how many were captured now.
pub async fn capture<B: ChainBackend>(
    backend: &mut B,
    db: &sqlx::PgPool,
) -> Result<usize, OpsError> {
    let Some(treasury): Option<Treasury> =
        super::read_account(backend, &seeds::find_treasury(), "stk_treasury").await?
    else {
        return Ok(0);
    };
    let captured: Vec<i32> =
        sqlx::query_scalar("SELECT quarter FROM quarter_quotes").fetch_all(db).await?;
    let mut count = 0;
    for quarter in 0..treasury.next_budget_quarter {
        if captured.contains(&i32::from(quarter)) {
            continue;
        }
        let address = seeds::find_quarter_quote(quarter);
        let quote: QuarterQuote = require_account(backend, &address, "quarter quote").await?;
        if !quote.published {
            continue;
        }
        let big = |v: u64| {
            i64::try_from(v).map_err(|_| OpsError::BadAccount {
                address,
                what: "quarter quote",
                error: format!("{v} does not fit a BIGINT"),
            })
        };
        sqlx::query(
            "INSERT INTO quarter_quotes (quarter, budget, backing_bps, backing,
                 receipts_recognized, cumulative_backing, tokens_issued, price, fiat_decimals)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT (quarter) DO NOTHING",
        )
        .bind(i32::from(quarter))
        .bind(big(quote.budget)?)
        .bind(i32::from(quote.backing_bps))
        .bind(big(quote.backing)?)
        .bind(big(quote.receipts_recognized)?)
        .bind(big(quote.cumulative_backing)?)
        .bind(big(quote.tokens_issued)?)
        .bind(big(quote.price)?)
        .bind(i16::from(treasury.fiat_decimals))
        .execute(db)
        .await?;
        count += 1;
    }
    Ok(count)
}

/// The history as a fixed-width table (STK with `stk_decimals`).
pub fn history_table(rows: &[QuoteRow], fiat_decimals: u8, stk_decimals: u8) -> String {
    let mut text = format!(
        "{:>7} {:>16} {:>8} {:>16} {:>14} {:>18} {:>18} {:>14}\n",
        "quarter",
        "budget",
        "backing%",
        "backing",
        "receipts",
        "backing to date",
        "STK issued",
        "price/STK"
    );
    let fiat = |v: u64| units::format_units(v, fiat_decimals);
    for r in rows {
        let (issued, price) = match r.published {
            Some(p) => (
                units::format_units(p.tokens_issued, stk_decimals),
                stk_common::fixed::format_price(p.price),
            ),
            None => ("-".to_string(), "unpublished".to_string()),
        };
        let _ = writeln!(
            text,
            "{:>7} {:>16} {:>8} {:>16} {:>14} {:>18} {:>18} {:>14}",
            r.quarter,
            fiat(r.budget),
            units::format_units(r.backing_bps as u64, 2),
            fiat(r.backing),
            fiat(r.receipts_recognized),
            fiat(r.cumulative_backing),
            issued,
            price
        );
    }
    if rows.is_empty() {
        text.push_str("(no quarter recorded yet: `distributor quote budget`)\n");
    }
    text
}

/// Runs a `quote` subcommand; returns what to print.
pub async fn run<B: ChainBackend>(
    backend: &mut B,
    mode: &Mode,
    cmd: &QuoteCmd,
) -> Result<String, OpsError> {
    let admin = mode.signer(backend);
    let treasury: Treasury =
        require_account(backend, &seeds::find_treasury(), "stk_treasury").await?;
    let fiat = |text: &str, option: &str| {
        units::parse_units(text, treasury.fiat_decimals)
            .map_err(|e| OpsError::Usage(format!("{option}: {e}")))
    };
    let op = match cmd {
        QuoteCmd::Budget { quarter, budget, backing_bps } => {
            let next = treasury.next_budget_quarter;
            let quarter = quarter.unwrap_or(next);
            if quarter != next {
                return Err(OpsError::Usage(format!(
                    "quarter {quarter} cannot be recorded now: quarters are recorded in order \
                     and the next is {next}"
                )));
            }
            if *backing_bps > 10_000 {
                return Err(OpsError::Usage(format!("--backing-bps {backing_bps} exceeds 10000")));
            }
            let budget = fiat(budget, "--budget")?;
            Op::new(
                format!("record the budget of quarter {quarter}"),
                vec![stk_client::treasury::record_quarter_budget(
                    &admin,
                    quarter,
                    budget,
                    *backing_bps,
                )],
            )
        }
        QuoteCmd::Receipt { amount, quarters } => {
            let amount = fiat(amount, "--amount")?;
            Op::new(
                format!("record a one-time receipt over {quarters} quarters"),
                vec![stk_client::treasury::record_one_time_receipt(&admin, amount, *quarters)],
            )
        }
        QuoteCmd::Publish { quarter } => Op::new(
            format!("publish the quote of quarter {quarter}"),
            vec![stk_client::treasury::publish_quote(&admin, *quarter)],
        ),
        QuoteCmd::History => {
            let (rows, fiat_decimals) = history(backend).await?;
            let mint: stk_mint::state::MintConfig =
                require_account(backend, &seeds::find_mint_config(), "stk_mint").await?;
            return Ok(history_table(&rows, fiat_decimals, mint.decimals));
        }
    };
    let outcome = execute(backend, mode, &op).await?;
    let mut text = outcome.describe(&op.what);
    if let (QuoteCmd::Publish { quarter }, Outcome::Sent(_)) = (cmd, &outcome) {
        let quote: QuarterQuote =
            require_account(backend, &seeds::find_quarter_quote(*quarter), "quarter quote").await?;
        let _ = writeln!(
            text,
            "quarter {quarter}: price {} per STK",
            stk_common::fixed::format_price(quote.price)
        );
    }
    Ok(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_history_table_shows_published_and_pending_quarters() {
        let rows = vec![
            QuoteRow {
                quarter: 0,
                budget: 15_000_000,
                backing_bps: 5_000,
                backing: 7_500_000,
                receipts_recognized: 0,
                cumulative_backing: 7_500_000,
                published: Some(Published { tokens_issued: 1_500_000_000_000, price: 50_000_000 }),
            },
            QuoteRow {
                quarter: 1,
                budget: 100,
                backing_bps: 10_000,
                backing: 100,
                receipts_recognized: 25,
                cumulative_backing: 7_500_125,
                published: None,
            },
        ];
        let table = history_table(&rows, 2, 6);
        let lines: Vec<&str> = table.lines().collect();
        assert_eq!(lines.len(), 3, "{table}");
        assert!(lines[1].contains("150000") && lines[1].contains("75000"), "{table}");
        assert!(lines[1].contains("1500000") && lines[1].contains("50"), "{table}");
        assert!(lines[2].contains("unpublished") && lines[2].contains("0.25"), "{table}");
        assert!(history_table(&[], 2, 6).contains("no quarter recorded"));
    }
}
