//! The monthly report against a real Postgres (a fresh database per test).
mod common;

use common::*;
use stk_common::calendar::MonthId;
use stk_distributor::{
    config::{Config, ConfigError, DEFAULT_CONFIG_TOML},
    report::{self, MemberLine, Report},
    seed::{self, SeedArgs},
};

fn jan() -> MonthId {
    MonthId::new(2027, 1).unwrap()
}
fn feb() -> MonthId {
    MonthId::new(2027, 2).unwrap()
}

async fn run(db: &TestDb, month: MonthId) -> report::ReportOutcome {
    report::run(&db.pool, &Config::default_config(), month, None).await.unwrap()
}

fn line(r: &Report, id: i64) -> &MemberLine {
    r.members.iter().find(|l| l.member_id == id).unwrap_or_else(|| panic!("member {id} listed"))
}

fn week_ends(l: &MemberLine) -> Vec<u16> {
    l.weeks.iter().map(|w| w.rank_end).collect()
}

#[tokio::test]
async fn rank_walks() {
    let db = TestDb::new("ranks").await;
    // 1: daily learner from Monday 2027-01-04 for six weeks, then idle.
    db.member(1, "2027-01-04", Some("2027-06-30"), Some(WALLET_A)).await;
    db.daily_lessons(1, "2027-01-04", 42).await;
    // 2: a master since October 2026 (before the launch, 2027-01-01) who never does anything.
    db.member(2, "2026-10-05", Some("2027-06-30"), Some(WALLET_B)).await;
    db.exec("INSERT INTO qualification_grants (member_id, qualification, granted_at) VALUES (2, 'master', '2026-10-05 00:00:00+03')").await;
    // 3: daily learner granted "learner" on Thursday 2027-02-04.
    db.member(3, "2027-01-04", Some("2027-06-30"), Some(WALLET_C)).await;
    db.daily_lessons(3, "2027-01-04", 56).await;
    db.exec("INSERT INTO qualification_grants (member_id, qualification, granted_at) VALUES (3, 'learner', '2027-02-04 15:00:00+03')").await;
    // 4: active every day, but the subscription has a gap 2027-01-14..17 (Thu..Sun).
    db.member(4, "2027-01-04", None, Some(WALLET_A)).await;
    db.exec("INSERT INTO subscriptions (member_id, starts_on, ends_on) VALUES (4, '2027-01-04', '2027-01-13'), (4, '2027-01-18', '2027-06-30')").await;
    db.daily_lessons(4, "2027-01-04", 56).await;

    let j = run(&db, jan()).await.report;
    assert_eq!(week_ends(line(&j, 1)), vec![2, 3, 4, 5]);
    assert_eq!(line(&j, 1).days_active, 28);
    // Gap week (3 paid days) holds; unpaid days earn nothing.
    assert_eq!(week_ends(line(&j, 4)), vec![2, 2, 3, 4]);
    assert_eq!(line(&j, 4).days_paid, 24);
    assert_eq!(line(&j, 4).days_active, 24);

    let f = run(&db, feb()).await.report;
    // Fifth full week reaches the learner entry rank (6) and stops there; then idle weeks fall.
    assert_eq!(week_ends(line(&f, 1)), vec![6, 6, 5, 4]);
    assert_eq!(line(&f, 1).qualification, "freshman");
    // Ranks start at the launch (Friday 2027-01-01) at the master's entry rank, 16; each idle
    // week since lowers it one step (the launch's partial week too): 8 by February's last
    // week, still a master.
    assert_eq!(week_ends(line(&f, 2)), vec![10, 9, 8, 7]);
    assert_eq!(line(&f, 2).rank_end, 8);
    assert_eq!(line(&f, 2).qualification, "master");
    assert_eq!(line(&f, 2).credit, 0);
    // Granted mid-week: lifted to 6 on Thursday, the full week adds one step.
    let l3 = line(&f, 3);
    assert_eq!(l3.qualification, "learner");
    assert_eq!((l3.weeks[0].rank_start, l3.weeks[0].rank_end), (5, 7));
    assert_eq!(week_ends(l3), vec![7, 8, 9, 10]);
    // The weekly walk is stored for part 2 and audits.
    let stored: Vec<(i16,)> = sqlx::query_as(
        "SELECT rank_end FROM weekly_ranks WHERE month = '2027-02' AND member_id = 3 ORDER BY week_start",
    )
    .fetch_all(&db.pool)
    .await
    .unwrap();
    assert_eq!(stored, vec![(7,), (8,), (9,), (10,)]);
    db.drop_db().await;
}

