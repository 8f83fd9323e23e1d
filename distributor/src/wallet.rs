//! Wallet validity: a Solana address is base58 that decodes to exactly 32 bytes.
use anchor_lang::prelude::Pubkey;
use std::str::FromStr;

/// `Ok(pubkey)` for a well-formed address, `Err(reason)` otherwise. Surrounding whitespace
/// is refused rather than trimmed: the registered value must be exactly the address.
pub fn parse_wallet(address: &str) -> Result<Pubkey, &'static str> {
    if address.is_empty() {
        return Err("empty address");
    }
    if address.len() > 44 || address.len() < 32 {
        return Err("not 32..=44 base58 characters");
    }
    Pubkey::from_str(address).map_err(|_| "not base58 of 32 bytes")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_real_and_refuses_junk() {
        assert!(parse_wallet("11111111111111111111111111111111").is_ok());
        assert!(parse_wallet("TokenzQdBNbLqP5VEhdkAS6EPFLC1PHnBqCXEpPxuEb").is_ok());
        for bad in [
            "",
            "0xdeadbeef",
            "TokenzQdBNbLqP5VEhdkAS6EPFLC1PHnBqCXEpPxuE0",
            " 11111111111111111111111111111111",
            "1111111111111111111111111111111",
        ] {
            assert!(parse_wallet(bad).is_err(), "{bad}");
        }
    }
}
