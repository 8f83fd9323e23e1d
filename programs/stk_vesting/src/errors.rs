use crate::curve::CurveError;
use anchor_lang::prelude::*;

#[error_code]
pub enum VestingError {
    #[msg("schedule: need start <= cliff <= end and end > start")]
    ScheduleBounds,
    #[msg("schedule: period must be positive and at most end - start")]
    SchedulePeriod,
    #[msg("amount must be greater than zero")]
    ZeroAmount,
    #[msg("beneficiary must be a real wallet, not the default key")]
    InvalidBeneficiary,
    #[msg("nothing has vested since the last claim: try again after the next unlock")]
    NothingToClaim,
    #[msg("only the grant's beneficiary may do this")]
    NotBeneficiary,
    #[msg("only the grant's authority (its creator) may revoke it")]
    NotGrantAuthority,
    #[msg("this grant was created non-revocable")]
    NotRevocable,
    #[msg("this grant was already revoked")]
    AlreadyRevoked,
    #[msg("claims go to the beneficiary's associated token account of the STK mint")]
    WrongDestination,
    #[msg("a token transfer did not move the expected amount")]
    TransferMismatch,
    #[msg("sale price: numerator and denominator must be positive")]
    SalePrice,
    #[msg("sale window: start must be before end")]
    SaleWindow,
    #[msg("sale total must be positive and at most the sale vault's balance")]
    SaleTotal,
    #[msg("the allowlist root must not be all zeros")]
    SaleAllowlistRoot,
    #[msg("the sale is not open at this time (before start or after end)")]
    OutsideSaleWindow,
    #[msg("the sale is closed")]
    SaleClosed,
    #[msg("the sale has not ended and is not sold out yet")]
    SaleStillOpen,
    #[msg("wallet and cap are not on the allowlist (bad proof)")]
    NotOnAllowlist,
    #[msg("allowlist proof is longer than 24 hashes")]
    ProofTooLong,
    #[msg("this purchase would exceed the wallet's allowlisted cap")]
    CapExceeded,
    #[msg("the sale's total is sold out (or this purchase would exceed it)")]
    SoldOut,
    #[msg("payment mint is not the sale's payment mint")]
    WrongPaymentMint,
    #[msg("payment destination is not the one fixed at open_sale")]
    WrongPaymentDestination,
    #[msg("unsold destination is not the one fixed at open_sale")]
    WrongUnsoldDestination,
    #[msg("the sale member record belongs to another sale or wallet")]
    WrongMemberRecord,
    #[msg("arithmetic overflow")]
    Overflow,
    #[msg("the signer is not this program's upgrade authority")]
    NotUpgradeAuthority,
    #[msg("signer is not the vesting config's admin")]
    NotAdmin,
    #[msg("signer is not the proposed admin (or no proposal is pending)")]
    NotProposedAdmin,
    #[msg("the unsold destination must be the treasury's distribution vault (unsold genesis tokens return to circulation)")]
    UnsoldNotDistributionVault,
}

impl From<CurveError> for VestingError {
    fn from(e: CurveError) -> Self {
        match e {
            CurveError::Bounds => VestingError::ScheduleBounds,
            CurveError::Period => VestingError::SchedulePeriod,
        }
    }
}

/// Lifts a curve error into this program's error.
pub fn curve_err(e: CurveError) -> Error {
    error!(VestingError::from(e))
}
