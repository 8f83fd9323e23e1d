use crate::{errors::FundError, events::DepositsRecorded, state::Fund, tranches};
use anchor_lang::prelude::*;
use anchor_spl::token_interface::TokenAccount;
use stk_common::seeds;

#[derive(Accounts)]
pub struct RecordDeposits<'info> {
    /// The fund's state (anyone may crank: the amount comes from the vault, the lock from the
    /// fund and the clock).
    #[account(mut, seeds = [seeds::FUND], bump = fund.bump, has_one = vault)]
    pub fund: Box<Account<'info, Fund>>,
    /// The fund's vault recorded in the state.
    pub vault: Box<InterfaceAccount<'info, TokenAccount>>,
}

/// Checks: fund PDA; the vault is the fund's; the vault holds at least what the fund has
/// accounted for (deposited + returned − invested). Records the excess, if any, as a tranche
/// unlocking at `now + lock_period` rounded up to the fund's granularity; no excess, no-op.
pub fn handler(ctx: Context<RecordDeposits>) -> Result<()> {
    let fund = &mut ctx.accounts.fund;
    let balance = ctx.accounts.vault.amount;
    let accounted = fund.accounted()?;
    require_gte!(balance, accounted, FundError::VaultShortfall);
    let amount = balance - accounted;
    if amount == 0 {
        return Ok(());
    }
    let now = Clock::get()?.unix_timestamp;
    let unlock_ts = tranches::unlock_time(now, fund.lock_period, fund.tranche_granularity)
        .ok_or(FundError::Overflow)?;
    fund.tranches.add_locked(now, amount, unlock_ts).map_err(FundError::from)?;
    fund.total_deposited = fund.total_deposited.checked_add(amount).ok_or(FundError::Overflow)?;
    stk_common::event::emit(&DepositsRecorded {
        amount,
        unlock_ts,
        total_deposited: fund.total_deposited,
        vault_balance: balance,
    });
    Ok(())
}
