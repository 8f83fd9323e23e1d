// Anchor needs every accounts struct (and its generated client module) at the crate root;
// the per-instruction `handler`s clash harmlessly in the glob.
#![allow(ambiguous_glob_reexports)]
pub mod approve;
pub mod cancel;
pub mod execute_council_change;
pub mod execute_investment;
pub mod initialize;
pub mod propose_council_change;
pub mod propose_investment;
pub mod record_deposits;
pub mod record_return;
pub mod register_project;

pub use approve::*;
pub use cancel::*;
pub use execute_council_change::*;
pub use execute_investment::*;
pub use initialize::*;
pub use propose_council_change::*;
pub use propose_investment::*;
pub use record_deposits::*;
pub use record_return::*;
pub use register_project::*;

use crate::{
    council,
    errors::FundError,
    state::{Fund, Proposal, ProposalStatus},
};
use anchor_lang::prelude::*;

/// Checks shared by approve and both executes: the proposal is pending and of the current
/// council epoch.
pub(crate) fn require_live(fund: &Fund, proposal: &Proposal) -> Result<()> {
    require!(proposal.status == ProposalStatus::Pending, FundError::NotPending);
    require!(proposal.council_epoch == fund.council_epoch, FundError::StaleProposal);
    Ok(())
}

/// Checks that the proposal has reached the fund's threshold.
pub(crate) fn require_threshold(fund: &Fund, proposal: &Proposal) -> Result<()> {
    require!(council::count(proposal.approvals) >= fund.threshold, FundError::ThresholdNotMet);
    Ok(())
}

/// Initial state of a new proposal, approved by its proposer (council index `index`).
pub(crate) fn new_proposal(
    fund: &mut Fund,
    proposer: Pubkey,
    index: usize,
    action: crate::state::ProposalAction,
    bump: u8,
    fund_key: Pubkey,
) -> Result<Proposal> {
    let id = fund.next_proposal_id;
    fund.next_proposal_id = id.checked_add(1).ok_or(FundError::Overflow)?;
    Ok(Proposal {
        fund: fund_key,
        id,
        proposer,
        council_epoch: fund.council_epoch,
        action,
        approvals: council::bit(index),
        cancel_votes: 0,
        status: ProposalStatus::Pending,
        created_at: Clock::get()?.unix_timestamp,
        closed_at: 0,
        bump,
    })
}
