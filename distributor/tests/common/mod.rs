//! A fresh Postgres database per test, migrated.
use sqlx::{postgres::PgPoolOptions, Connection, PgConnection, PgPool};

pub async fn fresh_database() -> PgPool {
    let admin_url = std::env::var("STK_TEST_DATABASE_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".to_string());
    let name = format!("stk_test_{}", std::process::id() as u64 * 1_000_000 + rand_suffix());
    let mut admin = PgConnection::connect(&admin_url).await.expect("connect to Postgres");
    sqlx::query(&format!("CREATE DATABASE {name}"))
        .execute(&mut admin)
        .await
        .expect("create database");
    let url = match admin_url.rsplit_once('/') {
        Some((base, _)) => format!("{base}/{name}"),
        None => panic!("STK_TEST_DATABASE_URL must end with a database name"),
    };
    let pool =
        PgPoolOptions::new().max_connections(4).connect(&url).await.expect("connect to test db");
    sqlx::migrate!("../migrations").run(&pool).await.expect("migrations");
    pool
}

fn rand_suffix() -> u64 {
    use std::sync::atomic::{AtomicU64, Ordering};
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let nanos =
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().subsec_nanos()
            as u64;
    (nanos % 100_000) * 10 + NEXT.fetch_add(1, Ordering::Relaxed) % 10
}
