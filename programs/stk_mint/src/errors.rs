use anchor_lang::prelude::*;

#[error_code]
pub enum MintError {
    #[msg("schedule: num_quarters must be between 1 and 200")]
    ScheduleNumQuarters,
    #[msg("schedule: months_per_quarter must be between 1 and 12")]
    ScheduleMonthsPerQuarter,
    #[msg("schedule: decay ratio must satisfy 0 < decay_num <= decay_den <= 1000000")]
    ScheduleDecayRatio,
    #[msg("schedule: genesis_bps must be at most 2000 (20%)")]
    ScheduleGenesisShare,
    #[msg("schedule: startup_fund_bps must be at most 5000 (50%)")]
    ScheduleStartupFundShare,
    #[msg("schedule: cap must equal 21,000,000 STK in base units for the chosen decimals")]
    ScheduleCap,
    #[msg("schedule: start_month is not a valid month")]
    ScheduleStartMonth,
    #[msg("schedule: utc_offset_secs must be within +-14 hours")]
    ScheduleUtcOffset,
    #[msg("schedule: decay ratio too close to 1, quarters would not be non-increasing")]
    ScheduleNotDecreasing,
    #[msg("schedule arithmetic overflowed")]
    ScheduleOverflow,
    #[msg("decimals must be at most 9")]
    Decimals,
    #[msg("transfer fee basis points must be at most 10000")]
    TransferFeeBps,
    #[msg("metadata URI is longer than 200 bytes")]
    UriTooLong,
    #[msg("the genesis allocation was already minted")]
    GenesisAlreadyMinted,
    #[msg("this quarter was already minted")]
    QuarterAlreadyMinted,
    #[msg("quarters are minted in order: mint the earlier quarters first")]
    QuarterOutOfOrder,
    #[msg("quarter index is beyond the schedule")]
    QuarterOutOfRange,
    #[msg("this quarter has not started yet")]
    QuarterNotStarted,
    #[msg("destination is not the one fixed at initialization")]
    WrongDestination,
    #[msg("minting this amount would exceed the 21,000,000 STK cap")]
    CapExceeded,
    #[msg("arithmetic overflow")]
    Overflow,
    #[msg("the signer is not this program's upgrade authority")]
    NotUpgradeAuthority,
    #[msg("genesis_destination must be stk_vesting's sale vault PDA [\"sale_vault\"]")]
    GenesisDestinationNotSaleVault,
    #[msg("startup_fund_destination must be stk_startup_fund's vault PDA [\"fund_vault\"]")]
    StartupFundDestinationNotFundVault,
    #[msg("signer is not the mint config's admin")]
    NotAdmin,
    #[msg("signer is not the proposed admin (or no proposal is pending)")]
    NotProposedAdmin,
}

impl From<stk_common::schedule::ScheduleError> for MintError {
    fn from(e: stk_common::schedule::ScheduleError) -> Self {
        use stk_common::schedule::ScheduleError as S;
        match e {
            S::NumQuarters => MintError::ScheduleNumQuarters,
            S::MonthsPerQuarter => MintError::ScheduleMonthsPerQuarter,
            S::DecayRatio => MintError::ScheduleDecayRatio,
            S::GenesisShare => MintError::ScheduleGenesisShare,
            S::StartupFundShare => MintError::ScheduleStartupFundShare,
            S::Cap => MintError::ScheduleCap,
            S::StartMonth => MintError::ScheduleStartMonth,
            S::UtcOffset => MintError::ScheduleUtcOffset,
            S::NotDecreasing => MintError::ScheduleNotDecreasing,
            S::QuarterOutOfRange => MintError::QuarterOutOfRange,
            S::Overflow => MintError::ScheduleOverflow,
        }
    }
}

/// Lifts a schedule error into this program's error.
pub fn schedule_err(e: stk_common::schedule::ScheduleError) -> Error {
    error!(MintError::from(e))
}
