//! The database roles of `scripts/sql/roles.sql` against a real Postgres: Aisystant's role
//! writes the integration contract and nothing of the distributor's.
mod common;

use common::*;

/// The contract tables (migrations/0001); everything else in the schema is the distributor's.
const CONTRACT: [&str; 6] = [
    "members",
    "subscriptions",
    "qualification_grants",
    "wallets",
    "activity_events",
    "activity_event_duplicates",
];

#[tokio::test]
async fn aisystant_writes_the_contract_and_nothing_of_the_distributor() {
    let db = TestDb::new("roles").await;
    let script = include_str!("../../scripts/sql/roles.sql");
    db.exec(script).await;
    // Applying it again changes nothing and does not fail.
    db.exec(script).await;

    let mut conn = db.pool.acquire().await.unwrap();
    sqlx::query("SET ROLE aisystant").execute(&mut *conn).await.unwrap();
    let wallet = format!(
        "INSERT INTO wallets (member_id, address, registered_at) VALUES (1, '{WALLET_A}', now())"
    );
    let writes = [
        "INSERT INTO members (id, display_name, joined_at) VALUES (1, 'm1', '2027-01-04 00:00:00+03')",
        "UPDATE members SET display_name = 'renamed' WHERE id = 1",
        "INSERT INTO subscriptions (member_id, starts_on, ends_on) VALUES (1, '2027-01-04', '2027-06-30')",
        "INSERT INTO qualification_grants (member_id, qualification, granted_at) VALUES (1, 'learner', now())",
        wallet.as_str(),
        "INSERT INTO activity_events (member_id, action_type, category, occurred_at, source, idempotency_key)
         VALUES (1, 'lesson_completed', 'self_development', now(), 'aisystant', 'k1')",
        // Re-sent: diverted by the trigger, with Aisystant's privileges.
        "INSERT INTO activity_events (member_id, action_type, category, occurred_at, source, idempotency_key)
         VALUES (1, 'lesson_completed', 'self_development', now(), 'aisystant', 'k1')",
        "UPDATE activity_events SET payload = '{\"fixed\": true}' WHERE idempotency_key = 'k1'",
    ];
    for sql in writes {
        sqlx::query(sql).execute(&mut *conn).await.unwrap_or_else(|e| panic!("{sql}: {e}"));
    }
    let diverted: i64 = sqlx::query_scalar("SELECT count(*) FROM activity_event_duplicates")
        .fetch_one(&mut *conn)
        .await
        .unwrap();
    assert_eq!(diverted, 1);

    // The distributor's tables, written and read, and deleting contract rows: refused.
    let refused = [
        ("SELECT * FROM monthly_reports", "monthly_reports"),
        ("SELECT * FROM allocations", "allocations"),
        (
            "INSERT INTO allocations (month, member_id, credit, allocation, pending_in, payable, wallet)
             VALUES ('2027-01', 1, 1, 1, 0, 1, 'x')",
            "allocations",
        ),
        ("UPDATE pending_allocations SET settled_month = NULL", "pending_allocations"),
        ("DELETE FROM member_walks", "member_walks"),
        ("SELECT * FROM weekly_ranks", "weekly_ranks"),
        ("UPDATE payout_batches SET state = 'confirmed'", "payout_batches"),
        ("SELECT * FROM payout_recipients", "payout_recipients"),
        (
            "INSERT INTO payout_approvals (month, report_sha256, approved_by) VALUES ('2027-01', 'x', 'aisystant')",
            "payout_approvals",
        ),
        ("SELECT * FROM _sqlx_migrations", "_sqlx_migrations"),
        ("DELETE FROM activity_events", "activity_events"),
        ("TRUNCATE members CASCADE", "members"),
    ];
    for (sql, table) in refused {
        let err = sqlx::query(sql).execute(&mut *conn).await.expect_err(sql);
        let text = err.to_string();
        assert!(text.contains("permission denied") && text.contains(table), "{sql}: {text}");
    }
    sqlx::query("RESET ROLE").execute(&mut *conn).await.unwrap();
    drop(conn);

    // Every table and view that is not the contract — those of later migrations included —
    // grants Aisystant nothing.
    let others: Vec<(String, bool)> = sqlx::query_as(
        "SELECT c.relname::text,
                has_table_privilege('aisystant', c.oid, 'SELECT,INSERT,UPDATE,DELETE,TRUNCATE,REFERENCES,TRIGGER')
         FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
         WHERE n.nspname = 'public' AND c.relkind IN ('r', 'v', 'm', 'p')
           AND c.relname <> ALL($1)
         ORDER BY 1",
    )
    .bind(CONTRACT.map(String::from).to_vec())
    .fetch_all(&db.pool)
    .await
    .unwrap();
    assert!(others.len() >= 10, "the distributor's tables: {others:?}");
    let granted: Vec<&String> = others.iter().filter(|t| t.1).map(|t| &t.0).collect();
    assert!(granted.is_empty(), "Aisystant has privileges on {granted:?}");
    db.drop_db().await;
}
