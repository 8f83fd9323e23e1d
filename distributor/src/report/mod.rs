//! The monthly report: reads the contract tables, quarantines bad input, walks the ranks,
//! credits the days, splits the pool, carries pending allocations, writes the distributor's
//! tables and renders the canonical report.
//!
//! Everything is a function of the database and the configuration: rows are read in a fixed
//! order or aggregated and then sorted, no clock is read, and the rendered bytes carry no
//! generation time — so recomputing gives the same bytes.
//!
//! The rank walks resume from the checkpoints of the latest frozen month computed with the
//! same configuration (`member_walks.next_week_rank`; `migrations/0003_rank_checkpoints.sql`,
//! `0004_member_walks.sql`), so a report reads the events since that month's following week
//! rather than all history; with no such month it walks every member from joining. Frozen
//! months never change, so the result is still a function of the database. The report names
//! its basis (`rank_basis`).
//!
//! The steps, one module each: [`load`] (bounds, resume point, the small tables) →
//! [`aggregate`] (the activity, in Postgres) → [`walk`] (ranks and credits) → [`split`] (the
//! pool) → [`persist`] (the tables, one transaction) → [`files`] (rendered by
//! [`crate::render`] and published atomically after the commit); the data they pass on is in
//! [`types`], which the renderer reads too. All reads see one snapshot of the database
//! ([`load::Snapshot`]), whatever Aisystant writes meanwhile.
mod aggregate;
mod files;
mod load;
mod persist;
mod split;
pub mod types;
mod walk;

pub use aggregate::{aggregation_settings, AGGREGATION_WORK_MEM};
pub use types::*;

use crate::{
    config::Config,
    rank::{week_start, Day, RankParams},
    render,
};
use aggregate::{aggregate_activity, ActivityAgg, Scope};
use anyhow::{anyhow, bail, Context};
use files::write_files;
use load::{load_inputs, Inputs, Snapshot};
use persist::{persist, NextCheckpoints};
use sqlx::PgPool;
use std::path::Path;
use stk_common::calendar::{days_from_civil, MonthId};
use walk::{WalkWindow, Walked};

/// The published quotes captured into `quarter_quotes` for quarters up to `through` (the
/// month's quarter), in quarter order.
async fn captured_quotes(
    conn: &mut sqlx::PgConnection,
    through: Option<u16>,
) -> anyhow::Result<Vec<QuoteLine>> {
    let Some(through) = through else { return Ok(vec![]) };
    let rows: Vec<(i32, i64, i32, i64, i64, i64, i64, i64, i16)> = sqlx::query_as(
        "SELECT quarter, budget, backing_bps, backing, receipts_recognized, cumulative_backing,
                tokens_issued, price, fiat_decimals
         FROM quarter_quotes WHERE quarter <= $1 ORDER BY quarter",
    )
    .bind(i32::from(through))
    .fetch_all(&mut *conn)
    .await?;
    let bad = |what: &str| anyhow!("quarter_quotes holds a negative or oversized {what}");
    rows.into_iter()
        .map(|(q, budget, bps, backing, receipts, cumulative, issued, price, decimals)| {
            let u = |v: i64, what: &str| u64::try_from(v).map_err(|_| bad(what));
            Ok(QuoteLine {
                quarter: u16::try_from(q).map_err(|_| bad("quarter"))?,
                budget: u(budget, "budget")?,
                backing_bps: u16::try_from(bps).map_err(|_| bad("backing_bps"))?,
                backing: u(backing, "backing")?,
                receipts_recognized: u(receipts, "receipts")?,
                cumulative_backing: u(cumulative, "cumulative backing")?,
                tokens_issued: u(issued, "tokens issued")?,
                price: u(price, "price")?,
                fiat_decimals: u8::try_from(decimals).map_err(|_| bad("fiat_decimals"))?,
            })
        })
        .collect()
}

