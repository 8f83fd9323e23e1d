//! Deterministic sample data: `distributor seed --members N --events M --seed S`.
//!
//! Profiles (by a hash of the member id and the seed): free users (no subscription, 40%),
//! daily learners (20%), streaky members (18%, runs of active days and breaks), casual
//! members (12%), lapsed masters (5%: master qualification, joined long ago, rarely active),
//! newcomers (5%, joining inside the window). 10% of the paying members have no wallet, some
//! have a subscription gap, some are granted a qualification inside the window.
//! Events are written with `COPY` in the order they were recorded (as Aisystant appends them);
//! the same arguments always produce the same rows.
use crate::{config::Config, rank::Day};
use anyhow::{bail, Context};
use sqlx::PgPool;
use std::fmt::Write;
use stk_common::calendar::{civil_from_days, days_from_civil, MonthId, SECONDS_PER_DAY};

#[derive(clap::Args, Debug, Clone)]
pub struct SeedArgs {
    /// Number of people (members and free users).
    #[arg(long, default_value_t = 1_000)]
    pub members: u64,
    /// Number of activity events.
    #[arg(long, default_value_t = 100_000)]
    pub events: u64,
    /// Seed of the generator: same seed, same rows.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// First month of the activity window (YYYY-MM).
    #[arg(long, default_value = "2027-01")]
    pub from: String,
    /// Length of the activity window in months.
    #[arg(long, default_value_t = 2)]
    pub months: u32,
    /// Extra free users (no subscription, some activity) on top of `--members`.
    #[arg(long, default_value_t = 0)]
    pub free_users: u64,
    /// Also write this many bad input rows of each kind (unknown member, unknown action,
    /// future timestamp, before joining, duplicate key, malformed wallet).
    #[arg(long, default_value_t = 0)]
    pub bad: u64,
}

