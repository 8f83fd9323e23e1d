use crate::{errors::StakingError, events::AdminAccepted, state::StakingPool};
use anchor_lang::prelude::*;
use stk_common::seeds;

#[derive(Accounts)]
pub struct AcceptAdmin<'info> {
    /// The proposed admin.
    pub candidate: Signer<'info>,
    /// The pool.
    #[account(mut, seeds = [seeds::STAKING_POOL, pool.mint.as_ref()], bump = pool.bump)]
    pub pool: Box<Account<'info, StakingPool>>,
}

/// Checks: a proposal is pending and the signer is its candidate. The previous admin loses
/// the role and the proposal is cleared (`stk_common::authority::accept`).
pub fn handler(ctx: Context<AcceptAdmin>) -> Result<()> {
    let pool_key = ctx.accounts.pool.key();
    // One deref through the box and the account wrapper, so both fields can be borrowed.
    let pool: &mut StakingPool = &mut ctx.accounts.pool;
    let new = ctx.accounts.candidate.key();
    let previous = stk_common::authority::accept(&mut pool.admin, &mut pool.pending_admin, new)
        .map_err(|_| error!(StakingError::NotProposedAdmin))?;
    stk_common::event::emit(&AdminAccepted { pool: pool_key, previous, new });
    Ok(())
}
