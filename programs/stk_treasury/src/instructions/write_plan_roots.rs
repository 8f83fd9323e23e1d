use crate::{
    errors::TreasuryError,
    events::PlanRootsWritten,
    state::{Epoch, EpochStatus, PlanPage, Treasury, PLAN_PAGE_ENTRIES, PLAN_PAGE_SPACE},
};
use anchor_lang::{
    prelude::*,
    system_program::{self, Allocate, Assign, CreateAccount, Transfer},
    Discriminator,
};
use stk_common::{payout_plan::page_of, seeds};

#[derive(Accounts)]
#[instruction(month: u32)]
pub struct WritePlanRoots<'info> {
    /// The treasury's distributor; pays the page's rent when it creates it.
    #[account(mut)]
    pub distributor: Signer<'info>,
    #[account(
        seeds = [seeds::TREASURY],
        bump = treasury.bump,
        has_one = distributor @ TreasuryError::NotDistributor,
    )]
    pub treasury: Box<Account<'info, Treasury>>,
    /// The month's epoch (seeds checked); must be `Proposed`.
    #[account(seeds = [seeds::EPOCH, &month.to_le_bytes()], bump = epoch.bump)]
    pub epoch: Box<Account<'info, Epoch>>,
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
    let epoch = &accounts.epoch;
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
        create_page(
            page_info,
            accounts.distributor.as_ref(),
            &[seeds::PLAN_PAGE, &month_bytes, &page_bytes, &[bump]],
        )?;
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

/// Creates the page PDA owned by this program with its discriminator, as Anchor's `init` does
/// (without enabling `init-if-needed` for the whole program): if someone pre-funded the address,
/// `create_account` would fail, so top it up, allocate and assign instead.
fn create_page<'info>(
    page: &AccountInfo<'info>,
    payer: &AccountInfo<'info>,
    signer_seeds: &[&[u8]],
) -> Result<()> {
    let rent = Rent::get()?.minimum_balance(PLAN_PAGE_SPACE);
    let system = system_program::ID;
    let signer = &[signer_seeds];
    let current = page.lamports();
    if current == 0 {
        system_program::create_account(
            CpiContext::new_with_signer(
                system,
                CreateAccount { from: payer.clone(), to: page.clone() },
                signer,
            ),
            rent,
            PLAN_PAGE_SPACE as u64,
            &crate::ID,
        )?;
    } else {
        let missing = rent.saturating_sub(current);
        if missing > 0 {
            system_program::transfer(
                CpiContext::new(system, Transfer { from: payer.clone(), to: page.clone() }),
                missing,
            )?;
        }
        system_program::allocate(
            CpiContext::new_with_signer(
                system,
                Allocate { account_to_allocate: page.clone() },
                signer,
            ),
            PLAN_PAGE_SPACE as u64,
        )?;
        system_program::assign(
            CpiContext::new_with_signer(system, Assign { account_to_assign: page.clone() }, signer),
            &crate::ID,
        )?;
    }
    page.try_borrow_mut_data()?[..8].copy_from_slice(PlanPage::DISCRIMINATOR);
    Ok(())
}
