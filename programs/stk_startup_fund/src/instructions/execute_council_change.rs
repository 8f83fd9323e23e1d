use super::{require_live, require_threshold};
use crate::{
    errors::FundError,
    events::CouncilChanged,
    state::{Fund, Proposal, ProposalAction, ProposalStatus},
};
use anchor_lang::prelude::*;
use stk_common::seeds;

#[derive(Accounts)]
pub struct ExecuteCouncilChange<'info> {
    /// A member of the current council.
    pub executor: Signer<'info>,
    /// The fund's state.
    #[account(mut, seeds = [seeds::FUND], bump = fund.bump)]
    pub fund: Box<Account<'info, Fund>>,
    /// The approved council-change proposal.
    #[account(
        mut,
        seeds = [seeds::PROPOSAL, fund.key().as_ref(), &proposal.id.to_le_bytes()],
        bump = proposal.bump,
        has_one = fund,
    )]
    pub proposal: Box<Account<'info, Proposal>>,
}

/// Checks: the executor is a current council member; the proposal is a pending council change
/// of the current epoch with approvals >= the current threshold; the new council validates.
/// Bumps the council epoch, which makes every other pending proposal stale.
pub fn handler(ctx: Context<ExecuteCouncilChange>) -> Result<()> {
    let fund = &mut ctx.accounts.fund;
    let proposal = &mut ctx.accounts.proposal;
    fund.member_index(&ctx.accounts.executor.key())?;
    require_live(fund, proposal)?;
    let ProposalAction::CouncilChange { members, len, threshold } = proposal.action.clone() else {
        return err!(FundError::WrongAction);
    };
    require_threshold(fund, proposal)?;
    let members = members.get(..len as usize).ok_or(FundError::CouncilSize)?;
    fund.set_council(members, threshold)?;
    proposal.status = ProposalStatus::Executed;
    proposal.closed_at = Clock::get()?.unix_timestamp;
    stk_common::event::emit(&CouncilChanged {
        proposal_id: proposal.id,
        council: members.to_vec(),
        threshold,
        council_epoch: fund.council_epoch,
    });
    Ok(())
}
