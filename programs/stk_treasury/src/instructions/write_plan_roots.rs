// The glob brings the composite's generated client modules and bumps along with it.
use super::distributor_epoch::*;
use crate::{
    errors::TreasuryError,
    events::PlanRootsWritten,
    state::{EpochStatus, PlanPage, PLAN_PAGE_ENTRIES, PLAN_PAGE_SPACE},
};
use anchor_lang::{prelude::*, Discriminator};
use stk_common::{payout_plan::page_of, seeds};

#[derive(Accounts)]
pub struct WritePlanRoots<'info> {
    /// `distributor` (pays the page's rent when it creates it), `treasury`, `epoch` (must be
    /// `Proposed`) — see [`DistributorEpoch`].
    pub plan: DistributorEpoch<'info>,
    /// CHECK: the plan page of `first_batch`: its PDA is checked in the handler (a seed
    /// computed from an argument is beyond Anchor's IDL seed resolution); created here on
    /// first write, then owner and discriminator are checked by `AccountLoader`.
    #[account(mut)]
    pub plan_page: UncheckedAccount<'info>,
    pub system_program: Program<'info, System>,
}

/// Checks: signer is the distributor; the page is the PDA of `first_batch`'s page
/// (`WrongPlanPage`); the epoch is `Proposed` (roots are frozen once the admin
/// approved); `roots` is non-empty, lies within `batch_count` and within one page; no root is
/// all zero (the mark of an unwritten entry). Rewriting a root while `Proposed` is allowed:
/// the admin approves the final content, whose hash must equal the epoch's `plan_hash`.
pub fn handler<'info>(
    ctx: Context<'info, WritePlanRoots<'info>>,
    month: u32,
    first_batch: u16,
    roots: Vec<[u8; 32]>,
) -> Result<()> {
    // Shared for the whole instruction: the page loader needs its account info for `'info`.
    let accounts: &'info WritePlanRoots<'info> = ctx.accounts;
    let epoch = &accounts.plan.epoch;
    require!(epoch.status == EpochStatus::Proposed, TreasuryError::EpochNotProposed);
    let (page_index, first_entry) = page_of(first_batch);
    let (page_address, bump) = Pubkey::find_program_address(
        &[seeds::PLAN_PAGE, &month.to_le_bytes(), &page_index.to_le_bytes()],
        &crate::ID,
    );
    require_keys_eq!(accounts.plan_page.key(), page_address, TreasuryError::WrongPlanPage);
    let end = (first_batch as usize).checked_add(roots.len()).ok_or(TreasuryError::Overflow)?;
    require!(
        !roots.is_empty()
            && end <= epoch.batch_count as usize
            && first_entry + roots.len() <= PLAN_PAGE_ENTRIES,
        TreasuryError::PlanRootsRange
    );
    require!(roots.iter().all(|r| *r != [0u8; 32]), TreasuryError::ZeroRoot);

    let page_info: &'info AccountInfo<'info> = accounts.plan_page.as_ref();
    let created = *page_info.owner != crate::ID;
    if created {
        let month_bytes = month.to_le_bytes();
        let page_bytes = page_index.to_le_bytes();
        // Anchor's `init` without `init-if-needed` for the whole program: lamports sent to the
        // address beforehand do not block the page (`create_pda_account`).
        stk_common::account::create_pda_account(
            accounts.plan.distributor.as_ref(),
            page_info,
            &[seeds::PLAN_PAGE, &month_bytes, &page_bytes, &[bump]],
            Rent::get()?.minimum_balance(PLAN_PAGE_SPACE),
            PLAN_PAGE_SPACE as u64,
            &crate::ID,
        )?;
        page_info.try_borrow_mut_data()?[..8].copy_from_slice(PlanPage::DISCRIMINATOR);
    }
    let loader = AccountLoader::<PlanPage>::try_from(page_info)?;
    let mut page = loader.load_mut()?;
    if created {
        page.month = month;
        page.page = page_index;
        page.bump = bump;
    }
    page.roots[first_entry..first_entry + roots.len()].copy_from_slice(&roots);
    stk_common::event::emit(&PlanRootsWritten {
        month,
        page: page_index,
        first_batch,
        count: roots.len() as u16,
    });
    Ok(())
}
