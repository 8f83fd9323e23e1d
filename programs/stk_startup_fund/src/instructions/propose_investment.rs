use super::open_proposal;
use crate::{
    errors::FundError,
    state::{Fund, Project, Proposal, ProposalAction},
};
use anchor_lang::prelude::*;
use anchor_spl::token_interface::{Mint, Token2022, TokenAccount};
use stk_common::seeds;

#[derive(Accounts)]
pub struct ProposeInvestment<'info> {
    /// A member of the current council; pays the proposal's rent and approves it.
    #[account(mut)]
    pub proposer: Signer<'info>,
    /// The fund's state (its `next_proposal_id` seeds the new proposal).
    #[account(mut, seeds = [seeds::FUND], bump = fund.bump, has_one = mint)]
    pub fund: Box<Account<'info, Fund>>,
    /// The registered project the investment goes to.
    #[account(
        seeds = [seeds::PROJECT, fund.key().as_ref(), project.project_id.as_ref()],
        bump = project.bump,
        has_one = fund,
    )]
    pub project: Box<Account<'info, Project>>,
    /// The STK mint recorded in the fund.
    pub mint: Box<InterfaceAccount<'info, Mint>>,
    /// The STK token account that will receive the investment.
    #[account(token::mint = mint, token::token_program = token_program)]
    pub recipient: Box<InterfaceAccount<'info, TokenAccount>>,
    /// The new proposal, PDA `[PROPOSAL, fund, fund.next_proposal_id]`.
    #[account(
        init,
        payer = proposer,
        space = 8 + Proposal::INIT_SPACE,
        seeds = [seeds::PROPOSAL, fund.key().as_ref(), &fund.next_proposal_id.to_le_bytes()],
        bump,
    )]
    pub proposal: Box<Account<'info, Proposal>>,
    pub token_program: Program<'info, Token2022>,
    pub system_program: Program<'info, System>,
}

/// Checks: the proposer is a current council member; amount > 0; the recipient is an STK
/// token account other than the fund's vault; the project is registered with this fund. The
/// unlocked balance is checked at execution, not here (a proposal may precede an unlock).
pub fn handler(ctx: Context<ProposeInvestment>, amount: u64) -> Result<()> {
    require!(amount > 0, FundError::ZeroAmount);
    let recipient = ctx.accounts.recipient.key();
    require_keys_neq!(recipient, ctx.accounts.fund.vault, FundError::RecipientIsVault);
    let proposer = ctx.accounts.proposer.key();
    let action = ProposalAction::Investment {
        project_id: ctx.accounts.project.project_id,
        recipient,
        amount,
    };
    let accounts = ctx.accounts;
    open_proposal(&mut accounts.fund, &mut accounts.proposal, proposer, action, ctx.bumps.proposal)
}
