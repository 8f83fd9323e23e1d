//! Benchmark (not a test): the monthly report over a large seeded database versus the bare SQL
//! aggregation `GROUP BY member, day` on the same data. The report is timed twice: cold (no
//! frozen month to resume from: every rank walked over all history) and steady (January
//! computed and frozen first, as the service does, so February resumes from its checkpoints).
//!
//! `cargo bench --workspace --bench report` — sizes from the environment:
//! `STK_BENCH_MEMBERS` (default 50000), `STK_BENCH_EVENTS` (default 5000000),
//! `STK_BENCH_DATABASE_URL` (default: a fresh `stk_bench` database next to
//! `STK_TEST_DATABASE_URL`); `STK_BENCH_KEEP=1` keeps and reuses the seeded database.
//! The report's phase timings are logged with `RUST_LOG=stk_distributor=info`.
use sqlx::{Connection, Executor, PgConnection};
use std::time::Instant;
use stk_common::calendar::MonthId;
use stk_distributor::{config::Config, db, metrics::vm_hwm_kib, report, seed};

fn env_u64(name: &str, default: u64) -> u64 {
    std::env::var(name).ok().and_then(|v| v.replace('_', "").parse().ok()).unwrap_or(default)
}

/// The 1-minute load average, recorded with every figure (the machine is shared).
fn load_1m() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .ok()
        .and_then(|s| s.split_whitespace().next().map(str::to_string))
        .unwrap_or_default()
}

/// Best of two runs of the report of `month`.
async fn time_report(
    pool: &sqlx::PgPool,
    config: &Config,
    month: MonthId,
    dir: &std::path::Path,
    label: &str,
) -> anyhow::Result<(f64, report::ReportOutcome)> {
    let mut best = f64::MAX;
    let mut last = None;
    for _ in 0..2 {
        let t = Instant::now();
        let out = report::run(pool, config, month, Some(dir)).await?;
        let s = t.elapsed().as_secs_f64();
        println!("report run, {label:<6} {s:.3} s (load {})", load_1m());
        best = best.min(s);
        println!(
            "  {} members listed, {} credited, {} events accepted, {} quarantined, {} resumed",
            out.report.totals.members_listed,
            out.report.totals.members_credited,
            out.report.totals.events_accepted,
            out.report.quarantine.rows.len(),
            out.report.rank_basis.members_resumed
        );
        last = Some(out);
    }
    Ok((best, last.expect("two runs")))
}

fn main() -> anyhow::Result<()> {
    if let Ok(filter) = tracing_subscriber::EnvFilter::try_from_default_env() {
        tracing_subscriber::fmt().with_env_filter(filter).init();
    }
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
    rt.block_on(bench())
}

