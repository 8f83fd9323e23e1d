use crate::{errors::StakingError, events::AdminProposed, state::StakingPool};
use anchor_lang::prelude::*;
use stk_common::seeds;

#[derive(Accounts)]
pub struct ProposeAdmin<'info> {
    /// The pool's current admin.
    pub admin: Signer<'info>,
    /// The pool.
    #[account(mut, seeds = [seeds::STAKING_POOL, pool.mint.as_ref()], bump = pool.bump, has_one = admin @ StakingError::NotAdmin)]
    pub pool: Box<Account<'info, StakingPool>>,
}

/// Checks: the signer is the pool's admin. Nothing changes hands until `candidate` signs
/// `accept_admin` (`stk_common::authority`); `Pubkey::default()` withdraws a proposal.
pub fn handler(ctx: Context<ProposeAdmin>, candidate: Pubkey) -> Result<()> {
    let pool = &mut ctx.accounts.pool;
    stk_common::authority::propose(&mut pool.pending_admin, candidate);
    stk_common::event::emit(&AdminProposed { pool: pool.key(), admin: pool.admin, candidate });
    Ok(())
}
