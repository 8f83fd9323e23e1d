// Anchor needs every accounts struct (and its generated client module) at the crate root;
// the per-instruction `handler`s clash harmlessly in the glob.
#![allow(ambiguous_glob_reexports)]
pub mod approve;
pub mod cancel;
pub mod execute_council_change;
pub mod execute_investment;
pub mod execute_investment_grant;
pub mod initialize;
pub mod propose_council_change;
pub mod propose_investment;
pub mod propose_investment_grant;
pub mod record_deposits;
pub mod record_return;
pub mod register_project;

pub use approve::*;
pub use cancel::*;
pub use execute_council_change::*;
pub use execute_investment::*;
pub use execute_investment_grant::*;
pub use initialize::*;
pub use propose_council_change::*;
pub use propose_investment::*;
pub use propose_investment_grant::*;
pub use record_deposits::*;
pub use record_return::*;
pub use register_project::*;

use crate::{
    council,
    errors::FundError,
    events::ProposalCreated,
    state::{Fund, Project, Proposal, ProposalAction, ProposalStatus},
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

/// Refuses `gross` (what will leave the vault, fee included) above the unlocked balance now.
pub(crate) fn require_unlocked(fund: &Fund, gross: u64, now: i64) -> Result<()> {
    require_gte!(fund.unlocked(now)?, gross, FundError::InsufficientUnlocked);
    Ok(())
}

/// Books an executed investment: `gross` left the vault (counted in `total_invested`),
/// `received` reached the project's recipient or grant; the proposal is closed as executed.
pub(crate) fn record_investment(
    fund: &mut Fund,
    project: &mut Project,
    proposal: &mut Proposal,
    gross: u64,
    received: u64,
    now: i64,
) -> Result<()> {
    fund.total_invested = fund.total_invested.checked_add(gross).ok_or(FundError::Overflow)?;
    project.invested = project.invested.checked_add(received).ok_or(FundError::Overflow)?;
    project.investments = project.investments.checked_add(1).ok_or(FundError::Overflow)?;
    proposal.status = ProposalStatus::Executed;
    proposal.closed_at = now;
    Ok(())
}

/// Opens a new proposal under the fund's next id, approved by its proposer (who must be a
/// current council member), and emits `ProposalCreated`. Shared by the three propose
/// instructions.
pub(crate) fn open_proposal(
    fund: &mut Account<Fund>,
    proposal: &mut Account<Proposal>,
    proposer: Pubkey,
    action: ProposalAction,
    bump: u8,
) -> Result<()> {
    let index = fund.member_index(&proposer)?;
    let id = fund.next_proposal_id;
    fund.next_proposal_id = id.checked_add(1).ok_or(FundError::Overflow)?;
    proposal.set_inner(Proposal {
        fund: fund.key(),
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
        grant_id: Pubkey::default(),
    });
    stk_common::event::emit(&ProposalCreated {
        proposal_id: id,
        proposer,
        council_epoch: proposal.council_epoch,
        action: proposal.action.clone(),
    });
    Ok(())
}
