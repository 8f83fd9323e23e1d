use crate::curve::VestingSchedule;
use anchor_lang::prelude::*;

#[event]
pub struct VestingInitialized {
    pub admin: Pubkey,
    pub mint: Pubkey,
    pub sale_vault: Pubkey,
}

#[event]
pub struct GrantCreated {
    pub grant: Pubkey,
    pub grant_id: Pubkey,
    pub authority: Pubkey,
    pub beneficiary: Pubkey,
    /// What the creator sent.
    pub sent: u64,
    /// What arrived in the grant's vault (after the transfer fee): the grant's total.
    pub total: u64,
    pub schedule: VestingSchedule,
    pub revocable: bool,
}

#[event]
pub struct Claimed {
    pub grant: Pubkey,
    pub beneficiary: Pubkey,
    /// Left the vault.
    pub amount: u64,
    /// Withheld by the Token-2022 transfer fee (the beneficiary receives `amount - fee`).
    pub fee: u64,
    pub claimed_total: u64,
}

#[event]
pub struct GrantRevoked {
    pub grant: Pubkey,
    pub vested: u64,
    pub returned: u64,
    pub refund_destination: Pubkey,
}

#[event]
pub struct BeneficiaryTransferred {
    pub grant: Pubkey,
    pub old_beneficiary: Pubkey,
    pub new_beneficiary: Pubkey,
}

#[event]
pub struct SaleOpened {
    pub sale: Pubkey,
    pub payment_mint: Pubkey,
    pub payment_destination: Pubkey,
    pub unsold_destination: Pubkey,
    pub price_num: u64,
    pub price_den: u64,
    pub start: i64,
    pub end: i64,
    pub total: u64,
    pub allowlist_root: [u8; 32],
}

#[event]
pub struct Purchased {
    pub sale: Pubkey,
    pub buyer: Pubkey,
    pub grant: Pubkey,
    /// STK bought (what the grant holds).
    pub amount: u64,
    /// Payment-mint base units paid.
    pub cost: u64,
    /// STK that left the sale vault (amount grossed up for the transfer fee).
    pub sold: u64,
    pub member_purchased: u64,
    pub sale_sold: u64,
}

#[event]
pub struct SaleClosed {
    pub sale: Pubkey,
    pub sold: u64,
    pub returned: u64,
    pub unsold_destination: Pubkey,
}

// `AdminProposed` and `AdminAccepted` (two-step admin rotation, `stk_common::authority`).
stk_common::admin_events!();
