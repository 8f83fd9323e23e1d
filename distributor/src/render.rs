//! Rendering the report: canonical JSON (struct field order, integers, no floats, no
//! generation time), CSV, and a self-contained HTML page with inline SVG charts (no script,
//! no external resource). All three are byte-for-byte functions of the [`Report`].
use crate::{config::Config, report::types::Report};
use sha2::{Digest, Sha256};
use std::fmt::Write;

pub fn canonical_json(report: &Report) -> Vec<u8> {
    let mut v = serde_json::to_vec(report).expect("report serializes");
    v.push(b'\n');
    v
}

pub fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// Base units as a decimal token amount (6 decimals by default).
pub fn tokens(amount: u64, decimals: u8) -> String {
    if decimals == 0 {
        return amount.to_string();
    }
    let unit = 10u64.pow(decimals as u32);
    format!("{}.{:0w$}", amount / unit, amount % unit, w = decimals as usize)
}

fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

/// One line per listed member; amounts in base units.
pub fn csv(report: &Report) -> Vec<u8> {
    let mut out = String::from(
        "month,member_id,qualification,rank_end,days_paid,days_active,points,credit,allocation,pending_in,payable,pending_out,wallet,week_ranks\n",
    );
    for l in &report.members {
        let weeks: Vec<String> = l
            .weeks
            .iter()
            .map(|w| format!("{}:{}>{}", w.week_start, w.rank_start, w.rank_end))
            .collect();
        let _ = writeln!(
            out,
            "{},{},{},{},{},{},{},{},{},{},{},{},{},{}",
            report.month,
            l.member_id,
            csv_field(&l.qualification),
            l.rank_end,
            l.days_paid,
            l.days_active,
            l.points,
            l.credit,
            l.allocation,
            l.pending_in,
            l.payable,
            l.pending_out,
            csv_field(l.wallet.as_deref().unwrap_or("")),
            csv_field(&weeks.join(" ")),
        );
    }
    out.into_bytes()
}

