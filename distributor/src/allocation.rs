//! Monthly allocation (pure): daily credits and the largest-remainder split of the pool.
use crate::config::{RankRow, CREDIT_UNITS_PER_POINT};

/// `min(points × weight_bps, daily_cap × 10000)` in credit units (1/10000 point): integer,
/// never rounded.
pub fn daily_credit(points: u64, row: RankRow) -> u64 {
    points
        .saturating_mul(row.weight_bps as u64)
        .min((row.daily_cap as u64).saturating_mul(CREDIT_UNITS_PER_POINT))
}

/// Splits `pool` over `credits` (`(member_id, credit)`, any order) proportionally, rounded by
/// the largest-remainder method: everyone gets `⌊pool·c/C⌋`, and the units left over go one
/// each to the largest remainders `pool·c mod C`, ties broken by the smaller member id.
/// The result is in the order of `credits` and sums to exactly `pool` — unless the total
/// credit is zero, in which case nobody gets anything (the pool stays in the treasury).
pub fn split_pool(pool: u64, credits: &[(i64, u64)]) -> Vec<u64> {
    let total: u128 = credits.iter().map(|&(_, c)| c as u128).sum();
    if total == 0 {
        return vec![0; credits.len()];
    }
    let mut shares = Vec::with_capacity(credits.len());
    let mut remainders = Vec::with_capacity(credits.len());
    let mut given: u128 = 0;
    for (i, &(member, c)) in credits.iter().enumerate() {
        let product = pool as u128 * c as u128;
        let share = product / total;
        given += share;
        shares.push(share as u64);
        if c > 0 {
            remainders.push((product % total, member, i));
        }
    }
    let leftover = (pool as u128 - given) as usize;
    remainders.sort_unstable_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
    for &(_, _, i) in remainders.iter().take(leftover) {
        shares[i] += 1;
    }
    shares
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn cap_and_weight() {
        let row = RankRow { daily_cap: 60, weight_bps: 15_000 };
        assert_eq!(daily_credit(10, row), 150_000);
        assert_eq!(daily_credit(100, row), 600_000);
    }

    #[test]
    fn tie_break_by_member_id() {
        // 10 units over three equal credits: 3 each, the spare unit to the smallest id.
        assert_eq!(split_pool(10, &[(7, 1), (3, 1), (5, 1)]), vec![3, 4, 3]);
        assert_eq!(split_pool(10, &[(1, 0), (2, 0)]), vec![0, 0]);
        assert_eq!(split_pool(5, &[(1, 0), (2, 3)]), vec![0, 5]);
    }

    proptest! {
        #[test]
        fn sums_exactly_and_within_one_unit(
            pool in 0u64..=21_000_000_000_000,
            credits in proptest::collection::vec(0u64..=5_000_000_000, 1..60),
        ) {
            let input: Vec<(i64, u64)> =
                credits.iter().enumerate().map(|(i, &c)| (i as i64 * 7 + 1, c)).collect();
            let out = split_pool(pool, &input);
            let total: u128 = credits.iter().map(|&c| c as u128).sum();
            if total == 0 {
                prop_assert!(out.iter().all(|&s| s == 0));
            } else {
                prop_assert_eq!(out.iter().map(|&s| s as u128).sum::<u128>(), pool as u128);
                for (&(_, c), &s) in input.iter().zip(&out) {
                    let floor = pool as u128 * c as u128 / total;
                    prop_assert!(s as u128 == floor || s as u128 == floor + 1);
                }
            }
            // Order of the input does not matter.
            let mut rev = input.clone();
            rev.reverse();
            let mut out_rev = split_pool(pool, &rev);
            out_rev.reverse();
            prop_assert_eq!(out, out_rev);
        }
    }
}
