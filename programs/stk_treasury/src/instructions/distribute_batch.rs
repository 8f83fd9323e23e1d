use super::authority_seeds;
use crate::{
    errors::TreasuryError,
    events::BatchDistributed,
    math::{bit_is_set, set_bit},
    state::{Epoch, EpochStatus, Treasury},
};
use anchor_lang::prelude::*;
use anchor_spl::token_interface::{
    spl_token_2022::{extension::StateWithExtensions, state::Account as TokenAccountState},
    Mint, Token2022, TokenAccount,
};
use stk_common::{seeds, token};

/// The accounts are kept to the minimum (7 + recipients) so a batch fits a transaction: see
/// the README's batch-size table.
#[derive(Accounts)]
#[instruction(month: u32)]
pub struct DistributeBatch<'info> {
    /// The treasury's distributor.
    pub distributor: Signer<'info>,
    #[account(
        seeds = [seeds::TREASURY],
        bump = treasury.bump,
        has_one = distributor @ TreasuryError::NotDistributor,
        has_one = mint,
        has_one = distribution_vault,
    )]
    pub treasury: Box<Account<'info, Treasury>>,
    /// The month's epoch (seeds checked).
    #[account(mut, seeds = [seeds::EPOCH, &month.to_le_bytes()], bump = epoch.bump)]
    pub epoch: Box<Account<'info, Epoch>>,
    /// CHECK: PDA signer, owner of the vault, checked by its seeds.
    #[account(seeds = [seeds::TREASURY_AUTHORITY], bump = treasury.authority_bump)]
    pub treasury_authority: UncheckedAccount<'info>,
    /// The distribution vault recorded in the treasury.
    #[account(mut)]
    pub distribution_vault: Box<InterfaceAccount<'info, TokenAccount>>,
    /// The STK mint recorded in the treasury (its transfer-fee config grosses up payouts).
    pub mint: Box<InterfaceAccount<'info, Mint>>,
    pub token_program: Program<'info, Token2022>,
    // remaining accounts: the recipients' STK token accounts, writable, one per amount.
}

/// Checks: signer is the distributor; the epoch is open; `batch_index < batch_count` and its
/// bit is not set (a batch pays once); as many amounts as recipient accounts, at least one;
/// every amount positive; every recipient a writable Token-2022 account of the STK mint and not
/// a treasury vault; `paid + Σ amounts ≤ total` with checked arithmetic. Each recipient gets
/// exactly its amount: the transfer is grossed up for the transfer fee.
pub fn handler<'info>(
    ctx: Context<'info, DistributeBatch<'info>>,
    _month: u32,
    batch_index: u16,
    amounts: Vec<u64>,
) -> Result<()> {
    let accounts = ctx.accounts;
    let recipients = ctx.remaining_accounts;
    let epoch = &mut accounts.epoch;
    require!(epoch.status == EpochStatus::Open, TreasuryError::EpochClosed);
    require!(batch_index < epoch.batch_count, TreasuryError::BatchIndexOutOfRange);
    require!(!bit_is_set(&epoch.paid_batches, batch_index), TreasuryError::BatchAlreadyPaid);
    require!(
        !amounts.is_empty() && amounts.len() == recipients.len(),
        TreasuryError::RecipientCount
    );
    let mut net: u64 = 0;
    for amount in &amounts {
        require!(*amount > 0, TreasuryError::ZeroAmount);
        net = net.checked_add(*amount).ok_or(TreasuryError::Overflow)?;
    }
    let new_paid = epoch.paid.checked_add(net).ok_or(TreasuryError::Overflow)?;
    require!(new_paid <= epoch.total, TreasuryError::EpochTotalExceeded);

    let mint = accounts.mint.to_account_info();
    let mint_key = mint.key();
    let vault = accounts.distribution_vault.to_account_info();
    let treasury = &accounts.treasury;
    for recipient in recipients {
        require!(
            recipient.is_writable
                && *recipient.owner == Token2022::id()
                && recipient.key() != treasury.distribution_vault
                && recipient.key() != treasury.fee_vault,
            TreasuryError::InvalidRecipient
        );
        let data = recipient.try_borrow_data()?;
        let state = StateWithExtensions::<TokenAccountState>::unpack(&data)
            .map_err(|_| error!(TreasuryError::InvalidRecipient))?;
        require_keys_eq!(state.base.mint, mint_key, TreasuryError::InvalidRecipient);
    }

    let solana_epoch = Clock::get()?.epoch;
    let bump = [treasury.authority_bump];
    let signer = authority_seeds(&bump);
    let token_program = accounts.token_program.to_account_info();
    let authority = accounts.treasury_authority.to_account_info();
    let decimals = accounts.mint.decimals;
    let mut gross_total: u64 = 0;
    for (recipient, amount) in recipients.iter().zip(amounts.iter()) {
        let gross = token::gross_up(&mint, *amount, solana_epoch)?;
        gross_total = gross_total.checked_add(gross).ok_or(TreasuryError::Overflow)?;
        token::transfer_signed(
            &token_program,
            &vault,
            &mint,
            recipient,
            &authority,
            &signer,
            gross,
            decimals,
        )?;
    }

    set_bit(&mut epoch.paid_batches, batch_index);
    epoch.paid = new_paid;
    epoch.gross_paid = epoch.gross_paid.checked_add(gross_total).ok_or(TreasuryError::Overflow)?;
    epoch.batches_paid = epoch.batches_paid.checked_add(1).ok_or(TreasuryError::Overflow)?;
    let count = amounts.len() as u32;
    epoch.recipients_paid =
        epoch.recipients_paid.checked_add(count).ok_or(TreasuryError::Overflow)?;
    stk_common::event::emit(&BatchDistributed {
        month: epoch.month,
        batch_index,
        recipients: count,
        net,
        gross: gross_total,
        epoch_paid: new_paid,
    });
    Ok(())
}
