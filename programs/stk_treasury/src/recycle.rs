//! Vest-to-build: nothing is burned by neglect. Whatever returns to the distribution vault
//! outside the schedule — reintegrated dormant balances, forfeited fraud holds, the fee
//! split's remainder, unsold genesis tokens from `stk_vesting::close_sale`, gifts — is booked
//! into `Treasury::recycled_total`, which `open_epoch` adds to the schedule's cumulative
//! allowance, so it is paid to members in a later month.
//!
//! One rule books every source alike, so nothing is counted twice and nothing is counted that
//! the vault does not hold: the **surplus** is what the vault holds beyond its obligations,
//! `obligations = minted allowance + recycled_total − distributed_total`, where the minted
//! allowance is Σ members' allowance of every quarter `stk_mint` has minted (exactly what
//! `mint_quarter` put into the vault). Payouts leave the vault gross of the transfer fee while
//! `distributed_total` counts what members received, so the fees paid on payouts are covered
//! first: a fee-split remainder becomes surplus only beyond them. While an epoch is open, its
//! payouts so far have left the vault but are not in `distributed_total` yet, so the surplus
//! is under-estimated (never over-estimated); the rest is booked by a later call.
use crate::{errors::TreasuryError, events::SurplusRecycled, state::Treasury};
use anchor_lang::prelude::*;
use stk_common::{
    calendar::MonthId,
    schedule::{ScheduleError, ScheduleParams},
};

/// Σ members' allowance of quarters `0..quarters_minted`: what `mint_quarter` paid into the
/// distribution vault so far.
pub fn minted_allowance(
    schedule: &ScheduleParams,
    quarters_minted: u16,
) -> core::result::Result<u64, ScheduleError> {
    if quarters_minted == 0 {
        return Ok(0);
    }
    let months = quarters_minted as u32 * schedule.months_per_quarter as u32;
    let last = schedule.start_month.checked_add(months - 1).ok_or(ScheduleError::Overflow)?;
    schedule.cumulative_allowance_through(MonthId(last))
}

/// What the vault must keep for the schedule: `minted + recycled − distributed` (`None` on
/// overflow or if more was distributed than ever allowed, which the allowance rule forbids).
pub fn obligations(
    minted_allowance: u64,
    recycled_total: u64,
    distributed_total: u64,
) -> Option<u64> {
    minted_allowance.checked_add(recycled_total)?.checked_sub(distributed_total)
}

/// The surplus the vault holds beyond its obligations (0 when it holds less, e.g. while the
/// payouts' transfer fees have not come back through the fee split yet).
pub fn surplus(vault_balance: u64, obligations: u64) -> u64 {
    vault_balance.saturating_sub(obligations)
}

/// Books the distribution vault's surplus into `recycled_total`; returns the amount booked.
/// Emits `SurplusRecycled` when it books anything.
pub fn book_surplus(
    treasury: &mut Treasury,
    schedule: &ScheduleParams,
    quarters_minted: u16,
    vault_balance: u64,
) -> Result<u64> {
    let minted =
        minted_allowance(schedule, quarters_minted).map_err(|_| error!(TreasuryError::Schedule))?;
    let owed = obligations(minted, treasury.recycled_total, treasury.distributed_total)
        .ok_or(TreasuryError::Overflow)?;
    let amount = surplus(vault_balance, owed);
    if amount > 0 {
        treasury.recycled_total =
            treasury.recycled_total.checked_add(amount).ok_or(TreasuryError::Overflow)?;
        stk_common::event::emit(&SurplusRecycled {
            amount,
            recycled_total: treasury.recycled_total,
            vault_balance,
            obligations: owed,
        });
    }
    Ok(amount)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn schedule() -> ScheduleParams {
        ScheduleParams::default_for(MonthId::new(2027, 1).unwrap(), 6)
    }

    #[test]
    fn the_minted_allowance_is_what_mint_quarter_paid_the_vault() {
        let s = schedule();
        assert_eq!(minted_allowance(&s, 0), Ok(0));
        let mut paid = 0u64;
        for q in 0..s.num_quarters {
            paid += s.split(s.quarter_emission(q).unwrap()).1;
            assert_eq!(minted_allowance(&s, q + 1), Ok(paid), "after quarter {q}");
        }
    }

    #[test]
    fn booking_is_idempotent() {
        // After booking, the surplus is zero until something new arrives.
        let (minted, distributed, vault) = (1_000, 300, 750);
        let owed = obligations(minted, 0, distributed).unwrap();
        let booked = surplus(vault, owed);
        assert_eq!(booked, 50);
        assert_eq!(surplus(vault, obligations(minted, booked, distributed).unwrap()), 0);
    }

    proptest! {
        #[test]
        fn never_books_more_than_the_vault_holds_beyond_its_obligations(
            minted in 0u64..1 << 50,
            recycled in 0u64..1 << 50,
            distributed_part in 0u64..=1000,
            vault in 0u64..1 << 52,
        ) {
            let distributed = (minted + recycled) / 1000 * distributed_part;
            let owed = obligations(minted, recycled, distributed).unwrap();
            let booked = surplus(vault, owed);
            prop_assert!(booked <= vault);
            // Either nothing is spare, or exactly the vault's excess over its obligations.
            prop_assert!(booked == 0 && vault <= owed || owed + booked == vault);
            let again = obligations(minted, recycled + booked, distributed).unwrap();
            prop_assert_eq!(surplus(vault, again), 0);
        }
    }
}
