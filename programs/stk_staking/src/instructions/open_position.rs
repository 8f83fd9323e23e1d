use crate::{
    events::PositionOpened,
    rewards::{RewardCheckpoint, BASE_MULTIPLIER_BPS},
    state::{StakePosition, StakingPool},
};
use anchor_lang::prelude::*;
use stk_common::seeds;

#[derive(Accounts)]
pub struct OpenPosition<'info> {
    /// The position's owner; pays its rent.
    #[account(mut)]
    pub owner: Signer<'info>,
    #[account(seeds = [seeds::STAKING_POOL, pool.mint.as_ref()], bump = pool.bump)]
    pub pool: Box<Account<'info, StakingPool>>,
    /// The owner's position; `init` refuses a second one.
    #[account(
        init,
        payer = owner,
        space = 8 + StakePosition::INIT_SPACE,
        seeds = [seeds::STAKE_POSITION, pool.key().as_ref(), owner.key().as_ref()],
        bump
    )]
    pub position: Box<Account<'info, StakePosition>>,
    pub system_program: Program<'info, System>,
}

/// Checks: pool PDA; the position PDA is the signer's and does not exist yet. An empty
/// position has zero weight, so it needs no accrual: its checkpoint starts at the pool's
/// current accumulator.
pub fn handler(ctx: Context<OpenPosition>) -> Result<()> {
    let now = super::now()?;
    let position = &mut ctx.accounts.position;
    position.set_inner(StakePosition {
        pool: ctx.accounts.pool.key(),
        owner: ctx.accounts.owner.key(),
        amount: 0,
        lock_option: 0,
        multiplier_bps: BASE_MULTIPLIER_BPS,
        lock_end_ts: now,
        weight: 0,
        weight_seconds: 0,
        last_touch_ts: now,
        rewards: RewardCheckpoint::at(ctx.accounts.pool.rewards.acc_reward_per_weight),
        total_claimed: 0,
        opened_ts: now,
        bump: ctx.bumps.position,
    });
    stk_common::event::emit(&PositionOpened { owner: position.owner, position: position.key() });
    Ok(())
}
