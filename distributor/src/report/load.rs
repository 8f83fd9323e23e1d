//! Step 1, load: the month's bounds, the frozen month the walks resume from, and everything
//! but the activity (members, subscriptions, grants, wallets, diverted duplicates, open
//! pending allocations, checkpoints), read as of the month's end.
use super::types::{reason, QuarantineRow};
use crate::{
    config::Config,
    rank::{week_start, Day, MemberHistory},
    wallet::parse_wallet,
};
use anyhow::anyhow;
use anyhow::bail;
use futures_util::TryStreamExt;
use sqlx::{PgConnection, PgPool, Postgres, Transaction};
use std::collections::HashMap;

pub(super) type Ts = chrono::DateTime<chrono::Utc>;

/// The month's bounds: local days and the zone's instants, computed once by Postgres and bound
/// as constants (so the scans compare against a value, not a per-row zone conversion).
pub(super) struct Bounds<'a> {
    pub tz: &'a str,
    pub first_day: Day,
    pub last_day: Day,
    pub start_ts: Ts,
    pub end_ts: Ts,
}

/// The frozen month the rank walks resume from.
pub(super) struct Resume {
    pub month: String,
    pub report_sha256: String,
    /// The Monday its checkpoints are for; activity is read from this day on.
    pub week_start: Day,
    pub week_start_ts: Ts,
}

/// In the SQL below `$1` is the zone, `$2` the month's end and `$3` its start.
pub(super) const END: &str = "$2::timestamptz";
pub(super) const START: &str = "$3::timestamptz";
pub(super) const LOCAL_DAY: &str = "AT TIME ZONE $1)::date - DATE '1970-01-01')";

/// What the small contract tables say, as of the month's end.
pub(super) struct Inputs {
    /// Members who joined by the month's end: paid periods, grants, joining day.
    pub members: HashMap<i64, MemberHistory>,
    /// The valid wallet in force per member.
    pub wallet_of: HashMap<i64, String>,
    /// Pending allocations open at the start of the month.
    pub pending_in: HashMap<i64, u64>,
    /// The ranks at the resume week, when resuming.
    pub checkpoints: HashMap<i64, u16>,
    pub quarantine: Vec<QuarantineRow>,
}

/// Members, subscriptions, qualification grants, wallets, diverted duplicates and open pending
/// allocations: everything but the activity, read as of the month's end.
pub(super) async fn load_inputs(
    conn: &mut PgConnection,
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
        sqlx::query_as::<_, (i64, i32)>(&members_sql).bind(b.tz).bind(b.end_ts).fetch(&mut *conn);
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
    .fetch_all(&mut *conn)
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
    .fetch_all(&mut *conn)
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
    .fetch_all(&mut *conn)
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
    .fetch_all(&mut *conn)
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
    .fetch_all(&mut *conn)
    .await?;
    let pending_in: HashMap<i64, u64> = pending.into_iter().map(|(m, a)| (m, a as u64)).collect();

    let mut checkpoints: HashMap<i64, u16> = HashMap::new();
    if let Some(r) = resume {
        let mut rows = sqlx::query_as::<_, (i64, i16)>(
            "SELECT member_id, next_week_rank FROM member_walks
             WHERE month = $1 AND next_week_rank IS NOT NULL",
        )
        .bind(&r.month)
        .fetch(&mut *conn);
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

/// The month's bounds as the zone's instants, and the frozen month the walks resume from: the
/// latest frozen month before `month_key` computed with the same configuration.
pub(super) async fn locate<'a>(
    conn: &mut PgConnection,
    config: &Config,
    tz: &'a str,
    month_key: &str,
    first_day: Day,
    last_day: Day,
) -> anyhow::Result<(Bounds<'a>, Option<Resume>)> {
    let resume_row: Option<(String, String, i32)> = sqlx::query_as(
        "SELECT month, report_sha256, checkpoint_week - DATE '1970-01-01' FROM monthly_reports
         WHERE month < $1 AND frozen AND config_sha256 = $2 AND checkpoint_week IS NOT NULL
         ORDER BY month DESC LIMIT 1",
    )
    .bind(month_key)
    .bind(config.sha256())
    .fetch_optional(&mut *conn)
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
    .fetch_one(&mut *conn)
    .await?;
    let bounds = Bounds { tz, first_day, last_day, start_ts, end_ts };
    let resume = resume_row.map(|(month, report_sha256, week_start)| Resume {
        month,
        report_sha256,
        week_start,
        week_start_ts: resume_ts,
    });
    Ok((bounds, resume))
}

/// One consistent view of the database for every read of a report: a `REPEATABLE READ`,
/// read-only transaction whose snapshot is exported (`pg_export_snapshot`) and imported by
/// the report's other connections (`SET TRANSACTION SNAPSHOT`). Whatever Aisystant commits
/// meanwhile, every read sees the database as of one instant, so the report is the one that
/// database state gives, and recomputing it from that state gives the same bytes.
pub(super) struct Snapshot {
    leader: Transaction<'static, Postgres>,
    id: String,
}

impl Snapshot {
    pub async fn begin(pool: &PgPool) -> anyhow::Result<Self> {
        let mut leader = pool.begin().await?;
        sqlx::query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            .execute(&mut *leader)
            .await?;
        let id: String =
            sqlx::query_scalar("SELECT pg_export_snapshot()").fetch_one(&mut *leader).await?;
        // Postgres names snapshots in hex digits and dashes; it goes into SQL as a literal.
        if id.is_empty() || !id.chars().all(|c| c.is_ascii_hexdigit() || c == '-') {
            bail!("unexpected snapshot identifier {id:?}");
        }
        Ok(Snapshot { leader, id })
    }

    /// The leader's connection (it holds the snapshot while others import it).
    pub fn conn(&mut self) -> &mut PgConnection {
        &mut *self.leader
    }

    /// A transaction on another connection that sees exactly the leader's snapshot.
    pub async fn join(&self, pool: &PgPool) -> anyhow::Result<Transaction<'static, Postgres>> {
        let mut tx = pool.begin().await?;
        sqlx::query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            .execute(&mut *tx)
            .await?;
        sqlx::query(&format!("SET TRANSACTION SNAPSHOT '{}'", self.id)).execute(&mut *tx).await?;
        Ok(tx)
    }

    /// Ends the leader's transaction (it only read).
    pub async fn end(self) -> anyhow::Result<()> {
        self.leader.commit().await?;
        Ok(())
    }
}
