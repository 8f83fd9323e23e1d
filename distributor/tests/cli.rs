//! The leaves of `distributor` whose code lives in the binary itself (`approve`, `status`,
//! `member-link`, `demo`), run as the real process: what they print, what they refuse (by
//! message and exit status) and what they write in Postgres.
mod common;

use common::TestDb;
use sha2::Digest;
use sqlx::{Connection, Executor, PgPool, Row};
use std::{
    io::Read,
    os::unix::fs::PermissionsExt,
    path::{Path, PathBuf},
    process::{Command, Stdio},
    time::{Duration, Instant, SystemTime, UNIX_EPOCH},
};
use stk_common::calendar::MonthId;
use stk_distributor::{
    config::Config,
    payout::{
        from_report::{freeze_and_plan, Approval, FreezeRequest},
        limits::TxForm,
        plan::PlanShape,
    },
    seed::{self, SeedArgs},
    serve::token::{self, TokenError},
};

/// What one run of the binary left.
struct Run {
    args: Vec<String>,
    code: Option<i32>,
    stdout: String,
    stderr: String,
}

impl Run {
    fn ok(&self) -> bool {
        self.code == Some(0)
    }
    fn has_line(&self, line: &str) -> bool {
        self.stdout.lines().any(|l| l == line)
    }
    /// The first line of standard output starting with `prefix`.
    fn line_starting(&self, prefix: &str) -> &str {
        self.stdout
            .lines()
            .find(|l| l.starts_with(prefix))
            .unwrap_or_else(|| panic!("no line starting with {prefix:?}\n{self}"))
    }
    /// Fails unless the run exited non-zero with `message` on standard error.
    fn refused_with(&self, message: &str) {
        assert!(!self.ok(), "expected a refusal\n{self}");
        assert!(self.stderr.contains(message), "expected {message:?} on stderr\n{self}");
    }
}

impl std::fmt::Display for Run {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "distributor {}\nexit {:?}\n--- stdout\n{}--- stderr\n{}",
            self.args.join(" "),
            self.code,
            self.stdout,
            self.stderr
        )
    }
}

/// Runs `distributor args…` with only `env` of the distributor's variables set (none of the
/// caller's `STK_*`, `DATABASE_URL` or `USER`), killed after `limit`.
fn distributor_with(args: &[&str], env: &[(&str, &str)], limit: Duration) -> Run {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_distributor"));
    cmd.args(args);
    for (key, _) in std::env::vars() {
        if key.starts_with("STK_") || key == "DATABASE_URL" || key == "USER" {
            cmd.env_remove(key);
        }
    }
    cmd.env("RUST_LOG", "warn");
    for (key, value) in env {
        cmd.env(key, value);
    }
    cmd.stdin(Stdio::null()).stdout(Stdio::piped()).stderr(Stdio::piped());
    let mut child = cmd.spawn().expect("start the distributor binary");
    let read = |mut stream: Box<dyn Read + Send>| {
        std::thread::spawn(move || {
            let mut text = String::new();
            let _ = stream.read_to_string(&mut text);
            text
        })
    };
    let stdout = read(Box::new(child.stdout.take().unwrap()));
    let stderr = read(Box::new(child.stderr.take().unwrap()));
    let deadline = Instant::now() + limit;
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break Some(status);
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            break None;
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    let run = Run {
        args: args.iter().map(|a| a.to_string()).collect(),
        code: status.and_then(|s| s.code()),
        stdout: stdout.join().unwrap(),
        stderr: stderr.join().unwrap(),
    };
    assert!(status.is_some(), "still running after {limit:?}, killed\n{run}");
    run
}

fn distributor(args: &[&str]) -> Run {
    distributor_with(args, &[], Duration::from_secs(120))
}

/// A fresh directory under the system's temporary directory.
fn temp_dir(tag: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("stk-cli-test-{tag}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn unix_now() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_secs() as i64
}

/// An amount in base units as the operator's commands print it (6 decimals).
fn stk(amount: i64) -> String {
    format!("{}.{:06}", amount / 1_000_000, amount % 1_000_000)
}

/// An amount printed as `123.456789` back in base units.
fn base_units(text: &str) -> u64 {
    let (whole, frac) = text.split_once('.').unwrap_or_else(|| panic!("{text:?} is not an amount"));
    assert_eq!(frac.len(), 6, "{text:?}");
    whole.parse::<u64>().unwrap() * 1_000_000 + frac.parse::<u64>().unwrap()
}

/// The whitespace-separated word right before `phrase` in `line`.
fn word_before<'a>(line: &'a str, phrase: &str) -> &'a str {
    let at = line.find(phrase).unwrap_or_else(|| panic!("no {phrase:?} in {line:?}"));
    line[..at]
        .split_whitespace()
        .next_back()
        .unwrap_or_else(|| panic!("nothing before {phrase:?} in {line:?}"))
        .trim_start_matches('(')
}

