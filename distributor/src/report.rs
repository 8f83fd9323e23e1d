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
use crate::{
    allocation::{daily_credit, split_pool},
    config::Config,
    rank::{walk_from, week_start, Checkpoint, Day, MemberHistory, RankParams},
    render,
    wallet::parse_wallet,
};
use anyhow::{anyhow, bail, Context};
use futures_util::TryStreamExt;
use serde::Serialize;
use sqlx::{PgConnection, PgPool};
use std::{
    collections::{BTreeMap, HashMap},
    fmt::Write,
    path::{Path, PathBuf},
};
use stk_common::calendar::{civil_from_days, days_from_civil, MonthId};

/// Quarantine reasons (the `reason` column and the report's counters).
pub mod reason {
    pub const UNKNOWN_MEMBER: &str = "unknown_member";
    pub const UNKNOWN_ACTION_TYPE: &str = "unknown_action_type";
    pub const FUTURE_TIMESTAMP: &str = "future_timestamp";
    pub const BEFORE_JOINING: &str = "before_joining";
    pub const DUPLICATE_IDEMPOTENCY_KEY: &str = "duplicate_idempotency_key";
    pub const MALFORMED_WALLET: &str = "malformed_wallet";
    pub const UNKNOWN_QUALIFICATION: &str = "unknown_qualification";
}

/// The canonical report. Field order is the serialization order; every list is sorted.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Report {
    pub format: &'static str,
    pub month: String,
    pub time_zone: String,
    pub config_sha256: String,
    pub rank_basis: RankBasis,
    pub emission: EmissionSummary,
    pub totals: Totals,
    pub quarantine: QuarantineSummary,
    /// Members per rank on the month's last day (rank, count), ascending; paying members only.
    pub rank_distribution: Vec<RankCount>,
    pub members: Vec<MemberLine>,
}

/// Where the rank walks started: from the checkpoints of the latest frozen month computed with
/// the same configuration (then only the events since its following week were read), or from
/// each member's joining day.
#[derive(Debug, Clone, Serialize, PartialEq, Eq, Default)]
pub struct RankBasis {
    pub resumed_from_month: Option<String>,
    pub resumed_from_report_sha256: Option<String>,
    /// The first day of activity read (`YYYY-MM-DD`); `None` when all history was read.
    pub activity_read_from: Option<String>,
    pub members_resumed: u64,
    pub members_walked_from_joining: u64,
}

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct EmissionSummary {
    pub month_allowance: u64,
    pub member_share_bps: u16,
    pub pool: u64,
}

#[derive(Debug, Clone, Serialize, PartialEq, Eq, Default)]
pub struct Totals {
    /// Members listed below: paid at least one day of the month, or carry pending.
    pub members_listed: u64,
    pub members_credited: u64,
    /// People with accepted activity in the month but no paying day: they get nothing.
    pub free_users_active: u64,
    pub events_accepted: u64,
    pub events_quarantined: u64,
    pub total_credit: u64,
    pub allocated: u64,
    /// The pool minus what was allocated (non-zero only when nobody earned credit).
    pub unallocated: u64,
    pub pending_in: u64,
    pub payable: u64,
    pub pending_out: u64,
    pub members_without_valid_wallet: u64,
}

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct QuarantineSummary {
    pub counts: BTreeMap<String, u64>,
    pub rows: Vec<QuarantineRow>,
}

#[derive(Debug, Clone, Serialize, PartialEq, Eq, PartialOrd, Ord)]
pub struct QuarantineRow {
    pub source_table: String,
    pub source_id: i64,
    pub reason: String,
    pub member_id: Option<i64>,
    pub detail: String,
}

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct RankCount {
    pub rank: u16,
    pub members: u64,
}

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct MemberLine {
    pub member_id: i64,
    pub qualification: String,
    pub rank_end: u16,
    pub days_paid: u32,
    pub days_active: u32,
    pub points: u64,
    /// Credit units (1/10000 point after weight and cap).
    pub credit: u64,
    pub allocation: u64,
    pub pending_in: u64,
    pub payable: u64,
    pub pending_out: u64,
    pub wallet: Option<String>,
    pub weeks: Vec<WeekLine>,
}

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct WeekLine {
    pub week_start: String,
    /// The same Monday as a day number (not serialized).
    #[serde(skip)]
    pub week_start_day: Day,
    pub rank_start: u16,
    pub rank_end: u16,
    pub paid_days: u8,
    pub active_days: u8,
    pub evaluated: bool,
}

/// What a run produced.
#[derive(Debug, Clone)]
pub struct ReportOutcome {
    pub report: Report,
    pub json: Vec<u8>,
    pub sha256: String,
    pub files: Vec<PathBuf>,
}

pub fn day_string(day: Day) -> String {
    let (y, m, d) = civil_from_days(day as i64);
    format!("{y:04}-{m:02}-{d:02}")
}

type Ts = chrono::DateTime<chrono::Utc>;

/// The month's bounds: local days and the zone's instants, computed once by Postgres and bound
/// as constants (so the scans compare against a value, not a per-row zone conversion).
struct Bounds<'a> {
    tz: &'a str,
    first_day: Day,
    last_day: Day,
    start_ts: Ts,
    end_ts: Ts,
}

