use crate::{council::CouncilError, tranches::TrancheError};
use anchor_lang::prelude::*;

#[error_code]
pub enum FundError {
    #[msg("council must have between 1 and 10 members")]
    CouncilSize,
    #[msg("council members must not be the default (all-zero) key")]
    CouncilDefaultKey,
    #[msg("council members must be distinct keys")]
    CouncilDuplicate,
    #[msg("threshold must be between 1 and the number of council members")]
    Threshold,
    #[msg("lock period must be between 3 and 5 years (94,672,800..=157,788,000 seconds)")]
    LockPeriod,
    #[msg("signer is not a member of the current council")]
    NotCouncilMember,
    #[msg("this council member already approved the proposal")]
    AlreadyApproved,
    #[msg("this council member already voted to cancel the proposal")]
    AlreadyVotedToCancel,
    #[msg("the proposal was already executed or cancelled")]
    NotPending,
    #[msg("the council changed since this proposal was made: cancel it and propose again")]
    StaleProposal,
    #[msg("not enough council approvals to execute this proposal")]
    ThresholdNotMet,
    #[msg("this proposal is of another kind: use the matching execute instruction")]
    WrongAction,
    #[msg("project account is not the proposal's project")]
    WrongProject,
    #[msg("recipient token account is not the proposal's recipient")]
    WrongRecipient,
    #[msg("the fund's own vault cannot receive an investment")]
    RecipientIsVault,
    #[msg("amount must be greater than zero")]
    ZeroAmount,
    #[msg("amount (with transfer fee) exceeds the fund's unlocked balance; wait for tranches to unlock")]
    InsufficientUnlocked,
    #[msg("the vault holds less than the fund has accounted for; investigate before recording")]
    VaultShortfall,
    #[msg("all tranche slots are pending; wait for the earliest tranche to unlock")]
    TooManyTranches,
    #[msg("the token transfer did not move the expected amounts")]
    TransferMismatch,
    #[msg("the vault received nothing (the transfer fee took the whole amount)")]
    NothingReceived,
    #[msg("arithmetic overflow")]
    Overflow,
    #[msg("the signer is not this program's upgrade authority")]
    NotUpgradeAuthority,
    // Investments paid as vesting grants (appended: earlier codes stay stable).
    #[msg("vesting schedule: need start <= cliff <= end and end > start")]
    ScheduleBounds,
    #[msg("vesting schedule: period must be positive and at most end - start")]
    SchedulePeriod,
    #[msg("the beneficiary must be a wallet (owned by the system program), not a token or program account")]
    BeneficiaryNotWallet,
    #[msg("the vesting grant created does not match the proposal (grant id, beneficiary, schedule, total, vault)")]
    GrantMismatch,
    #[msg(
        "the beneficiary must be a wallet key on the ed25519 curve (a PDA cannot sign its claims)"
    )]
    BeneficiaryOffCurve,
    #[msg("the signer is not the key registered to record this project's returns")]
    NotProjectReturner,
    #[msg("a project's returner must not be the default key")]
    InvalidReturner,
}

impl From<stk_vesting::curve::CurveError> for FundError {
    fn from(e: stk_vesting::curve::CurveError) -> Self {
        match e {
            stk_vesting::curve::CurveError::Bounds => FundError::ScheduleBounds,
            stk_vesting::curve::CurveError::Period => FundError::SchedulePeriod,
        }
    }
}

impl From<CouncilError> for FundError {
    fn from(e: CouncilError) -> Self {
        match e {
            CouncilError::Size => FundError::CouncilSize,
            CouncilError::DefaultKey => FundError::CouncilDefaultKey,
            CouncilError::Duplicate => FundError::CouncilDuplicate,
            CouncilError::Threshold => FundError::Threshold,
        }
    }
}

impl From<TrancheError> for FundError {
    fn from(e: TrancheError) -> Self {
        match e {
            TrancheError::Full => FundError::TooManyTranches,
            TrancheError::Overflow => FundError::Overflow,
        }
    }
}
