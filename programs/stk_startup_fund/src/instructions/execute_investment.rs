// The composite accounts struct and what `#[derive(Accounts)]` generated for it.
use super::{
    __client_accounts_investment_execution, __cpi_client_accounts_investment_execution,
    InvestmentExecution, InvestmentExecutionBumps,
};
use crate::{errors::FundError, events::InvestmentExecuted, state::ProposalAction};
use anchor_lang::prelude::*;
use anchor_spl::token_interface::{Token2022, TokenAccount};
use stk_common::{seeds, token};

#[derive(Accounts)]
pub struct ExecuteInvestment<'info> {
    /// A member of the current council.
    pub executor: Signer<'info>,
    /// The fund, the approved proposal, its project, the fund authority, mint and vault.
    pub investment: InvestmentExecution<'info>,
    /// The proposal's recipient, an STK token account.
    #[account(mut, token::mint = investment.mint, token::token_program = token_program)]
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
    let investment = &mut accounts.investment;
    let ProposalAction::Investment { project_id, recipient, amount } =
        investment.live_action(&accounts.executor.key())?
    else {
        return err!(FundError::WrongAction);
    };
    investment.require_approved(&project_id)?;
    require_keys_eq!(accounts.recipient.key(), recipient, FundError::WrongRecipient);

    let clock = Clock::get()?;
    let mint_info = investment.mint.to_account_info();
    let gross = token::gross_up(&mint_info, amount, clock.epoch)?;
    investment.require_unlocked(gross, clock.unix_timestamp)?;

    let vault_before = investment.vault.amount;
    let recipient_before = accounts.recipient.amount;
    let signer: &[&[u8]] = &[seeds::FUND_AUTHORITY, &[investment.fund.authority_bump]];
    token::transfer_signed(
        &accounts.token_program.to_account_info(),
        &investment.vault.to_account_info(),
        &mint_info,
        &accounts.recipient.to_account_info(),
        &investment.fund_authority.to_account_info(),
        signer,
        gross,
        investment.mint.decimals,
    )?;
    investment.vault.reload()?;
    accounts.recipient.reload()?;
    let sent =
        vault_before.checked_sub(investment.vault.amount).ok_or(FundError::TransferMismatch)?;
    let received = accounts
        .recipient
        .amount
        .checked_sub(recipient_before)
        .ok_or(FundError::TransferMismatch)?;
    require!(sent == gross && received >= amount, FundError::TransferMismatch);

    investment.record(gross, received, clock.unix_timestamp)?;
    stk_common::event::emit(&InvestmentExecuted {
        proposal_id: investment.proposal.id,
        project_id,
        recipient,
        amount: received,
        gross,
        unlocked_after: investment.fund.unlocked(clock.unix_timestamp)?,
    });
    Ok(())
}
