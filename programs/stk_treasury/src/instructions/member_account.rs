use crate::{errors::TreasuryError, flagged, state::Treasury};
use anchor_lang::prelude::*;
use anchor_spl::token_interface::{Mint, Token2022, TokenAccount};
use stk_common::seeds;

/// The admin acting on a member's STK account: the first five accounts of `flag_dormant` and
/// `place_fraud_hold`, in this order (`admin`, `treasury`, `mint`, `token_account`,
/// `token_program`). Both nest it as their first field, so the account checks and the member
/// rule ([`MemberAccount::restriction`]) are written once.
#[derive(Accounts)]
pub struct MemberAccount<'info> {
    /// The admin; pays the rent of the notice or hold the instruction creates.
    #[account(mut)]
    pub admin: Signer<'info>,
    #[account(seeds = [seeds::TREASURY], bump = treasury.bump, has_one = admin @ TreasuryError::NotAdmin, has_one = mint)]
    pub treasury: Box<Account<'info, Treasury>>,
    pub mint: Box<InterfaceAccount<'info, Mint>>,
    /// The member's account: a Token-2022 account of the STK mint whose owner is an ordinary
    /// wallet (checked by [`MemberAccount::restriction`]: not a treasury vault, owner on the
    /// ed25519 curve).
    #[account(token::mint = mint, token::token_program = token_program)]
    pub token_account: Box<InterfaceAccount<'info, TokenAccount>>,
    pub token_program: Program<'info, Token2022>,
}

/// What a dormancy notice or a fraud hold starts from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Restriction {
    pub token_account: Pubkey,
    /// The account's owner now (the wallet the notice or hold binds).
    pub owner: Pubkey,
    /// The account's balance now.
    pub balance: u64,
    pub now: i64,
    /// `now + dormancy_notice_secs`: the notice's end, or the hold's time lock.
    pub ends_at: i64,
}

impl MemberAccount<'_> {
    /// Checks: the account is an ordinary member's — never one of the treasury's vaults
    /// (`TreasuryVault`), never an account owned by a PDA (`OwnerNotWallet`), so no vault of
    /// the suite can be flagged or held (`flagged::require_member_account`). Returns its owner
    /// and balance, the clock, and the end of one notice period from now.
    pub(crate) fn restriction(&self) -> Result<Restriction> {
        let account = &self.token_account;
        flagged::require_member_account(&self.treasury, &account.key(), &account.owner)?;
        let now = Clock::get()?.unix_timestamp;
        let ends_at =
            now.checked_add(self.treasury.dormancy_notice_secs).ok_or(TreasuryError::Overflow)?;
        Ok(Restriction {
            token_account: account.key(),
            owner: account.owner,
            balance: account.amount,
            now,
            ends_at,
        })
    }
}
