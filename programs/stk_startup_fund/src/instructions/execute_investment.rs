use super::{record_investment, require_live, require_threshold, require_unlocked};
use crate::{
    errors::FundError,
    events::InvestmentExecuted,
    state::{Fund, Project, Proposal, ProposalAction},
};
use anchor_lang::prelude::*;
use anchor_spl::token_interface::{Mint, Token2022, TokenAccount};
use stk_common::{seeds, token};

#[derive(Accounts)]
pub struct ExecuteInvestment<'info> {
    /// A member of the current council.
    pub executor: Signer<'info>,
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
    /// CHECK: PDA signer (owner of the vault), checked by its seeds.
    #[account(seeds = [seeds::FUND_AUTHORITY], bump = fund.authority_bump)]
    pub fund_authority: UncheckedAccount<'info>,
    /// The STK mint recorded in the fund.
    pub mint: Box<InterfaceAccount<'info, Mint>>,
    /// The fund's vault recorded in the fund.
    #[account(mut)]
    pub vault: Box<InterfaceAccount<'info, TokenAccount>>,
    /// The proposal's recipient, an STK token account.
    #[account(mut, token::mint = mint, token::token_program = token_program)]
    pub recipient: Box<InterfaceAccount<'info, TokenAccount>>,
    pub token_program: Program<'info, Token2022>,
}

/// Checks: the executor is a current council member; the proposal is a pending investment of
/// the current council epoch with approvals >= threshold; project and recipient are the
/// proposal's; amount grossed up for the transfer fee <= the unlocked balance now. Pays with
/// `transfer_checked` signed by the fund authority, then checks the vault lost exactly the
/// gross and the recipient gained at least the amount.
///
/// Fees: the fund grosses up, so the project receives exactly the approved amount and the
/// fee (withheld for the treasury) comes out of the fund's unlocked balance.
pub fn handler(ctx: Context<ExecuteInvestment>) -> Result<()> {
    let accounts = ctx.accounts;
    accounts.fund.member_index(&accounts.executor.key())?;
    require_live(&accounts.fund, &accounts.proposal)?;
    let ProposalAction::Investment { project_id, recipient, amount } = accounts.proposal.action
    else {
        return err!(FundError::WrongAction);
    };
    require_threshold(&accounts.fund, &accounts.proposal)?;
    require_keys_eq!(accounts.project.project_id, project_id, FundError::WrongProject);
    require_keys_eq!(accounts.recipient.key(), recipient, FundError::WrongRecipient);

    let clock = Clock::get()?;
    let mint_info = accounts.mint.to_account_info();
    let gross = token::gross_up(&mint_info, amount, clock.epoch)?;
    require_unlocked(&accounts.fund, gross, clock.unix_timestamp)?;

    let vault_before = accounts.vault.amount;
    let recipient_before = accounts.recipient.amount;
    let signer: &[&[u8]] = &[seeds::FUND_AUTHORITY, &[accounts.fund.authority_bump]];
    token::transfer_signed(
        &accounts.token_program.to_account_info(),
        &accounts.vault.to_account_info(),
        &mint_info,
        &accounts.recipient.to_account_info(),
        &accounts.fund_authority.to_account_info(),
        signer,
        gross,
        accounts.mint.decimals,
    )?;
    accounts.vault.reload()?;
    accounts.recipient.reload()?;
    let sent =
        vault_before.checked_sub(accounts.vault.amount).ok_or(FundError::TransferMismatch)?;
    let received = accounts
        .recipient
        .amount
        .checked_sub(recipient_before)
        .ok_or(FundError::TransferMismatch)?;
    require!(sent == gross && received >= amount, FundError::TransferMismatch);

    let (fund, proposal) = (&mut accounts.fund, &mut accounts.proposal);
    record_investment(
        fund,
        &mut accounts.project,
        proposal,
        gross,
        received,
        clock.unix_timestamp,
    )?;
    stk_common::event::emit(&InvestmentExecuted {
        proposal_id: proposal.id,
        project_id,
        recipient,
        amount: received,
        gross,
        unlocked_after: fund.unlocked(clock.unix_timestamp)?,
    });
    Ok(())
}
