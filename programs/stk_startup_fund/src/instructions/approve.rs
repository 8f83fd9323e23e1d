use super::require_live;
use crate::{
    council,
    errors::FundError,
    events::ProposalApproved,
    state::{Fund, Proposal},
};
use anchor_lang::prelude::*;
use stk_common::seeds;

#[derive(Accounts)]
pub struct Approve<'info> {
    /// A member of the current council.
    pub member: Signer<'info>,
    /// The fund's state.
    #[account(seeds = [seeds::FUND], bump = fund.bump)]
    pub fund: Box<Account<'info, Fund>>,
    /// The proposal being approved.
    #[account(
        mut,
        seeds = [seeds::PROPOSAL, fund.key().as_ref(), &proposal.id.to_le_bytes()],
        bump = proposal.bump,
        has_one = fund,
    )]
    pub proposal: Box<Account<'info, Proposal>>,
}

/// Checks: the proposal is pending and of the current council epoch; the signer is a current
/// council member who has not approved it yet.
pub fn handler(ctx: Context<Approve>) -> Result<()> {
    let fund = &ctx.accounts.fund;
    let proposal = &mut ctx.accounts.proposal;
    require_live(fund, proposal)?;
    let member = ctx.accounts.member.key();
    let bit = council::bit(fund.member_index(&member)?);
    require!(proposal.approvals & bit == 0, FundError::AlreadyApproved);
    proposal.approvals |= bit;
    stk_common::event::emit(&ProposalApproved {
        proposal_id: proposal.id,
        member,
        approvals: council::count(proposal.approvals),
        threshold: fund.threshold,
    });
    Ok(())
}
