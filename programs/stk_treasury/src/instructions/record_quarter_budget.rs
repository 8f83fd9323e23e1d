use crate::{
    errors::TreasuryError,
    events::QuarterBudgetRecorded,
    math::{bps_of, receipt_share},
    state::{OneTimeReceipt, QuarterQuote, Treasury},
};
use anchor_lang::prelude::*;
use stk_common::{seeds, BPS_DENOMINATOR};

#[derive(Accounts)]
#[instruction(quarter: u16)]
pub struct RecordQuarterBudget<'info> {
    /// The admin; pays the quarter account's rent.
    #[account(mut)]
    pub admin: Signer<'info>,
    #[account(mut, seeds = [seeds::TREASURY], bump = treasury.bump, has_one = admin @ TreasuryError::NotAdmin)]
    pub treasury: Box<Account<'info, Treasury>>,
    /// The quarter's quote account, created here (once per quarter).
    #[account(
        init,
        payer = admin,
        space = 8 + QuarterQuote::INIT_SPACE,
        seeds = [seeds::QUARTER_QUOTE, &quarter.to_le_bytes()],
        bump,
    )]
    pub quarter_quote: Box<Account<'info, QuarterQuote>>,
    pub system_program: Program<'info, System>,
}

/// Checks: signer is the admin; `quarter` is the next quarter to record (in order, once);
/// backing_bps ≤ 10,000; checked sums. Recognizes this quarter's part of every active one-time
/// receipt and frees the slots of receipts now fully recognized.
pub fn handler(
    ctx: Context<RecordQuarterBudget>,
    quarter: u16,
    budget: u64,
    backing_bps: u16,
) -> Result<()> {
    require!(backing_bps as u64 <= BPS_DENOMINATOR, TreasuryError::BackingBps);
    let treasury = &mut ctx.accounts.treasury;
    require!(quarter == treasury.next_budget_quarter, TreasuryError::QuarterOutOfOrder);
    let backing = bps_of(budget, backing_bps);
    let mut receipts_recognized: u64 = 0;
    for receipt in treasury.receipts.iter_mut().filter(|r| r.quarters > 0) {
        let Some(k) = quarter.checked_sub(receipt.first_quarter) else { continue };
        receipts_recognized = receipts_recognized
            .checked_add(receipt_share(receipt.amount, receipt.quarters, k))
            .ok_or(TreasuryError::Overflow)?;
        if k + 1 >= receipt.quarters {
            *receipt = OneTimeReceipt::default();
        }
    }
    let cumulative_backing = treasury
        .cumulative_backing
        .checked_add(backing)
        .and_then(|v| v.checked_add(receipts_recognized))
        .ok_or(TreasuryError::Overflow)?;
    treasury.cumulative_backing = cumulative_backing;
    treasury.next_budget_quarter = quarter.checked_add(1).ok_or(TreasuryError::Overflow)?;
    ctx.accounts.quarter_quote.set_inner(QuarterQuote {
        quarter,
        budget,
        backing_bps,
        backing,
        receipts_recognized,
        cumulative_backing,
        recorded_at: Clock::get()?.unix_timestamp,
        published: false,
        price: 0,
        tokens_issued: 0,
        published_at: 0,
        bump: ctx.bumps.quarter_quote,
    });
    stk_common::event::emit(&QuarterBudgetRecorded {
        quarter,
        budget,
        backing,
        receipts_recognized,
        cumulative_backing,
    });
    Ok(())
}
