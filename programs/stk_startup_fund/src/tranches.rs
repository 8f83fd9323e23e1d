//! The fund's locked deposits as a bounded book of tranches (pure math, no accounts).
//!
//! Every deposit is locked until `deposit time + lock period`; the unlocked balance is derived
//! from the book and the amount already invested, never stored. To keep the account a fixed
//! size whatever anyone deposits (the vault is a public address: anyone can send dust and
//! crank `record_deposits`), the book has [`MAX_TRANCHES`] slots and two rules:
//!
//! * **Granularity.** An unlock time is rounded *up* to a multiple of the fund's granularity
//!   `g = ceil(lock_period / (MAX_TRANCHES - 1))` (≈ 59 days for a 5-year lock). Deposits that
//!   round to the same instant share one tranche. A pending tranche unlocks after `now` and no
//!   later than `now + lock_period + g`, so at most `MAX_TRANCHES` distinct multiples of `g` can
//!   be pending at once: the book can never overflow (property test
//!   `the_book_never_overflows_and_never_unlocks_early`). Rounding only ever locks longer.
//! * **Folding.** Before a tranche is added, the tranches whose unlock time has passed are
//!   folded into `matured` (one number). Folding does not change any derived balance.
//!
//! Tranches are kept sorted by unlock time (appends only; a clock that went backwards merges
//! the new amount into the last, later, tranche — locking longer, never shorter).
use anchor_lang::prelude::*;

/// Slots of pending (still locked) tranches.
pub const MAX_TRANCHES: usize = 32;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TrancheError {
    /// Every slot holds a pending tranche (impossible with [`granularity`]-rounded unlocks).
    Full,
    Overflow,
}

/// Amount locked until `unlock_ts`.
#[derive(
    AnchorSerialize, AnchorDeserialize, Clone, Copy, Debug, Default, PartialEq, Eq, InitSpace,
)]
pub struct Tranche {
    pub amount: u64,
    pub unlock_ts: i64,
}

/// Deposits of the fund: the sum of matured tranches and the pending ones, sorted by unlock.
#[derive(
    AnchorSerialize, AnchorDeserialize, Clone, Copy, Debug, Default, PartialEq, Eq, InitSpace,
)]
pub struct TrancheBook {
    /// Everything whose lock has ended and was folded, plus returns (unlocked on arrival).
    pub matured: u64,
    /// Number of used slots in `pending`.
    pub len: u8,
    /// Pending tranches, `pending[..len]` sorted by `unlock_ts`; the rest is zero.
    pub pending: [Tranche; MAX_TRANCHES],
}

/// The rounding step of unlock times for a lock period (see the module documentation).
pub fn granularity(lock_period: i64) -> Option<i64> {
    if lock_period <= 0 {
        return None;
    }
    let slots = (MAX_TRANCHES as i64).checked_sub(1)?;
    lock_period.checked_add(slots - 1)?.checked_div(slots)
}

/// When a deposit made at `now` unlocks: `now + lock_period`, rounded up to a multiple of
/// `granularity`.
pub fn unlock_time(now: i64, lock_period: i64, granularity: i64) -> Option<i64> {
    if granularity <= 0 {
        return None;
    }
    let at = now.checked_add(lock_period)?;
    let steps = at.checked_add(granularity - 1)?.div_euclid(granularity);
    steps.checked_mul(granularity)
}

impl TrancheBook {
    pub fn pending(&self) -> &[Tranche] {
        &self.pending[..self.len as usize]
    }

    /// Folds every tranche unlocked at `now` into `matured`.
    pub fn fold(&mut self, now: i64) -> core::result::Result<(), TrancheError> {
        let len = self.len as usize;
        let ripe = self.pending[..len].iter().take_while(|t| t.unlock_ts <= now).count();
        if ripe == 0 {
            return Ok(());
        }
        for t in &self.pending[..ripe] {
            self.matured = self.matured.checked_add(t.amount).ok_or(TrancheError::Overflow)?;
        }
        self.pending.copy_within(ripe..len, 0);
        for slot in &mut self.pending[len - ripe..len] {
            *slot = Tranche::default();
        }
        self.len = (len - ripe) as u8;
        Ok(())
    }

    /// Adds `amount` locked until `unlock_ts` (folding what has unlocked at `now` first).
    pub fn add_locked(
        &mut self,
        now: i64,
        amount: u64,
        unlock_ts: i64,
    ) -> core::result::Result<(), TrancheError> {
        self.fold(now)?;
        let len = self.len as usize;
        if len > 0 && self.pending[len - 1].unlock_ts >= unlock_ts {
            let last = &mut self.pending[len - 1];
            last.amount = last.amount.checked_add(amount).ok_or(TrancheError::Overflow)?;
            return Ok(());
        }
        if len == MAX_TRANCHES {
            return Err(TrancheError::Full);
        }
        self.pending[len] = Tranche { amount, unlock_ts };
        self.len += 1;
        Ok(())
    }

    /// Adds `amount` that is spendable at once (returns from startups).
    pub fn add_unlocked(&mut self, amount: u64) -> core::result::Result<(), TrancheError> {
        self.matured = self.matured.checked_add(amount).ok_or(TrancheError::Overflow)?;
        Ok(())
    }

    /// Σ of every tranche unlocked at `now` (matured or pending with `unlock_ts <= now`).
    pub fn unlocked_total(&self, now: i64) -> core::result::Result<u64, TrancheError> {
        self.pending()
            .iter()
            .filter(|t| t.unlock_ts <= now)
            .try_fold(self.matured, |acc, t| acc.checked_add(t.amount))
            .ok_or(TrancheError::Overflow)
    }

