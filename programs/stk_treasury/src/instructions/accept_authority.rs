use crate::{
    errors::TreasuryError,
    events::AuthorityAccepted,
    state::{AuthorityRole, Treasury},
};
use anchor_lang::prelude::*;
use stk_common::seeds;

#[derive(Accounts)]
pub struct AcceptAuthority<'info> {
    /// The proposed key for the role.
    pub candidate: Signer<'info>,
    #[account(mut, seeds = [seeds::TREASURY], bump = treasury.bump)]
    pub treasury: Box<Account<'info, Treasury>>,
}

/// Checks: a proposal exists for `role` and the signer is its candidate; afterwards the admin
/// and the distributor still differ (`AdminIsDistributor`): the admin approves what the hot
/// distributor key proposes, so one key must never hold both roles. Clears the proposal.
pub fn handler(ctx: Context<AcceptAuthority>, role: AuthorityRole) -> Result<()> {
    let treasury: &mut Treasury = &mut ctx.accounts.treasury;
    let candidate = ctx.accounts.candidate.key();
    let (current, pending) = match role {
        AuthorityRole::Admin => (&mut treasury.admin, &mut treasury.pending_admin),
        AuthorityRole::Distributor => {
            (&mut treasury.distributor, &mut treasury.pending_distributor)
        }
    };
    let previous = stk_common::authority::accept(current, pending, candidate)
        .map_err(|_| error!(TreasuryError::NotProposedAuthority))?;
    require_keys_neq!(treasury.admin, treasury.distributor, TreasuryError::AdminIsDistributor);
    stk_common::event::emit(&AuthorityAccepted { role, previous, new: candidate });
    Ok(())
}
