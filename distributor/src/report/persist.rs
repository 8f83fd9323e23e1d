//! Step 5, persist: the distributor's tables, replaced in one transaction (bulk rows by
//! `COPY`).
use super::types::{MemberLine, Report, WeekLine};
use crate::rank::Day;
use anyhow::bail;
use sqlx::{PgConnection, PgPool};
use std::fmt::Write;

/// Appends `s` to a `COPY ... FROM STDIN` text-format row, escaped.
fn copy_text(out: &mut String, s: &str) {
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\t' => out.push_str("\\t"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            c => out.push(c),
        }
    }
}

/// Appends an optional text field (`\N` for NULL) and a separator.
fn copy_opt_text(out: &mut String, s: Option<&str>, sep: char) {
    match s {
        Some(s) => copy_text(out, s),
        None => out.push_str("\\N"),
    }
    out.push(sep);
}

/// Streams text-format rows into `COPY <target> FROM STDIN`.
async fn copy_in(conn: &mut PgConnection, target: &str, rows: &str) -> anyhow::Result<()> {
    if rows.is_empty() {
        return Ok(());
    }
    let mut copy = conn.copy_in_raw(&format!("COPY {target} FROM STDIN")).await?;
    // CopyData messages need not align with rows.
    for chunk in rows.as_bytes().chunks(1 << 20) {
        copy.send(chunk).await?;
    }
    copy.finish().await?;
    Ok(())
}

/// The ranks at the start of the week after the month, where the next month can resume.
pub(super) struct NextCheckpoints<'a> {
    pub week_start: Day,
    pub ranks: &'a [(i64, u16)],
}

/// Appends the `member_walks` rows (`COPY` text format): one per member listed or with a
/// checkpoint, both lists sorted by member id. The listed weeks must be consecutive Mondays.
fn write_member_walks(
    out: &mut String,
    month: &str,
    lines: &[MemberLine],
    checkpoints: &[(i64, u16)],
) -> anyhow::Result<()> {
    let (mut li, mut ci) = (lines.iter().peekable(), checkpoints.iter().peekable());
    loop {
        let next_line = li.peek().map(|l| l.member_id);
        let next_checkpoint = ci.peek().map(|c| c.0);
        let member = match (next_line, next_checkpoint) {
            (None, None) => return Ok(()),
            (Some(l), Some(c)) => l.min(c),
            (Some(id), None) | (None, Some(id)) => id,
        };
        let weeks: &[WeekLine] = match li.next_if(|l| l.member_id == member) {
            Some(l) => &l.weeks,
            None => &[],
        };
        let rank = ci.next_if(|c| c.0 == member).map(|c| c.1);
        if weeks.is_empty() && rank.is_none() {
            continue;
        }
        let _ = write!(out, "{month}\t{member}\t");
        match weeks.first() {
            Some(w) => out.push_str(&w.week_start),
            None => out.push_str("\\N"),
        }
        for (i, w) in weeks.iter().enumerate() {
            let expected = weeks[0].week_start_day + 7 * i as Day;
            if w.week_start_day != expected {
                bail!("member {member}: week {} does not follow the previous one", w.week_start);
            }
        }
        let fields: [fn(&WeekLine) -> u16; 4] =
            [|w| w.rank_start, |w| w.rank_end, |w| w.paid_days.into(), |w| w.active_days.into()];
        for field in fields {
            out.push_str("\t{");
            for (i, w) in weeks.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                let _ = write!(out, "{}", field(w));
            }
            out.push('}');
        }
        match rank {
            Some(r) => {
                let _ = writeln!(out, "\t{r}");
            }
            None => out.push_str("\t\\N\n"),
        }
    }
}

