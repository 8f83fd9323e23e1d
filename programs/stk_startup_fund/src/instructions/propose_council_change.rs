use super::open_proposal;
use crate::{
    council,
    errors::FundError,
    state::{Fund, Proposal, ProposalAction},
};
use anchor_lang::prelude::*;
use stk_common::seeds;

#[derive(Accounts)]
pub struct ProposeCouncilChange<'info> {
    /// A member of the current council; pays the proposal's rent and approves it.
    #[account(mut)]
    pub proposer: Signer<'info>,
    /// The fund's state (its `next_proposal_id` seeds the new proposal).
    #[account(mut, seeds = [seeds::FUND], bump = fund.bump)]
    pub fund: Box<Account<'info, Fund>>,
    /// The new proposal, PDA `[PROPOSAL, fund, fund.next_proposal_id]`.
    #[account(
        init,
        payer = proposer,
        space = 8 + Proposal::INIT_SPACE,
        seeds = [seeds::PROPOSAL, fund.key().as_ref(), &fund.next_proposal_id.to_le_bytes()],
        bump,
    )]
    pub proposal: Box<Account<'info, Proposal>>,
    pub system_program: Program<'info, System>,
}

/// Checks: the proposer is a current council member; the new council is 1..=10 distinct
/// non-default keys and 1 <= threshold <= N (checked again at execution).
pub fn handler(
    ctx: Context<ProposeCouncilChange>,
    members: Vec<Pubkey>,
    threshold: u8,
) -> Result<()> {
    council::validate(&members, threshold).map_err(FundError::from)?;
    let proposer = ctx.accounts.proposer.key();
    let action = ProposalAction::CouncilChange {
        members: council::to_array(&members),
        len: members.len() as u8,
        threshold,
    };
    let accounts = ctx.accounts;
    open_proposal(&mut accounts.fund, &mut accounts.proposal, proposer, action, ctx.bumps.proposal)
}