fn esc(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

/// A bar chart as inline SVG: `bars` are (label, value); integer geometry only.
fn bar_chart(title: &str, bars: &[(String, u64)]) -> String {
    let (w, h, pad) = (720u64, 240u64, 30u64);
    let max = bars.iter().map(|b| b.1).max().unwrap_or(0).max(1);
    let n = bars.len().max(1) as u64;
    let slot = (w - 2 * pad) / n;
    let mut s = format!(
        "<figure><figcaption>{}</figcaption><svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{w}\" height=\"{h}\" viewBox=\"0 0 {w} {h}\" role=\"img\">",
        esc(title)
    );
    let _ = write!(
        s,
        "<line x1=\"{pad}\" y1=\"{}\" x2=\"{}\" y2=\"{}\" stroke=\"#333\"/>",
        h - pad,
        w - pad,
        h - pad
    );
    for (i, (label, v)) in bars.iter().enumerate() {
        let bh = (h - 2 * pad) * v / max;
        let x = pad + i as u64 * slot;
        let _ = write!(
            s,
            "<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{bh}\" fill=\"#3b6ea5\"><title>{}: {v}</title></rect>",
            x + 1,
            h - pad - bh,
            slot.saturating_sub(2).max(1),
            esc(label)
        );
        if bars.len() <= 40 || i % (bars.len() / 20 + 1) == 0 {
            let _ = write!(
                s,
                "<text x=\"{}\" y=\"{}\" font-size=\"9\" text-anchor=\"middle\">{}</text>",
                x + slot / 2,
                h - pad + 12,
                esc(label)
            );
        }
    }
    let _ = write!(
        s,
        "<text x=\"{pad}\" y=\"{}\" font-size=\"10\">max {max}</text></svg></figure>",
        pad - 8
    );
    s
}

/// The allocation histogram: 20 equal-width bins from 0 to the largest allocation.
fn allocation_bins(report: &Report, decimals: u8) -> Vec<(String, u64)> {
    let allocs: Vec<u64> =
        report.members.iter().filter(|l| l.allocation > 0).map(|l| l.allocation).collect();
    let max = allocs.iter().copied().max().unwrap_or(0);
    if max == 0 {
        return Vec::new();
    }
    let bins = 20u64;
    let width = max / bins + 1;
    let mut counts = vec![0u64; bins as usize];
    for a in allocs {
        counts[((a / width) as usize).min(bins as usize - 1)] += 1;
    }
    counts
        .into_iter()
        .enumerate()
        .map(|(i, c)| {
            (
                format!(
                    "≤{}",
                    tokens((i as u64 + 1) * width, decimals).split('.').next().unwrap_or("0")
                ),
                c,
            )
        })
        .collect()
}

/// The directive quote's history (DESIGN §5.4), when the report carries it.
fn quote_table(s: &mut String, quotes: &[crate::report::QuoteLine], stk_decimals: u8) {
    if quotes.is_empty() {
        return;
    }
    s.push_str(
        "<h2>Directive quote</h2><table><tr><th>quarter</th><th>budget</th><th>backing %</th><th>backing</th><th>receipts</th><th>backing to date</th><th>STK issued</th><th>price per STK</th></tr>\n",
    );
    for q in quotes {
        let fiat = |v: u64| crate::ops::units::format_units(v, q.fiat_decimals);
        let _ = writeln!(
            s,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            q.quarter,
            esc(&fiat(q.budget)),
            esc(&crate::ops::units::format_units(u64::from(q.backing_bps), 2)),
            esc(&fiat(q.backing)),
            esc(&fiat(q.receipts_recognized)),
            esc(&fiat(q.cumulative_backing)),
            esc(&tokens(q.tokens_issued, stk_decimals)),
            esc(&stk_common::fixed::format_price(q.price)),
        );
    }
    s.push_str("</table>\n");
}

/// Lamports as SOL (9 decimals, signed).
pub fn sol(lamports: i64) -> String {
    let sign = if lamports < 0 { "-" } else { "" };
    let l = lamports.unsigned_abs();
    format!("{sign}{}.{:09}", l / 1_000_000_000, l % 1_000_000_000)
}

/// What paying the earlier months cost, when the report carries it.
fn cost_table(s: &mut String, costs: &[crate::report::PayoutCostLine]) {
    if costs.is_empty() {
        return;
    }
    s.push_str(
        "<h2>Payout costs of earlier months</h2><p>Fees are spent; rent is held: by the members' token accounts (theirs), by the lookup tables and the epoch until they are closed.</p><table><tr><th>month</th><th>recipients</th><th>transactions</th><th>fees (SOL)</th><th>fees per recipient (lamports)</th><th>token accounts created</th><th>their rent (SOL)</th><th>lookup-table rent (SOL)</th><th>epoch rent (SOL)</th></tr>\n",
    );
    for c in costs {
        let per = if c.recipients > 0 { c.fee_lamports / c.recipients as i64 } else { 0 };
        let _ = writeln!(
            s,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{per}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            esc(&c.month),
            c.recipients,
            c.transactions,
            sol(c.fee_lamports),
            c.token_accounts_created,
            sol(c.token_account_rent),
            sol(c.lookup_table_rent),
            sol(c.epoch_rent),
        );
    }
    s.push_str("</table>\n");
}

pub fn html(report: &Report, sha256: &str, config: &Config) -> Vec<u8> {
    let d = config.emission.decimals;
    let t = &report.totals;
    let mut s = String::new();
    let _ = write!(
        s,
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>STK monthly report {m}</title>\
<style>body{{font-family:sans-serif;margin:2em;color:#222}}table{{border-collapse:collapse}}td,th{{border:1px solid #ccc;padding:2px 6px;text-align:right}}th{{background:#eee}}td.l{{text-align:left}}code{{font-size:90%}}</style></head><body>\n\
<h1>STK monthly report — {m}</h1>\n<p>Report SHA-256 (of report.json): <code>{sha256}</code><br>Configuration SHA-256: <code>{cfg}</code><br>Time zone: {tz}</p>\n",
        m = esc(&report.month),
        cfg = esc(&report.config_sha256),
        tz = esc(&report.time_zone),
    );
    let b = &report.rank_basis;
    match (&b.resumed_from_month, &b.resumed_from_report_sha256) {
        (Some(m), Some(sha)) => {
            let _ = writeln!(
                s,
                "<p>Ranks resumed from the frozen report of {} (<code>{}</code>): {} members resumed, {} walked from their start (joining, or the launch day); activity read from {}.</p>",
                esc(m),
                esc(sha),
                b.members_resumed,
                b.members_walked_from_joining,
                esc(b.activity_read_from.as_deref().unwrap_or("")),
            );
        }
        _ => {
            let _ = writeln!(
                s,
                "<p>Ranks walked from each member's start (the later of joining and the launch day) over all recorded activity ({} members).</p>",
                b.members_walked_from_joining
            );
        }
    }
    s.push_str("<h2>Totals</h2><table>\n");
    let rows: Vec<(&str, String)> = vec![
        ("Month allowance (STK)", tokens(report.emission.month_allowance, d)),
        ("Member share (bps)", report.emission.member_share_bps.to_string()),
        ("Pool (STK)", tokens(report.emission.pool, d)),
        ("Allocated (STK)", tokens(t.allocated, d)),
        ("Unallocated (STK)", tokens(t.unallocated, d)),
        ("Pending carried in (STK)", tokens(t.pending_in, d)),
        ("Payable now (STK)", tokens(t.payable, d)),
        ("Pending carried out (STK)", tokens(t.pending_out, d)),
        ("Members listed", t.members_listed.to_string()),
        ("Members credited", t.members_credited.to_string()),
        ("Members without a valid wallet", t.members_without_valid_wallet.to_string()),
        ("Free users with activity (no allocation)", t.free_users_active.to_string()),
        ("Events accepted", t.events_accepted.to_string()),
        ("Input rows quarantined", report.quarantine.rows.len().to_string()),
    ];
    for (k, v) in rows {
        let _ = writeln!(s, "<tr><th class=\"l\">{}</th><td>{}</td></tr>", esc(k), esc(&v));
    }
    s.push_str("</table>\n");
    quote_table(&mut s, &report.quotes, d);
    cost_table(&mut s, &report.payout_costs);
    s.push_str("<h2>Quarantine</h2><table><tr><th>reason</th><th>rows</th></tr>\n");
    for (k, v) in &report.quarantine.counts {
        let _ = writeln!(s, "<tr><td class=\"l\">{}</td><td>{v}</td></tr>", esc(k));
    }
    s.push_str("</table>\n<h2>Charts</h2>\n");
    s.push_str(&bar_chart(
        "Allocation distribution (members per allocation bin, STK)",
        &allocation_bins(report, d),
    ));
    let ranks: Vec<(String, u64)> =
        report.rank_distribution.iter().map(|r| (r.rank.to_string(), r.members)).collect();
    s.push_str(&bar_chart("Paying members per rank at the end of the month", &ranks));
    s.push_str(
        "\n<h2>Members</h2><table><tr><th>member</th><th>qualification</th><th>rank</th><th>days paid</th><th>days active</th><th>points</th><th>credit</th><th>allocation</th><th>pending in</th><th>payable</th><th>pending out</th><th class=\"l\">wallet</th><th class=\"l\">weekly ranks</th></tr>\n",
    );
    for l in &report.members {
        let weeks: Vec<String> =
            l.weeks.iter().map(|w| format!("{}→{}", w.rank_start, w.rank_end)).collect();
        let _ = writeln!(
            s,
            "<tr><td>{}</td><td class=\"l\">{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td class=\"l\"><code>{}</code></td><td class=\"l\">{}</td></tr>",
            l.member_id,
            esc(&l.qualification),
            l.rank_end,
            l.days_paid,
            l.days_active,
            l.points,
            l.credit,
            tokens(l.allocation, d),
            tokens(l.pending_in, d),
            tokens(l.payable, d),
            tokens(l.pending_out, d),
            esc(l.wallet.as_deref().unwrap_or("— (pending)")),
            esc(&weeks.join(" ")),
        );
    }
    s.push_str("</table>\n</body></html>\n");
    s.into_bytes()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn token_formatting() {
        assert_eq!(tokens(1_500_000, 6), "1.500000");
        assert_eq!(tokens(7, 6), "0.000007");
        assert_eq!(csv_field("a,b"), "\"a,b\"");
    }
}
