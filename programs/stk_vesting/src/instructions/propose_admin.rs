use crate::{errors::VestingError, events::AdminProposed, state::VestingConfig};
use anchor_lang::prelude::*;
use stk_common::seeds;

#[derive(Accounts)]
pub struct ProposeAdmin<'info> {
    /// The current admin.
    pub admin: Signer<'info>,
    /// The program's state.
    #[account(mut, seeds = [seeds::VESTING_CONFIG], bump = config.bump, has_one = admin @ VestingError::NotAdmin)]
    pub config: Box<Account<'info, VestingConfig>>,
}

/// Checks: the signer is the admin. Nothing changes hands until `candidate` signs
/// `accept_admin` (`stk_common::authority`); `Pubkey::default()` withdraws a proposal.
pub fn handler(ctx: Context<ProposeAdmin>, candidate: Pubkey) -> Result<()> {
    let config = &mut ctx.accounts.config;
    stk_common::authority::propose(&mut config.pending_admin, candidate);
    stk_common::event::emit(&AdminProposed { admin: config.admin, candidate });
    Ok(())
}