fn number_before(line: &str, phrase: &str) -> u64 {
    let word = word_before(line, phrase);
    word.parse().unwrap_or_else(|_| panic!("{word:?} before {phrase:?} in {line:?}"))
}

/// The word right after `phrase` in `line`.
fn word_after<'a>(line: &'a str, phrase: &str) -> &'a str {
    let at = line.find(phrase).unwrap_or_else(|| panic!("no {phrase:?} in {line:?}"));
    line[at + phrase.len()..]
        .split_whitespace()
        .next()
        .unwrap_or_else(|| panic!("nothing after {phrase:?} in {line:?}"))
}

/// The month's row of `monthly_reports`.
struct ReportRow {
    sha: String,
    pool: i64,
    allocated: i64,
    payable: i64,
    pending: i64,
    credited: i32,
    quarantined: i32,
    frozen: bool,
}

async fn report_row(db: &PgPool, month: &str) -> Option<ReportRow> {
    sqlx::query(
        "SELECT report_sha256, pool, allocated_total, payable_total, pending_total,
                members_credited, quarantined, frozen
         FROM monthly_reports WHERE month = $1",
    )
    .bind(month)
    .fetch_optional(db)
    .await
    .unwrap()
    .map(|r| ReportRow {
        sha: r.get("report_sha256"),
        pool: r.get("pool"),
        allocated: r.get("allocated_total"),
        payable: r.get("payable_total"),
        pending: r.get("pending_total"),
        credited: r.get("members_credited"),
        quarantined: r.get("quarantined"),
        frozen: r.get("frozen"),
    })
}

/// Every recorded approval: (month, report sha256, approved by).
async fn approvals(db: &PgPool) -> Vec<(String, String, String)> {
    sqlx::query_as("SELECT month, report_sha256, approved_by FROM payout_approvals ORDER BY month")
        .fetch_all(db)
        .await
        .unwrap()
}

async fn approved_at(db: &PgPool, month: &str) -> chrono::DateTime<chrono::Utc> {
    sqlx::query_scalar("SELECT approved_at FROM payout_approvals WHERE month = $1")
        .bind(month)
        .fetch_one(db)
        .await
        .unwrap()
}

/// The last line of `status`: the pending allocations not settled yet, over every month.
async fn pending_line(db: &PgPool) -> String {
    let pending: i64 = sqlx::query_scalar(
        "SELECT coalesce(sum(amount), 0)::bigint FROM pending_allocations WHERE settled_month IS NULL",
    )
    .fetch_one(db)
    .await
    .unwrap();
    format!("pending allocations carried (all months): {} STK", stk(pending))
}

/// What `approve` prints of a report before recording (or refusing) the approval.
fn assert_shows_totals(run: &Run, month: &str, r: &ReportRow) {
    for line in [
        format!("report {month}  sha256 {}", r.sha),
        format!("  pool              {:>20} STK", stk(r.pool)),
        format!("  allocated         {:>20} STK", stk(r.allocated)),
        format!("  payable now       {:>20} STK", stk(r.payable)),
        format!("  pending (carried) {:>20} STK", stk(r.pending)),
        format!("  members credited  {:>20}", r.credited),
        format!("  quarantined rows  {:>20}", r.quarantined),
    ] {
        assert!(run.has_line(&line), "no line {line:?}\n{run}");
    }
}

fn awaiting_line(month: &str, sha: &str) -> String {
    format!("{month}: report {sha} awaiting approval: `distributor approve --month {month} --sha256 {sha}`")
}

fn approved_line(month: &str, sha: &str) -> String {
    format!(
        "{month}: report {sha} approved; the next `submit` or service pass freezes and plans it"
    )
}

fn not_current(month: &str, current: &str, offered: &str) -> String {
    format!("the report of {month} is {current}; {offered} is not it (was the report recomputed? review the current one and approve it with `distributor approve --month {month} --sha256 {current}`)")
}