/// The frozen month the rank walks resume from.
struct Resume {
    month: String,
    report_sha256: String,
    /// The Monday its checkpoints are for; activity is read from this day on.
    week_start: Day,
    week_start_ts: Ts,
}

/// Which events the activity aggregation reads (all up to the month's end).
enum Scope<'a> {
    AllHistory,
    /// Events from the start of this local day (at this instant) on.
    Since(Day, Ts),
    /// Events before this instant, of these members only (members without a checkpoint while
    /// the others resume); only their accepted days are used.
    HistoryOf(&'a [i64], Ts),
}

/// In the SQL below `$1` is the zone, `$2` the month's end and `$3` its start.
const END: &str = "$2::timestamptz";
const START: &str = "$3::timestamptz";
const LOCAL_DAY: &str = "AT TIME ZONE $1)::date - DATE '1970-01-01')";

/// What the small contract tables say, as of the month's end.
struct Inputs {
    /// Members who joined by the month's end: paid periods, grants, joining day.
    members: HashMap<i64, MemberHistory>,
    /// The valid wallet in force per member.
    wallet_of: HashMap<i64, String>,
    /// Pending allocations open at the start of the month.
    pending_in: HashMap<i64, u64>,
    /// The ranks at the resume week, when resuming.
    checkpoints: HashMap<i64, u16>,
    quarantine: Vec<QuarantineRow>,
}

/// Accepted activity of one member, from the aggregation.
#[derive(Default)]
struct Activity {
    /// Days with at least one accepted event, up to the month's end (any order, unique).
    active_days: Vec<Day>,
    /// Accepted points per day of the month.
    month_points: Vec<(Day, u64)>,
    events_in_month: u64,
}

/// The aggregation's result: accepted activity per member and the refused events of the month.
struct ActivityAgg {
    per_member: HashMap<i64, Activity>,
    quarantine: Vec<QuarantineRow>,
}

impl Scope<'_> {
    /// The first local day whose events the scope reads, when it is known without looking.
    fn first_day(&self) -> Option<Day> {
        match self {
            Scope::Since(day, _) => Some(*day),
            Scope::AllHistory | Scope::HistoryOf(..) => None,
        }
    }
}

/// The instants at which the local days of a range start, so that an event's local day is a
/// binary search (`width_bucket`) instead of a time-zone conversion per event: the zone's
/// rules are applied once per day, by Postgres, and are exact across offset changes.
struct LocalDays {
    /// The range's first day.
    first: Day,
    /// The start of every day from `first` to the month's last day, and the end of that day.
    starts: Vec<Ts>,
}

impl LocalDays {
    /// How far back the table reaches (older events, if any, take the per-event conversion).
    const MAX_DAYS: Day = 20 * 366;

    /// The local day of event `e` (`$1` the zone, `$8` the first day, `$9` the day starts,
    /// `$10` the first start). Events before the range convert one by one.
    const DAY_OF_EVENT: &'static str = "CASE WHEN e.occurred_at >= $10::timestamptz
             THEN $8::int + width_bucket(e.occurred_at, $9::timestamptz[]) - 1
             ELSE (e.occurred_at AT TIME ZONE $1)::date - DATE '1970-01-01' END";

    /// The days from `first` (or, when unknown, the earliest event's day) to the month's end.
    async fn covering(pool: &PgPool, b: &Bounds<'_>, first: Option<Day>) -> anyhow::Result<Self> {
        let first = match first {
            Some(day) => day,
            None => {
                let earliest: Option<i32> = sqlx::query_scalar(&format!(
                    "SELECT ((min(occurred_at) {LOCAL_DAY} FROM activity_events WHERE occurred_at < {END}"
                ))
                .bind(b.tz)
                .bind(b.end_ts)
                .fetch_one(pool)
                .await?;
                earliest.unwrap_or(b.first_day)
            }
        };
        let first = first.clamp(b.last_day - Self::MAX_DAYS, b.first_day);
        let starts: Vec<Ts> = sqlx::query_scalar(
            "SELECT (DATE '1970-01-01' + d)::timestamp AT TIME ZONE $1
             FROM generate_series($2::int, $3::int) AS d ORDER BY d",
        )
        .bind(b.tz)
        .bind(first)
        .bind(b.last_day + 1)
        .fetch_all(pool)
        .await?;
        Ok(LocalDays { first, starts })
    }
}

/// `work_mem` of the activity aggregation's transaction (Postgres memory, server side).
pub const AGGREGATION_WORK_MEM: &str = "256MB";

