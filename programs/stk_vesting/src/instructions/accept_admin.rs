use crate::{errors::VestingError, events::AdminAccepted, state::VestingConfig};
use anchor_lang::prelude::*;
use stk_common::seeds;

#[derive(Accounts)]
pub struct AcceptAdmin<'info> {
    /// The proposed admin.
    pub candidate: Signer<'info>,
    /// The program's state.
    #[account(mut, seeds = [seeds::VESTING_CONFIG], bump = config.bump)]
    pub config: Box<Account<'info, VestingConfig>>,
}

/// Checks: a proposal is pending and the signer is its candidate. The previous admin loses
/// the role and the proposal is cleared (`stk_common::authority::accept`).
pub fn handler(ctx: Context<AcceptAdmin>) -> Result<()> {
    // One deref through the box and the account wrapper, so both fields can be borrowed.
    let config: &mut VestingConfig = &mut ctx.accounts.config;
    let new = ctx.accounts.candidate.key();
    let previous = stk_common::authority::accept(&mut config.admin, &mut config.pending_admin, new)
        .map_err(|_| error!(VestingError::NotProposedAdmin))?;
    stk_common::event::emit(&AdminAccepted { previous, new });
    Ok(())
}