async fn bench() -> anyhow::Result<()> {
    let members = env_u64("STK_BENCH_MEMBERS", 50_000);
    let events = env_u64("STK_BENCH_EVENTS", 5_000_000);
    let keep = std::env::var("STK_BENCH_KEEP").is_ok_and(|v| v == "1");
    let admin = std::env::var("STK_TEST_DATABASE_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into());
    let name = format!("stk_bench_{members}_{events}");
    let (base, _) = admin.rsplit_once('/').expect("URL with a database");
    let url = format!("{base}/{name}");
    let mut conn = PgConnection::connect(&admin).await?;
    let exists: bool =
        sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)")
            .bind(&name)
            .fetch_one(&mut conn)
            .await?;
    let config = Config::default_config();
    let pool;
    if exists && keep {
        pool = db::connect(&url).await?;
        // Migrations added since the database was seeded (indexes, ...).
        db::migrate(&pool).await?;
        println!("reusing database {name}");
    } else {
        if exists {
            conn.execute(format!("DROP DATABASE {name} WITH (FORCE)").as_str()).await?;
        }
        conn.execute(format!("CREATE DATABASE {name}").as_str()).await?;
        pool = db::connect(&url).await?;
        db::migrate(&pool).await?;
        let t = Instant::now();
        let args = seed::SeedArgs {
            members,
            events,
            seed: 42,
            from: "2027-01".into(),
            months: 2,
            bad: 10,
            free_users: 0,
        };
        seed::seed(&pool, &config, &args).await?;
        println!("seeded {members} members, {events} events in {:.1} s", t.elapsed().as_secs_f64());
    }
    let month = MonthId::new(2027, 2).unwrap();
    // The peak memory below is the report's, not the seeding's: reset the high-water mark
    // (Linux: writing 5 to clear_refs resets VmHWM to the current RSS).
    let hwm_reset = std::fs::write("/proc/self/clear_refs", "5").is_ok();

    // Warm the cache once with the bare aggregation, then time both, best of 2.
    let bare_sql = "SELECT member_id, ((occurred_at AT TIME ZONE 'Europe/Moscow')::date - DATE '1970-01-01') AS day, count(*)
                    FROM activity_events WHERE occurred_at < TIMESTAMPTZ '2027-03-01 00:00:00+03'
                    GROUP BY member_id, day";
    let mut bare = f64::MAX;
    let mut groups = 0;
    for _ in 0..3 {
        let t = Instant::now();
        let rows: Vec<(i64, i32, i64)> = sqlx::query_as(bare_sql).fetch_all(&pool).await?;
        let s = t.elapsed().as_secs_f64();
        println!("bare GROUP BY run  {s:.3} s (load {})", load_1m());
        bare = bare.min(s);
        groups = rows.len();
    }
    // For reference only (not the baseline): the same bare query with the planner settings
    // the report sets for its own aggregation (memory, parallel workers, no sort, no JIT).
    let mut bare_same_mem = f64::MAX;
    for _ in 0..2 {
        let mut tx = pool.begin().await?;
        for setting in report::aggregation_settings() {
            tx.execute(setting.as_str()).await?;
        }
        let t = Instant::now();
        let _rows: Vec<(i64, i32, i64)> = sqlx::query_as(bare_sql).fetch_all(&mut *tx).await?;
        bare_same_mem = bare_same_mem.min(t.elapsed().as_secs_f64());
        tx.rollback().await?;
    }
    let dir = std::env::temp_dir().join(format!("stk-bench-{}", std::process::id()));
    // Cold: January computed but not frozen (so its pending allocations carry in), nothing to
    // resume from: every member is walked over all history.
    sqlx::query("DELETE FROM monthly_reports").execute(&pool).await?;
    let previous = MonthId::new(2027, 1).unwrap();
    let t = Instant::now();
    report::run(&pool, &config, previous, None).await?;
    println!(
        "report of {previous}     {:.3} s (all history of January; not timed below)",
        t.elapsed().as_secs_f64()
    );
    let (cold_s, cold) = time_report(&pool, &config, month, &dir, "cold").await?;
    // Steady state (the service's order): January is frozen (its payout started), so February
    // resumes from January's rank checkpoints and reads February's events only.
    sqlx::query("UPDATE monthly_reports SET frozen = true WHERE month = $1")
        .bind(previous.to_string())
        .execute(&pool)
        .await?;
    let (steady_s, steady) = time_report(&pool, &config, month, &dir, "steady").await?;
    anyhow::ensure!(
        steady.report.rank_basis.resumed_from_month.as_deref() == Some("2027-01"),
        "the steady-state report did not resume from January"
    );
    // Nothing arrived late, so both bases must give the same members, ranks and amounts.
    anyhow::ensure!(
        steady.report.members == cold.report.members && steady.report.totals == cold.report.totals,
        "the resumed report differs from the one walked from joining"
    );
    // For reference: the bare aggregation over the events the steady-state report reads.
    let window_sql = format!(
        "{} AND occurred_at >= TIMESTAMPTZ '2027-02-01 00:00:00+03' GROUP BY member_id, day",
        bare_sql.split(" GROUP BY").next().unwrap_or(bare_sql)
    );
    let mut bare_window = f64::MAX;
    for _ in 0..2 {
        let t = Instant::now();
        let _rows: Vec<(i64, i32, i64)> = sqlx::query_as(&window_sql).fetch_all(&pool).await?;
        bare_window = bare_window.min(t.elapsed().as_secs_f64());
    }
    let _ = std::fs::remove_dir_all(&dir);
    let hwm = vm_hwm_kib();
    println!("members            {members}");
    println!("events             {events}");
    println!("groups (member,day) {groups}");
    println!("bare GROUP BY      {bare:.3} s (all events up to the month's end: the baseline)");
    println!("bare GROUP BY with the report's settings (reference) {bare_same_mem:.3} s");
    println!("bare GROUP BY over February only (reference) {bare_window:.3} s");
    println!("report, steady     {steady_s:.3} s (resumes from frozen January)");
    println!("ratio, steady      {:.2}", steady_s / bare);
    println!("report, cold       {cold_s:.3} s (no frozen month: all history)");
    println!("ratio, cold        {:.2}", cold_s / bare);
    println!(
        "peak memory VmHWM  {} MiB ({})",
        hwm / 1024,
        if hwm_reset { "since seeding" } else { "whole process, seeding included" }
    );
    println!("load (1 min)       {}", load_1m());
    println!("report sha256      {} (steady), {} (cold)", steady.sha256, cold.sha256);
    pool.close().await;
    if !keep {
        conn.execute(format!("DROP DATABASE {name} WITH (FORCE)").as_str()).await?;
    }
    Ok(())
}