/// The planner settings of the activity aggregation's transaction, why each:
/// * `work_mem`: at the default 4 MB the hash aggregation spills ~1.2 M groups to disk;
/// * parallel costs at zero: the scan, the classification and the joins run in parallel
///   workers (both cores) and only the aggregation in the leader — Postgres's default costs
///   plan this query serially;
/// * `enable_sort` off: with workers, the planner otherwise sorts millions of rows to group
///   them (a Gather Merge), slower than hashing them in the leader; the rows' order does not
///   matter here (they are folded into maps);
/// * `jit` off: compiling the expressions costs ~0.1–0.2 s per run and gains less.
pub fn aggregation_settings() -> [String; 5] {
    [
        format!("SET LOCAL work_mem = '{AGGREGATION_WORK_MEM}'"),
        "SET LOCAL parallel_setup_cost = 0".into(),
        "SET LOCAL parallel_tuple_cost = 0".into(),
        "SET LOCAL enable_sort = off".into(),
        "SET LOCAL jit = off".into(),
    ]
}

/// Codes of the event quarantine reasons in the aggregation's `refused` key (1-based index,
/// in the order of the SQL `CASE`).
const EVENT_REASONS: [&str; 4] = [
    reason::UNKNOWN_MEMBER,
    reason::UNKNOWN_ACTION_TYPE,
    reason::FUTURE_TIMESTAMP,
    reason::BEFORE_JOINING,
];

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
    let resume_row: Option<(String, String, i32)> = sqlx::query_as(
        "SELECT month, report_sha256, checkpoint_week - DATE '1970-01-01' FROM monthly_reports
         WHERE month < $1 AND frozen AND config_sha256 = $2 AND checkpoint_week IS NOT NULL
         ORDER BY month DESC LIMIT 1",
    )
    .bind(&month_key)
    .bind(&config_sha256)
    .fetch_optional(pool)
    .await?;
    // A checkpoint week after this month's first week cannot come from an earlier month.
    let resume_row = resume_row.filter(|r| r.2 <= week_start(first_day));
    let resume_day = resume_row.as_ref().map_or(first_day, |r| r.2);
    let (start_ts, end_ts, resume_ts): (Ts, Ts, Ts) = sqlx::query_as(
        "SELECT (DATE '1970-01-01' + $2::int)::timestamp AT TIME ZONE $1,
                (DATE '1970-01-01' + $3::int + 1)::timestamp AT TIME ZONE $1,
                (DATE '1970-01-01' + $4::int)::timestamp AT TIME ZONE $1",
    )
    .bind(tz)
    .bind(first_day)
    .bind(last_day)
    .bind(resume_day)
    .fetch_one(pool)
    .await?;
    let bounds = Bounds { tz, first_day, last_day, start_ts, end_ts };
    let resume = resume_row.map(|(month, report_sha256, week_start)| Resume {
        month,
        report_sha256,
        week_start,
        week_start_ts: resume_ts,
    });
    let scope = match &resume {
        Some(r) => Scope::Since(r.week_start, r.week_start_ts),
        None => Scope::AllHistory,
    };

    // The big aggregation and the small tables run at the same time on two connections.
    let (inputs, activity) = tokio::try_join!(
        load_inputs(pool, config, &bounds, &month_key, resume.as_ref()),
        aggregate_activity(pool, config, &bounds, scope),
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

    // Where each member's walk starts: an applicable checkpoint, or joining.
    let start_of = |id: i64, join_day: Day| -> Option<Checkpoint> {
        let r = resume.as_ref()?;
        let rank = *checkpoints.get(&id)?;
        Some(Checkpoint { week_start: r.week_start, rank })
            .filter(|c| c.applies(join_day, first_day))
    };
    // Members who joined before the resume week but have no checkpoint (added afterwards with
    // an earlier joining date) are walked from joining: read their earlier activity too.
    let mut rank_basis = RankBasis::default();
    if let Some(r) = &resume {
        rank_basis.resumed_from_month = Some(r.month.clone());
        rank_basis.resumed_from_report_sha256 = Some(r.report_sha256.clone());
        rank_basis.activity_read_from = Some(day_string(r.week_start));
        let mut without: Vec<i64> = members
            .iter()
            .filter(|(&id, h)| h.join_day < r.week_start && start_of(id, h.join_day).is_none())
            .map(|(id, _)| *id)
            .collect();
        if !without.is_empty() {
            without.sort_unstable();
            tracing::info!(
                members = without.len(),
                "members without a checkpoint: reading their history"
            );
            let earlier = aggregate_activity(
                pool,
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
    let next_checkpoint_week = week_start(last_day + 1);
    let mut next_checkpoints: Vec<(i64, u16)> = Vec::with_capacity(members.len());

    // Walk, credit, and list.
    let params = RankParams::from_config(config);
    let mut ids: Vec<i64> = members.keys().copied().collect();
    ids.extend(pending_in.keys().filter(|id| !members.contains_key(id)));
    ids.sort_unstable();
    let mut lines: Vec<MemberLine> = Vec::new();
    let mut rank_counts: BTreeMap<u16, u64> = BTreeMap::new();
    let mut totals = Totals::default();
    for id in ids {
        let carried = pending_in.get(&id).copied().unwrap_or(0);
        let Some(history) = members.get_mut(&id) else {
            // Pending for someone no longer in `members` (should not happen): still listed.
            lines.push(empty_line(id, carried, wallet_of.get(&id).cloned()));
            continue;
        };
        let act = per_member.remove(&id).unwrap_or_default();
        totals.events_accepted += act.events_in_month;
        history.active_days = act.active_days;
        history.active_days.sort_unstable();
        history.grants.sort_by_key(|g| g.0);
        // Everyone in `members` joined by the month's end, so every walk counts in the basis.
        let start = start_of(id, history.join_day);
        if start.is_some() {
            rank_basis.members_resumed += 1;
        } else {
            rank_basis.members_walked_from_joining += 1;
        }
        let rw = walk_from(&params, history, start, first_day, last_day);
        if let Some(c) = rw.checkpoint {
            debug_assert_eq!(c.week_start, next_checkpoint_week);
            next_checkpoints.push((id, c.rank));
        }
        let mut days_paid = 0u32;
        let mut days_active = 0u32;
        for d in first_day..=last_day {
            if d >= history.join_day && history.is_paid(d) {
                days_paid += 1;
            }
        }
        let (mut month_points, mut credit) = (0u64, 0u64);
        for &(d, p) in &act.month_points {
            if d < history.join_day || !history.is_paid(d) {
                continue;
            }
            let rank = rw.day_ranks[(d - first_day) as usize];
            if rank == 0 {
                continue;
            }
            days_active += 1;
            month_points += p;
            credit += daily_credit(p, config.rank_table[rank as usize - 1]);
        }
        if days_paid == 0 {
            if !act.month_points.is_empty() {
                totals.free_users_active += 1;
            }
            if carried == 0 {
                continue;
            }
        }
        let rank_end = rw.day_ranks.last().copied().unwrap_or(0);
        if days_paid > 0 && rank_end > 0 {
            *rank_counts.entry(rank_end).or_default() += 1;
        }
        lines.push(MemberLine {
            member_id: id,
            qualification: rw
                .qualification
                .map(|q| config.qualifications[q].name.clone())
                .unwrap_or_default(),
            rank_end,
            days_paid,
            days_active,
            points: month_points,
            credit,
            allocation: 0,
            pending_in: carried,
            payable: 0,
            pending_out: 0,
            wallet: wallet_of.get(&id).cloned(),
            weeks: rw
                .weeks
                .iter()
                .map(|w| WeekLine {
                    week_start: day_string(w.week_start),
                    week_start_day: w.week_start,
                    rank_start: w.rank_start,
                    rank_end: w.rank_end,
                    paid_days: w.paid_days,
                    active_days: w.active_days,
                    evaluated: w.evaluated,
                })
                .collect(),
        });
    }

    let credits: Vec<(i64, u64)> = lines.iter().map(|l| (l.member_id, l.credit)).collect();
    let shares = split_pool(pool_amount, &credits);
    for (line, share) in lines.iter_mut().zip(shares) {
        line.allocation = share;
        let owed = share + line.pending_in;
        if line.wallet.is_some() {
            line.payable = owed;
        } else {
            line.pending_out = owed;
            if owed > 0 {
                totals.members_without_valid_wallet += 1;
            }
        }
        totals.members_listed += 1;
        if line.credit > 0 {
            totals.members_credited += 1;
        }
        totals.total_credit += line.credit;
        totals.allocated += line.allocation;
        totals.pending_in += line.pending_in;
        totals.payable += line.payable;
        totals.pending_out += line.pending_out;
    }
    totals.unallocated = pool_amount - totals.allocated;

    quarantine.sort();
    let mut counts: BTreeMap<String, u64> = BTreeMap::new();
    for q in &quarantine {
        *counts.entry(q.reason.clone()).or_default() += 1;
        if q.source_table != "wallets" && q.source_table != "qualification_grants" {
            totals.events_quarantined += 1;
        }
    }

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
        quarantine: QuarantineSummary { counts, rows: quarantine },
        rank_distribution: rank_counts
            .into_iter()
            .map(|(rank, members)| RankCount { rank, members })
            .collect(),
        members: lines,
    };
    tracing::info!(elapsed_ms = started.elapsed().as_millis() as u64, "ranks walked, pool split");
    let json = render::canonical_json(&report);
    let sha256 = render::sha256_hex(&json);

    // The tables (Postgres) and the files (rendering, this process) are written at the same time.
    let report = std::sync::Arc::new(report);
    let files = async {
        let Some(dir) = out_dir else { return Ok(Vec::new()) };
        let dir = dir.join(&month_key);
        let (report, json, sha256, config) =
            (report.clone(), json.clone(), sha256.clone(), config.clone());
        tokio::task::spawn_blocking(move || write_files(&dir, &report, json, &sha256, &config))
            .await
            .context("rendering the report files")?
    };
    let persisted = async {
        let checkpoints =
            NextCheckpoints { week_start: next_checkpoint_week, ranks: &next_checkpoints };
        persist(pool, &report, &sha256, checkpoints)
            .await
            .context("writing the distributor's tables")?;
        tracing::info!(elapsed_ms = started.elapsed().as_millis() as u64, "tables written");
        Ok(())
    };
    let (files, ()) = tokio::try_join!(files, persisted)?;
    // The canonical document itself, by its hash: a payout plan is built from the approved one.
    crate::payout::approved::store_document(pool, &month_key, &sha256, &json).await?;
    let report = std::sync::Arc::try_unwrap(report).unwrap_or_else(|shared| (*shared).clone());
    tracing::info!(elapsed_ms = started.elapsed().as_millis() as u64, "files written");
    Ok(ReportOutcome { report, json, sha256, files })
}

/// Renders and writes `report.{json,sha256,csv,html}` into `dir`.
fn write_files(
    dir: &Path,
    report: &Report,
    json: Vec<u8>,
    sha256: &str,
    config: &Config,
) -> anyhow::Result<Vec<PathBuf>> {
    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    let outputs: [(&str, Vec<u8>); 4] = [
        ("report.json", json),
        ("report.sha256", format!("{sha256}  report.json\n").into_bytes()),
        ("report.csv", render::csv(report)),
        ("report.html", render::html(report, sha256, config)),
    ];
    let mut files = Vec::new();
    for (name, bytes) in outputs {
        let path = dir.join(name);
        std::fs::write(&path, bytes).with_context(|| format!("writing {}", path.display()))?;
        files.push(path);
    }
    Ok(files)
}

/// Members, subscriptions, qualification grants, wallets, diverted duplicates and open pending
/// allocations: everything but the activity, read as of the month's end.
async fn load_inputs(
    pool: &PgPool,
    config: &Config,
    b: &Bounds<'_>,
    month_key: &str,
    resume: Option<&Resume>,
) -> anyhow::Result<Inputs> {
    let mut quarantine: Vec<QuarantineRow> = Vec::new();

    // Members who joined by the month's end.
    let mut members: HashMap<i64, MemberHistory> = HashMap::new();
    let members_sql = format!(
        "SELECT id, ((joined_at {LOCAL_DAY} AS join_day FROM members WHERE joined_at < {END}"
    );
    let mut rows =
        sqlx::query_as::<_, (i64, i32)>(&members_sql).bind(b.tz).bind(b.end_ts).fetch(pool);
    while let Some((id, join_day)) = rows.try_next().await? {
        members.entry(id).or_default().join_day = join_day;
    }
    drop(rows);

    let subs: Vec<(i64, i32, i32)> = sqlx::query_as(
        "SELECT member_id, starts_on - DATE '1970-01-01', ends_on - DATE '1970-01-01'
         FROM subscriptions WHERE starts_on <= DATE '1970-01-01' + $1::int
         ORDER BY member_id, starts_on, id",
    )
    .bind(b.last_day)
    .fetch_all(pool)
    .await?;
    for (member, s, e) in subs {
        if let Some(m) = members.get_mut(&member) {
            m.paid.push((s, e));
        }
    }

    let qual_index: HashMap<&str, usize> =
        config.qualifications.iter().enumerate().map(|(i, q)| (q.name.as_str(), i)).collect();
    let grants: Vec<(i64, i64, String, i32, bool)> = sqlx::query_as(&format!(
        "SELECT id, member_id, qualification, ((granted_at {LOCAL_DAY}, granted_at >= {START}
         FROM qualification_grants WHERE granted_at < {END}
         ORDER BY member_id, granted_at, id"
    ))
    .bind(b.tz)
    .bind(b.end_ts)
    .bind(b.start_ts)
    .fetch_all(pool)
    .await?;
    for (id, member, name, day, in_month) in grants {
        match qual_index.get(name.as_str()) {
            Some(&q) => {
                if let Some(m) = members.get_mut(&member) {
                    m.grants.push((day, q));
                }
            }
            None if in_month => quarantine.push(QuarantineRow {
                source_table: "qualification_grants".into(),
                source_id: id,
                reason: reason::UNKNOWN_QUALIFICATION.into(),
                member_id: Some(member),
                detail: format!("qualification `{name}` is not in the ladder"),
            }),
            None => {}
        }
    }

    // The wallet in force: each member's latest registration by the month's end.
    let wallets: Vec<(i64, i64, String)> = sqlx::query_as(&format!(
        "SELECT DISTINCT ON (member_id) id, member_id, address FROM wallets
         WHERE registered_at < {END} ORDER BY member_id, registered_at DESC, id DESC"
    ))
    .bind(b.tz)
    .bind(b.end_ts)
    .fetch_all(pool)
    .await?;
    let mut wallet_of: HashMap<i64, String> = HashMap::new();
    for (id, member, address) in wallets {
        match parse_wallet(&address) {
            Ok(_) => {
                wallet_of.insert(member, address);
            }
            Err(why) => quarantine.push(QuarantineRow {
                source_table: "wallets".into(),
                source_id: id,
                reason: reason::MALFORMED_WALLET.into(),
                member_id: Some(member),
                detail: format!("{why}: {address:?}"),
            }),
        }
    }

    // Duplicates diverted by the insert trigger, for events of this month.
    let duplicates: Vec<(i64, i64, i64, String)> = sqlx::query_as(&format!(
        "SELECT id, member_id, original_event_id, idempotency_key FROM activity_event_duplicates
         WHERE occurred_at >= {START} AND occurred_at < {END} ORDER BY id"
    ))
    .bind(b.tz)
    .bind(b.end_ts)
    .bind(b.start_ts)
    .fetch_all(pool)
    .await?;
    for (id, member, original, key) in duplicates {
        quarantine.push(QuarantineRow {
            source_table: "activity_event_duplicates".into(),
            source_id: id,
            reason: reason::DUPLICATE_IDEMPOTENCY_KEY.into(),
            member_id: Some(member),
            detail: format!("key {key:?} already used by activity_events.id {original}"),
        });
    }

    // Pending allocations open at the start of this month.
    let pending: Vec<(i64, i64)> = sqlx::query_as(
        "SELECT member_id, SUM(amount)::bigint FROM pending_allocations
         WHERE origin_month < $1 AND (settled_month IS NULL OR settled_month >= $1)
         GROUP BY member_id ORDER BY member_id",
    )
    .bind(month_key)
    .fetch_all(pool)
    .await?;
    let pending_in: HashMap<i64, u64> = pending.into_iter().map(|(m, a)| (m, a as u64)).collect();

    let mut checkpoints: HashMap<i64, u16> = HashMap::new();
    if let Some(r) = resume {
        let mut rows = sqlx::query_as::<_, (i64, i16)>(
            "SELECT member_id, next_week_rank FROM member_walks
             WHERE month = $1 AND next_week_rank IS NOT NULL",
        )
        .bind(&r.month)
        .fetch(pool);
        while let Some((member, rank)) = rows.try_next().await? {
            // The same configuration wrote it, so the rank is in its table unless the row
            // was damaged; refuse rather than index past the table later.
            let rank = u16::try_from(rank)
                .ok()
                .filter(|&k| k >= 1 && usize::from(k) <= config.rank_table.len())
                .ok_or_else(|| {
                    anyhow!(
                        "rank checkpoint of member {member} in {}: rank {rank} is not in the rank table (1..={})",
                        r.month,
                        config.rank_table.len()
                    )
                })?;
            checkpoints.insert(member, rank);
        }
    }
    tracing::debug!(members = members.len(), wallets = wallet_of.len(), "inputs read");
    Ok(Inputs { members, wallet_of, pending_in, checkpoints, quarantine })
}

/// Activity: one pass over the events of `scope` (up to the month's end), classified and aggregated per
/// `(member, local day)` in SQL and folded as the rows stream in. Accepted events make one row
/// per group; each refused event makes its own row (they are rare), keyed by
/// `refused = id × 8 + reason code` (one narrow grouping key, evaluated once per event; ids
/// stay far below 2^60), so every aggregate is a plain SUM/COUNT.
async fn aggregate_activity(
    pool: &PgPool,
    config: &Config,
    b: &Bounds<'_>,
    scope: Scope<'_>,
) -> anyhow::Result<ActivityAgg> {
    let action_types: Vec<String> = config.actions.iter().map(|a| a.action_type.clone()).collect();
    let categories: Vec<String> = config.actions.iter().map(|a| a.category.clone()).collect();
    let points: Vec<i64> = config.actions.iter().map(|a| a.points as i64).collect();
    // `$11`, `$12`: the scope's bounds (a separate statement per scope, so each gets its own plan).
    let (scope_filter, bound, of_members): (&str, Option<Ts>, Option<&[i64]>) = match scope {
        Scope::AllHistory => ("", None, None),
        Scope::Since(_, ts) => ("AND e.occurred_at >= $11", Some(ts), None),
        Scope::HistoryOf(ids, before) => {
            ("AND e.occurred_at < $11 AND e.member_id = ANY($12)", Some(before), Some(ids))
        }
    };
    let days = LocalDays::covering(pool, b, scope.first_day()).await?;
    let first_start =
        *days.starts.first().ok_or_else(|| anyhow!("no local day starts for the range"))?;
    let sql = format!(
        "WITH actions AS (
             SELECT * FROM unnest($4::text[], $5::text[], $6::bigint[]) AS a(action_type, category, points)
         ),
         classified AS (
             SELECT e.id, e.member_id, {day} AS day, a.points,
                 CASE WHEN m.id IS NULL THEN e.id * 8 + 1
                      WHEN a.points IS NULL THEN e.id * 8 + 2
                      WHEN e.occurred_at > e.recorded_at + make_interval(secs => $7::int) THEN e.id * 8 + 3
                      WHEN e.occurred_at < m.joined_at THEN e.id * 8 + 4
                 END AS refused
             FROM activity_events e
             LEFT JOIN members m ON m.id = e.member_id
             LEFT JOIN actions a ON a.action_type = e.action_type AND a.category = e.category
             WHERE e.occurred_at < {END} {scope_filter}
         )
         SELECT member_id, day, refused, COALESCE(SUM(points), 0)::bigint, COUNT(*)
         FROM classified GROUP BY 1, 2, 3",
        day = LocalDays::DAY_OF_EVENT,
    );
    let mut per_member: HashMap<i64, Activity> = HashMap::new();
    let mut quarantine = Vec::new();
    // A read-only transaction of its own, so the planner settings below apply to this query
    // alone (`SET LOCAL`).
    let mut tx = pool.begin().await?;
    for setting in aggregation_settings() {
        sqlx::query(&setting).execute(&mut *tx).await?;
    }
    let mut query = sqlx::query_as::<_, (i64, i32, Option<i64>, i64, i64)>(&sql)
        .bind(b.tz)
        .bind(b.end_ts)
        .bind(b.start_ts)
        .bind(&action_types)
        .bind(&categories)
        .bind(&points)
        .bind(config.future_skew_seconds as i32)
        .bind(days.first)
        .bind(&days.starts)
        .bind(first_start);
    if let Some(ts) = bound {
        query = query.bind(ts);
    }
    if let Some(ids) = of_members {
        query = query.bind(ids);
    }
    let mut rows = query.fetch(&mut *tx);
    while let Some((member, day, refused, day_points, accepted)) = rows.try_next().await? {
        let in_month = day >= b.first_day;
        match refused {
            None => {
                let act = per_member.entry(member).or_default();
                act.active_days.push(day);
                if in_month {
                    act.month_points.push((day, day_points as u64));
                    act.events_in_month += accepted as u64;
                }
            }
            Some(_) if !in_month => {}
            Some(key) => {
                let (id, code) = (key.div_euclid(8), key.rem_euclid(8));
                let why = usize::try_from(code)
                    .ok()
                    .and_then(|c| EVENT_REASONS.get(c.wrapping_sub(1)))
                    .ok_or_else(|| anyhow!("unexpected quarantine code {code} for event {id}"))?;
                quarantine.push(QuarantineRow {
                    source_table: "activity_events".into(),
                    source_id: id,
                    detail: format!("local day {}", day_string(day)),
                    member_id: Some(member),
                    reason: (*why).into(),
                });
            }
        }
    }
    drop(rows);
    tx.commit().await?;
    Ok(ActivityAgg { per_member, quarantine })
}

fn empty_line(id: i64, carried: u64, wallet: Option<String>) -> MemberLine {
    MemberLine {
        member_id: id,
        qualification: String::new(),
        rank_end: 0,
        days_paid: 0,
        days_active: 0,
        points: 0,
        credit: 0,
        allocation: 0,
        pending_in: carried,
        payable: 0,
        pending_out: 0,
        wallet,
        weeks: Vec::new(),
    }
}

/// Appends `s` to a `COPY ... FROM STDIN` text-format row, escaped.
fn copy_text(out: &mut String, s: &str) {
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\t' => out.push_str("\\t"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            c => out.push(c),
        }
    }
}