#[tokio::test]
async fn a_repeated_or_lower_grant_does_not_reset_a_decayed_rank() {
    let db = TestDb::new("regrant").await;
    // 2 and 5: idle masters since before the launch; 5's master row is sent again in
    // February, and it also gets a (lower) learner row.
    for id in [2, 5] {
        db.member(id, "2026-10-05", Some("2027-06-30"), Some(WALLET_B)).await;
        db.exec(&format!("INSERT INTO qualification_grants (member_id, qualification, granted_at) VALUES ({id}, 'master', '2026-10-05 00:00:00+03')")).await;
    }
    db.exec(
        "INSERT INTO qualification_grants (member_id, qualification, granted_at) VALUES
             (5, 'master', '2027-02-10 09:00:00+03'), (5, 'learner', '2027-02-11 09:00:00+03')",
    )
    .await;
    // 6: an idle practitioner granted master in February: that one lifts.
    db.member(6, "2026-10-05", Some("2027-06-30"), Some(WALLET_C)).await;
    db.exec("INSERT INTO qualification_grants (member_id, qualification, granted_at) VALUES
             (6, 'practitioner', '2026-10-05 00:00:00+03'), (6, 'master', '2027-02-10 09:00:00+03')")
        .await;
    // A busy member, so that the pool has someone to go to.
    db.member(1, "2027-01-04", Some("2027-06-30"), Some(WALLET_A)).await;
    db.daily_lessons(1, "2027-01-04", 56).await;

    run(&db, jan()).await;
    let f = run(&db, feb()).await.report;
    assert_eq!(week_ends(line(&f, 2)), vec![10, 9, 8, 7]);
    assert_eq!(line(&f, 5).weeks, line(&f, 2).weeks, "the repeated and lower rows change nothing");
    assert_eq!((line(&f, 5).rank_end, line(&f, 5).qualification.as_str()), (8, "master"));
    // The practitioner (entry 11) fell to 5 by February; master lifts it to 16 on Wednesday
    // the 10th, then idle weeks lower it again.
    assert_eq!(week_ends(line(&f, 6)), vec![5, 15, 14, 13]);
    assert_eq!(line(&f, 6).qualification, "master");
    db.drop_db().await;
}

#[tokio::test]
async fn ranks_start_at_the_launch_for_members_who_joined_before() {
    let db = TestDb::new("launch").await;
    // A master who joined two years before the launch (2027-01-01), paying all along, with
    // no recorded activity before the launch and a lesson every day from it.
    db.member(40, "2025-01-06", Some("2027-06-30"), Some(WALLET_A)).await;
    db.exec("INSERT INTO qualification_grants (member_id, qualification, granted_at) VALUES (40, 'master', '2025-01-06 00:00:00+03')").await;
    db.daily_lessons(40, "2027-01-01", 31).await;
    // A freshman joined on the same day with the same activity, for comparison.
    db.member(41, "2025-01-06", Some("2027-06-30"), Some(WALLET_B)).await;
    db.daily_lessons(41, "2027-01-01", 31).await;

    let j = run(&db, jan()).await.report;
    let master = line(&j, 40);
    assert_eq!(master.qualification, "master");
    // From the launch at the master's entry rank (16), not decayed by the two years before:
    // the launch's partial week holds, then every full week adds one.
    assert_eq!(master.weeks[0].rank_start, 16);
    assert_eq!(week_ends(master), vec![16, 17, 18, 19, 20]);
    assert_eq!(master.rank_end, 19);
    assert_eq!(master.days_active, 31);
    let freshman = line(&j, 41);
    assert_eq!(week_ends(freshman), vec![1, 2, 3, 4, 5]);
    // The rank's weight matters: same points, more credit.
    assert_eq!(master.points, freshman.points);
    assert!(master.credit > freshman.credit, "{} vs {}", master.credit, freshman.credit);
    assert!(master.allocation > freshman.allocation);
    assert_eq!(j.rank_distribution.iter().map(|r| r.rank).collect::<Vec<_>>(), vec![4, 19]);
    db.drop_db().await;
}

#[tokio::test]
async fn allocation_sums_to_the_pool_with_deterministic_tie_break() {
    let db = TestDb::new("alloc").await;
    let config = Config::default_config();
    let pool = config.month_pool(jan()).unwrap();
    for id in [5, 3, 7] {
        db.member(id, "2027-01-04", Some("2027-06-30"), Some(WALLET_A)).await;
        db.daily_lessons(id, "2027-01-04", 10).await;
    }
    // 8: a heavier member (more points per day, capped by the rank's daily cap).
    db.member(8, "2027-01-04", Some("2027-06-30"), Some(WALLET_B)).await;
    for d in 4..=20 {
        for k in 0..5 {
            db.event(
                8,
                "mentoring_session",
                "community_contribution",
                &format!("2027-01-{d:02}"),
                &format!("m8-{d}-{k}"),
            )
            .await;
        }
    }
    // 30: a free user (no subscription) with activity gets nothing and is not listed.
    db.member(30, "2027-01-04", None, Some(WALLET_C)).await;
    db.daily_lessons(30, "2027-01-04", 20).await;

    let r = run(&db, jan()).await.report;
    let total: u64 = r.members.iter().map(|l| l.allocation).sum();
    assert_eq!(total, pool);
    assert_eq!(r.totals.allocated, pool);
    assert_eq!(r.totals.unallocated, 0);
    assert_eq!(r.totals.free_users_active, 1);
    assert!(r.members.iter().all(|l| l.member_id != 30));
    let (a3, a5, a7) = (line(&r, 3).allocation, line(&r, 5).allocation, line(&r, 7).allocation);
    assert_eq!(line(&r, 3).credit, line(&r, 7).credit);
    // Equal credits: the spare units go to the smallest ids first.
    assert!(a3 >= a5 && a5 >= a7 && a3 - a7 <= 1, "{a3} {a5} {a7}");
    // Capped heavy member: 5 × 40 points × weight > daily cap, so credit = Σ caps.
    let l8 = line(&r, 8);
    assert!(l8.credit > line(&r, 3).credit);
    // Exactly proportional within one unit.
    let tc: u128 = r.members.iter().map(|l| l.credit as u128).sum();
    for l in &r.members {
        let exact = pool as u128 * l.credit as u128 / tc;
        assert!(l.allocation as u128 - exact <= 1);
    }
    let stored: i64 = sqlx::query_scalar(
        "SELECT SUM(allocation)::bigint FROM allocations WHERE month = '2027-01'",
    )
    .fetch_one(&db.pool)
    .await
    .unwrap();
    assert_eq!(stored as u64, pool);
    db.drop_db().await;
}

#[tokio::test]
async fn pending_is_carried_and_paid_once_a_wallet_exists() {
    let db = TestDb::new("pending").await;
    db.member(20, "2027-01-04", Some("2027-06-30"), None).await;
    db.member(21, "2027-01-04", Some("2027-06-30"), Some(WALLET_A)).await;
    db.daily_lessons(20, "2027-01-04", 56).await;
    db.daily_lessons(21, "2027-01-04", 56).await;

    let j = run(&db, jan()).await.report;
    let jan20 = line(&j, 20).allocation;
    assert!(jan20 > 0);
    assert_eq!((line(&j, 20).payable, line(&j, 20).pending_out), (0, jan20));
    assert_eq!(j.totals.members_without_valid_wallet, 1);
    assert_eq!(j.totals.payable + j.totals.pending_out, j.emission.pool);

    // February without a wallet: both months pending.
    let f1 = run(&db, feb()).await.report;
    let feb20 = line(&f1, 20).allocation;
    assert_eq!(line(&f1, 20).pending_in, jan20);
    assert_eq!(line(&f1, 20).pending_out, jan20 + feb20);
    let open: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM pending_allocations WHERE member_id = 20 AND settled_month IS NULL",
    )
    .fetch_one(&db.pool)
    .await
    .unwrap();
    assert_eq!(open, 2);

    // A wallet registered in February: the recomputed February pays both.
    db.exec(&format!("INSERT INTO wallets (member_id, address, registered_at) VALUES (20, '{WALLET_B}', '2027-02-10 10:00:00+03')")).await;
    let f2 = run(&db, feb()).await;
    let l = line(&f2.report, 20);
    assert_eq!(
        (l.pending_in, l.allocation, l.payable, l.pending_out),
        (jan20, feb20, jan20 + feb20, 0)
    );
    assert_eq!(f2.report.totals.payable, f2.report.emission.pool + jan20);
    let rows: Vec<(String, i64, Option<String>)> = sqlx::query_as(
        "SELECT origin_month, amount, settled_month FROM pending_allocations WHERE member_id = 20 ORDER BY origin_month",
    )
    .fetch_all(&db.pool)
    .await
    .unwrap();
    assert_eq!(rows, vec![("2027-01".into(), jan20 as i64, Some("2027-02".into()))]);
    // Recomputing February is idempotent.
    let f3 = run(&db, feb()).await;
    assert_eq!(f3.sha256, f2.sha256);
    db.drop_db().await;
}

