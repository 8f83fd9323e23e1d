use crate::{
    errors::TreasuryError,
    events::OneTimeReceiptRecorded,
    state::{OneTimeReceipt, Treasury, MAX_SPREAD_QUARTERS},
};
use anchor_lang::prelude::*;
use stk_common::seeds;

#[derive(Accounts)]
pub struct RecordOneTimeReceipt<'info> {
    pub admin: Signer<'info>,
    #[account(mut, seeds = [seeds::TREASURY], bump = treasury.bump, has_one = admin @ TreasuryError::NotAdmin)]
    pub treasury: Box<Account<'info, Treasury>>,
}

/// Checks: signer is the admin; amount > 0; 1 ≤ spread_quarters ≤ 40; a free receipt slot
/// (at most 8 receipts are being recognized at once). The receipt is recognized evenly over the
/// next `spread_quarters` quarters to be recorded, starting with the next one.
pub fn handler(
    ctx: Context<RecordOneTimeReceipt>,
    amount: u64,
    spread_quarters: u16,
) -> Result<()> {
    require!(amount > 0, TreasuryError::ZeroReceipt);
    require!((1..=MAX_SPREAD_QUARTERS).contains(&spread_quarters), TreasuryError::SpreadQuarters);
    let treasury = &mut ctx.accounts.treasury;
    let first_quarter = treasury.next_budget_quarter;
    let slot = treasury
        .receipts
        .iter_mut()
        .find(|r| r.quarters == 0)
        .ok_or(TreasuryError::ReceiptSlotsFull)?;
    *slot = OneTimeReceipt { amount, first_quarter, quarters: spread_quarters };
    stk_common::event::emit(&OneTimeReceiptRecorded {
        amount,
        first_quarter,
        quarters: spread_quarters,
    });
    Ok(())
}