/// Appends an optional text field (`\N` for NULL) and a separator.
fn copy_opt_text(out: &mut String, s: Option<&str>, sep: char) {
    match s {
        Some(s) => copy_text(out, s),
        None => out.push_str("\\N"),
    }
    out.push(sep);
}

/// Streams text-format rows into `COPY <target> FROM STDIN`.
async fn copy_in(conn: &mut PgConnection, target: &str, rows: &str) -> anyhow::Result<()> {
    if rows.is_empty() {
        return Ok(());
    }
    let mut copy = conn.copy_in_raw(&format!("COPY {target} FROM STDIN")).await?;
    // CopyData messages need not align with rows.
    for chunk in rows.as_bytes().chunks(1 << 20) {
        copy.send(chunk).await?;
    }
    copy.finish().await?;
    Ok(())
}

/// The ranks at the start of the week after the month, where the next month can resume.
struct NextCheckpoints<'a> {
    week_start: Day,
    ranks: &'a [(i64, u16)],
}

/// Appends the `member_walks` rows (`COPY` text format): one per member listed or with a
/// checkpoint, both lists sorted by member id. The listed weeks must be consecutive Mondays.
fn write_member_walks(
    out: &mut String,
    month: &str,
    lines: &[MemberLine],
    checkpoints: &[(i64, u16)],
) -> anyhow::Result<()> {
    let (mut li, mut ci) = (lines.iter().peekable(), checkpoints.iter().peekable());
    loop {
        let next_line = li.peek().map(|l| l.member_id);
        let next_checkpoint = ci.peek().map(|c| c.0);
        let member = match (next_line, next_checkpoint) {
            (None, None) => return Ok(()),
            (Some(l), Some(c)) => l.min(c),
            (Some(id), None) | (None, Some(id)) => id,
        };
        let weeks: &[WeekLine] = match li.next_if(|l| l.member_id == member) {
            Some(l) => &l.weeks,
            None => &[],
        };
        let rank = ci.next_if(|c| c.0 == member).map(|c| c.1);
        if weeks.is_empty() && rank.is_none() {
            continue;
        }
        let _ = write!(out, "{month}\t{member}\t");
        match weeks.first() {
            Some(w) => out.push_str(&w.week_start),
            None => out.push_str("\\N"),
        }
        for (i, w) in weeks.iter().enumerate() {
            let expected = weeks[0].week_start_day + 7 * i as Day;
            if w.week_start_day != expected {
                bail!("member {member}: week {} does not follow the previous one", w.week_start);
            }
        }
        let fields: [fn(&WeekLine) -> u16; 4] =
            [|w| w.rank_start, |w| w.rank_end, |w| w.paid_days.into(), |w| w.active_days.into()];
        for field in fields {
            out.push_str("\t{");
            for (i, w) in weeks.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                let _ = write!(out, "{}", field(w));
            }
            out.push('}');
        }
        match rank {
            Some(r) => {
                let _ = writeln!(out, "\t{r}");
            }
            None => out.push_str("\t\\N\n"),
        }
    }
}

