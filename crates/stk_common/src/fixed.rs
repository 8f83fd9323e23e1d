//! Fixed-point format of on-chain prices: an unsigned integer scaled by [`PRICE_SCALE`]
//! (1e9), i.e. "fiat minor units per STK base unit" is avoided; the quote is stored as
//! "fiat units per whole STK × 1e9" so that 1.333… RUB/STK reads 1_333_333_333.
pub const PRICE_SCALE: u128 = 1_000_000_000;

/// `numerator / denominator` as a scaled price, rounded down. `None` on a zero denominator
/// or when the result does not fit a u64.
pub fn ratio_to_price(numerator: u128, denominator: u128) -> Option<u64> {
    if denominator == 0 {
        return None;
    }
    let scaled = numerator.checked_mul(PRICE_SCALE)? / denominator;
    u64::try_from(scaled).ok()
}

/// Renders a scaled price with 9 decimals, for logs and reports.
pub fn format_price(price: u64) -> String {
    let whole = price as u128 / PRICE_SCALE;
    let frac = price as u128 % PRICE_SCALE;
    format!("{whole}.{frac:09}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn worked_example_of_the_design() {
        // 2,000k RUB of backing over 1,500k STK issued -> 1.333333333 RUB per STK.
        let p = ratio_to_price(2_000_000, 1_500_000).unwrap();
        assert_eq!(p, 1_333_333_333);
        assert_eq!(format_price(p), "1.333333333");
    }

    #[test]
    fn zero_denominator_is_none() {
        assert_eq!(ratio_to_price(1, 0), None);
    }
}