/// `approve` records the operator's approval of the exact report and of nothing else;
/// `status` shows each month from awaiting approval through approved to frozen and planned;
/// months are reported in order; a recomputed report needs its own approval.
#[tokio::test]
async fn approve_names_the_exact_report_and_status_shows_where_each_month_stands() {
    let db = TestDb::new("cli_approve").await;
    let url = db.url();
    let dir = temp_dir("approve");
    let out = dir.join("reports");
    let out = out.to_str().unwrap();
    let zeros = "00".repeat(32);
    let (jan, feb) = ("2027-01", "2027-02");

    // Nothing computed yet.
    let status = distributor(&["status", "--database-url", &url]);
    assert!(status.ok(), "{status}");
    assert!(status.has_line("no report computed yet"), "{status}");
    assert!(status.has_line(&pending_line(&db.pool).await), "{status}");
    distributor(&["approve", "--database-url", &url, "--month", jan, "--sha256", &zeros])
        .refused_with("no report for 2027-01: run `distributor report --month 2027-01` first");
    assert_eq!(approvals(&db.pool).await, vec![]);

    // Two months of a small community; January's report through the binary.
    let args = SeedArgs {
        members: 40,
        events: 40 * 40 * 2,
        seed: 17,
        from: jan.into(),
        months: 2,
        bad: 1,
        free_users: 5,
    };
    seed::seed(&db.pool, &Config::default_config(), &args).await.unwrap();
    let report = distributor(&["report", "--database-url", &url, "--month", jan, "--out", out]);
    assert!(report.ok(), "{report}");
    let r = report_row(&db.pool, jan).await.expect("January's report");
    let sha = r.sha.clone();
    assert!(r.credited > 0 && r.payable > 0 && !r.frozen, "a month with payable members");
    assert!(report.has_line(&format!("sha256 {sha}")), "{report}");
    let json = std::fs::read(Path::new(out).join("2027-01/report.json")).unwrap();
    assert_eq!(hex::encode(sha2::Sha256::digest(&json)), sha, "report.json is the hashed report");
    assert_eq!(
        std::fs::read_to_string(Path::new(out).join("2027-01/report.sha256")).unwrap(),
        format!("{sha}  report.json\n")
    );
    let status = distributor(&["status", "--database-url", &url, "--month", jan]);
    assert!(status.ok(), "{status}");
    assert!(status.has_line(&awaiting_line(jan, &sha)), "{status}");

    // Any other hash is refused by name, after showing the report; nothing is written.
    let wrong = distributor(&[
        "approve",
        "--database-url",
        &url,
        "--month",
        jan,
        "--sha256",
        &zeros,
        "--by",
        "alice",
    ]);
    wrong.refused_with(&not_current(jan, &sha, &zeros));
    assert_shows_totals(&wrong, jan, &r);
    assert!(!wrong.stdout.contains("approved report"), "{wrong}");
    assert_eq!(approvals(&db.pool).await, vec![]);
    distributor(&["approve", "--database-url", &url, "--month", "garbage", "--sha256", &sha])
        .refused_with("--month \"garbage\" is not YYYY-MM");
    assert_eq!(approvals(&db.pool).await, vec![]);
    let status = distributor(&["status", "--database-url", &url, "--month", jan]);
    assert!(status.has_line(&awaiting_line(jan, &sha)), "{status}");

    // The exact hash (in capitals: hex case does not matter) is recorded with who approved.
    let upper = sha.to_ascii_uppercase();
    let first = distributor(&[
        "approve",
        "--database-url",
        &url,
        "--month",
        jan,
        "--sha256",
        &upper,
        "--by",
        "alice",
    ]);
    assert!(first.ok(), "{first}");
    assert_shows_totals(&first, jan, &r);
    assert!(first.has_line(&format!("approved report {sha} of {jan} by alice")), "{first}");
    assert_eq!(approvals(&db.pool).await, vec![(jan.into(), sha.clone(), "alice".into())]);
    let first_at = approved_at(&db.pool, jan).await;

    // Approving the same report again replaces who and when (one row per month); without
    // `--by` the approver is $USER.
    let again = distributor_with(
        &["approve", "--month", jan, "--sha256", &sha],
        &[("DATABASE_URL", &url), ("USER", "bob")],
        Duration::from_secs(120),
    );
    assert!(again.ok(), "{again}");
    assert!(again.has_line(&format!("approved report {sha} of {jan} by bob")), "{again}");
    assert_eq!(approvals(&db.pool).await, vec![(jan.into(), sha.clone(), "bob".into())]);
    assert!(approved_at(&db.pool, jan).await >= first_at);

    // status, for the month and for every month: approved, nothing planned, no epoch.
    let pending = pending_line(&db.pool).await;
    for status in [
        distributor_with(
            &["status", "--month", jan],
            &[("DATABASE_URL", &url)],
            Duration::from_secs(60),
        ),
        distributor(&["status", "--database-url", &url]),
    ] {
        assert!(status.ok(), "{status}");
        assert!(status.has_line(&approved_line(jan, &sha)), "{status}");
        assert!(status.has_line(&pending), "{status}");
        assert!(!status.stdout.contains("awaiting approval"), "{status}");
        assert!(!status.stdout.lines().any(|l| l.starts_with("  epoch ")), "{status}");
        assert!(!status.stdout.contains("nothing payable"), "{status}");
        assert!(!status.stdout.contains(feb), "{status}");
    }
    let status = distributor(&["status", "--database-url", &url, "--month", feb]);
    assert!(status.ok(), "{status}");
    assert!(status.has_line("2027-02: no report"), "{status}");
    let garbage = distributor(&["status", "--database-url", &url, "--month", "garbage"]);
    garbage.refused_with("--month \"garbage\" is not YYYY-MM");
    assert!(!garbage.stdout.contains("pending allocations"), "{garbage}");
    // The month is checked before anything connects: no database is needed to be told.
    let unreachable = "postgres://postgres@127.0.0.1:9/none";
    distributor(&["status", "--database-url", unreachable, "--month", "garbage"])
        .refused_with("--month \"garbage\" is not YYYY-MM");

    // February waits for January to be frozen: its report is refused, so nothing to approve.
    distributor(&["report", "--database-url", &url, "--month", feb, "--out", out]).refused_with(
        "2027-02 is computed only after 2027-01 is frozen (months are computed, frozen and paid in order): pay 2027-01 first",
    );
    assert!(report_row(&db.pool, feb).await.is_none());
    assert!(!Path::new(out).join(feb).exists());
    distributor(&["approve", "--database-url", &url, "--month", feb, "--sha256", &zeros])
        .refused_with("no report for 2027-02: run `distributor report --month 2027-02` first");

    // January frozen and planned, as `submit` does first (here against the embedded ledger).
    let (mut backend, treasury, first_month, _admin) = common::payout_world().await;
    assert_eq!(first_month.to_string(), jan);
    let request = FreezeRequest {
        month: MonthId::parse(jan).unwrap(),
        first_month,
        mint: treasury.mint(),
        shape: PlanShape::sized(TxForm::Legacy, 0),
        approval: Approval::Required,
    };
    let plan = freeze_and_plan(&db.pool, &mut backend, request).await.unwrap();
    assert_eq!(plan.report_sha256, sha);
    assert!(plan.batches > 0 && plan.payees > 0, "something to pay");
    let status = distributor(&["status", "--database-url", &url, "--month", jan]);
    assert!(status.ok(), "{status}");
    assert!(status.has_line(&format!("2027-01: report {sha} frozen")), "{status}");
    let epoch = format!(
        "  epoch planned, {} STK in {} legacy batches ({} planned), plan {}",
        stk(plan.total as i64),
        plan.batches,
        plan.batches,
        plan.plan_hash
    );
    assert!(status.has_line(&epoch), "no line {epoch:?}\n{status}");
    let progress = format!(
        "  [{}] {:>5}/{} batches  {:>7}/{} recipients  0 in flight",
        ".".repeat(30),
        0,
        plan.batches,
        0,
        plan.payees
    );
    assert!(status.has_line(&progress), "no line {progress:?}\n{status}");
    assert!(!status.stdout.contains("awaiting approval of plan"), "{status}");
    let left_out = status.stdout.lines().filter(|l| l.starts_with("  left out, pending:")).count();
    assert_eq!(left_out, plan.excluded, "{status}");
    assert!(status.has_line(&pending_line(&db.pool).await), "{status}");

    // A frozen report is not approved again; the recorded approval stays.
    distributor(&["approve", "--database-url", &url, "--month", jan, "--sha256", &sha])
        .refused_with(&format!("the report of 2027-01 is frozen with {sha}; nothing to approve"));
    assert_eq!(approvals(&db.pool).await, vec![(jan.into(), sha.clone(), "bob".into())]);

    // Now February is computed; status lists both months.
    let report = distributor(&["report", "--database-url", &url, "--month", feb, "--out", out]);
    assert!(report.ok(), "{report}");
    let feb_sha = report_row(&db.pool, feb).await.expect("February's report").sha;
    assert!(report.has_line(&format!("sha256 {feb_sha}")), "{report}");
    let status = distributor(&["status", "--database-url", &url]);
    assert!(status.has_line(&format!("2027-01: report {sha} frozen")), "{status}");
    assert!(status.has_line(&awaiting_line(feb, &feb_sha)), "{status}");
    let approve_feb = |sha: &str| {
        distributor(&[
            "approve",
            "--database-url",
            &url,
            "--month",
            feb,
            "--by",
            "carol",
            "--sha256",
            sha,
        ])
    };
    let ok = approve_feb(&feb_sha);
    assert!(ok.ok(), "{ok}");
    assert_eq!(approvals(&db.pool).await[1], (feb.into(), feb_sha.clone(), "carol".into()));

    // The inputs change (a paid member loses the wallet): the recomputed report says so, its
    // approval no longer applies, the old hash is refused and the new one is approved.
    let member: i64 = sqlx::query_scalar(
        "SELECT member_id FROM allocations WHERE month = '2027-02' AND payable > 0 ORDER BY member_id LIMIT 1",
    )
    .fetch_one(&db.pool)
    .await
    .unwrap();
    db.exec(&format!("DELETE FROM wallets WHERE member_id = {member}")).await;
    let report = distributor(&["report", "--database-url", &url, "--month", feb, "--out", out]);
    assert!(report.ok(), "{report}");
    let new_sha = report_row(&db.pool, feb).await.unwrap().sha;
    assert_ne!(new_sha, feb_sha);
    assert!(
        report.has_line(&format!("the report of 2027-02 changed: {feb_sha} -> {new_sha} (its inputs changed); the approval of {feb_sha}, if any, no longer applies")),
        "{report}"
    );
    assert!(
        report.has_line(&format!(
            "review it, then: distributor approve --month 2027-02 --sha256 {new_sha}"
        )),
        "{report}"
    );
    let status = distributor(&["status", "--database-url", &url, "--month", feb]);
    assert!(status.has_line(&awaiting_line(feb, &new_sha)), "{status}");
    assert!(
        status.has_line(&format!(
            "  the approval of {feb_sha} no longer applies: the report was recomputed since"
        )),
        "{status}"
    );
    approve_feb(&feb_sha).refused_with(&not_current(feb, &new_sha, &feb_sha));
    assert_eq!(approvals(&db.pool).await[1], (feb.into(), feb_sha.clone(), "carol".into()));
    let ok = approve_feb(&new_sha);
    assert!(ok.ok(), "{ok}");
    assert_eq!(approvals(&db.pool).await[1], (feb.into(), new_sha.clone(), "carol".into()));
    let status = distributor(&["status", "--database-url", &url, "--month", feb]);
    assert!(status.has_line(&approved_line(feb, &new_sha)), "{status}");
    // The approvals in force were replaced; the log keeps every approval given, in order
    // (refusals left no entry).
    let log: Vec<(String, String, String)> = sqlx::query_as(
        "SELECT month, report_sha256, approved_by FROM payout_approval_log ORDER BY id",
    )
    .fetch_all(&db.pool)
    .await
    .unwrap();
    let entry = |m: &str, s: &String, by: &str| (m.to_string(), s.clone(), by.to_string());
    assert_eq!(
        log,
        vec![
            entry(jan, &sha, "alice"),
            entry(jan, &sha, "bob"),
            entry(feb, &feb_sha, "carol"),
            entry(feb, &new_sha, "carol"),
        ]
    );

    drop(backend);
    std::fs::remove_dir_all(&dir).unwrap();
    db.drop_db().await;
}

