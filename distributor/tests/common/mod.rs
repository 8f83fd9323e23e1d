//! A fresh Postgres database per test, migrated with the crate's migrations.
#![allow(dead_code)]
use sqlx::{Connection, Executor, PgConnection, PgPool};

pub fn admin_url() -> String {
    std::env::var("STK_TEST_DATABASE_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".to_string())
}

fn url_for(db: &str) -> String {
    let admin = admin_url();
    let (base, _) = admin.rsplit_once('/').expect("database URL has a path");
    format!("{base}/{db}")
}

/// Drops the databases of test processes that are gone (a failed test panics before its
/// `drop_db`). The name carries the process id; databases of live processes are left alone.
async fn drop_orphans(admin: &mut PgConnection) {
    let names: Vec<String> =
        sqlx::query_scalar("SELECT datname FROM pg_database WHERE datname LIKE 'stk\\_test\\_%'")
            .fetch_all(&mut *admin)
            .await
            .unwrap_or_default();
    for name in names {
        let pid = name.rsplit('_').nth(1).and_then(|p| p.parse::<u32>().ok());
        let alive = pid.is_none_or(|pid| std::path::Path::new(&format!("/proc/{pid}")).exists());
        if !alive {
            let _ = admin
                .execute(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)").as_str())
                .await;
        }
    }
}

pub struct TestDb {
    pub pool: PgPool,
    pub name: String,
}

impl TestDb {
    pub async fn new(tag: &str) -> TestDb {
        let db = TestDb::unmigrated(tag).await;
        stk_distributor::db::migrate(&db.pool).await.unwrap();
        db
    }

    /// A database with only the migrations up to `version` applied (to test a later
    /// migration against rows written before it).
    pub async fn migrated_up_to(tag: &str, version: i64) -> TestDb {
        let db = TestDb::unmigrated(tag).await;
        let older: Vec<sqlx::migrate::Migration> = stk_distributor::db::MIGRATOR
            .iter()
            .filter(|m| m.version <= version)
            .cloned()
            .collect();
        let migrator = sqlx::migrate::Migrator {
            migrations: std::borrow::Cow::Owned(older),
            ..sqlx::migrate::Migrator::DEFAULT
        };
        migrator.run(&db.pool).await.unwrap();
        db
    }

    async fn unmigrated(tag: &str) -> TestDb {
        let nanos =
            std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_nanos();
        let name = format!("stk_test_{tag}_{}_{}", std::process::id(), nanos % 1_000_000_000);
        let mut admin =
            PgConnection::connect(&admin_url()).await.expect("connect to test Postgres");
        drop_orphans(&mut admin).await;
        admin.execute(format!("CREATE DATABASE {name}").as_str()).await.unwrap();
        let pool = stk_distributor::db::connect(&url_for(&name)).await.unwrap();
        TestDb { pool, name }
    }

    /// The URL of this test's database (for child processes).
    pub fn url(&self) -> String {
        url_for(&self.name)
    }

    /// Drops the database. A failure is reported, not swallowed: a leftover `stk_test_*`
    /// database means something still held it, and the message says what Postgres refused.
    pub async fn drop_db(self) {
        self.pool.close().await;
        let dropped = match PgConnection::connect(&admin_url()).await {
            Ok(mut admin) => admin
                .execute(format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.name).as_str())
                .await
                .map(|_| ()),
            Err(e) => Err(e),
        };
        if let Err(e) = dropped {
            eprintln!("warning: could not drop the test database {}: {e}", self.name);
        }
    }

    pub async fn exec(&self, sql: &str) {
        sqlx::raw_sql(sql).execute(&self.pool).await.unwrap_or_else(|e| panic!("{sql}: {e}"));
    }

    /// A member joined at local midnight of `day` (Moscow), paying from `day` through `paid_to`
    /// (inclusive) if given, with a wallet if given.
    pub async fn member(&self, id: i64, day: &str, paid_to: Option<&str>, wallet: Option<&str>) {
        self.exec(&format!(
            "INSERT INTO members (id, display_name, joined_at) VALUES ({id}, 'm{id}', '{day} 00:00:00+03')"
        ))
        .await;
        if let Some(to) = paid_to {
            self.exec(&format!(
                "INSERT INTO subscriptions (member_id, starts_on, ends_on) VALUES ({id}, '{day}', '{to}')"
            ))
            .await;
        }
        if let Some(w) = wallet {
            self.exec(&format!(
                "INSERT INTO wallets (member_id, address, registered_at) VALUES ({id}, '{w}', '{day} 00:00:00+03')"
            ))
            .await;
        }
    }

    /// One event at noon (Moscow) of `day`, recorded a minute later.
    pub async fn event(&self, member: i64, action: &str, category: &str, day: &str, key: &str) {
        self.exec(&format!(
            "INSERT INTO activity_events (member_id, action_type, category, occurred_at, recorded_at, source, idempotency_key)
             VALUES ({member}, '{action}', '{category}', '{day} 12:00:00+03', '{day} 12:01:00+03', 'test', '{key}')"
        ))
        .await;
    }

    /// One `lesson_completed` (10 points) per day from `from` for `days` days.
    pub async fn daily_lessons(&self, member: i64, from: &str, days: i32) {
        self.exec(&format!(
            "INSERT INTO activity_events (member_id, action_type, category, occurred_at, recorded_at, source, idempotency_key)
             SELECT {member}, 'lesson_completed', 'self_development', d + interval '12 hours', d + interval '13 hours', 'test',
                    'lesson-{member}-' || to_char(d, 'YYYY-MM-DD')
             FROM generate_series(('{from}'::date)::timestamp AT TIME ZONE 'Europe/Moscow',
                                  ('{from}'::date + {days} - 1)::timestamp AT TIME ZONE 'Europe/Moscow',
                                  interval '1 day') AS d"
        ))
        .await;
    }
}