/// Replaces the month's derived rows in one transaction; the bulk rows go in with `COPY`.
pub(super) async fn persist(
    pool: &PgPool,
    report: &Report,
    sha256: &str,
    checkpoints: NextCheckpoints<'_>,
) -> anyhow::Result<()> {
    let month = report.month.as_str();
    let mut tx = pool.begin().await?;
    // Serialize concurrent runs for the same month.
    sqlx::query("SELECT pg_advisory_xact_lock(hashtext('stk-report:' || $1))")
        .bind(month)
        .execute(&mut *tx)
        .await?;
    let frozen: Option<bool> =
        sqlx::query_scalar("SELECT frozen FROM monthly_reports WHERE month = $1 FOR UPDATE")
            .bind(month)
            .fetch_optional(&mut *tx)
            .await?;
    if frozen == Some(true) {
        bail!("the report of {month} was frozen meanwhile");
    }
    // The derived rows first, set by set: the cascade from `monthly_reports` would delete
    // them one row-trigger at a time.
    for table in ["member_walks", "quarantined_inputs", "allocations"] {
        sqlx::query(&format!("DELETE FROM {table} WHERE month = $1"))
            .bind(month)
            .execute(&mut *tx)
            .await?;
    }
    sqlx::query("DELETE FROM monthly_reports WHERE month = $1")
        .bind(month)
        .execute(&mut *tx)
        .await?;
    sqlx::query("DELETE FROM pending_allocations WHERE origin_month = $1")
        .bind(month)
        .execute(&mut *tx)
        .await?;
    sqlx::query("UPDATE pending_allocations SET settled_month = NULL WHERE settled_month = $1")
        .bind(month)
        .execute(&mut *tx)
        .await?;
    let t = &report.totals;
    sqlx::query(
        "INSERT INTO monthly_reports (month, config_sha256, report_sha256, pool, allocated_total,
             payable_total, pending_total, members_credited, quarantined, checkpoint_week)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, DATE '1970-01-01' + $10::int)",
    )
    .bind(month)
    .bind(&report.config_sha256)
    .bind(sha256)
    .bind(report.emission.pool as i64)
    .bind(t.allocated as i64)
    .bind(t.payable as i64)
    .bind(t.pending_out as i64)
    .bind(t.members_credited as i32)
    .bind(report.quarantine.rows.len() as i32)
    .bind(checkpoints.week_start)
    .execute(&mut *tx)
    .await?;

    let mut rows = String::with_capacity(report.members.len() * 96);
    for l in &report.members {
        let _ = write!(
            rows,
            "{month}\t{}\t{}\t{}\t{}\t{}\t",
            l.member_id, l.credit, l.allocation, l.pending_in, l.payable
        );
        copy_opt_text(&mut rows, l.wallet.as_deref(), '\n');
    }
    copy_in(
        &mut tx,
        "allocations (month, member_id, credit, allocation, pending_in, payable, wallet)",
        &rows,
    )
    .await?;

    rows.clear();
    write_member_walks(&mut rows, month, &report.members, checkpoints.ranks)?;
    copy_in(
        &mut tx,
        "member_walks (month, member_id, first_week, rank_start, rank_end, paid_days, active_days, next_week_rank)",
        &rows,
    )
    .await?;

    rows.clear();
    for q in &report.quarantine.rows {
        let _ = write!(rows, "{month}\t{}\t{}\t", q.source_table, q.source_id);
        copy_opt_text(&mut rows, q.member_id.map(|m| m.to_string()).as_deref(), '\t');
        copy_text(&mut rows, &q.reason);
        rows.push('\t');
        copy_text(&mut rows, &q.detail);
        rows.push('\n');
    }
    copy_in(
        &mut tx,
        "quarantined_inputs (month, source_table, source_id, member_id, reason, detail)",
        &rows,
    )
    .await?;

    // Carry: allocations of members without a valid wallet become pending; open pending of
    // members who now have one is settled into this month (their `payable` includes it).
    rows.clear();
    for l in report.members.iter().filter(|l| l.wallet.is_none() && l.allocation > 0) {
        let _ = writeln!(rows, "{}\t{month}\t{}", l.member_id, l.allocation);
    }
    copy_in(&mut tx, "pending_allocations (member_id, origin_month, amount)", &rows).await?;
    let settled: Vec<i64> = report
        .members
        .iter()
        .filter(|l| l.wallet.is_some() && l.pending_in > 0)
        .map(|l| l.member_id)
        .collect();
    if !settled.is_empty() {
        sqlx::query(
            "UPDATE pending_allocations SET settled_month = $1
             WHERE member_id = ANY($2) AND origin_month < $1 AND settled_month IS NULL",
        )
        .bind(month)
        .bind(&settled)
        .execute(&mut *tx)
        .await?;
    }
    tx.commit().await?;
    Ok(())
}
