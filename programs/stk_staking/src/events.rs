use crate::state::LockOption;
use anchor_lang::prelude::*;

#[event]
pub struct PoolInitialized {
    pub pool: Pubkey,
    pub mint: Pubkey,
    pub admin: Pubkey,
    pub reward_rate: u64,
    pub lock_options: Vec<LockOption>,
}

#[event]
pub struct RewardsFunded {
    /// The funder; the default key for deposits booked by `credit_reward_deposits`.
    pub funder: Pubkey,
    /// What the funder sent and what reached the reward vault after the transfer fee.
    pub requested: u64,
    pub received: u64,
    pub unreleased: u64,
}

#[event]
pub struct RewardRateSet {
    pub old_rate: u64,
    pub new_rate: u64,
}

#[event]
pub struct PositionOpened {
    pub owner: Pubkey,
    pub position: Pubkey,
}

#[event]
pub struct Staked {
    pub owner: Pubkey,
    pub requested: u64,
    /// Credited to the position: what actually reached the stake vault.
    pub received: u64,
    pub amount: u64,
    pub weight: u64,
    pub lock_option: u8,
    pub lock_end_ts: i64,
}

#[event]
pub struct Unstaked {
    pub owner: Pubkey,
    pub amount: u64,
    pub remaining: u64,
    pub weight: u64,
}

#[event]
pub struct RewardsClaimed {
    pub owner: Pubkey,
    pub amount: u64,
    pub total_claimed: u64,
}

#[event]
pub struct PositionRefreshed {
    pub owner: Pubkey,
    pub weight: u64,
    pub weight_seconds: u128,
    pub pending: u64,
}

// `AdminProposed` and `AdminAccepted` (two-step admin rotation, `stk_common::authority`).
stk_common::admin_events!(pool: Pubkey);
