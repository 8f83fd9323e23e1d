use super::authority_seeds;
use crate::{
    errors::TreasuryError,
    events::{BatchDistributed, RecipientSkipped},
    math::{bit_is_set, has_duplicate_key, set_bit},
    state::{Epoch, EpochStatus, PlanPage, Treasury},
};
use anchor_lang::prelude::*;
use anchor_spl::token_interface::{Mint, Token2022, TokenAccount};
use stk_common::{
    payout_plan::{self, classify_recipient, page_of, SkipReason, MAX_BATCH_RECIPIENTS},
    seeds, token,
};

/// The accounts are kept to the minimum (8 + recipients) so a batch fits a transaction: see
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
    /// The plan page holding this batch's root (owner and discriminator checked by the loader;
    /// month and page index checked by the handler); its skipped mask is written.
    #[account(mut)]
    pub plan_page: AccountLoader<'info, PlanPage>,
    // remaining accounts: the recipients' STK token accounts, writable, one per amount, in the
    // plan's order.
}

/// Checks: signer is the distributor; the epoch is `Open` (its plan approved by the admin);
/// `batch_index < batch_count` and its bit is not set (a batch pays once); as many amounts as
/// recipient accounts, 1 to 64; every amount positive; `paid + skipped + Σ amounts ≤ total`
/// with checked arithmetic; no recipient account twice (`DuplicateRecipient`); every recipient
/// writable and not a treasury vault (`InvalidRecipient`); the plan page is this month's page
/// of this batch; and the batch root recomputed from `(month, batch, position, account,
/// amount)` of every line equals the approved root (`PlanMismatch`), so the batch pays exactly
/// a planned content, in its planned order.
///
/// Then each **usable** recipient ([`classify_recipient`]) receives exactly its amount (the
/// transfer is grossed up for the transfer fee); each unusable one (closed, not a token
/// account, another mint, frozen, memo required) is **skipped**: not paid, its bit set in the
/// page's skipped mask, a `RecipientSkipped` event, its amount added to the epoch's `skipped`.
/// One member cannot make the batch fail.
pub fn handler<'info>(
    ctx: Context<'info, DistributeBatch<'info>>,
    month: u32,
    batch_index: u16,
    amounts: Vec<u64>,
) -> Result<()> {
    let accounts = ctx.accounts;
    let recipients = ctx.remaining_accounts;
    let epoch = &mut accounts.epoch;
    match epoch.status {
        EpochStatus::Open => {}
        EpochStatus::Proposed => return err!(TreasuryError::EpochNotApproved),
        EpochStatus::Closed => return err!(TreasuryError::EpochClosed),
    }
    require!(batch_index < epoch.batch_count, TreasuryError::BatchIndexOutOfRange);
    require!(!bit_is_set(&epoch.paid_batches, batch_index), TreasuryError::BatchAlreadyPaid);
    require!(
        !amounts.is_empty()
            && amounts.len() <= MAX_BATCH_RECIPIENTS
            && amounts.len() == recipients.len(),
        TreasuryError::RecipientCount
    );
    let mut net: u64 = 0;
    for amount in &amounts {
        require!(*amount > 0, TreasuryError::ZeroAmount);
        net = net.checked_add(*amount).ok_or(TreasuryError::Overflow)?;
    }
    let settled = epoch.paid.checked_add(epoch.skipped).ok_or(TreasuryError::Overflow)?;
    let new_settled = settled.checked_add(net).ok_or(TreasuryError::Overflow)?;
    require!(new_settled <= epoch.total, TreasuryError::EpochTotalExceeded);

    let keys: Vec<Pubkey> = recipients.iter().map(|r| r.key()).collect();
    require!(!has_duplicate_key(&keys), TreasuryError::DuplicateRecipient);
    let treasury = &accounts.treasury;
    for recipient in recipients {
        require!(
            recipient.is_writable
                && recipient.key() != treasury.distribution_vault
                && recipient.key() != treasury.fee_vault,
            TreasuryError::InvalidRecipient
        );
    }

    // The content must be the approved one: recompute this batch's root.
    let (page_index, entry) = page_of(batch_index);
    {
        let page = accounts.plan_page.load()?;
        require!(page.month == month && page.page == page_index, TreasuryError::WrongPlanPage);
        let mut leaves: Vec<[u8; 32]> = keys
            .iter()
            .zip(&amounts)
            .zip(0u8..)
            .map(|((key, amount), position)| {
                payout_plan::leaf(month, batch_index, position, key, *amount)
            })
            .collect();
        let root = payout_plan::DOMAIN.root_in_place(&mut leaves);
        require!(root == Some(page.roots[entry]), TreasuryError::PlanMismatch);
    }

    let mint = accounts.mint.to_account_info();
    let mint_key = mint.key();
    let vault = accounts.distribution_vault.to_account_info();
    let solana_epoch = Clock::get()?.epoch;
    let bump = [treasury.authority_bump];
    let signer = authority_seeds(&bump);
    let token_program = accounts.token_program.to_account_info();
    let authority = accounts.treasury_authority.to_account_info();
    let decimals = accounts.mint.decimals;
    let (mut paid_net, mut gross_total, mut paid_count) = (0u64, 0u64, 0u32);
    let (mut skipped_net, mut skipped_count, mut skipped_mask) = (0u64, 0u32, 0u64);
    for ((recipient, amount), position) in recipients.iter().zip(&amounts).zip(0u8..) {
        if let Some(reason) = usability(recipient, &mint_key)? {
            skipped_mask |= 1u64 << position;
            skipped_net = skipped_net.checked_add(*amount).ok_or(TreasuryError::Overflow)?;
            skipped_count += 1;
            stk_common::event::emit(&RecipientSkipped {
                month,
                batch_index,
                position,
                token_account: recipient.key(),
                amount: *amount,
                reason: reason.code(),
            });
            continue;
        }
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
        paid_net = paid_net.checked_add(*amount).ok_or(TreasuryError::Overflow)?;
        paid_count += 1;
    }
    accounts.plan_page.load_mut()?.skipped_masks[entry] = skipped_mask;

    set_bit(&mut epoch.paid_batches, batch_index);
    epoch.paid = epoch.paid.checked_add(paid_net).ok_or(TreasuryError::Overflow)?;
    epoch.skipped = epoch.skipped.checked_add(skipped_net).ok_or(TreasuryError::Overflow)?;
    epoch.gross_paid = epoch.gross_paid.checked_add(gross_total).ok_or(TreasuryError::Overflow)?;
    epoch.batches_paid = epoch.batches_paid.checked_add(1).ok_or(TreasuryError::Overflow)?;
    epoch.recipients_paid =
        epoch.recipients_paid.checked_add(paid_count).ok_or(TreasuryError::Overflow)?;
    epoch.recipients_skipped =
        epoch.recipients_skipped.checked_add(skipped_count).ok_or(TreasuryError::Overflow)?;
    stk_common::event::emit(&BatchDistributed {
        month,
        batch_index,
        recipients: paid_count,
        net: paid_net,
        gross: gross_total,
        epoch_paid: epoch.paid,
        recipients_skipped: skipped_count,
        skipped: skipped_net,
    });
    Ok(())
}

/// Why `recipient` cannot receive STK now, `None` if it can. The owner is checked before the
/// data is borrowed, so an account of this program listed as a recipient (the epoch or the
/// page, already borrowed) is skipped instead of failing the batch on a borrow.
fn usability(recipient: &AccountInfo, mint: &Pubkey) -> Result<Option<SkipReason>> {
    if *recipient.owner != Token2022::id() {
        return Ok(Some(SkipReason::NotToken2022));
    }
    let data = recipient.try_borrow_data()?;
    Ok(classify_recipient(recipient.owner, &data, mint))
}
