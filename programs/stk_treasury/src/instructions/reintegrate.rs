use crate::{
    errors::TreasuryError,
    events::DormantBalanceReintegrated,
    flagged, recycle,
    state::{DormancyNotice, NoticeStatus, Treasury},
};
use anchor_lang::prelude::*;
use anchor_spl::token_interface::{Mint, Token2022, TokenAccount};
use stk_common::{seeds, token};
use stk_mint::state::MintConfig;

#[derive(Accounts)]
pub struct Reintegrate<'info> {
    /// The treasury; its `recycled_total` books what arrives.
    #[account(mut, seeds = [seeds::TREASURY], bump = treasury.bump, has_one = mint, has_one = distribution_vault)]
    pub treasury: Box<Account<'info, Treasury>>,
    /// The notice of the account (seeds checked).
    #[account(
        mut,
        seeds = [seeds::DORMANCY_NOTICE, owner_token_account.key().as_ref()],
        bump = notice.bump,
    )]
    pub notice: Box<Account<'info, DormancyNotice>>,
    /// CHECK: the flagged account, read by hand (`flagged::observe`) so that a closed,
    /// reassigned or changed account is refused with `NoticeAccountChanged`; emptied by
    /// Token-2022 itself, which checks it again.
    #[account(mut)]
    pub owner_token_account: UncheckedAccount<'info>,
    #[account(mut)]
    pub mint: Box<InterfaceAccount<'info, Mint>>,
    /// `stk_mint`'s config (owner and seeds checked): the minted quarters the surplus rule
    /// needs.
    #[account(seeds = [seeds::MINT_CONFIG], bump = mint_config.bump, seeds::program = stk_mint::ID)]
    pub mint_config: Box<Account<'info, MintConfig>>,
    /// CHECK: PDA signer, the mint's permanent delegate, checked by its seeds. Used only here
    /// and in `execute_fraud_hold`.
    #[account(seeds = [seeds::PERMANENT_DELEGATE], bump = treasury.permanent_delegate_bump)]
    pub permanent_delegate: UncheckedAccount<'info>,
    /// The distribution vault recorded in the treasury.
    #[account(mut)]
    pub distribution_vault: Box<InterfaceAccount<'info, TokenAccount>>,
    pub token_program: Program<'info, Token2022>,
}

/// Checks: permissionless crank (the notice was public and the outcome is fixed); the notice
/// is pending (not cancelled, voided or already reintegrated) and its period has ended; the
/// account is still exactly the flagged one — an STK account with the flagged owner and
/// exactly the flagged balance (`flagged::still_flagged`), so a closed, reassigned, spent or
/// refilled account (e.g. closed and re-created at the same address) is refused. Moves exactly
/// the flagged balance to the distribution vault, signed by the permanent-delegate PDA, then
/// books the vault's surplus into `recycled_total` (vest-to-build).
pub fn handler(ctx: Context<Reintegrate>) -> Result<()> {
    let accounts = ctx.accounts;
    let notice = &mut accounts.notice;
    match notice.status {
        NoticeStatus::Pending => {}
        NoticeStatus::Cancelled => return err!(TreasuryError::NoticeCancelled),
        NoticeStatus::Reintegrated => return err!(TreasuryError::AlreadyReintegrated),
        NoticeStatus::Voided => return err!(TreasuryError::NoticeNotPending),
    }
    let now = Clock::get()?.unix_timestamp;
    require!(now >= notice.notice_ends_at, TreasuryError::NoticeNotEnded);
    let observed = flagged::observe(&accounts.owner_token_account, &accounts.mint.key());
    require!(
        flagged::still_flagged(observed, &notice.owner, notice.flagged_balance),
        TreasuryError::NoticeAccountChanged
    );
    let amount = notice.flagged_balance;
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
    recycle::book_surplus(
        &mut accounts.treasury,
        &accounts.mint_config.schedule,
        accounts.mint_config.quarters_minted,
        accounts.distribution_vault.amount,
    )?;
    Ok(())
}