    /// Σ of every tranche still locked at `now`.
    pub fn locked_total(&self, now: i64) -> core::result::Result<u64, TrancheError> {
        self.pending()
            .iter()
            .filter(|t| t.unlock_ts > now)
            .try_fold(0u64, |acc, t| acc.checked_add(t.amount))
            .ok_or(TrancheError::Overflow)
    }

    /// The earliest unlock time still in the future at `now`, if any.
    pub fn next_unlock(&self, now: i64) -> Option<i64> {
        self.pending().iter().map(|t| t.unlock_ts).find(|&ts| ts > now)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const YEAR: i64 = 31_557_600;

    #[test]
    fn granularity_and_rounding() {
        assert_eq!(granularity(31 * 10), Some(10));
        assert_eq!(granularity(31 * 10 + 1), Some(11));
        assert_eq!(granularity(0), None);
        assert_eq!(unlock_time(0, 100, 10), Some(100));
        assert_eq!(unlock_time(1, 100, 10), Some(110));
        assert_eq!(unlock_time(i64::MAX, 1, 10), None);
        let g = granularity(5 * YEAR).unwrap();
        assert_eq!(g, 5_089_936); // ≈ 58.9 days
    }

    #[test]
    fn deposits_unlock_in_order_and_fold() {
        let mut book = TrancheBook::default();
        book.add_locked(0, 100, 50).unwrap();
        book.add_locked(10, 200, 60).unwrap();
        book.add_locked(10, 1, 60).unwrap(); // same instant: merged
        assert_eq!(book.len, 2);
        assert_eq!(book.unlocked_total(49).unwrap(), 0);
        assert_eq!(book.locked_total(49).unwrap(), 301);
        assert_eq!(book.unlocked_total(50).unwrap(), 100);
        assert_eq!(book.next_unlock(50), Some(60));
        book.add_unlocked(7).unwrap();
        assert_eq!(book.unlocked_total(50).unwrap(), 107);
        // Folding at 55 keeps every derived balance.
        book.add_locked(55, 5, 105).unwrap();
        assert_eq!(book.matured, 107);
        assert_eq!(
            book.pending(),
            &[Tranche { amount: 201, unlock_ts: 60 }, Tranche { amount: 5, unlock_ts: 105 }]
        );
        assert_eq!(book.pending[2], Tranche::default());
        assert_eq!(book.unlocked_total(60).unwrap(), 308);
        // A clock that went backwards locks the new amount with the later last tranche.
        book.add_locked(56, 9, 100).unwrap();
        assert_eq!(book.pending()[1], Tranche { amount: 14, unlock_ts: 105 });
    }

    #[test]
    fn a_full_book_refuses_and_overflow_is_an_error() {
        let mut book = TrancheBook::default();
        for i in 0..MAX_TRANCHES as i64 {
            book.add_locked(0, 1, 10 + i).unwrap();
        }
        assert_eq!(book.add_locked(0, 1, 1_000), Err(TrancheError::Full));
        // Once the first unlocks it folds and frees a slot.
        book.add_locked(10, 1, 1_000).unwrap();
        let mut book = TrancheBook::default();
        book.add_locked(0, u64::MAX, 10).unwrap();
        assert_eq!(book.add_locked(0, 1, 10), Err(TrancheError::Overflow));
        book.add_unlocked(1).unwrap();
        assert_eq!(book.unlocked_total(10), Err(TrancheError::Overflow));
    }

    proptest! {
        /// Any sequence of deposits at non-decreasing times, with unlocks rounded by the
        /// fund's granularity, fits the book; nothing unlocks before deposit time + lock;
        /// every unit is accounted for exactly once.
        #[test]
        fn the_book_never_overflows_and_never_unlocks_early(
            lock in (3 * YEAR)..=(5 * YEAR),
            steps in proptest::collection::vec((0i64..(YEAR / 4), 1u64..1_000_000_000), 1..300),
            returns in proptest::collection::vec(0u64..1_000_000, 0..20),
        ) {
            let g = granularity(lock).unwrap();
            let mut book = TrancheBook::default();
            let mut now = 1_800_000_000i64;
            let mut deposits: Vec<(i64, u64)> = vec![];
            let mut returned = 0u64;
            for (i, (dt, amount)) in steps.iter().enumerate() {
                now += dt;
                let unlock = unlock_time(now, lock, g).unwrap();
                prop_assert!(unlock >= now + lock && unlock < now + lock + g);
                book.add_locked(now, *amount, unlock).unwrap();
                deposits.push((now, *amount));
                if let Some(r) = returns.get(i) {
                    book.add_unlocked(*r).unwrap();
                    returned += r;
                }
                prop_assert!(book.pending().windows(2).all(|w| w[0].unlock_ts < w[1].unlock_ts));
                // Whatever the book says is unlocked was deposited at least `lock` ago.
                for probe in [now, now + lock / 2, now + lock, now + lock + g] {
                    let due: u64 = deposits.iter().filter(|(t, _)| t + lock + g <= probe).map(|(_, a)| a).sum();
                    let allowed: u64 = deposits.iter().filter(|(t, _)| t + lock <= probe).map(|(_, a)| a).sum();
                    let unlocked = book.unlocked_total(probe).unwrap() - returned;
                    prop_assert!(unlocked <= allowed, "unlocked early");
                    prop_assert!(unlocked >= due, "locked longer than lock + granularity");
                }
                let total: u64 = deposits.iter().map(|(_, a)| a).sum::<u64>() + returned;
                prop_assert_eq!(book.unlocked_total(now).unwrap() + book.locked_total(now).unwrap(), total);
            }
        }
    }
}