pub const WALLET_A: &str = "4Nd1mBQtrMJVYVfKf2PJy9NZUZdTAsp7D4xWLs4gDB4T";
pub const WALLET_B: &str = "9xQeWvG816bUx9EPjHmaT23yvVM2ZWbrrpZb9PusVFin";
pub const WALLET_C: &str = "EPjFWdd5AufqSSqeM2qN1xzybapC8G4wEGGkZwyTDt1v";

/// A fresh embedded ledger with STK and the treasury, quarter 0 minted, and the clock after
/// the schedule's first month (an epoch opens only once its month has ended). The admin is the
/// ledger's payer; the backend signs as the distributor, a distinct funded key. Returns the
/// backend, the setup, the first month and the admin key.
pub async fn payout_world() -> (
    stk_distributor::chain::embedded::EmbeddedBackend,
    stk_harness::treasury::TreasurySetup,
    stk_common::calendar::MonthId,
    std::sync::Arc<solana_keypair::Keypair>,
) {
    use stk_harness::{
        treasury::{TreasurySetup, TreasurySetupArgs},
        Ledger,
    };
    let mut ledger = Ledger::start().await;
    let admin = std::sync::Arc::new(ledger.ctx.payer.insecure_clone());
    let mut args = TreasurySetupArgs::default();
    // The distributor's configuration and the chain agree on the schedule (reports' pools).
    args.mint.schedule = stk_distributor::config::Config::default_config().schedule();
    let treasury = TreasurySetup::initialize(&mut ledger, args).await;
    Ledger::ok(treasury.stk.mint_quarter(&mut ledger, 0, true).await);
    let month = stk_common::calendar::MonthId(treasury.stk.schedule.start_month);
    after_month(&mut ledger, month, treasury.stk.schedule.utc_offset_secs).await;
    let backend = stk_distributor::chain::embedded::EmbeddedBackend::with_payer(
        ledger,
        treasury.distributor.insecure_clone(),
    );
    (backend, treasury, month, admin)
}

/// Moves the clock an hour past the end of `month` (never backwards).
pub async fn after_month(
    ledger: &mut stk_harness::Ledger,
    month: stk_common::calendar::MonthId,
    utc_offset_secs: i32,
) {
    let target = stk_common::calendar::MonthId(month.0 + 1).start_ts(utc_offset_secs) + 3_600;
    let now = ledger.now().await;
    if now < target {
        ledger.warp_to_timestamp(target).await;
    }
}

/// The data of a Token-2022 account of `mint` owned by `owner`, with the memo-transfer
/// extension (incoming memos required or not), for `Ledger::install_account`.
pub fn token_account_data(
    mint: &anchor_lang::prelude::Pubkey,
    owner: &anchor_lang::prelude::Pubkey,
    memo_required: bool,
) -> Vec<u8> {
    use anchor_spl::token_interface::spl_token_2022::{
        extension::{
            memo_transfer::MemoTransfer, BaseStateWithExtensionsMut, ExtensionType,
            StateWithExtensionsMut,
        },
        state::{Account, AccountState},
    };
    let len = ExtensionType::try_calculate_account_len::<Account>(&[ExtensionType::MemoTransfer])
        .unwrap();
    let mut data = vec![0u8; len];
    let mut account = StateWithExtensionsMut::<Account>::unpack_uninitialized(&mut data).unwrap();
    account.base.mint = *mint;
    account.base.owner = *owner;
    account.base.state = AccountState::Initialized;
    account.pack_base();
    account.init_account_type().unwrap();
    let ext = account.init_extension::<MemoTransfer>(true).unwrap();
    ext.require_incoming_transfer_memos = memo_required.into();
    data
}

/// `n` fresh wallets as payees of their STK token accounts (amounts 2 STK + 13 × i base units,
/// member ids from 1,000).
pub fn fresh_payees(
    mint: &anchor_lang::prelude::Pubkey,
    n: usize,
) -> Vec<stk_distributor::payout::plan::Payee> {
    use solana_signer::Signer;
    (0..n)
        .map(|i| {
            let wallet = solana_keypair::Keypair::new().pubkey();
            stk_distributor::payout::plan::Payee {
                member_id: 1_000 + i as i64,
                wallet,
                token_account: stk_client::ata(&wallet, mint),
                amount: 2_000_000 + 13 * i as u64,
            }
        })
        .collect()
}

/// Saves a plan of `payees` in batches of `shape` directly, as a frozen report's would be.
pub async fn save_direct_plan(
    db: &PgPool,
    month: stk_common::calendar::MonthId,
    payees: &[stk_distributor::payout::plan::Payee],
    shape: stk_distributor::payout::plan::PlanShape,
) {
    use sha2::Digest;
    use stk_distributor::payout::{plan::plan_batches, store};
    let batches = plan_batches(payees.to_vec(), shape.recipients_per_batch, 4096).unwrap();
    let sha = hex::encode(sha2::Sha256::digest(b"report"));
    store::save_plan(db, month, &sha, &batches, shape).await.unwrap();
}
