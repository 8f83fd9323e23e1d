//! Account layouts of `stk_mint`.
use anchor_lang::prelude::*;
use stk_common::schedule::ScheduleParams;

/// The program's single state account, PDA `[seeds::MINT_CONFIG]`.
///
/// Other programs read it by this layout (through this crate's `cpi` feature): the treasury
/// derives its monthly allowance from `schedule` and its price quote from `total_minted`.
#[account]
#[derive(InitSpace)]
pub struct MintConfig {
    /// May update the metadata URI and propose its successor; holds no mint rights.
    pub admin: Pubkey,
    /// The STK mint (PDA `[seeds::STK_MINT]`).
    pub mint: Pubkey,
    pub decimals: u8,
    /// The emission schedule, fixed at initialization.
    pub schedule: ScheduleParams,
    /// Receives the genesis allocation (the vesting program's sale vault).
    pub genesis_destination: Pubkey,
    /// Receives the startup-fund share of every quarter.
    pub startup_fund_destination: Pubkey,
    /// Receives the distributable rest of every quarter (the treasury's distribution vault).
    pub distribution_destination: Pubkey,
    /// Whether `mint_genesis` has run.
    pub genesis_minted: bool,
    /// Quarters minted so far; also the only quarter `mint_quarter` accepts next.
    pub quarters_minted: u16,
    /// Everything this program ever minted (genesis + quarters). Never exceeds `schedule.cap`.
    pub total_minted: u64,
    pub bump: u8,
    pub mint_bump: u8,
    pub mint_authority_bump: u8,
    /// The admin proposed by `propose_admin`, `Pubkey::default()` when none; it becomes the
    /// admin by signing `accept_admin`.
    pub pending_admin: Pubkey,
}