/// SplitMix64: tiny, deterministic, good enough for sample data.
#[derive(Clone)]
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64, stream: u64) -> Self {
        let mut r = Rng(seed ^ stream.wrapping_mul(0x9E37_79B9_7F4A_7C15));
        r.next();
        r
    }
    pub fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    /// Uniform in `0..n` (n > 0).
    pub fn below(&mut self, n: u64) -> u64 {
        ((self.next() as u128 * n as u128) >> 64) as u64
    }
    pub fn percent(&mut self, p: u64) -> bool {
        self.below(100) < p
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Profile {
    Free,
    Daily,
    Streaky,
    Casual,
    LapsedMaster,
    Newcomer,
}

/// One generated event, before it is written.
struct SeededEvent {
    recorded: i64,
    member: i64,
    /// The event's number among its member's events (part of its idempotency key).
    seq: u32,
    occurred: i64,
    /// Index into the weighted action list.
    action: u8,
}

struct Person {
    id: i64,
    profile: Profile,
    join_day: Day,
    join_secs: u64,
    active: Vec<Day>,
}

fn timestamp(secs: i64) -> String {
    let days = secs.div_euclid(SECONDS_PER_DAY);
    let rem = secs.rem_euclid(SECONDS_PER_DAY);
    let (y, m, d) = civil_from_days(days);
    format!("{y:04}-{m:02}-{d:02} {:02}:{:02}:{:02}+00", rem / 3600, rem / 60 % 60, rem % 60)
}

fn date(day: Day) -> String {
    let (y, m, d) = civil_from_days(day as i64);
    format!("{y:04}-{m:02}-{d:02}")
}

#[derive(Debug, Default)]
pub struct SeedSummary {
    pub members: u64,
    pub paying: u64,
    pub events: u64,
    pub bad_rows: u64,
}

pub async fn seed(pool: &PgPool, config: &Config, args: &SeedArgs) -> anyhow::Result<SeedSummary> {
    let from = MonthId::parse(&args.from).context("--from must be YYYY-MM")?;
    if args.months == 0 || args.members == 0 {
        bail!("--members and --months must be positive");
    }
    let existing: i64 = sqlx::query_scalar("SELECT count(*) FROM members").fetch_one(pool).await?;
    if existing > 0 {
        bail!("the database already has {existing} members; seed only into an empty contract");
    }
    // Local days are cut at the schedule's fixed offset (Europe/Moscow is UTC+3 all year).
    let offset = config.emission.utc_offset_secs as i64;
    let w_start: Day = days_from_civil(from.year() as i64, from.month(), 1) as Day;
    let end_month = from.checked_add(args.months).context("--months too large")?;
    let w_end: Day = days_from_civil(end_month.year() as i64, end_month.month(), 1) as Day - 1;
    let day_start_utc = |d: Day| d as i64 * SECONDS_PER_DAY - offset;

    let people_total = args.members + args.free_users;
    let mut people = Vec::with_capacity(people_total as usize);
    let mut summary = SeedSummary { members: people_total, ..Default::default() };
    let mut members_buf = String::new();
    let mut subs_buf = String::new();
    let mut grants_buf = String::new();
    let mut wallets_buf = String::new();
    for i in 1..=people_total as i64 {
        let mut rng = Rng::new(args.seed, i as u64);
        let profile = match rng.below(100) {
            _ if i > args.members as i64 => Profile::Free,
            0..40 => Profile::Free,
            40..60 => Profile::Daily,
            60..78 => Profile::Streaky,
            78..90 => Profile::Casual,
            90..95 => Profile::LapsedMaster,
            _ => Profile::Newcomer,
        };
        let join_day = match profile {
            Profile::Newcomer => w_start + rng.below((w_end - w_start + 1) as u64) as Day,
            Profile::LapsedMaster => w_start - 300 - rng.below(400) as Day,
            _ => w_start - 1 - rng.below(300) as Day,
        };
        let join_secs = rng.below(SECONDS_PER_DAY as u64);
        let join_ts = day_start_utc(join_day) + join_secs as i64;
        members_buf.push_str(&format!("{i}\tmember {i}\t{}\n", timestamp(join_ts)));
        let paying = profile != Profile::Free;
        if paying {
            summary.paying += 1;
            // Three-month periods from joining; 10% skip two weeks inside the window.
            if rng.percent(10) {
                let gap = w_start + 7 + rng.below(28) as Day;
                subs_buf.push_str(&format!(
                    "{i}\t{}\t{}\n",
                    date(join_day),
                    date((gap - 1).max(join_day))
                ));
                subs_buf.push_str(&format!(
                    "{i}\t{}\t{}\n",
                    date((gap + 14).max(join_day)),
                    date(w_end + 90)
                ));
            } else {
                subs_buf.push_str(&format!("{i}\t{}\t{}\n", date(join_day), date(w_end + 90)));
            }
            let grant = match profile {
                Profile::LapsedMaster => Some(("master", join_ts)),
                Profile::Daily if rng.percent(50) => Some(("learner", join_ts)),
                Profile::Daily => Some(("practitioner", join_ts)),
                Profile::Streaky if rng.percent(10) => Some((
                    "learner",
                    day_start_utc(w_start + rng.below((w_end - w_start) as u64) as Day) + 43_200,
                )),
                _ => None,
            };
            if let Some((q, ts)) = grant {
                grants_buf.push_str(&format!("{i}\t{q}\t{}\n", timestamp(ts.max(join_ts))));
            }
            if !rng.percent(10) {
                let mut bytes = [0u8; 32];
                for c in bytes.chunks_mut(8) {
                    c.copy_from_slice(&rng.next().to_le_bytes());
                }
                // The public key of a seed-derived keypair: an ordinary wallet, on the curve,
                // as the payout's recipient checks require (random bytes would be off the
                // curve half the time).
                let wallet = solana_keypair::Keypair::new_from_array(bytes);
                wallets_buf.push_str(&format!(
                    "{i}\t{}\t{}\n",
                    solana_signer::Signer::pubkey(&wallet),
                    timestamp(join_ts)
                ));
            }
        }
        // Active days inside the window.
        let first = join_day.max(w_start);
        let mut active = Vec::new();
        let mut streak_left: i64 = 0;
        let mut on = true;
        for d in first..=w_end {
            let keep = match profile {
                Profile::Daily => rng.percent(96),
                Profile::Streaky => {
                    if streak_left <= 0 {
                        on = !on;
                        streak_left =
                            if on { 5 + rng.below(10) as i64 } else { 2 + rng.below(6) as i64 };
                    }
                    streak_left -= 1;
                    on
                }
                Profile::Casual => rng.percent(30),
                Profile::LapsedMaster => rng.percent(4),
                Profile::Newcomer => rng.percent(70),
                Profile::Free => rng.percent(15),
            };
            if keep {
                active.push(d);
            }
        }
        people.push(Person { id: i, profile, join_day, join_secs, active });
    }

    let mut conn = pool.acquire().await?;
    for (sql, buf) in [
        ("COPY members (id, display_name, joined_at) FROM STDIN", &members_buf),
        ("COPY subscriptions (member_id, starts_on, ends_on) FROM STDIN", &subs_buf),
        (
            "COPY qualification_grants (member_id, qualification, granted_at) FROM STDIN",
            &grants_buf,
        ),
        ("COPY wallets (member_id, address, registered_at) FROM STDIN", &wallets_buf),
    ] {
        let mut copy = conn.copy_in_raw(sql).await?;
        copy.send(buf.as_bytes()).await?;
        copy.finish().await?;
    }

    // Events: shares by profile weight, spread over each person's active days.
    let weight = |p: &Person| -> u64 {
        if p.active.is_empty() {
            return 0;
        }
        match p.profile {
            Profile::Daily => 6,
            Profile::Streaky => 4,
            Profile::Newcomer => 3,
            Profile::Casual => 2,
            Profile::Free | Profile::LapsedMaster => 1,
        }
    };
    let total_weight: u64 = people.iter().map(weight).sum();
    if total_weight == 0 {
        bail!("no one is active in the window");
    }
    // Self-development actions are the most common.
    let actions: Vec<(&str, &str, u64)> = config
        .actions
        .iter()
        .map(|a| {
            let w = match a.category.as_str() {
                "self_development" => 12,
                "community_contribution" => 3,
                _ => 1,
            };
            (a.action_type.as_str(), a.category.as_str(), w)
        })
        .collect();
    let action_weight: u64 = actions.iter().map(|a| a.2).sum();
    let mut assigned: u64 = 0;
    let mut counts: Vec<u64> = people
        .iter()
        .map(|p| {
            let n = args.events as u128 * weight(p) as u128 / total_weight as u128;
            assigned += n as u64;
            n as u64
        })
        .collect();
    let mut k = 0usize;
    while assigned < args.events {
        if weight(&people[k % people.len()]) > 0 {
            counts[k % people.len()] += 1;
            assigned += 1;
        }
        k += 1;
    }

    // Generate every event, then write them in the order Aisystant appends them: by the time
    // they were recorded. (Written member by member instead, each member's events would be
    // spread over the whole table, and a month's scan would touch every page of history.)
    let mut generated: Vec<SeededEvent> = Vec::with_capacity(args.events as usize);
    for (p, &n) in people.iter().zip(&counts) {
        let mut rng = Rng::new(args.seed ^ 0xE7E7, p.id as u64);
        for j in 0..n {
            let day = p.active[rng.below(p.active.len() as u64) as usize];
            let mut secs = rng.below(SECONDS_PER_DAY as u64) as i64;
            if day == p.join_day && (secs as u64) < p.join_secs {
                secs = p.join_secs as i64 + (secs % (SECONDS_PER_DAY - p.join_secs as i64).max(1));
            }
            let occurred = day_start_utc(day) + secs;
            let mut pick = rng.below(action_weight);
            let action = actions
                .iter()
                .position(|a| {
                    if pick < a.2 {
                        true
                    } else {
                        pick -= a.2;
                        false
                    }
                })
                .unwrap_or(0);
            let recorded = occurred + 1 + rng.below(600) as i64;
            generated.push(SeededEvent {
                recorded,
                member: p.id,
                seq: u32::try_from(j).context("too many events for one member")?,
                occurred,
                action: u8::try_from(action).context("too many action types")?,
            });
        }
    }
    generated.sort_unstable_by_key(|e| (e.recorded, e.member, e.seq));

    // Session-local: skip the duplicate-diverting trigger for the bulk load (the generated
    // keys are unique by construction). Needs superuser; without it the trigger just runs.
    let replica =
        sqlx::query("SET session_replication_role = replica").execute(&mut *conn).await.is_ok();
    let mut copy = conn
        .copy_in_raw(
            "COPY activity_events (member_id, action_type, category, occurred_at, recorded_at, source, idempotency_key) FROM STDIN",
        )
        .await?;
    let mut buf = String::with_capacity(1 << 21);
    for e in &generated {
        let (action, category, _) = actions[e.action as usize];
        let _ = writeln!(
            buf,
            "{}\t{action}\t{category}\t{}\t{}\taisystant\tseed-{}-{}-{}",
            e.member,
            timestamp(e.occurred),
            timestamp(e.recorded),
            args.seed,
            e.member,
            e.seq
        );
        if buf.len() > (1 << 21) - 256 {
            copy.send(buf.as_bytes()).await?;
            buf.clear();
        }
    }
    drop(generated);
    copy.send(buf.as_bytes()).await?;
    copy.finish().await?;
    if replica {
        sqlx::query("SET session_replication_role = DEFAULT").execute(&mut *conn).await?;
    }
    summary.events = args.events;

    // Bad input of every kind, through the ordinary insert path (the trigger is active).
    for b in 0..args.bad as i64 {
        let mut rng = Rng::new(args.seed ^ 0xBAD, b as u64);
        let victim = &people[rng.below(people.len() as u64) as usize];
        let day = w_start + rng.below((w_end - w_start + 1) as u64) as Day;
        let ts = day_start_utc(day) + 43_200;
        let insert = "INSERT INTO activity_events (member_id, action_type, category, occurred_at, recorded_at, source, idempotency_key)
                      VALUES ($1, $2, $3, $4::timestamptz, $5::timestamptz, 'aisystant', $6)";
        let (a, c) = (config.actions[0].action_type.as_str(), config.actions[0].category.as_str());
        let rows: [(i64, &str, &str, i64, i64, String); 4] = [
            (
                people_total as i64 + 1_000_000 + b,
                a,
                c,
                ts,
                ts + 5,
                format!("bad-unknown-member-{b}"),
            ),
            (victim.id, "teleportation", c, ts, ts + 5, format!("bad-unknown-action-{b}")),
            (victim.id, a, c, ts + 3 * 86_400, ts, format!("bad-future-{b}")),
            (
                victim.id,
                a,
                c,
                day_start_utc(victim.join_day) - 86_400,
                ts,
                format!("bad-before-join-{b}"),
            ),
        ];
        for (m, a, c, occ, rec, key) in rows {
            sqlx::query(insert)
                .bind(m)
                .bind(a)
                .bind(c)
                .bind(timestamp(occ))
                .bind(timestamp(rec))
                .bind(key)
                .execute(pool)
                .await?;
        }
        // A duplicate of an existing key, and a malformed wallet registered in the window.
        sqlx::query(insert)
            .bind(victim.id)
            .bind(a)
            .bind(c)
            .bind(timestamp(ts))
            .bind(timestamp(ts + 5))
            .bind(format!("bad-unknown-action-{b}"))
            .execute(pool)
            .await?;
        sqlx::query("INSERT INTO wallets (member_id, address, registered_at) VALUES ($1, $2, $3::timestamptz)")
            .bind(victim.id)
            .bind(format!("not-a-wallet-{b}"))
            .bind(timestamp(ts))
            .execute(pool)
            .await?;
        summary.bad_rows += 6;
    }
    sqlx::query("ANALYZE").execute(pool).await?;
    Ok(summary)
}
