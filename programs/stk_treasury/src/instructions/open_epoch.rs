use crate::{
    errors::TreasuryError,
    events::EpochOpened,
    state::{Epoch, EpochStatus, Treasury, BITMAP_BYTES, MAX_BATCH_COUNT},
};
use anchor_lang::prelude::*;
use stk_common::{calendar::MonthId, seeds};
use stk_mint::state::MintConfig;

#[derive(Accounts)]
#[instruction(month: u32)]
pub struct OpenEpoch<'info> {
    /// The treasury's distributor; pays the epoch account's rent.
    #[account(mut)]
    pub distributor: Signer<'info>,
    #[account(
        mut,
        seeds = [seeds::TREASURY],
        bump = treasury.bump,
        has_one = distributor @ TreasuryError::NotDistributor,
    )]
    pub treasury: Box<Account<'info, Treasury>>,
    /// `stk_mint`'s config (owner and seeds checked): the schedule and the quarters minted.
    #[account(seeds = [seeds::MINT_CONFIG], bump = mint_config.bump, seeds::program = stk_mint::ID)]
    pub mint_config: Box<Account<'info, MintConfig>>,
    /// The month's epoch; `init` makes opening a month twice impossible.
    #[account(
        init,
        payer = distributor,
        space = 8 + Epoch::INIT_SPACE,
        seeds = [seeds::EPOCH, &month.to_le_bytes()],
        bump,
    )]
    pub epoch: Box<Account<'info, Epoch>>,
    pub system_program: Program<'info, System>,
}

/// Checks: signer is the distributor; 1 ≤ batch_count ≤ 4096; total > 0; the month lies in the
/// schedule and its quarter has been minted (so its allowance is in the vault); the month has
/// **ended** (cluster clock ≥ start of the next month in the schedule's time zone), so its
/// report is final; the epoch PDA does not exist yet; and `committed_total + total ≤ cumulative
/// allowance through month` — the one invariant that caps each month, carries pending and
/// unspent amounts forward, and never lets commitments exceed the schedule.
///
/// The epoch starts `Proposed` with `plan_hash`: nothing is payable until the admin approves
/// exactly that plan (`approve_epoch`).
pub fn handler(
    ctx: Context<OpenEpoch>,
    month: u32,
    total: u64,
    report_hash: [u8; 32],
    batch_count: u16,
    plan_hash: [u8; 32],
) -> Result<()> {
    require!((1..=MAX_BATCH_COUNT).contains(&batch_count), TreasuryError::BatchCount);
    require!(total > 0, TreasuryError::ZeroTotal);
    let schedule = ctx.accounts.mint_config.schedule;
    let quarter =
        schedule.quarter_of_month(MonthId(month)).ok_or(TreasuryError::MonthOutsideSchedule)?;
    require!(quarter < ctx.accounts.mint_config.quarters_minted, TreasuryError::QuarterNotMinted);
    let now = Clock::get()?.unix_timestamp;
    let next_month = MonthId(month).checked_add(1).ok_or(TreasuryError::MonthOutsideSchedule)?;
    require!(now >= next_month.start_ts(schedule.utc_offset_secs), TreasuryError::MonthNotEnded);
    let allowance = schedule
        .cumulative_allowance_through(MonthId(month))
        .map_err(|_| error!(TreasuryError::Schedule))?;
    let treasury = &mut ctx.accounts.treasury;
    let committed = treasury.committed_total.checked_add(total).ok_or(TreasuryError::Overflow)?;
    require!(committed <= allowance, TreasuryError::AllowanceExceeded);
    treasury.committed_total = committed;
    treasury.open_epochs = treasury.open_epochs.checked_add(1).ok_or(TreasuryError::Overflow)?;

    ctx.accounts.epoch.set_inner(Epoch {
        month,
        status: EpochStatus::Proposed,
        total,
        paid: 0,
        gross_paid: 0,
        recipients_paid: 0,
        batch_count,
        batches_paid: 0,
        report_hash,
        opened_at: now,
        closed_at: 0,
        aborted: false,
        bump: ctx.bumps.epoch,
        paid_batches: [0; BITMAP_BYTES],
        plan_hash,
        approved_by: Pubkey::default(),
        approved_at: 0,
        skipped: 0,
        recipients_skipped: 0,
    });
    stk_common::event::emit(&EpochOpened {
        month,
        total,
        batch_count,
        report_hash,
        committed_total: committed,
        cumulative_allowance: allowance,
        plan_hash,
    });
    Ok(())
}
