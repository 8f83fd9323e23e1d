//! Step 4, split: the pool over the members' credits (largest remainder), what is payable
//! now and what is carried, the totals and the quarantine summary.
use super::types::{MemberLine, QuarantineRow, QuarantineSummary, Totals};
use crate::allocation::split_pool;
use std::collections::BTreeMap;

/// Splits `pool_amount` over `lines` by credit, fills each line's allocation, payable and
/// pending out, and adds the sums to `totals`.
pub(super) fn split(pool_amount: u64, lines: &mut [MemberLine], totals: &mut Totals) {
    let credits: Vec<(i64, u64)> = lines.iter().map(|l| (l.member_id, l.credit)).collect();
    let shares = split_pool(pool_amount, &credits);
    for (line, share) in lines.iter_mut().zip(shares) {
        line.allocation = share;
        let owed = share + line.pending_in;
        if line.wallet.is_some() {
            line.payable = owed;
        } else {
            line.pending_out = owed;
            if owed > 0 {
                totals.members_without_valid_wallet += 1;
            }
        }
        totals.members_listed += 1;
        if line.credit > 0 {
            totals.members_credited += 1;
        }
        totals.total_credit += line.credit;
        totals.allocated += line.allocation;
        totals.pending_in += line.pending_in;
        totals.payable += line.payable;
        totals.pending_out += line.pending_out;
    }
    totals.unallocated = pool_amount - totals.allocated;
}

/// The refused rows, sorted, counted per reason; events among them are added to `totals`.
pub(super) fn quarantine_summary(
    mut quarantine: Vec<QuarantineRow>,
    totals: &mut Totals,
) -> QuarantineSummary {
    quarantine.sort();
    let mut counts: BTreeMap<String, u64> = BTreeMap::new();
    for q in &quarantine {
        *counts.entry(q.reason.clone()).or_default() += 1;
        if q.source_table != "wallets" && q.source_table != "qualification_grants" {
            totals.events_quarantined += 1;
        }
    }
    QuarantineSummary { counts, rows: quarantine }
}
