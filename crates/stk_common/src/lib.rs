//! # stk-common
//!
//! Everything that several parts of STK must agree on lives here, once:
//!
//! * [`ids`] — the five program ids (they must match each program's `declare_id!` and
//!   `Anchor.toml`; a harness test checks it),
//! * [`seeds`] — every PDA seed and the derivations built on them,
//! * [`schedule`] — the quarterly emission schedule (pure integer math, usable on-chain),
//! * [`calendar`] — months, quarters and their start instants in the community's time zone,
//! * [`fixed`] — the fixed-point format of on-chain prices,
//! * [`merkle`] — Merkle trees by hashing domain: the sale allowlist's leaves, proofs, builder,
//! * [`payout_plan`] — the treasury's payout plan: line leaves, batch roots, the plan hash,
//!   plan pages and why a recipient is skipped,
//! * [`deploy`] — the upgrade-authority check that guards every program's `initialize`,
//! * [`authority`] — the two-step (propose / accept) rotation of every program's admin,
//! * [`account`] — PDA account creation that survives lamports sent to the address first.
//!
//! The crate is `no_std`-friendly in spirit: no floats, no clocks, no allocation in the math,
//! so the programs can use it under SBF and the distributor gets bit-identical answers.

pub mod calendar;
pub mod deploy;
pub mod event;
pub mod fixed;
pub mod ids;
pub mod merkle;
pub mod payout_plan;
pub mod schedule;
pub mod seeds;
pub mod token;

pub mod account;
pub mod authority;

/// Basis points in one whole (100%).
pub const BPS_DENOMINATOR: u64 = 10_000;

/// Token symbol and name written into the Token-2022 metadata.
pub const TOKEN_NAME: &str = "SysTok";
pub const TOKEN_SYMBOL: &str = "STK";

/// The hard cap, in whole tokens. In base units it is `CAP_WHOLE_TOKENS * 10^decimals`.
pub const CAP_WHOLE_TOKENS: u64 = 21_000_000;

/// Default number of decimals of the STK mint.
pub const DEFAULT_DECIMALS: u8 = 6;

/// The cap in base units for a mint with `decimals` decimals, `None` if it does not fit a u64.
pub fn cap_base_units(decimals: u8) -> Option<u64> {
    10u64.checked_pow(decimals as u32)?.checked_mul(CAP_WHOLE_TOKENS)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cap_fits_for_supported_decimals() {
        assert_eq!(cap_base_units(6), Some(21_000_000_000_000));
        assert_eq!(cap_base_units(9), Some(21_000_000_000_000_000));
        assert_eq!(cap_base_units(12), None);
    }
}
