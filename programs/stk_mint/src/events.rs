use anchor_lang::prelude::*;
use stk_common::schedule::ScheduleParams;

#[event]
pub struct StkInitialized {
    pub mint: Pubkey,
    pub admin: Pubkey,
    pub decimals: u8,
    pub schedule: ScheduleParams,
    pub transfer_fee_bps: u16,
    pub max_transfer_fee: u64,
    pub genesis_destination: Pubkey,
    pub startup_fund_destination: Pubkey,
    pub distribution_destination: Pubkey,
}

#[event]
pub struct GenesisMinted {
    pub destination: Pubkey,
    pub amount: u64,
    pub total_minted: u64,
}

#[event]
pub struct QuarterMinted {
    pub quarter: u16,
    pub emission: u64,
    pub startup_fund_amount: u64,
    pub distribution_amount: u64,
    pub total_minted: u64,
}

#[event]
pub struct MetadataUriUpdated {
    pub uri: String,
}

#[event]
pub struct AdminProposed {
    pub admin: Pubkey,
    /// `Pubkey::default()` when the proposal is withdrawn.
    pub candidate: Pubkey,
}

#[event]
pub struct AdminAccepted {
    pub previous: Pubkey,
    pub new: Pubkey,
}
