//! Decimal amounts typed by an operator ("1500.25") to base units and back, exactly (no
//! floats): STK with the mint's decimals, fiat with the treasury's `fiat_decimals`.

/// `text` ("12", "12.5", "0.000001") in units of `10^-decimals`. Refuses signs, exponents,
/// more fractional digits than `decimals` (they would be silently dropped) and overflow.
pub fn parse_units(text: &str, decimals: u8) -> Result<u64, String> {
    let t = text.trim().replace('_', "");
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    let (whole, frac) = t.split_once('.').unwrap_or((t.as_str(), ""));
    let well_formed = match t.contains('.') {
        false => digits(whole),
        true => (whole.is_empty() || digits(whole)) && digits(frac),
    };
    if !well_formed {
        return Err(format!("{text:?} is not a decimal amount"));
    }
    if frac.len() > decimals as usize {
        return Err(format!("{text:?} has more than {decimals} decimal places"));
    }
    let scale = 10u64.checked_pow(decimals as u32).ok_or("too many decimals")?;
    let whole: u64 = if whole.is_empty() { 0 } else { whole.parse().map_err(|_| "too large")? };
    let padded = format!("{frac:0<width$}", width = decimals as usize);
    let frac: u64 = if padded.is_empty() { 0 } else { padded.parse().map_err(|_| "too large")? };
    whole
        .checked_mul(scale)
        .and_then(|w| w.checked_add(frac))
        .ok_or_else(|| format!("{text:?} is too large"))
}

/// `amount` base units as a decimal with `decimals` places, trailing zeros trimmed.
pub fn format_units(amount: u64, decimals: u8) -> String {
    let scale = 10u128.pow(decimals as u32);
    let (whole, frac) = (amount as u128 / scale, amount as u128 % scale);
    if frac == 0 {
        return whole.to_string();
    }
    let frac = format!("{frac:0>width$}", width = decimals as usize);
    format!("{whole}.{}", frac.trim_end_matches('0'))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn parses_whole_and_fractional_amounts() {
        assert_eq!(parse_units("12", 6), Ok(12_000_000));
        assert_eq!(parse_units("12.5", 6), Ok(12_500_000));
        assert_eq!(parse_units(".5", 2), Ok(50));
        assert_eq!(parse_units("1_000.01", 2), Ok(100_001));
        assert_eq!(parse_units("7", 0), Ok(7));
    }

    #[test]
    fn refuses_what_would_be_silently_wrong() {
        for bad in ["", ".", "-1", "1e6", "1.2.3", "abc", "1.", " "] {
            assert!(parse_units(bad, 6).is_err(), "{bad:?} accepted");
        }
        assert!(parse_units("0.1234567", 6).unwrap_err().contains("more than 6"));
        assert!(parse_units("18446744073709551616", 0).is_err());
        assert!(parse_units("18446744073709.551616", 6).is_err());
    }

    proptest! {
        #[test]
        fn format_then_parse_is_the_identity(amount: u64, decimals in 0u8..=9) {
            prop_assert_eq!(parse_units(&format_units(amount, decimals), decimals), Ok(amount));
        }
    }
}
