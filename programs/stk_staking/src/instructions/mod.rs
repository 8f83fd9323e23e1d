// Anchor needs every accounts struct (and its generated client module) at the crate root;
// the per-instruction `handler`s clash harmlessly in the glob.
#![allow(ambiguous_glob_reexports)]
pub mod accept_admin;
pub mod claim_rewards;
pub mod credit_reward_deposits;
pub mod fund_rewards;
pub mod initialize_pool;
pub mod open_position;
pub mod position_accounts;
pub mod propose_admin;
pub mod refresh_position;
pub mod set_reward_rate;
pub mod stake;
pub mod unstake;

pub use accept_admin::*;
pub use claim_rewards::*;
pub use credit_reward_deposits::*;
pub use fund_rewards::*;
pub use initialize_pool::*;
pub use open_position::*;
pub use position_accounts::*;
pub use propose_admin::*;
pub use refresh_position::*;
pub use set_reward_rate::*;
pub use stake::*;
pub use unstake::*;

use crate::state::StakingPool;
use anchor_lang::prelude::*;
use stk_common::seeds;

/// The cluster clock's unix timestamp.
pub(crate) fn now() -> Result<i64> {
    Ok(Clock::get()?.unix_timestamp)
}

/// Runs `f` with the pool's signer seeds (the pool owns both vaults).
pub(crate) fn with_pool_signer<R>(pool: &StakingPool, f: impl FnOnce(&[&[u8]]) -> R) -> R {
    let bump = [pool.bump];
    let signer: &[&[u8]] = &[seeds::STAKING_POOL, pool.mint.as_ref(), &bump];
    f(signer)
}
