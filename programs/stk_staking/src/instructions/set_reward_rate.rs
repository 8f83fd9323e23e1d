use crate::{events::RewardRateSet, state::StakingPool};
use anchor_lang::prelude::*;
use stk_common::seeds;

#[derive(Accounts)]
pub struct SetRewardRate<'info> {
    /// The pool's admin.
    pub admin: Signer<'info>,
    #[account(mut, seeds = [seeds::STAKING_POOL, pool.mint.as_ref()], bump = pool.bump, has_one = admin)]
    pub pool: Box<Account<'info, StakingPool>>,
}

/// Checks: signer is the pool's admin; pool PDA. Accrues everything up to now at the old rate
/// first, so the change applies only from this instant on.
pub fn handler(ctx: Context<SetRewardRate>, reward_rate: u64) -> Result<()> {
    let pool = &mut ctx.accounts.pool;
    pool.rewards.accrue(super::now()?)?;
    let old_rate = pool.rewards.reward_rate;
    pool.rewards.reward_rate = reward_rate;
    stk_common::event::emit(&RewardRateSet { old_rate, new_rate: reward_rate });
    Ok(())
}
