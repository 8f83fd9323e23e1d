use crate::{errors::StakingError, events::RewardsFunded, state::StakingPool};
use anchor_lang::prelude::*;
use anchor_spl::token_interface::TokenAccount;
use stk_common::seeds;

#[derive(Accounts)]
pub struct CreditRewardDeposits<'info> {
    #[account(mut, seeds = [seeds::STAKING_POOL, pool.mint.as_ref()], bump = pool.bump)]
    pub pool: Box<Account<'info, StakingPool>>,
    /// The pool's reward vault.
    #[account(address = pool.reward_vault @ StakingError::WrongVault)]
    pub reward_vault: Box<InterfaceAccount<'info, TokenAccount>>,
}

/// Checks: pool PDA; the vault is the pool's; the vault holds more than the books
/// (`unreleased + released_unclaimed`). Permissionless: it credits tokens that were sent to
/// the reward vault by a plain transfer (e.g. the treasury's fee split paying the vault as a
/// destination, without a CPI into this program) as new funding, after accruing. Since the
/// vault always covers the books, the surplus is exactly what arrived outside `fund_rewards`.
pub fn handler(ctx: Context<CreditRewardDeposits>) -> Result<()> {
    let pool = &mut ctx.accounts.pool;
    pool.rewards.accrue(super::now()?)?;
    let booked = pool
        .rewards
        .unreleased
        .checked_add(pool.rewards.released_unclaimed)
        .ok_or(StakingError::Overflow)?;
    let surplus = ctx.accounts.reward_vault.amount.saturating_sub(booked);
    require!(surplus > 0, StakingError::NothingArrived);
    pool.rewards.fund(surplus)?;
    pool.total_funded = pool.total_funded.checked_add(surplus).ok_or(StakingError::Overflow)?;
    stk_common::event::emit(&RewardsFunded {
        funder: Pubkey::default(),
        requested: surplus,
        received: surplus,
        unreleased: pool.rewards.unreleased,
    });
    Ok(())
}