#[tokio::test]
async fn bad_input_is_quarantined_counted_and_the_run_continues() {
    let db = TestDb::new("quarantine").await;
    db.member(10, "2027-01-10", Some("2027-06-30"), Some("not-a-wallet")).await;
    db.event(999, "lesson_completed", "self_development", "2027-01-15", "q-unknown-member").await;
    db.event(10, "teleportation", "self_development", "2027-01-15", "q-unknown-action").await;
    db.event(10, "lesson_completed", "community_contribution", "2027-01-15", "q-wrong-category")
        .await;
    db.exec("INSERT INTO activity_events (member_id, action_type, category, occurred_at, recorded_at, source, idempotency_key)
             VALUES (10, 'lesson_completed', 'self_development', '2027-01-20 12:00:00+03', '2027-01-19 12:00:00+03', 'test', 'q-future')").await;
    db.event(10, "lesson_completed", "self_development", "2027-01-05", "q-before-joining").await;
    db.event(10, "lesson_completed", "self_development", "2027-01-16", "q-good").await;
    db.event(10, "peer_review", "community_contribution", "2027-01-17", "q-good").await;
    db.exec("INSERT INTO qualification_grants (member_id, qualification, granted_at) VALUES (10, 'wizard', '2027-01-12 10:00:00+03')").await;

    // The duplicate did not fail the insert and was not lost.
    let dups: i64 = sqlx::query_scalar("SELECT count(*) FROM activity_event_duplicates")
        .fetch_one(&db.pool)
        .await
        .unwrap();
    assert_eq!(dups, 1);

    let r = run(&db, jan()).await.report;
    let c = &r.quarantine.counts;
    for (reason, n) in [
        ("unknown_member", 1),
        ("unknown_action_type", 2),
        ("future_timestamp", 1),
        ("before_joining", 1),
        ("duplicate_idempotency_key", 1),
        ("malformed_wallet", 1),
        ("unknown_qualification", 1),
    ] {
        assert_eq!(c.get(reason).copied(), Some(n), "{reason}: {c:?}");
    }
    assert_eq!(r.totals.events_quarantined, 6);
    assert_eq!(r.totals.events_accepted, 1);
    // The member still gets the whole pool, pending (the wallet is malformed).
    let l = line(&r, 10);
    assert_eq!(l.wallet, None);
    assert_eq!((l.allocation, l.payable, l.pending_out), (r.emission.pool, 0, r.emission.pool));
    assert_eq!(l.days_active, 1);
    let stored: i64 =
        sqlx::query_scalar("SELECT count(*) FROM quarantined_inputs WHERE month = '2027-01'")
            .fetch_one(&db.pool)
            .await
            .unwrap();
    assert_eq!(stored, 8);
    db.drop_db().await;
}

#[tokio::test]
async fn report_is_reproducible_byte_for_byte() {
    let db = TestDb::new("repro").await;
    let config = Config::default_config();
    let args = SeedArgs {
        members: 400,
        events: 30_000,
        seed: 7,
        from: "2027-01".into(),
        months: 2,
        bad: 2,
        free_users: 0,
    };
    let s = seed::seed(&db.pool, &config, &args).await.unwrap();
    assert_eq!(s.events, 30_000);
    let dir = std::env::temp_dir().join(format!("stk-repro-{}", db.name));
    // January first: its pending allocations are February's input.
    let j = report::run(&db.pool, &config, jan(), Some(&dir.join("j"))).await.unwrap();
    let a = report::run(&db.pool, &config, feb(), Some(&dir.join("a"))).await.unwrap();
    let b = report::run(&db.pool, &config, feb(), Some(&dir.join("b"))).await.unwrap();
    assert!(a.report.totals.members_credited > 50);
    assert!(
        a.report.quarantine.rows.len() + j.report.quarantine.rows.len() >= 6,
        "{:?} {:?}",
        a.report.quarantine.counts,
        j.report.quarantine.counts
    );
    for name in ["report.json", "report.csv", "report.html", "report.sha256"] {
        let x = std::fs::read(dir.join("a/2027-02").join(name)).unwrap();
        let y = std::fs::read(dir.join("b/2027-02").join(name)).unwrap();
        assert!(x == y, "{name} differs between runs");
        assert!(!x.is_empty());
    }
    let a_json = std::fs::read(dir.join("a/2027-02/report.json")).unwrap();
    assert_eq!(stk_distributor::render::sha256_hex(&a_json), a.sha256);
    assert_eq!(a.sha256, b.sha256);
    let html =
        String::from_utf8(std::fs::read(dir.join("a/2027-02/report.html")).unwrap()).unwrap();
    assert!(html.contains("<svg") && !html.contains("<script"));
    // The same seed produces the same database: a second seeded database gives the same hash.
    let db2 = TestDb::new("repro2").await;
    seed::seed(&db2.pool, &config, &args).await.unwrap();
    report::run(&db2.pool, &config, jan(), None).await.unwrap();
    let c = report::run(&db2.pool, &config, feb(), None).await.unwrap();
    assert_eq!(c.sha256, a.sha256);
    // Once January is frozen, February resumes from its rank checkpoints: nothing arrived
    // late, so the members and totals are the same, and recomputing is reproducible too.
    db2.exec("UPDATE monthly_reports SET frozen = true WHERE month = '2027-01'").await;
    let d = report::run(&db2.pool, &config, feb(), None).await.unwrap();
    let e = report::run(&db2.pool, &config, feb(), None).await.unwrap();
    assert_eq!(d.report.rank_basis.resumed_from_month.as_deref(), Some("2027-01"));
    assert!(d.report.rank_basis.members_resumed > 300, "{:?}", d.report.rank_basis);
    assert_eq!((&d.report.members, &d.report.totals), (&a.report.members, &a.report.totals));
    assert_eq!(d.sha256, e.sha256);
    assert_ne!(d.sha256, a.sha256, "the report names its basis");
    let _ = std::fs::remove_dir_all(&dir);
    db2.drop_db().await;
    db.drop_db().await;
}

/// The report's reads see one snapshot: Aisystant commits events while the report is
/// running (its activity scan waits for them, behind a lock), and the report is the one of
/// the database as it was when the report began.
#[tokio::test]
async fn a_report_reads_one_snapshot_while_aisystant_writes() {
    let db = TestDb::new("snapshot").await;
    db.member(1, "2027-01-04", Some("2027-06-30"), Some(WALLET_A)).await;
    db.member(2, "2027-01-04", Some("2027-06-30"), Some(WALLET_B)).await;
    db.daily_lessons(1, "2027-01-04", 20).await;
    db.daily_lessons(2, "2027-01-04", 20).await;
    let before = run(&db, jan()).await;

    // Aisystant's transaction: holds the events table, then writes while the report runs.
    let mut writer = db.pool.begin().await.unwrap();
    sqlx::query("LOCK TABLE activity_events IN ACCESS EXCLUSIVE MODE")
        .execute(&mut *writer)
        .await
        .unwrap();
    let pool = db.pool.clone();
    let report = tokio::spawn(async move {
        report::run(&pool, &Config::default_config(), jan(), None).await.unwrap()
    });
    // Until the report waits on the lock (by then it has taken its snapshot).
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    loop {
        let waiting: i64 = sqlx::query_scalar(
            "SELECT count(*) FROM pg_stat_activity
             WHERE datname = current_database() AND wait_event_type = 'Lock'",
        )
        .fetch_one(&db.pool)
        .await
        .unwrap();
        if waiting > 0 {
            break;
        }
        assert!(std::time::Instant::now() < deadline, "the report never reached the events");
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    sqlx::query(
        "INSERT INTO activity_events (member_id, action_type, category, occurred_at, recorded_at, source, idempotency_key)
         SELECT 1, 'mentoring_session', 'community_contribution', d, d, 'aisystant', 'late-' || d::text
         FROM generate_series(timestamptz '2027-01-05 15:00+03', timestamptz '2027-01-20 15:00+03', interval '1 day') AS d",
    )
    .execute(&mut *writer)
    .await
    .unwrap();
    writer.commit().await.unwrap();
    let during = report.await.unwrap();
    assert_eq!(during.sha256, before.sha256, "the report saw writes committed after it began");
    // The next report sees them.
    let after = run(&db, jan()).await;
    assert!(line(&after.report, 1).points > line(&before.report, 1).points);
    db.drop_db().await;
}

/// The files are published after the tables are committed, as one complete set: a run whose
/// database write fails leaves the published set of the previous run, which matches the
/// tables, and no partial directory.
#[tokio::test]
async fn report_files_are_published_after_the_commit_and_whole() {
    let db = TestDb::new("files").await;
    db.member(1, "2027-01-04", Some("2027-06-30"), Some(WALLET_A)).await;
    db.daily_lessons(1, "2027-01-04", 10).await;
    let config = Config::default_config();
    let dir = std::env::temp_dir().join(format!("stk-files-{}", db.name));
    let month_dir = dir.join("2027-01");
    let first = report::run(&db.pool, &config, jan(), Some(&dir)).await.unwrap();
    let published = |name: &str| std::fs::read(month_dir.join(name)).unwrap();
    assert_eq!(published("report.json"), first.json);

    // New activity, and a database that refuses the report's write.
    db.daily_lessons(1, "2027-01-14", 10).await;
    db.exec(
        "CREATE FUNCTION refuse() RETURNS trigger LANGUAGE plpgsql AS $$
         BEGIN RAISE EXCEPTION 'refused by the test'; END $$;
         CREATE TRIGGER refuse BEFORE INSERT ON monthly_reports FOR EACH ROW EXECUTE FUNCTION refuse();",
    )
    .await;
    let err = report::run(&db.pool, &config, jan(), Some(&dir)).await.unwrap_err();
    assert!(format!("{err:#}").contains("refused by the test"), "{err:#}");
    // Give a renderer that would still be running (it must not exist) time to write.
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    assert_eq!(published("report.json"), first.json);
    assert_eq!(published("report.sha256"), format!("{}  report.json\n", first.sha256).into_bytes());
    let stored: String =
        sqlx::query_scalar("SELECT report_sha256 FROM monthly_reports WHERE month = '2027-01'")
            .fetch_one(&db.pool)
            .await
            .unwrap();
    assert_eq!(stored, first.sha256);
    let mut entries: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    entries.sort();
    assert_eq!(entries, vec!["2027-01".to_string()], "nothing half-written beside it");

    // Accepted again: the new set replaces the old one whole.
    db.exec("DROP TRIGGER refuse ON monthly_reports").await;
    let second = report::run(&db.pool, &config, jan(), Some(&dir)).await.unwrap();
    assert_ne!(second.sha256, first.sha256);
    for (name, bytes) in [
        ("report.json", second.json.clone()),
        ("report.sha256", format!("{}  report.json\n", second.sha256).into_bytes()),
    ] {
        assert_eq!(published(name), bytes, "{name}");
    }
    let html = String::from_utf8(published("report.html")).unwrap();
    assert!(html.contains(&second.sha256));
    let _ = std::fs::remove_dir_all(&dir);
    db.drop_db().await;
}

#[tokio::test]
async fn frozen_months_and_bad_months_are_refused() {
    let db = TestDb::new("frozen").await;
    db.member(1, "2027-01-04", Some("2027-06-30"), Some(WALLET_A)).await;
    db.daily_lessons(1, "2027-01-04", 7).await;
    let first = run(&db, jan()).await;
    db.exec("UPDATE monthly_reports SET frozen = true WHERE month = '2027-01'").await;
    let err = report::run(&db.pool, &Config::default_config(), jan(), None).await.unwrap_err();
    assert!(err.to_string().contains("frozen"), "{err}");
    let sha: String =
        sqlx::query_scalar("SELECT report_sha256 FROM monthly_reports WHERE month = '2027-01'")
            .fetch_one(&db.pool)
            .await
            .unwrap();
    assert_eq!(sha, first.sha256);
    let err =
        report::run(&db.pool, &Config::default_config(), MonthId::new(2026, 12).unwrap(), None)
            .await
            .unwrap_err();
    assert!(err.to_string().contains("outside the emission schedule"), "{err}");
    // A zone name that is well-formed but unknown to Postgres names the key.
    let mut c = Config::default_config();
    c.time_zone = "Mars/Olympus_Mons".into();
    let err = report::run(&db.pool, &c, jan(), None).await.unwrap_err();
    assert!(err.to_string().contains("`time_zone`"), "{err}");
    db.drop_db().await;
}

#[test]
fn config_validation_errors_name_the_key() {
    let cases: [(&str, &str, &str); 9] = [
        ("time_zone = \"Europe/Moscow\"", "time_zone = \"Europe Moscow\"", "time_zone"),
        ("member_share_bps = 10000", "member_share_bps = 0", "emission.member_share_bps"),
        ("decay_num = 95", "decay_num = 105", "emission.decay_num"),
        ("entry_rank = 6", "entry_rank = 1", "qualifications[1].entry_rank"),
        ("name = \"learner\"", "name = \"freshman\"", "qualifications[1].name"),
        ("category = \"self_development\"", "category = \"gardening\"", "actions[0].category"),
        (
            "{ daily_cap = 60, weight_bps = 10000 }",
            "{ daily_cap = 60, weight_bps = 0 }",
            "rank_table[0].weight_bps",
        ),
        ("grow_min_active_days = 7", "grow_min_active_days = 8", "ranks.grow_min_active_days"),
        ("decay_max_active_days = 0", "decay_max_active_days = 7", "ranks.decay_max_active_days"),
    ];
    for (from, to, key) in cases {
        assert!(DEFAULT_CONFIG_TOML.contains(from), "{from}");
        let text = DEFAULT_CONFIG_TOML.replacen(from, to, 1);
        match Config::parse(&text) {
            Err(ConfigError::Invalid { key: k, .. }) => assert_eq!(k, key, "{to}"),
            other => panic!("{to}: expected an error on {key}, got {other:?}"),
        }
        let msg = Config::parse(&text).unwrap_err().to_string();
        assert!(msg.contains(&format!("`{key}`")), "{msg}");
    }
    // Unknown keys and wrong types are refused by the parser, naming the key.
    let err =
        Config::parse(&format!("surprise = 1\n{DEFAULT_CONFIG_TOML}")).unwrap_err().to_string();
    assert!(err.contains("surprise"), "{err}");
    let err = Config::parse(&DEFAULT_CONFIG_TOML.replacen(
        "future_skew_seconds = 300",
        "future_skew_seconds = \"soon\"",
        1,
    ))
    .unwrap_err()
    .to_string();
    assert!(err.contains("future_skew_seconds"), "{err}");
}

/// Quarantine details carry text Aisystant wrote (here a qualification name) into the bulk
/// COPY of `quarantined_inputs`: tabs, newlines and backslashes must arrive as they were,
/// neither splitting the row nor failing the run.
#[tokio::test]
async fn quarantine_details_round_trip_through_copy_unchanged() {
    let db = TestDb::new("quarantine_copy").await;
    db.member(10, "2027-01-10", Some("2027-06-30"), Some(common::WALLET_A)).await;
    db.event(10, "lesson_completed", "self_development", "2027-01-16", "c-good").await;
    let name = "wiz\tard\\ of\nthe\r\\N north";
    sqlx::query("INSERT INTO qualification_grants (member_id, qualification, granted_at) VALUES (10, $1, '2027-01-12 10:00:00+03')")
        .bind(name)
        .execute(&db.pool)
        .await
        .unwrap();
    let r = run(&db, jan()).await.report;
    assert_eq!(r.quarantine.counts.get("unknown_qualification").copied(), Some(1));
    let details: Vec<String> = sqlx::query_scalar(
        "SELECT detail FROM quarantined_inputs WHERE month = '2027-01' AND reason = 'unknown_qualification'",
    )
    .fetch_all(&db.pool)
    .await
    .unwrap();
    assert_eq!(details, vec![format!("qualification `{name}` is not in the ladder")]);
    db.drop_db().await;
}

#[tokio::test]
async fn ranks_resume_from_the_latest_frozen_month() {
    let db = TestDb::new("resume").await;
    // 1: active every day but Sunday 2027-01-31, so January's last week holds; 2: every day.
    for id in [1, 2] {
        db.member(id, "2027-01-04", Some("2027-06-30"), Some(WALLET_A)).await;
        db.daily_lessons(id, "2027-02-01", 28).await;
    }
    db.daily_lessons(1, "2027-01-04", 27).await;
    db.daily_lessons(2, "2027-01-04", 28).await;

    // No January report yet, then an unfrozen one: February walks everyone from joining.
    let cold = run(&db, feb()).await.report;
    assert_eq!(
        cold.rank_basis,
        report::RankBasis { members_walked_from_joining: 2, ..Default::default() }
    );
    let j = run(&db, jan()).await;
    assert_eq!(week_ends(line(&j.report, 1)), vec![2, 3, 4, 4]);
    assert_eq!(run(&db, feb()).await.report.rank_basis.resumed_from_month, None);
    // January stored where February resumes: the rank at the start of Monday 2027-02-01.
    let stored: Vec<(i64, i16)> = sqlx::query_as(
        "SELECT member_id, rank FROM rank_checkpoints WHERE month = '2027-01' ORDER BY member_id",
    )
    .fetch_all(&db.pool)
    .await
    .unwrap();
    assert_eq!(stored, vec![(1, 4), (2, 5)]);
    let week: chrono::NaiveDate =
        sqlx::query_scalar("SELECT checkpoint_week FROM monthly_reports WHERE month = '2027-01'")
            .fetch_one(&db.pool)
            .await
            .unwrap();
    assert_eq!(week.to_string(), "2027-02-01");

    // Frozen: February resumes from January and reads February's events only, with the
    // same members, ranks and amounts as the walk from joining.
    db.exec("UPDATE monthly_reports SET frozen = true WHERE month = '2027-01'").await;
    let warm = run(&db, feb()).await.report;
    assert_eq!(
        warm.rank_basis,
        report::RankBasis {
            resumed_from_month: Some("2027-01".into()),
            resumed_from_report_sha256: Some(j.sha256.clone()),
            activity_read_from: Some("2027-02-01".into()),
            members_resumed: 2,
            members_walked_from_joining: 0,
        }
    );
    assert_eq!(warm.members, cold.members);
    assert_eq!(warm.totals, cold.totals);
    assert_eq!(week_ends(line(&warm, 1)), vec![5, 6, 6, 6]);

    // A January event arriving after January was paid does not change February's ranks:
    // they continue from the ranks January was paid with.
    db.event(1, "lesson_completed", "self_development", "2027-01-31", "late-jan-31").await;
    let late = run(&db, feb()).await.report;
    assert_eq!(line(&late, 1).weeks[0].rank_start, 4);
    assert_eq!(late.members, warm.members);
    // Another configuration has no frozen month to resume from: all history, late event included.
    let mut other = Config::default_config();
    other.emission.member_share_bps -= 1;
    let full = report::run(&db.pool, &other, feb(), None).await.unwrap().report;
    assert_eq!(full.rank_basis.resumed_from_month, None);
    assert_eq!(line(&full, 1).weeks[0].rank_start, 5);
    assert_eq!(week_ends(line(&full, 1)), vec![6, 6, 6, 6]);

    // A member added after the freeze with an earlier joining day has no checkpoint: walked
    // from joining, over January's events too.
    db.member(3, "2027-01-04", Some("2027-06-30"), Some(WALLET_B)).await;
    db.daily_lessons(3, "2027-01-04", 56).await;
    let added = run(&db, feb()).await.report;
    assert_eq!(
        (added.rank_basis.members_resumed, added.rank_basis.members_walked_from_joining),
        (2, 1)
    );
    assert_eq!(line(&added, 3).weeks, line(&added, 2).weeks);
    // A stored checkpoint above the rank table (a damaged row) is an error naming the member,
    // not a panic.
    db.exec(
        "UPDATE member_walks SET next_week_rank = 999 WHERE month = '2027-01' AND member_id = 2",
    )
    .await;
    let err = report::run(&db.pool, &Config::default_config(), feb(), None).await.unwrap_err();
    assert!(err.to_string().contains("member 2") && err.to_string().contains("999"), "{err}");
    db.drop_db().await;
}

/// Migration 0004 folds `weekly_ranks` and `rank_checkpoints` into `member_walks`: rows written
/// before it read back unchanged through the views of the same names.
#[tokio::test]
async fn walks_written_before_the_member_walks_migration_are_kept() {
    let db = TestDb::migrated_up_to("walks_migration", 3).await;
    db.exec(
        "INSERT INTO monthly_reports (month, config_sha256, report_sha256, pool, allocated_total,
             payable_total, pending_total, members_credited, quarantined, checkpoint_week)
         VALUES ('2027-01', 'c', 'r', 0, 0, 0, 0, 0, 0, '2027-02-01')",
    )
    .await;
    // Member 1: three weeks and a checkpoint; 2: weeks only; 3: a checkpoint only.
    db.exec(
        "INSERT INTO weekly_ranks VALUES
           ('2027-01', 1, '2027-01-04', 1, 2, 7, 7), ('2027-01', 1, '2027-01-18', 3, 3, 7, 2),
           ('2027-01', 1, '2027-01-11', 2, 3, 7, 6), ('2027-01', 2, '2027-01-25', 5, 4, 3, 0)",
    )
    .await;
    db.exec("INSERT INTO rank_checkpoints VALUES ('2027-01', 1, 3), ('2027-01', 3, 16)").await;
    type WeekRow = (i64, String, i16, i16, i16, i16);
    let read_weeks = || async {
        sqlx::query_as::<_, WeekRow>(
            "SELECT member_id, week_start::text, rank_start, rank_end, paid_days, active_days
             FROM weekly_ranks ORDER BY member_id, week_start",
        )
        .fetch_all(&db.pool)
        .await
        .unwrap()
    };
    let weeks_before = read_weeks().await;

    stk_distributor::db::migrate(&db.pool).await.unwrap();
    let weeks_after = read_weeks().await;
    assert_eq!(weeks_after, weeks_before);
    assert_eq!(weeks_after.len(), 4);
    let checkpoints: Vec<(i64, i16)> =
        sqlx::query_as("SELECT member_id, rank FROM rank_checkpoints ORDER BY member_id")
            .fetch_all(&db.pool)
            .await
            .unwrap();
    assert_eq!(checkpoints, vec![(1, 3), (3, 16)]);
    type WalkRow = (i64, Option<String>, Vec<i16>, Option<i16>);
    let walks: Vec<WalkRow> = sqlx::query_as(
        "SELECT member_id, first_week::text, rank_end, next_week_rank FROM member_walks
         ORDER BY member_id",
    )
    .fetch_all(&db.pool)
    .await
    .unwrap();
    assert_eq!(
        walks,
        vec![
            (1, Some("2027-01-04".into()), vec![2, 3, 3], Some(3)),
            (2, Some("2027-01-25".into()), vec![4], None),
            (3, None, vec![], Some(16)),
        ]
    );
    // The table refuses a walk whose week arrays disagree in length.
    let bad = sqlx::query(
        "INSERT INTO member_walks VALUES ('2027-01', 9, '2027-01-04', '{1,2}', '{2}', '{7}', '{7}', 2)",
    )
    .execute(&db.pool)
    .await;
    assert!(bad.is_err(), "mismatched week arrays must be refused");
    db.drop_db().await;
}

/// Local days follow the configured zone's rules, offset changes included: the report cuts
/// days with a table of the zone's midnights (and converts events older than that table one
/// by one), so an event's day must be what Postgres's own conversion says.
#[tokio::test]
async fn local_days_follow_the_zone_across_daylight_saving_and_long_ago() {
    let db = TestDb::new("local_days").await;
    let mut config = Config::default_config();
    config.time_zone = "Europe/Berlin".into();
    // Member 2's walk must read its 2001 activity: ranks start before it here.
    config.ranks.launch_day = Some("2000-12-01".into());
    let lesson = |member: i64, utc: &str, key: &str| {
        format!(
            "INSERT INTO activity_events (member_id, action_type, category, occurred_at, recorded_at, source, idempotency_key)
             VALUES ({member}, 'lesson_completed', 'self_development', '{utc}+00', TIMESTAMPTZ '{utc}+00' + interval '1 minute', 'test', '{key}')"
        )
    };
    // Member 1 joins at midnight of Monday 2027-03-01 in Berlin (CET, UTC+1). Berlin moves to
    // CEST (UTC+2) on Sunday 2027-03-28.
    db.exec("INSERT INTO members (id, joined_at) VALUES (1, '2027-02-28 23:00:00+00')").await;
    db.exec("INSERT INTO subscriptions (member_id, starts_on, ends_on) VALUES (1, '2027-03-01', '2027-04-30')").await;
    for (utc, key) in [
        ("2027-02-28 23:10:00", "a"), // Mon 1 March, 00:10 CET
        ("2027-03-27 22:30:00", "b"), // Sat 27 March, 23:30 CET
        ("2027-03-28 21:30:00", "c"), // Sun 28 March, 23:30 CEST
        ("2027-03-28 22:30:00", "d"), // Mon 29 March, 00:30 CEST (a fixed +1 h says Sunday)
    ] {
        db.exec(&lesson(1, utc, key)).await;
    }
    // Member 2 joined in January 2001 (older than the table of midnights), was active every
    // day of its first four weeks at 00:30 local time (23:30 UTC the day before), then
    // stopped paying until March 2027: four full weeks lift rank 1 to 5, unpaid weeks hold.
    db.exec("INSERT INTO members (id, joined_at) VALUES (2, '2000-12-31 23:00:00+00')").await;
    db.exec("INSERT INTO subscriptions (member_id, starts_on, ends_on) VALUES (2, '2001-01-01', '2001-01-28'), (2, '2027-03-01', '2027-04-30')").await;
    for day in 0..28 {
        let utc: String = sqlx::query_scalar(&format!(
            "SELECT to_char(TIMESTAMPTZ '2000-12-31 23:30:00+00' + interval '{day} days', 'YYYY-MM-DD HH24:MI:SS')"
        ))
        .fetch_one(&db.pool)
        .await
        .unwrap();
        db.exec(&lesson(2, &utc, &format!("old-{day}"))).await;
    }
    // What Postgres itself says the local days are.
    let days: Vec<String> = sqlx::query_scalar(
        "SELECT ((occurred_at AT TIME ZONE 'Europe/Berlin')::date)::text FROM activity_events
         WHERE member_id = 1 ORDER BY occurred_at",
    )
    .fetch_all(&db.pool)
    .await
    .unwrap();
    assert_eq!(days, ["2027-03-01", "2027-03-27", "2027-03-28", "2027-03-29"]);

    let r =
        report::run(&db.pool, &config, MonthId::new(2027, 3).unwrap(), None).await.unwrap().report;
    assert!(r.quarantine.rows.is_empty(), "{:?}", r.quarantine.rows);
    let weeks: Vec<(&str, u8)> =
        line(&r, 1).weeks.iter().map(|w| (w.week_start.as_str(), w.active_days)).collect();
    assert_eq!(
        weeks,
        [
            ("2027-03-01", 1),
            ("2027-03-08", 0),
            ("2027-03-15", 0),
            ("2027-03-22", 2),
            ("2027-03-29", 1)
        ]
    );
    assert_eq!(line(&r, 1).days_active, 4);
    assert_eq!(line(&r, 2).weeks[0].rank_start, 5);
    db.drop_db().await;
}
