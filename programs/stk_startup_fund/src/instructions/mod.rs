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
use anchor_spl::token_interface::{Mint, TokenAccount};
use stk_common::seeds;

/// The accounts both investment executes share (`execute_investment`,
/// `execute_investment_grant`), in this order after the executor.
#[derive(Accounts)]
pub struct InvestmentExecution<'info> {
    /// The fund's state.
    #[account(mut, seeds = [seeds::FUND], bump = fund.bump, has_one = mint, has_one = vault)]
    pub fund: Box<Account<'info, Fund>>,
    /// The approved investment proposal.
    #[account(
        mut,
        seeds = [seeds::PROPOSAL, fund.key().as_ref(), &proposal.id.to_le_bytes()],
        bump = proposal.bump,
        has_one = fund,
    )]
    pub proposal: Box<Account<'info, Proposal>>,
    /// The proposal's project (its record of what was invested).
    #[account(
        mut,
        seeds = [seeds::PROJECT, fund.key().as_ref(), project.project_id.as_ref()],
        bump = project.bump,
        has_one = fund,
    )]
    pub project: Box<Account<'info, Project>>,
    /// CHECK: PDA (owner of the vault), checked by its seeds; signs payments out of the vault.
    #[account(seeds = [seeds::FUND_AUTHORITY], bump = fund.authority_bump)]
    pub fund_authority: UncheckedAccount<'info>,
    /// The STK mint recorded in the fund.
    pub mint: Box<InterfaceAccount<'info, Mint>>,
    /// The fund's vault recorded in the fund: the source of every investment.
    #[account(mut)]
    pub vault: Box<InterfaceAccount<'info, TokenAccount>>,
}

impl InvestmentExecution<'_> {
    /// First checks of both executes: `executor` is a current council member and the proposal
    /// is live (pending, current epoch). Returns its action for the caller to match.
    pub(crate) fn live_action(&self, executor: &Pubkey) -> Result<ProposalAction> {
        self.fund.member_index(executor)?;
        require_live(&self.fund, &self.proposal)?;
        Ok(self.proposal.action.clone())
    }

    /// Then: the threshold is met and the project is the proposal's.
    pub(crate) fn require_approved(&self, project_id: &Pubkey) -> Result<()> {
        require_threshold(&self.fund, &self.proposal)?;
        require_keys_eq!(self.project.project_id, *project_id, FundError::WrongProject);
        Ok(())
    }

    /// Refuses `gross` (what will leave the vault, fee included) above the unlocked balance.
    pub(crate) fn require_unlocked(&self, gross: u64, now: i64) -> Result<()> {
        require_gte!(self.fund.unlocked(now)?, gross, FundError::InsufficientUnlocked);
        Ok(())
    }

    /// Books an executed investment: `gross` left the vault (counted in `total_invested`),
    /// `received` reached the project's recipient or grant; the proposal is closed as
    /// executed.
    pub(crate) fn record(&mut self, gross: u64, received: u64, now: i64) -> Result<()> {
        let fund = &mut self.fund;
        fund.total_invested = fund.total_invested.checked_add(gross).ok_or(FundError::Overflow)?;
        let project = &mut self.project;
        project.invested = project.invested.checked_add(received).ok_or(FundError::Overflow)?;
        project.investments = project.investments.checked_add(1).ok_or(FundError::Overflow)?;
        self.proposal.status = ProposalStatus::Executed;
        self.proposal.closed_at = now;
        Ok(())
    }
}

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
