use crate::{
    events::PositionRefreshed,
    state::{StakePosition, StakingPool},
};
use anchor_lang::prelude::*;
use stk_common::seeds;

#[derive(Accounts)]
pub struct RefreshPosition<'info> {
    #[account(mut, seeds = [seeds::STAKING_POOL, pool.mint.as_ref()], bump = pool.bump)]
    pub pool: Box<Account<'info, StakingPool>>,
    /// Any position of this pool.
    #[account(
        mut,
        seeds = [seeds::STAKE_POSITION, pool.key().as_ref(), position.owner.as_ref()],
        bump = position.bump,
        has_one = pool,
    )]
    pub position: Box<Account<'info, StakePosition>>,
}

/// Checks: pool and position PDAs. Permissionless: it only brings the books to the current
/// instant (which is what every other instruction does first) — in particular it drops an
/// ended lock's multiplier to 1×, which the owner has no reason to do.
pub fn handler(ctx: Context<RefreshPosition>) -> Result<()> {
    let accounts = ctx.accounts;
    accounts.pool.settle(&mut accounts.position, super::now()?)?;
    let position = &accounts.position;
    stk_common::event::emit(&PositionRefreshed {
        owner: position.owner,
        weight: position.weight,
        weight_seconds: position.weight_seconds,
        pending: position.rewards.pending,
    });
    Ok(())
}
