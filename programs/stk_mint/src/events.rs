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

// `AdminProposed` and `AdminAccepted` (two-step admin rotation, `stk_common::authority`).
stk_common::admin_events!();
