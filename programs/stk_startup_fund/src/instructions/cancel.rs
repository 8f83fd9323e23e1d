use crate::{
    council,
    errors::FundError,
    events::{CancelVoted, ProposalCancelled},
    state::{Fund, Proposal, ProposalStatus},
};
use anchor_lang::prelude::*;
use stk_common::seeds;

#[derive(Accounts)]
pub struct Cancel<'info> {
    /// The proposer, or a member of the current council.
    pub signer: Signer<'info>,
    /// The fund's state.
    #[account(seeds = [seeds::FUND], bump = fund.bump)]
    pub fund: Box<Account<'info, Fund>>,
    /// The proposal to cancel.
    #[account(
        mut,
        seeds = [seeds::PROPOSAL, fund.key().as_ref(), &proposal.id.to_le_bytes()],
        bump = proposal.bump,
        has_one = fund,
    )]
    pub proposal: Box<Account<'info, Proposal>>,
}

/// Checks: the proposal is pending. Then, in order: its proposer cancels it at once; a
/// current council member cancels a stale proposal (older council epoch, which can never
/// execute) at once; otherwise a current member's vote is recorded (once per member) and the
/// proposal is cancelled when the votes reach the threshold. Anyone else is refused.
pub fn handler(ctx: Context<Cancel>) -> Result<()> {
    let fund = &ctx.accounts.fund;
    let proposal = &mut ctx.accounts.proposal;
    require!(proposal.status == ProposalStatus::Pending, FundError::NotPending);
    let signer = ctx.accounts.signer.key();
    let cancelled = if signer == proposal.proposer {
        true
    } else {
        let bit = council::bit(fund.member_index(&signer)?);
        if proposal.council_epoch != fund.council_epoch {
            true
        } else {
            require!(proposal.cancel_votes & bit == 0, FundError::AlreadyVotedToCancel);
            proposal.cancel_votes |= bit;
            let votes = council::count(proposal.cancel_votes);
            stk_common::event::emit(&CancelVoted {
                proposal_id: proposal.id,
                member: signer,
                votes,
                threshold: fund.threshold,
            });
            votes >= fund.threshold
        }
    };
    if cancelled {
        proposal.status = ProposalStatus::Cancelled;
        proposal.closed_at = Clock::get()?.unix_timestamp;
        stk_common::event::emit(&ProposalCancelled {
            proposal_id: proposal.id,
            cancelled_by: signer,
        });
    }
    Ok(())
}