/// Replaces the month's derived rows in one transaction; the bulk rows go in with `COPY`.
async fn persist(
    pool: &PgPool,
    report: &Report,
    sha256: &str,
    checkpoints: NextCheckpoints<'_>,
) -> anyhow::Result<()> {
    let month = report.month.as_str();
    let mut tx = pool.begin().await?;
    // Serialize concurrent runs for the same month.
    sqlx::query("SELECT pg_advisory_xact_lock(hashtext('stk-report:' || $1))")
        .bind(month)
        .execute(&mut *tx)
        .await?;
    let frozen: Option<bool> =
        sqlx::query_scalar("SELECT frozen FROM monthly_reports WHERE month = $1 FOR UPDATE")
            .bind(month)
            .fetch_optional(&mut *tx)
            .await?;
    if frozen == Some(true) {
        bail!("the report of {month} was frozen meanwhile");
    }
    // The derived rows first, set by set: the cascade from `monthly_reports` would delete
    // them one row-trigger at a time.
    for table in ["member_walks", "quarantined_inputs", "allocations"] {
        sqlx::query(&format!("DELETE FROM {table} WHERE month = $1"))
            .bind(month)
            .execute(&mut *tx)
            .await?;
    }
    sqlx::query("DELETE FROM monthly_reports WHERE month = $1")
        .bind(month)
        .execute(&mut *tx)
        .await?;
    sqlx::query("DELETE FROM pending_allocations WHERE origin_month = $1")
        .bind(month)
        .execute(&mut *tx)
        .await?;
    sqlx::query("UPDATE pending_allocations SET settled_month = NULL WHERE settled_month = $1")
        .bind(month)
        .execute(&mut *tx)
        .await?;
    let t = &report.totals;
    sqlx::query(
        "INSERT INTO monthly_reports (month, config_sha256, report_sha256, pool, allocated_total,
             payable_total, pending_total, members_credited, quarantined, checkpoint_week)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, DATE '1970-01-01' + $10::int)",
    )
    .bind(month)
    .bind(&report.config_sha256)
    .bind(sha256)
    .bind(report.emission.pool as i64)
    .bind(t.allocated as i64)
    .bind(t.payable as i64)
    .bind(t.pending_out as i64)
    .bind(t.members_credited as i32)
    .bind(report.quarantine.rows.len() as i32)
    .bind(checkpoints.week_start)
    .execute(&mut *tx)
    .await?;

    let mut rows = String::with_capacity(report.members.len() * 96);
    for l in &report.members {
        let _ = write!(
            rows,
            "{month}\t{}\t{}\t{}\t{}\t{}\t",
            l.member_id, l.credit, l.allocation, l.pending_in, l.payable
        );
        copy_opt_text(&mut rows, l.wallet.as_deref(), '\n');
    }
    copy_in(
        &mut tx,
        "allocations (month, member_id, credit, allocation, pending_in, payable, wallet)",
        &rows,
    )
    .await?;

    rows.clear();
    write_member_walks(&mut rows, month, &report.members, checkpoints.ranks)?;
    copy_in(
        &mut tx,
        "member_walks (month, member_id, first_week, rank_start, rank_end, paid_days, active_days, next_week_rank)",
        &rows,
    )
    .await?;

    rows.clear();
    for q in &report.quarantine.rows {
        let _ = write!(rows, "{month}\t{}\t{}\t", q.source_table, q.source_id);
        copy_opt_text(&mut rows, q.member_id.map(|m| m.to_string()).as_deref(), '\t');
        copy_text(&mut rows, &q.reason);
        rows.push('\t');
        copy_text(&mut rows, &q.detail);
        rows.push('\n');
    }
    copy_in(
        &mut tx,
        "quarantined_inputs (month, source_table, source_id, member_id, reason, detail)",
        &rows,
    )
    .await?;

    // Carry: allocations of members without a valid wallet become pending; open pending of
    // members who now have one is settled into this month (their `payable` includes it).
    rows.clear();
    for l in report.members.iter().filter(|l| l.wallet.is_none() && l.allocation > 0) {
        let _ = writeln!(rows, "{}\t{month}\t{}", l.member_id, l.allocation);
    }
    copy_in(&mut tx, "pending_allocations (member_id, origin_month, amount)", &rows).await?;
    let settled: Vec<i64> = report
        .members
        .iter()
        .filter(|l| l.wallet.is_some() && l.pending_in > 0)
        .map(|l| l.member_id)
        .collect();
    if !settled.is_empty() {
        sqlx::query(
            "UPDATE pending_allocations SET settled_month = $1
             WHERE member_id = ANY($2) AND origin_month < $1 AND settled_month IS NULL",
        )
        .bind(month)
        .bind(&settled)
        .execute(&mut *tx)
        .await?;
    }
    tx.commit().await?;
    Ok(())
}
