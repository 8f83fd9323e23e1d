use super::open_proposal;
use crate::{
    errors::FundError,
    state::{Fund, Project, Proposal, ProposalAction},
};
use anchor_lang::{prelude::*, system_program};
use stk_common::seeds;
use stk_vesting::curve::VestingSchedule;

#[derive(Accounts)]
pub struct ProposeInvestmentGrant<'info> {
    /// A member of the current council; pays the proposal's rent and approves it.
    #[account(mut)]
    pub proposer: Signer<'info>,
    /// The fund's state (its `next_proposal_id` seeds the new proposal).
    #[account(mut, seeds = [seeds::FUND], bump = fund.bump)]
    pub fund: Box<Account<'info, Fund>>,
    /// The registered project the investment goes to.
    #[account(
        seeds = [seeds::PROJECT, fund.key().as_ref(), project.project_id.as_ref()],
        bump = project.bump,
        has_one = fund,
    )]
    pub project: Box<Account<'info, Project>>,
    /// CHECK: the grant's beneficiary, a wallet: owned by the system program (funded or not),
    /// so never a token account or a program's data account; on the ed25519 curve, so a key
    /// someone can sign with (an unfunded PDA is system-owned too, but nobody could ever
    /// claim for it); not the fund authority. Checked in the handler. It claims through
    /// `stk_vesting` into its own STK ATA.
    pub beneficiary: UncheckedAccount<'info>,
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

/// Checks: the proposer is a current council member; amount > 0; the schedule is valid for
/// `stk_vesting` (start <= cliff <= end, end > start, 0 < period <= end - start; refused here
/// with `ScheduleBounds` / `SchedulePeriod`, not only at execution); the beneficiary is a
/// wallet (system-owned, on the curve) other than the fund authority; the project is registered with this
/// fund. The unlocked balance is checked at execution, as for direct investments.
pub fn handler(
    ctx: Context<ProposeInvestmentGrant>,
    amount: u64,
    schedule: VestingSchedule,
) -> Result<()> {
    require!(amount > 0, FundError::ZeroAmount);
    schedule.validate().map_err(FundError::from)?;
    let beneficiary = &ctx.accounts.beneficiary;
    require_keys_eq!(*beneficiary.owner, system_program::ID, FundError::BeneficiaryNotWallet);
    let authority_seeds: &[&[u8]] = &[seeds::FUND_AUTHORITY, &[ctx.accounts.fund.authority_bump]];
    // The stored bump re-derives the PDA cheaply (no bump search); it cannot fail for the
    // bump `initialize` found, and would mean corrupted state, not an overflow, if it did.
    let fund_authority = Pubkey::create_program_address(authority_seeds, &crate::ID)
        .map_err(|_| ProgramError::InvalidSeeds)?;
    require_keys_neq!(beneficiary.key(), fund_authority, FundError::BeneficiaryNotWallet);
    require!(beneficiary.key().is_on_curve(), FundError::BeneficiaryOffCurve);
    let proposer = ctx.accounts.proposer.key();
    let action = ProposalAction::InvestmentGrant {
        project_id: ctx.accounts.project.project_id,
        beneficiary: beneficiary.key(),
        amount,
        schedule,
    };
    let accounts = ctx.accounts;
    open_proposal(&mut accounts.fund, &mut accounts.proposal, proposer, action, ctx.bumps.proposal)
}
