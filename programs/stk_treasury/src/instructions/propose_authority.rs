use crate::{
    errors::TreasuryError,
    events::AuthorityProposed,
    state::{AuthorityRole, Treasury},
};
use anchor_lang::prelude::*;
use stk_common::seeds;

#[derive(Accounts)]
pub struct ProposeAuthority<'info> {
    /// The current admin: only it proposes either role.
    pub admin: Signer<'info>,
    #[account(mut, seeds = [seeds::TREASURY], bump = treasury.bump, has_one = admin @ TreasuryError::NotAdmin)]
    pub treasury: Box<Account<'info, Treasury>>,
}

/// Checks: signer is the admin. The role changes only when `candidate` accepts, so a mistyped
/// key cannot take or lock the treasury; proposing `Pubkey::default()` withdraws a proposal.
pub fn handler(
    ctx: Context<ProposeAuthority>,
    role: AuthorityRole,
    candidate: Pubkey,
) -> Result<()> {
    let treasury = &mut ctx.accounts.treasury;
    let pending = match role {
        AuthorityRole::Admin => &mut treasury.pending_admin,
        AuthorityRole::Distributor => &mut treasury.pending_distributor,
    };
    stk_common::authority::propose(pending, candidate);
    stk_common::event::emit(&AuthorityProposed { role, candidate });
    Ok(())
}
