//! One payout engine per month: a Postgres session advisory lock held for the whole run.
//!
//! The service and a manual `submit` may start on the same month at once; without the lock
//! both would create and extend the month's lookup tables (an extend is not idempotent) and
//! race on the plan's write-ahead rows. The lock lives on a connection of its own, detached
//! from the pool: when the process dies, or a run is dropped mid-way, the connection closes
//! and Postgres releases the lock — it can never stay behind in a pooled connection.
use sqlx::{Connection, PgConnection, PgPool};
use stk_common::calendar::MonthId;

pub struct MonthLock {
    conn: PgConnection,
    key: String,
}

fn key(month: MonthId) -> String {
    format!("stk-payout:{month}")
}

impl MonthLock {
    /// Waits until no other engine pays `month`, then holds it.
    pub async fn acquire(db: &PgPool, month: MonthId) -> Result<MonthLock, sqlx::Error> {
        let mut conn = db.acquire().await?.detach();
        let key = key(month);
        sqlx::query("SELECT pg_advisory_lock(hashtext($1))").bind(&key).execute(&mut conn).await?;
        tracing::debug!(%month, "payout lock held");
        Ok(MonthLock { conn, key })
    }

    /// Releases the lock and closes its connection.
    pub async fn release(mut self) {
        let _ = sqlx::query("SELECT pg_advisory_unlock(hashtext($1))")
            .bind(&self.key)
            .execute(&mut self.conn)
            .await;
        let _ = self.conn.close().await;
    }
}
