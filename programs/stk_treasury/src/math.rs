//! Pure arithmetic of the treasury, apart from account plumbing: the batch bitmap, duplicate
//! recipients, the fee split, one-time receipt recognition and the quote.
use anchor_lang::prelude::Pubkey;
use stk_common::{fixed::ratio_to_price, BPS_DENOMINATOR};

/// Whether bit `index` is set. `index` must be below `bitmap.len() * 8`.
pub fn bit_is_set(bitmap: &[u8], index: u16) -> bool {
    bitmap[index as usize / 8] & (1 << (index % 8)) != 0
}

/// Sets bit `index`.
pub fn set_bit(bitmap: &mut [u8], index: u16) {
    bitmap[index as usize / 8] |= 1 << (index % 8);
}

/// Whether some key appears twice (a batch pays each account at most once). Sorts a copy:
/// O(n log n) for the ≤ 64 recipients of a batch.
pub fn has_duplicate_key(keys: &[Pubkey]) -> bool {
    let mut sorted = keys.to_vec();
    sorted.sort_unstable();
    sorted.windows(2).any(|pair| pair[0] == pair[1])
}

/// `(staking_rewards, startup_fund, rest)` of `amount`; the shares round down and the rest
/// takes the dust, so the three always sum to `amount`. `None` if the bps sum exceeds 100%.
pub fn split_fees(amount: u64, staking_bps: u16, startup_bps: u16) -> Option<(u64, u64, u64)> {
    if staking_bps as u64 + startup_bps as u64 > BPS_DENOMINATOR {
        return None;
    }
    let share = |bps: u16| (amount as u128 * bps as u128 / BPS_DENOMINATOR as u128) as u64;
    let (staking, startup) = (share(staking_bps), share(startup_bps));
    Some((staking, startup, amount - staking - startup))
}

/// `amount · bps / 10,000`, rounded down (`bps <= 10,000`).
pub fn bps_of(amount: u64, bps: u16) -> u64 {
    (amount as u128 * bps as u128 / BPS_DENOMINATOR as u128) as u64
}

/// The part of a one-time receipt recognized in the `k`-th quarter of its spread of
/// `quarters`: `⌊A(k+1)/N⌋ − ⌊Ak/N⌋`, so the parts sum to exactly `A`. Zero outside the spread.
pub fn receipt_share(amount: u64, quarters: u16, k: u16) -> u64 {
    if quarters == 0 || k >= quarters {
        return 0;
    }
    let upto = |i: u16| (amount as u128 * i as u128 / quarters as u128) as u64;
    upto(k + 1) - upto(k)
}

/// The directive quote in fiat units per whole STK × `PRICE_SCALE`: backing (fiat minor units,
/// `fiat_decimals`) over tokens issued (base units, `token_decimals`). `None` when nothing was
/// issued or the result does not fit.
pub fn quote_price(
    backing_minor: u64,
    fiat_decimals: u8,
    tokens_issued: u64,
    token_decimals: u8,
) -> Option<u64> {
    let numerator =
        (backing_minor as u128).checked_mul(10u128.checked_pow(token_decimals as u32)?)?;
    let denominator =
        (tokens_issued as u128).checked_mul(10u128.checked_pow(fiat_decimals as u32)?)?;
    ratio_to_price(numerator, denominator)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn bitmap_sets_only_its_bit() {
        let mut map = [0u8; 512];
        set_bit(&mut map, 4095);
        set_bit(&mut map, 9);
        assert!(bit_is_set(&map, 4095) && bit_is_set(&map, 9));
        assert!(!bit_is_set(&map, 8) && !bit_is_set(&map, 10) && !bit_is_set(&map, 0));
        assert_eq!(map.iter().map(|b| b.count_ones()).sum::<u32>(), 2);
    }

    #[test]
    fn worked_example_of_the_design() {
        // 2,000k RUB (in kopecks) of backing over 1,500k STK (6 decimals) -> 1.333333333.
        let p = quote_price(200_000_000, 2, 1_500_000_000_000, 6).unwrap();
        assert_eq!(p, 1_333_333_333);
        assert_eq!(quote_price(1, 2, 0, 6), None);
    }

    proptest! {
        #[test]
        fn duplicates_are_found_wherever_they_are(
            n in 1usize..64, a in 0usize..64, b in 0usize..64,
        ) {
            let keys: Vec<Pubkey> = (0..n).map(|i| Pubkey::new_from_array([i as u8; 32])).collect();
            prop_assert!(!has_duplicate_key(&keys));
            let (a, b) = (a % n, b % n);
            let mut with_copy = keys.clone();
            with_copy[a] = keys[b];
            prop_assert_eq!(has_duplicate_key(&with_copy), a != b);
        }

        #[test]
        fn fee_split_sums_to_the_amount(amount: u64, a in 0u16..=10_000, b in 0u16..=10_000) {
            match split_fees(amount, a, b) {
                Some((x, y, z)) => {
                    prop_assert!(a as u32 + b as u32 <= 10_000);
                    prop_assert_eq!(x as u128 + y as u128 + z as u128, amount as u128);
                    prop_assert_eq!(x, bps_of(amount, a));
                }
                None => prop_assert!(a as u32 + b as u32 > 10_000),
            }
        }

        #[test]
        fn receipt_shares_sum_to_the_receipt(amount: u64, quarters in 1u16..=40) {
            let total: u128 = (0..quarters).map(|k| receipt_share(amount, quarters, k) as u128).sum();
            prop_assert_eq!(total, amount as u128);
            prop_assert_eq!(receipt_share(amount, quarters, quarters), 0);
            for k in 0..quarters {
                let s = receipt_share(amount, quarters, k) as u128;
                prop_assert!(s * quarters as u128 <= amount as u128 + quarters as u128);
            }
        }

        #[test]
        fn bits_are_independent(indices in proptest::collection::vec(0u16..4096, 1..50), probe in 0u16..4096) {
            let mut map = [0u8; 512];
            for &i in &indices { set_bit(&mut map, i); }
            prop_assert_eq!(bit_is_set(&map, probe), indices.contains(&probe));
        }
    }
}
