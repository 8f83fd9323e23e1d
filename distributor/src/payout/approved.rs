//! The approved report: every computed report's canonical JSON is kept in Postgres by its
//! SHA-256, the operator approves one hash by name, and a plan is built from that document
//! (re-hashed when read) — never from the `allocations` rows, which a later run may replace.
use serde::Deserialize;
use sha2::{Digest, Sha256};
use sqlx::{PgPool, Postgres, Transaction};
use stk_common::calendar::MonthId;

#[derive(Debug, thiserror::Error)]
pub enum ApprovalError {
    #[error("no report for {0}: run `distributor report --month {0}` first")]
    NoReport(MonthId),
    #[error("the report of {month} is {current}; {offered} is not it (was the report recomputed? review the current one and approve it with `distributor approve --month {month} --sha256 {current}`)")]
    NotCurrent { month: MonthId, current: String, offered: String },
    #[error("{0} is not approved: review the report, then `distributor approve --month {0} --sha256 <sha256 printed by report/status>`")]
    NotApproved(MonthId),
    #[error("the approved report of {month} is {approved}, but the current report is {current}: the inputs changed and the report was recomputed; review it and approve it with `distributor approve --month {month} --sha256 {current}`")]
    Stale { month: MonthId, approved: String, current: String },
    #[error("the canonical document of report {0} is not stored (computed by an older distributor?): run `distributor report` again and approve the new hash")]
    NoDocument(String),
    #[error("the stored document of report {sha} hashes to {actual}: refusing to plan from it")]
    Tampered { sha: String, actual: String },
    #[error("the stored document of report {sha} cannot be read: {error}")]
    Unreadable { sha: String, error: String },
    #[error("the stored document of report {sha} is for {found}, not {month}")]
    WrongMonth { sha: String, month: MonthId, found: String },
    #[error("the report of {0} is frozen with {1}; nothing to approve")]
    Frozen(MonthId, String),
    #[error("database: {0}")]
    Db(#[from] sqlx::Error),
}

/// One member's line as the approved document states it.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct ApprovedLine {
    pub member_id: i64,
    pub payable: u64,
    pub wallet: Option<String>,
}

#[derive(Deserialize)]
struct Document {
    month: String,
    members: Vec<ApprovedLine>,
}

/// Keeps a computed report's canonical JSON under its hash (idempotent).
pub async fn store_document(
    db: &PgPool,
    month: &str,
    sha256: &str,
    json: &[u8],
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO report_documents (month, report_sha256, canonical_json) VALUES ($1, $2, $3)
         ON CONFLICT (month, report_sha256) DO NOTHING",
    )
    .bind(month)
    .bind(sha256)
    .bind(json)
    .execute(db)
    .await?;
    Ok(())
}

/// The members of a canonical document, after checking that it hashes to `sha256` and is the
/// report of `month`.
pub fn parse_document(
    json: &[u8],
    sha256: &str,
    month: MonthId,
) -> Result<Vec<ApprovedLine>, ApprovalError> {
    let actual = hex::encode(Sha256::digest(json));
    if actual != sha256 {
        return Err(ApprovalError::Tampered { sha: sha256.to_string(), actual });
    }
    let doc: Document = serde_json::from_slice(json)
        .map_err(|e| ApprovalError::Unreadable { sha: sha256.to_string(), error: e.to_string() })?;
    if doc.month != month.to_string() {
        return Err(ApprovalError::WrongMonth { sha: sha256.to_string(), month, found: doc.month });
    }
    Ok(doc.members)
}

/// Records the operator's approval of the report `sha256` of `month`, which must be the
/// current (computed, not yet frozen) report. Returns the report's totals line for display.
pub async fn approve(
    db: &PgPool,
    month: MonthId,
    sha256: &str,
    by: &str,
) -> Result<(), ApprovalError> {
    let key = month.to_string();
    let mut tx = db.begin().await?;
    report_lock(&mut tx, &key).await?;
    let current: Option<(String, bool)> =
        sqlx::query_as("SELECT report_sha256, frozen FROM monthly_reports WHERE month = $1")
            .bind(&key)
            .fetch_optional(&mut *tx)
            .await?;
    let (current, frozen) = current.ok_or(ApprovalError::NoReport(month))?;
    if current != sha256 {
        return Err(ApprovalError::NotCurrent { month, current, offered: sha256.to_string() });
    }
    if frozen {
        return Err(ApprovalError::Frozen(month, current));
    }
    sqlx::query(
        "INSERT INTO payout_approvals (month, report_sha256, approved_by) VALUES ($1, $2, $3)
         ON CONFLICT (month) DO UPDATE SET report_sha256 = EXCLUDED.report_sha256,
             approved_by = EXCLUDED.approved_by, approved_at = now()",
    )
    .bind(&key)
    .bind(sha256)
    .bind(by)
    .execute(&mut *tx)
    .await?;
    // The approval in force is replaced; the log keeps every one.
    sqlx::query(
        "INSERT INTO payout_approval_log (month, report_sha256, approved_by) VALUES ($1, $2, $3)",
    )
    .bind(&key)
    .bind(sha256)
    .bind(by)
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Where a month stands between its report and its freeze.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ApprovalState {
    NoReport,
    /// Computed, waiting for the operator to approve this hash.
    Awaiting {
        current: String,
        stale_approval: Option<String>,
    },
    Approved(String),
    Frozen(String),
}

pub async fn state(db: &PgPool, month: MonthId) -> Result<ApprovalState, sqlx::Error> {
    let row: Option<(String, bool, Option<String>)> = sqlx::query_as(
        "SELECT r.report_sha256, r.frozen, a.report_sha256 FROM monthly_reports r
         LEFT JOIN payout_approvals a USING (month) WHERE r.month = $1",
    )
    .bind(month.to_string())
    .fetch_optional(db)
    .await?;
    Ok(match row {
        None => ApprovalState::NoReport,
        Some((sha, true, _)) => ApprovalState::Frozen(sha),
        Some((sha, false, Some(a))) if a == sha => ApprovalState::Approved(sha),
        Some((current, false, stale_approval)) => {
            ApprovalState::Awaiting { current, stale_approval }
        }
    })
}

/// Serializes with `report::persist` (the same transaction-scoped advisory lock), so a report
/// is never replaced between the check of its approval and its freeze.
pub async fn report_lock(tx: &mut Transaction<'_, Postgres>, month: &str) -> sqlx::Result<()> {
    sqlx::query("SELECT pg_advisory_xact_lock(hashtext('stk-report:' || $1))")
        .bind(month)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_document_must_hash_to_its_name_and_be_of_its_month() {
        let json = br#"{"format":"x","month":"2027-01","members":[{"member_id":7,"payable":5,"wallet":null,"extra":1}]}"#;
        let sha = hex::encode(Sha256::digest(json));
        let jan = MonthId::new(2027, 1).unwrap();
        let lines = parse_document(json, &sha, jan).unwrap();
        assert_eq!(lines, vec![ApprovedLine { member_id: 7, payable: 5, wallet: None }]);
        assert!(matches!(parse_document(json, "00", jan), Err(ApprovalError::Tampered { .. })));
        let feb = MonthId::new(2027, 2).unwrap();
        assert!(matches!(parse_document(json, &sha, feb), Err(ApprovalError::WrongMonth { .. })));
        let junk = b"{";
        let junk_sha = hex::encode(Sha256::digest(junk));
        assert!(matches!(
            parse_document(junk, &junk_sha, jan),
            Err(ApprovalError::Unreadable { .. })
        ));
    }
}