/// `member-link` prints `<public url>/#member=<token>`: the token names that member (and no
/// other), with the secret shared with `serve`, until it expires; a missing URL or an
/// unusable secret file is refused by name and prints no link.
#[test]
fn member_link_prints_a_token_for_that_member_alone() {
    let dir = temp_dir("member-link");
    let write = |name: &str, text: &str, mode: u32| {
        let path = dir.join(name);
        std::fs::write(&path, text).unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(mode)).unwrap();
        path
    };
    // As `openssl rand -hex 32 > file` writes it: the trailing newline is not the secret.
    let secret =
        hex::encode(sha2::Sha256::digest(format!("{}-{:?}", std::process::id(), Instant::now())));
    let secret_file = write("link-secret", &format!("{secret}\n"), 0o600);
    let secret_path = secret_file.to_str().unwrap();
    let link = |member: &str, extra: &[&str]| {
        let mut args = vec!["member-link", "--link-secret-file", secret_path, "--member", member];
        args.extend_from_slice(extra);
        distributor(&args)
    };

    let before = unix_now();
    let run = link("4242", &["--public-url", "https://stk.example.org/", "--valid-minutes", "30"]);
    let after = unix_now();
    assert!(run.ok(), "{run}");
    let printed: Vec<&str> = run.stdout.lines().collect();
    assert_eq!(printed.len(), 1, "{run}");
    let token = printed[0]
        .strip_prefix("https://stk.example.org/#member=")
        .unwrap_or_else(|| panic!("not a link to the app: {run}"));
    let expires: i64 = token.split('.').nth(2).and_then(|e| e.parse().ok()).expect("expiry");
    assert!((before + 30 * 60..=after + 30 * 60).contains(&expires), "{expires} {run}");
    let key = secret.as_bytes();
    assert_eq!(token::check(key, token, after), Ok(4242));
    // Not another member's: the same signature does not name 4243, another secret does not
    // verify, and it expires.
    let edited = token.replacen("v1.4242.", "v1.4243.", 1);
    assert_ne!(edited, token);
    assert_eq!(token::check(key, &edited, after), Err(TokenError::BadSignature));
    let other_secret = "x".repeat(64);
    assert_eq!(token::check(other_secret.as_bytes(), token, after), Err(TokenError::BadSignature));
    assert_eq!(token::check(key, token, expires), Err(TokenError::Expired));

    // Another member's link, with the URL from the environment: it names that member.
    let other = distributor_with(
        &["member-link", "--member", "4243", "--valid-minutes", "0"],
        &[("STK_LINK_SECRET_FILE", secret_path), ("STK_PUBLIC_URL", "https://m.example.net")],
        Duration::from_secs(60),
    );
    assert!(other.ok(), "{other}");
    let other_token = other
        .stdout
        .trim_end()
        .strip_prefix("https://m.example.net/#member=")
        .unwrap_or_else(|| panic!("not a link to the app: {other}"));
    assert_eq!(token::check(key, other_token, unix_now()), Ok(4243));
    let other_expires: i64 = other_token.split('.').nth(2).unwrap().parse().unwrap();
    assert!(other_expires > unix_now() && other_expires <= unix_now() + 60, "at least a minute");

    // Refusals: no URL; a missing, open, short or unreadable secret file. No link printed.
    let no_url = link("4242", &[]);
    no_url.refused_with("--public-url is required: where members reach the app");
    let url = ["--public-url", "https://stk.example.org"];
    let missing = dir.join("absent");
    let open = write("open-secret", &secret, 0o644);
    let short = write("short-secret", "0123456789abcdef\n", 0o600);
    let unreadable = dir.join("a-directory");
    std::fs::create_dir(&unreadable).unwrap();
    std::fs::set_permissions(&unreadable, std::fs::Permissions::from_mode(0o700)).unwrap();
    let cases = [
        (&missing, format!("link secret file {}: No such file or directory", missing.display())),
        (
            &open,
            format!(
                "link secret file {} is readable by group or others (mode 644); run `chmod 600 {}`",
                open.display(),
                open.display()
            ),
        ),
        (&short, format!("the link secret in {} is shorter than 32 bytes", short.display())),
        (&unreadable, format!("link secret file {}: Is a directory", unreadable.display())),
    ];
    assert_eq!(no_url.stdout, "", "{no_url}");
    // The missing URL is named first, whatever the secret file.
    let both = distributor(&[
        "member-link",
        "--link-secret-file",
        missing.to_str().unwrap(),
        "--member",
        "4242",
    ]);
    both.refused_with("--public-url is required: where members reach the app");
    for (path, message) in cases {
        let path = path.to_str().unwrap();
        let mut args = vec!["member-link", "--link-secret-file", path, "--member", "4242"];
        args.extend_from_slice(&url);
        let run = distributor(&args);
        run.refused_with(&message);
        assert_eq!(run.stdout, "", "{run}");
        assert!(!run.stderr.contains(&secret), "the secret was printed\n{run}");
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

/// `distributor demo` on a small community: exit 0, the report files, the approved report
/// frozen and paid in full on the embedded ledger, and the members it shows hold on-chain
/// exactly what the report says.
#[tokio::test]
async fn the_demo_pays_a_small_month_and_shows_balances_equal_to_the_report() {
    let nanos = SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_nanos();
    // `stk_test_<tag>_<pid>_<n>`: swept by `common::TestDb` if this process dies before the drop.
    let name = format!("stk_test_clidemo_{}_{}", std::process::id(), nanos % 1_000_000_000);
    let dir = temp_dir("demo");
    let out = dir.join("reports");
    let admin_url = common::admin_url();
    let started = Instant::now();
    let run = distributor_with(
        &[
            "demo",
            "--admin-url",
            &admin_url,
            "--database",
            &name,
            "--members",
            "40",
            "--free-users",
            "20",
            "--events",
            "2000",
            "--out",
            out.to_str().unwrap(),
        ],
        &[],
        Duration::from_secs(170),
    );
    eprintln!("demo ran in {:.1} s", started.elapsed().as_secs_f64());
    assert!(run.ok(), "{run}");
    let (base, _) = admin_url.rsplit_once('/').unwrap();
    let pool = stk_distributor::db::connect(&format!("{base}/{name}")).await.unwrap();
    let month = "2027-01";

    // The community seeded.
    let seeded = run.line_starting(&format!("database {name}: "));
    let paying = number_before(seeded, "paying members");
    assert!(paying > 0, "{seeded}");
    let members: i64 =
        sqlx::query_scalar("SELECT count(*) FROM members").fetch_one(&pool).await.unwrap();
    assert_eq!(number_before(seeded, "people") as i64, members, "{seeded}");

    // The report, approved by its exact hash and frozen.
    let r = report_row(&pool, month).await.expect("the month's report");
    assert!(r.frozen, "the paid report is frozen");
    let reported = run.line_starting(&format!("report {month}: pool "));
    assert_eq!(word_after(reported, "pool "), stk(r.pool), "{reported}");
    assert_eq!(number_before(reported, "members credited") as i32, r.credited, "{reported}");
    assert!(r.credited > 0);
    assert!(run.has_line(&format!("  operator approved report sha256 {}", r.sha)), "{run}");
    assert_eq!(approvals(&pool).await, vec![(month.into(), r.sha.clone(), "demo".into())]);
    let files = out.join(month);
    let json = std::fs::read(files.join("report.json")).unwrap();
    assert_eq!(hex::encode(sha2::Sha256::digest(&json)), r.sha);
    assert_eq!(
        std::fs::read_to_string(files.join("report.sha256")).unwrap(),
        format!("{}  report.json\n", r.sha)
    );
    let listed: Vec<&str> = run
        .stdout
        .lines()
        .skip_while(|l| *l != "report files:")
        .skip(1)
        .take_while(|l| l.starts_with("  ") && !l.starts_with("  member"))
        .map(str::trim)
        .collect();
    let mut names: Vec<String> = listed
        .iter()
        .map(|f| {
            let path = Path::new(f);
            assert!(path.is_file(), "{f} listed but missing\n{run}");
            assert!(path.starts_with(&files), "{f} not under {}", files.display());
            path.file_name().unwrap().to_string_lossy().into_owned()
        })
        .collect();
    names.sort();
    assert_eq!(names, ["report.csv", "report.html", "report.json", "report.sha256"], "{run}");

    // The plan, paid in full: every batch confirmed, the epoch closed, nothing carried.
    let planned = run.line_starting("payout plan ");
    let plan_hash = word_after(planned, "payout plan ").trim_end_matches(':');
    let recipients = number_before(planned, "recipients in");
    let batches = number_before(planned, "batches of up to");
    let total = base_units(word_before(planned, "STK;"));
    assert!(recipients > 0 && batches > 0 && total > 0, "{planned}");
    let epoch = sqlx::query(
        "SELECT state, plan_hash, total, batch_count, report_sha256 FROM payout_epochs WHERE month = $1",
    )
    .bind(month)
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(epoch.get::<String, _>("state"), "closed");
    assert_eq!(epoch.get::<Option<String>, _>("plan_hash").as_deref(), Some(plan_hash));
    assert_eq!(epoch.get::<i64, _>("total") as u64, total);
    assert_eq!(epoch.get::<i32, _>("batch_count") as u64, batches);
    assert_eq!(epoch.get::<String, _>("report_sha256"), r.sha);
    let (confirmed, all): (i64, i64) = sqlx::query_as(
        "SELECT count(*) FILTER (WHERE state = 'confirmed'), count(*) FROM payout_batches WHERE month = $1",
    )
    .bind(month)
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!((confirmed as u64, all as u64), (batches, batches));
    let (paid_to, paid_sum): (i64, i64) = sqlx::query_as(
        "SELECT count(*), coalesce(sum(amount), 0)::bigint FROM payout_recipients WHERE month = $1",
    )
    .bind(month)
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!((paid_to as u64, paid_sum as u64), (recipients, total));
    let paid = run.line_starting("paid: ");
    assert_eq!(number_before(paid, "batches confirmed"), batches, "{paid}");
    assert_eq!(word_after(paid, "epoch closed:").trim_end_matches(','), "true", "{paid}");
    assert_eq!(number_before(paid, "recipients pending again"), 0, "{paid}");
    let on_chain = run.line_starting(&format!("epoch {month} on-chain: "));
    assert_eq!(word_after(on_chain, "plan "), plan_hash, "{on_chain}");
    let paid_amount = base_units(word_before(on_chain, "of "));
    assert_eq!((paid_amount, base_units(word_before(on_chain, "STK paid"))), (total, total));
    let vault = run.line_starting("distribution vault: ");
    let vault_before = base_units(word_after(vault, "vault: "));
    let vault_after = base_units(word_after(vault, "-> "));
    assert_eq!(base_units(word_after(vault, "members received ")), total, "{vault}");
    assert!(vault_before - vault_after >= total, "the vault paid at least the plan: {vault}");

    // The members shown: the largest payable amounts, each holding on-chain what the report
    // says (the demo prints at most five; it fails on the first one that differs).
    let shown: Vec<(i64, u64, u64)> = run
        .stdout
        .lines()
        .skip_while(|l| *l != "a few members on-chain:")
        .skip(1)
        .filter(|l| l.starts_with("  member "))
        .map(|l| {
            let w: Vec<&str> = l.split_whitespace().collect();
            assert_eq!(
                (w[0], w[2], w[4], w[6], w[7], w[9]),
                ("member", "wallet", "report", "STK", "on-chain", "STK"),
                "{l}"
            );
            (w[1].parse().unwrap(), base_units(w[5]), base_units(w[8]))
        })
        .collect();
    let largest: Vec<(i64, i64)> = sqlx::query_as(
        "SELECT member_id, payable FROM allocations WHERE month = $1 AND payable > 0
         ORDER BY payable DESC, member_id LIMIT 5",
    )
    .bind(month)
    .fetch_all(&pool)
    .await
    .unwrap();
    assert!(!shown.is_empty(), "no member's balance checked\n{run}");
    assert_eq!(
        shown.iter().map(|(m, reported, _)| (*m, *reported as i64)).collect::<Vec<_>>(),
        largest,
        "{run}"
    );
    for (member, reported, held) in &shown {
        assert_eq!(held, reported, "member {member}\n{run}");
    }
    assert!(!run.stdout.contains(" holds ") && !run.stderr.contains("Error"), "{run}");
    // And every recipient of the plan, each checked against the report on-chain.
    assert!(
        run.has_line(&format!(
            "every recipient on-chain: {recipients} of {recipients} hold exactly their report amount"
        )),
        "{run}"
    );

    pool.close().await;
    let mut admin = sqlx::PgConnection::connect(&admin_url).await.unwrap();
    admin.execute(format!("DROP DATABASE {name} WITH (FORCE)").as_str()).await.unwrap();
    let left: i64 = sqlx::query_scalar("SELECT count(*) FROM pg_database WHERE datname = $1")
        .bind(&name)
        .fetch_one(&mut admin)
        .await
        .unwrap();
    assert_eq!(left, 0, "the demo database was dropped");
    std::fs::remove_dir_all(&dir).unwrap();
}
