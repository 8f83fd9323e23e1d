use crate::{
    errors::FundError,
    events::ReturnRecorded,
    state::{Fund, Project},
};
use anchor_lang::prelude::*;
use anchor_spl::token_interface::{Mint, Token2022, TokenAccount};
use stk_common::{seeds, token};

#[derive(Accounts)]
pub struct RecordReturn<'info> {
    /// The project's registered returner (`Project::returner`); owner of `source`.
    pub returner: Signer<'info>,
    /// The fund's state.
    #[account(mut, seeds = [seeds::FUND], bump = fund.bump, has_one = mint, has_one = vault)]
    pub fund: Box<Account<'info, Fund>>,
    /// The registered project the return is credited to.
    #[account(
        mut,
        seeds = [seeds::PROJECT, fund.key().as_ref(), project.project_id.as_ref()],
        bump = project.bump,
        has_one = fund,
        has_one = returner @ FundError::NotProjectReturner,
    )]
    pub project: Box<Account<'info, Project>>,
    /// The STK mint recorded in the fund.
    pub mint: Box<InterfaceAccount<'info, Mint>>,
    /// The fund's vault recorded in the fund.
    #[account(mut)]
    pub vault: Box<InterfaceAccount<'info, TokenAccount>>,
    /// The returner's STK token account.
    #[account(
        mut,
        token::mint = mint,
        token::authority = returner,
        token::token_program = token_program,
    )]
    pub source: Box<InterfaceAccount<'info, TokenAccount>>,
    pub token_program: Program<'info, Token2022>,
}

/// Checks: amount > 0; fund PDA, its mint and vault; the project is registered with this
/// fund and the signer is its registered returner (otherwise anyone could launder a deposit
/// into an unlocked "return"); the source is the returner's STK account. Credits what the vault actually received
/// (the transfer fee is withheld on the way in) to the project and to the fund's unlocked
/// funds at once: returns are capital that was unlocked when invested, so it is not locked
/// again. Tokens sent to the vault outside this instruction are deposits, not returns.
pub fn handler(ctx: Context<RecordReturn>, amount: u64) -> Result<()> {
    require!(amount > 0, FundError::ZeroAmount);
    let accounts = ctx.accounts;
    let before = accounts.vault.amount;
    token::transfer_by_owner(
        &accounts.token_program.to_account_info(),
        &accounts.source.to_account_info(),
        &accounts.mint.to_account_info(),
        &accounts.vault.to_account_info(),
        &accounts.returner.to_account_info(),
        amount,
        accounts.mint.decimals,
    )?;
    accounts.vault.reload()?;
    let received = accounts.vault.amount.checked_sub(before).ok_or(FundError::TransferMismatch)?;
    require!(received <= amount, FundError::TransferMismatch);
    require!(received > 0, FundError::NothingReceived);

    let fund = &mut accounts.fund;
    fund.tranches.add_unlocked(received).map_err(FundError::from)?;
    fund.total_returned = fund.total_returned.checked_add(received).ok_or(FundError::Overflow)?;
    let project = &mut accounts.project;
    project.returned = project.returned.checked_add(received).ok_or(FundError::Overflow)?;
    project.returns = project.returns.checked_add(1).ok_or(FundError::Overflow)?;
    stk_common::event::emit(&ReturnRecorded {
        project_id: project.project_id,
        returner: accounts.returner.key(),
        amount_sent: amount,
        received,
        project_returned: project.returned,
        total_returned: fund.total_returned,
    });
    Ok(())
}
