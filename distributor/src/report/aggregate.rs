//! Step 2, aggregate: one pass over the activity events in Postgres, classified (accepted or
//! quarantined with a reason) and grouped per member and local day.
use super::{
    load::{Bounds, Ts, END, LOCAL_DAY},
    types::{day_string, reason, QuarantineRow},
};
use crate::{config::Config, rank::Day};
use anyhow::anyhow;
use futures_util::TryStreamExt;
use sqlx::PgConnection;
use std::collections::HashMap;

/// Which events the activity aggregation reads (all up to the month's end).
pub(super) enum Scope<'a> {
    AllHistory,
    /// Events from the start of this local day (at this instant) on.
    Since(Day, Ts),
    /// Events before this instant, of these members only (members without a checkpoint while
    /// the others resume); only their accepted days are used.
    HistoryOf(&'a [i64], Ts),
}

/// Accepted activity of one member, from the aggregation.
#[derive(Default)]
pub(super) struct Activity {
    /// Days with at least one accepted event, up to the month's end (any order, unique).
    pub active_days: Vec<Day>,
    /// Accepted points per day of the month.
    pub month_points: Vec<(Day, u64)>,
    pub events_in_month: u64,
}

/// The aggregation's result: accepted activity per member and the refused events of the month.
pub(super) struct ActivityAgg {
    pub per_member: HashMap<i64, Activity>,
    pub quarantine: Vec<QuarantineRow>,
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
    async fn covering(
        conn: &mut PgConnection,
        b: &Bounds<'_>,
        first: Option<Day>,
    ) -> anyhow::Result<Self> {
        let first = match first {
            Some(day) => day,
            None => {
                let earliest: Option<i32> = sqlx::query_scalar(&format!(
                    "SELECT ((min(occurred_at) {LOCAL_DAY} FROM activity_events WHERE occurred_at < {END}"
                ))
                .bind(b.tz)
                .bind(b.end_ts)
                .fetch_one(&mut *conn)
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
        .fetch_all(&mut *conn)
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

/// Activity: one pass over the events of `scope` (up to the month's end), classified and aggregated per
/// `(member, local day)` in SQL and folded as the rows stream in. Accepted events make one row
/// per group; each refused event makes its own row (they are rare), keyed by
/// `refused = id × 8 + reason code` (one narrow grouping key, evaluated once per event; ids
/// stay far below 2^60), so every aggregate is a plain SUM/COUNT.
pub(super) async fn aggregate_activity(
    conn: &mut PgConnection,
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
    let days = LocalDays::covering(&mut *conn, b, scope.first_day()).await?;
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
    // `conn` is in a transaction of its own (the report's snapshot, joined), used for the
    // aggregations only, so the planner settings below apply to them alone (`SET LOCAL`).
    for setting in aggregation_settings() {
        sqlx::query(&setting).execute(&mut *conn).await?;
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
    let mut rows = query.fetch(&mut *conn);
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
    Ok(ActivityAgg { per_member, quarantine })
}