/// The costs of the months before `month` whose payout is complete, in month order.
async fn completed_payout_costs(
    conn: &mut sqlx::PgConnection,
    month: &str,
) -> anyhow::Result<Vec<PayoutCostLine>> {
    let rows: Vec<(String, i64, i64, i64, i64, i64, i64, i64)> = sqlx::query_as(
        "SELECT c.month, (SELECT count(*) FROM payout_recipients r WHERE r.month = c.month),
                c.transactions_sent, c.fee_lamports, c.token_accounts_created, c.token_account_rent,
                c.lookup_table_rent, c.epoch_rent
         FROM payout_costs c JOIN payout_epochs e USING (month)
         WHERE e.unpaid_carried AND c.month < $1 ORDER BY c.month",
    )
    .bind(month)
    .fetch_all(&mut *conn)
    .await?;
    rows.into_iter()
        .map(|(month, recipients, txs, fees, accounts, ata_rent, table_rent, epoch_rent)| {
            let u = |v: i64| {
                u64::try_from(v).map_err(|_| anyhow!("payout_costs holds a negative count"))
            };
            Ok(PayoutCostLine {
                month,
                recipients: u(recipients)?,
                transactions: u(txs)?,
                fee_lamports: fees,
                token_accounts_created: u(accounts)?,
                token_account_rent: ata_rent,
                lookup_table_rent: table_rent,
                epoch_rent,
            })
        })
        .collect()
}

