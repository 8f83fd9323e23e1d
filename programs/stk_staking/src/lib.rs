//! # stk_staking — stake STK, earn a streamed reward, build reputation
//!
//! Members lock STK for an optional period; a longer lock multiplies both their share of the
//! reward stream and their reputation weight.
//!
//! * **One pool per mint** (PDA `[staking_pool, mint]`), owning a stake vault and a reward
//!   vault. The reward vault is filled by anybody through [`stk_staking::fund_rewards`]
//!   (donations), or by a plain transfer (the treasury's fee split) that the permissionless
//!   [`stk_staking::credit_reward_deposits`] then books as funding; rewards stream from it at `reward_rate` base units
//!   per second, which only the admin changes ([`stk_staking::set_reward_rate`], accruing first).
//! * **Exact, order-independent rewards**: a reward-per-weight accumulator ([`rewards`], pure
//!   and property-tested) with carried remainders, so nobody's reward depends on who calls
//!   what when, and rounding always favours the vault; the stream stops when the funded
//!   reserve is used up, so claims can always be paid.
//! * **Locks**: a fixed table of up to 8 (duration, multiplier) rows chosen at initialization
//!   (default none / 3 / 6 / 12 months at 1× / 1.25× / 1.5× / 2×). Unstaking is refused until
//!   the lock ends; after it the multiplier falls back to 1× at the next touch (anyone may
//!   [`stk_staking::refresh_position`]; the distributor service does it for every member's
//!   position whose lock ended, see the README's "Lock expiry").
//! * **Reputation readable on-chain**: every position stores its weight and its accumulated
//!   weight·seconds; [`state::StakePosition::reputation_at`] extends them exactly to any instant.
//! * **Token-2022 transfer fees**: stake and funding credit what actually arrived in the vault
//!   (balance after − before); unstake and claim send the credited amount from the vault and
//!   the recipient bears the fee, so the vaults always cover the books.
//!
//! * **Admin rotation in two steps**: [`stk_staking::propose_admin`], then the candidate's
//!   [`stk_staking::accept_admin`] ([`stk_common::authority`]).
//!
//! Invariants are listed in this program's README, each with the test that attacks it.
use anchor_lang::prelude::*;

pub mod errors;
pub mod events;
pub mod instructions;
pub mod rewards;
pub mod state;

use instructions::*;

declare_id!("5riDREWnh2LBAZ5BtPbt9txTuANHSyXEYBzptuaNBBY6");

#[cfg(not(feature = "no-entrypoint"))]
solana_security_txt::security_txt! {
    name: "STK stk_staking",
    project_url: "https://github.com/systok/stk",
    contacts: "email:security@systok.org",
    policy: "https://github.com/systok/stk/blob/main/SECURITY.md",
    source_code: "https://github.com/systok/stk"
}

#[program]
pub mod stk_staking {
    use super::*;

    /// Creates the pool of `mint` with its two vaults, the reward rate and the lock table.
    pub fn initialize_pool(ctx: Context<InitializePool>, args: InitializePoolArgs) -> Result<()> {
        instructions::initialize_pool::handler(ctx, args)
    }

    /// Adds rewards to the reserve (credits what arrives after the transfer fee). Anyone.
    pub fn fund_rewards(ctx: Context<FundRewards>, amount: u64) -> Result<()> {
        instructions::fund_rewards::handler(ctx, amount)
    }

    /// Credits tokens sent to the reward vault by a plain transfer as funding. Anyone.
    pub fn credit_reward_deposits(ctx: Context<CreditRewardDeposits>) -> Result<()> {
        instructions::credit_reward_deposits::handler(ctx)
    }

    /// Changes the reward rate after accruing at the old one. Admin only.
    pub fn set_reward_rate(ctx: Context<SetRewardRate>, reward_rate: u64) -> Result<()> {
        instructions::set_reward_rate::handler(ctx, reward_rate)
    }

    /// Creates the signer's (empty) position in the pool.
    pub fn open_position(ctx: Context<OpenPosition>) -> Result<()> {
        instructions::open_position::handler(ctx)
    }

    /// Adds `amount` to the signer's position with lock option `lock_option`.
    pub fn stake(ctx: Context<Stake>, amount: u64, lock_option: u8) -> Result<()> {
        instructions::stake::handler(ctx, amount, lock_option)
    }

    /// Withdraws `amount` from the signer's position once its lock has ended.
    pub fn unstake(ctx: Context<Unstake>, amount: u64) -> Result<()> {
        instructions::unstake::handler(ctx, amount)
    }

    /// Pays the signer's pending rewards from the reward vault.
    pub fn claim_rewards(ctx: Context<ClaimRewards>) -> Result<()> {
        instructions::claim_rewards::handler(ctx)
    }

    /// Brings a position up to date (rewards, reputation, an ended lock's multiplier). Anyone.
    pub fn refresh_position(ctx: Context<RefreshPosition>) -> Result<()> {
        instructions::refresh_position::handler(ctx)
    }

    /// Admin: proposes `candidate` as the pool's next admin (`Pubkey::default()` withdraws).
    pub fn propose_admin(ctx: Context<ProposeAdmin>, candidate: Pubkey) -> Result<()> {
        instructions::propose_admin::handler(ctx, candidate)
    }

    /// The proposed admin takes the pool's admin role by signing.
    pub fn accept_admin(ctx: Context<AcceptAdmin>) -> Result<()> {
        instructions::accept_admin::handler(ctx)
    }
}
