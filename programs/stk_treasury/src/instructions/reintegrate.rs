use crate::{
    errors::TreasuryError,
    events::DormantBalanceReintegrated,
    state::{DormancyNotice, NoticeStatus, Treasury},
};
use anchor_lang::prelude::*;
use anchor_spl::token_interface::{Mint, Token2022, TokenAccount};
use stk_common::{seeds, token};

#[derive(Accounts)]
pub struct Reintegrate<'info> {
    #[account(seeds = [seeds::TREASURY], bump = treasury.bump, has_one = mint, has_one = distribution_vault)]
    pub treasury: Box<Account<'info, Treasury>>,
    /// The notice of the account (seeds checked).
    #[account(
        mut,
        seeds = [seeds::DORMANCY_NOTICE, owner_token_account.key().as_ref()],
        bump = notice.bump,
    )]
    pub notice: Box<Account<'info, DormancyNotice>>,
    /// The flagged STK token account; emptied.
    #[account(mut, token::mint = mint, token::token_program = token_program)]
    pub owner_token_account: Box<InterfaceAccount<'info, TokenAccount>>,
    #[account(mut)]
    pub mint: Box<InterfaceAccount<'info, Mint>>,
    /// CHECK: PDA signer, the mint's permanent delegate, checked by its seeds. Used nowhere
    /// else in the program.
    #[account(seeds = [seeds::PERMANENT_DELEGATE], bump = treasury.permanent_delegate_bump)]
    pub permanent_delegate: UncheckedAccount<'info>,
    /// The distribution vault recorded in the treasury.
    #[account(mut)]
    pub distribution_vault: Box<InterfaceAccount<'info, TokenAccount>>,
    pub token_program: Program<'info, Token2022>,
}

/// Checks: permissionless crank (the notice was public and the outcome is fixed); the notice
/// is pending (not cancelled, not already reintegrated) and its period has ended; the account
/// is the notice's, of the STK mint. Moves the whole balance to the distribution vault, signed
/// by the permanent-delegate PDA.
pub fn handler(ctx: Context<Reintegrate>) -> Result<()> {
    let accounts = ctx.accounts;
    let notice = &mut accounts.notice;
    match notice.status {
        NoticeStatus::Pending => {}
        NoticeStatus::Cancelled => return err!(TreasuryError::NoticeCancelled),
        NoticeStatus::Reintegrated => return err!(TreasuryError::AlreadyReintegrated),
    }
    let now = Clock::get()?.unix_timestamp;
    require!(now >= notice.notice_ends_at, TreasuryError::NoticeNotEnded);
    let amount = accounts.owner_token_account.amount;
    let vault_before = accounts.distribution_vault.amount;
    if amount > 0 {
        let bump = [accounts.treasury.permanent_delegate_bump];
        let signer: [&[u8]; 2] = [seeds::PERMANENT_DELEGATE, &bump];
        token::transfer_signed(
            &accounts.token_program.to_account_info(),
            &accounts.owner_token_account.to_account_info(),
            &accounts.mint.to_account_info(),
            &accounts.distribution_vault.to_account_info(),
            &accounts.permanent_delegate.to_account_info(),
            &signer,
            amount,
            accounts.mint.decimals,
        )?;
    }
    accounts.distribution_vault.reload()?;
    notice.status = NoticeStatus::Reintegrated;
    notice.resolved_at = now;
    notice.amount_reintegrated = amount;
    stk_common::event::emit(&DormantBalanceReintegrated {
        token_account: notice.token_account,
        amount,
        received_by_vault: accounts
            .distribution_vault
            .amount
            .checked_sub(vault_before)
            .ok_or(TreasuryError::Overflow)?,
    });
    Ok(())
}