/// Computes the report of `month`, writes the distributor's tables (unless the month is
/// frozen, which is an error) and, with `out_dir`, the files `report.{json,csv,html}` and
/// `report.sha256` under `out_dir/YYYY-MM/`.
pub async fn run(
    pool: &PgPool,
    config: &Config,
    month: MonthId,
    out_dir: Option<&Path>,
) -> anyhow::Result<ReportOutcome> {
    let started = std::time::Instant::now();
    let tz = config.time_zone.as_str();
    let known_tz: bool =
        sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM pg_timezone_names WHERE name = $1)")
            .bind(tz)
            .fetch_one(pool)
            .await?;
    if !known_tz {
        bail!("configuration key `time_zone`: Postgres does not know the zone `{tz}`");
    }
    let month_key = month.to_string();
    let frozen: Option<bool> =
        sqlx::query_scalar("SELECT frozen FROM monthly_reports WHERE month = $1")
            .bind(&month_key)
            .fetch_optional(pool)
            .await?;
    if frozen == Some(true) {
        bail!(
            "the report of {month_key} is frozen (its payout has started); it cannot be recomputed"
        );
    }
    let month_allowance = config.schedule().month_allowance(month).map_err(|e| {
        anyhow!(
            "month {month_key} is outside the emission schedule (emission.start_month = {}, {} quarters): {e}",
            config.emission.start_month,
            config.emission.num_quarters
        )
    })?;
    let pool_amount = config.month_pool(month).map_err(|e| anyhow!(e))?;

    let first_day: Day = days_from_civil(month.year() as i64, month.month(), 1) as Day;
    let last_day: Day = first_day + month.days() as Day - 1;
    let config_sha256 = config.sha256();
    // Every read below sees one snapshot of the database, on two connections.
    let mut snapshot = Snapshot::begin(pool).await?;
    let mut aggregation = snapshot.join(pool).await?;
    let (bounds, resume) =
        load::locate(snapshot.conn(), config, tz, &month_key, first_day, last_day).await?;
    let quotes =
        captured_quotes(snapshot.conn(), config.schedule().quarter_of_month(month)).await?;
    let payout_costs = completed_payout_costs(snapshot.conn(), &month_key).await?;
    let scope = match &resume {
        Some(r) => Scope::Since(r.week_start, r.week_start_ts),
        None => Scope::AllHistory,
    };

    // The big aggregation and the small tables run at the same time on the two connections.
    let (inputs, activity) = tokio::try_join!(
        load_inputs(snapshot.conn(), config, &bounds, &month_key, resume.as_ref()),
        aggregate_activity(&mut aggregation, config, &bounds, scope),
    )?;
    tracing::info!(
        month = %month_key,
        elapsed_ms = started.elapsed().as_millis() as u64,
        members = inputs.members.len(),
        members_active = activity.per_member.len(),
        resumed_from = resume.as_ref().map(|r| r.month.as_str()),
        "inputs read, activity aggregated"
    );
    let Inputs { mut members, wallet_of, pending_in, checkpoints, mut quarantine } = inputs;
    let ActivityAgg { mut per_member, quarantine: refused_events } = activity;
    quarantine.extend(refused_events);

    // Members whose walk started before the resume week but have no checkpoint (added
    // afterwards with an earlier joining date) are walked from the start: read their earlier
    // activity too.
    let params = RankParams::from_config(config);
    let mut rank_basis = RankBasis::default();
    if let Some(r) = &resume {
        rank_basis.resumed_from_month = Some(r.month.clone());
        rank_basis.resumed_from_report_sha256 = Some(r.report_sha256.clone());
        rank_basis.activity_read_from = Some(day_string(r.week_start));
        let mut without: Vec<i64> = members
            .iter()
            .filter(|(&id, h)| {
                let start = params.start_day(h.join_day);
                start < r.week_start
                    && walk::start_of(Some(r), &checkpoints, id, start, first_day).is_none()
            })
            .map(|(id, _)| *id)
            .collect();
        if !without.is_empty() {
            without.sort_unstable();
            tracing::info!(
                members = without.len(),
                "members without a checkpoint: reading their history"
            );
            let earlier = aggregate_activity(
                &mut aggregation,
                config,
                &bounds,
                Scope::HistoryOf(&without, r.week_start_ts),
            )
            .await?;
            for (id, act) in earlier.per_member {
                per_member.entry(id).or_default().active_days.extend(act.active_days);
            }
        }
    }

    // Everything is read.
    aggregation.commit().await?;
    snapshot.end().await?;

    // Walk, credit, and list; then split the pool.
    let window =
        WalkWindow { first_day, last_day, resume: resume.as_ref(), checkpoints: &checkpoints };
    let Walked { mut lines, rank_counts, mut totals, next_checkpoints } = walk::walk_members(
        config,
        &params,
        window,
        &mut members,
        &mut per_member,
        &wallet_of,
        &pending_in,
        &mut rank_basis,
    );
    split::split(pool_amount, &mut lines, &mut totals);
    let quarantine = split::quarantine_summary(quarantine, &mut totals);

    let report = Report {
        format: "stk-monthly-report/2",
        month: month_key.clone(),
        time_zone: config.time_zone.clone(),
        config_sha256,
        rank_basis,
        emission: EmissionSummary {
            month_allowance,
            member_share_bps: config.emission.member_share_bps,
            pool: pool_amount,
        },
        totals,
        quarantine,
        rank_distribution: rank_counts
            .into_iter()
            .map(|(rank, members)| RankCount { rank, members })
            .collect(),
        members: lines,
        quotes,
        payout_costs,
    };
    tracing::info!(elapsed_ms = started.elapsed().as_millis() as u64, "ranks walked, pool split");
    let json = render::canonical_json(&report);
    let sha256 = render::sha256_hex(&json);

    // The tables first, then the files: the files are published only once the tables hold
    // what they show, each set complete or not at all (`files::publish`).
    let checkpoints =
        NextCheckpoints { week_start: week_start(last_day + 1), ranks: &next_checkpoints };
    persist(pool, &report, &sha256, checkpoints)
        .await
        .context("writing the distributor's tables")?;
    // The canonical document itself, by its hash: a payout plan is built from the approved one.
    crate::payout::approved::store_document(pool, &month_key, &sha256, &json)
        .await
        .context("storing the canonical report")?;
    tracing::info!(elapsed_ms = started.elapsed().as_millis() as u64, "tables written");
    let (report, files) = match out_dir {
        None => (report, Vec::new()),
        Some(dir) => {
            let dir = dir.join(&month_key);
            let (json, sha256, config) = (json.clone(), sha256.clone(), config.clone());
            // Rendering and fsync block: off the runtime, the report moved there and back.
            let (report, files) = tokio::task::spawn_blocking(move || {
                let files = write_files(&dir, &report, json, &sha256, &config);
                (report, files)
            })
            .await
            .context("rendering the report files")?;
            (report, files?)
        }
    };
    tracing::info!(elapsed_ms = started.elapsed().as_millis() as u64, "files written");
    Ok(ReportOutcome { report, json, sha256, files })
}
