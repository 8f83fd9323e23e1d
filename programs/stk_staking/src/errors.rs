use anchor_lang::prelude::*;

#[error_code]
pub enum StakingError {
    #[msg("lock options: give 1 to 8 entries, durations strictly increasing (at most 5 years), multipliers 10000..=50000 bps non-decreasing, and 10000 bps for a zero duration")]
    InvalidLockOptions,
    #[msg("lock option index is not in the pool's table")]
    LockOptionOutOfRange,
    #[msg("the position is still locked with a higher multiplier: top up with an option of at least the current multiplier")]
    LockDowngrade,
    #[msg("the position is locked until lock_end_ts: unstake after it")]
    LockNotEnded,
    #[msg("amount must be greater than zero")]
    ZeroAmount,
    #[msg("nothing arrived in the vault (transfer fee took the whole amount?)")]
    NothingArrived,
    #[msg("amount exceeds the position's staked amount")]
    InsufficientStake,
    #[msg("no rewards to claim yet")]
    NothingToClaim,
    #[msg(
        "the reward vault holds less than the claim: the pool's accounting is broken, report it"
    )]
    RewardVaultShort,
    #[msg("vault is not the pool's")]
    WrongVault,
    #[msg("a vault transfer moved a different amount than requested")]
    TransferMismatch,
    #[msg("arithmetic overflow in staking math")]
    Overflow,
    #[msg("the signer is not this program's upgrade authority")]
    NotUpgradeAuthority,
    #[msg("signer is not the pool's admin")]
    NotAdmin,
    #[msg("signer is not the proposed admin (or no proposal is pending)")]
    NotProposedAdmin,
}

impl From<crate::rewards::MathOverflow> for Error {
    fn from(_: crate::rewards::MathOverflow) -> Self {
        error!(StakingError::Overflow)
    }
}
