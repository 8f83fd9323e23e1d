//! The vesting curve: pure integer math, no accounts.
//!
//! Nothing unlocks before the cliff; from the cliff on, the unlocked amount is the total times
//! the number of *whole periods* elapsed since the start, over the whole duration, rounded
//! down; at the end (and after) it is exactly the total. So the curve never decreases, never
//! exceeds the total, and the rounding dust is released with the last step.
use anchor_lang::prelude::*;

/// When a grant unlocks (unix seconds).
#[derive(AnchorSerialize, AnchorDeserialize, Clone, Copy, Debug, PartialEq, Eq, InitSpace)]
pub struct VestingSchedule {
    /// Vesting is measured from here.
    pub start: i64,
    /// Nothing unlocks before this instant (`start <= cliff <= end`).
    pub cliff: i64,
    /// Everything is unlocked from this instant on (`end > start`).
    pub end: i64,
    /// Unlock step in seconds (`0 < period <= end - start`).
    pub period: i64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CurveError {
    /// `end <= start`, or `cliff` outside `[start, end]`.
    Bounds,
    /// `period` is zero, negative or longer than the whole duration.
    Period,
}

impl VestingSchedule {
    pub fn validate(&self) -> std::result::Result<(), CurveError> {
        if self.end <= self.start || self.cliff < self.start || self.cliff > self.end {
            return Err(CurveError::Bounds);
        }
        let duration = self.end.checked_sub(self.start).ok_or(CurveError::Bounds)?;
        if self.period <= 0 || self.period > duration {
            return Err(CurveError::Period);
        }
        Ok(())
    }

    /// The part of `total` unlocked at `now`. Assumes a validated schedule; for an invalid one
    /// it still never exceeds `total`.
    pub fn vested(&self, total: u64, now: i64) -> u64 {
        if now < self.cliff {
            return 0;
        }
        if now >= self.end {
            return total;
        }
        // i128: differences of two i64 cannot overflow, and a validated schedule makes them
        // positive; an invalid one falls back to "nothing unlocked yet".
        let duration = self.end as i128 - self.start as i128;
        let elapsed = now as i128 - self.start as i128;
        if duration <= 0 || elapsed <= 0 || self.period <= 0 {
            return 0;
        }
        let unlocked_time = (elapsed / self.period as i128) * self.period as i128;
        // unlocked_time < duration here (now < end), so the result is < total and fits.
        let vested = (total as u128 * unlocked_time as u128) / duration as u128;
        vested.min(total as u128) as u64
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const DAY: i64 = 86_400;

    /// One year from t=1000, 3-month cliff, monthly (30-day) steps.
    fn year() -> VestingSchedule {
        VestingSchedule {
            start: 1_000,
            cliff: 1_000 + 90 * DAY,
            end: 1_000 + 360 * DAY,
            period: 30 * DAY,
        }
    }

    #[test]
    fn validation() {
        assert_eq!(year().validate(), Ok(()));
        let s = year();
        assert_eq!(VestingSchedule { end: s.start, ..s }.validate(), Err(CurveError::Bounds));
        assert_eq!(VestingSchedule { cliff: s.start - 1, ..s }.validate(), Err(CurveError::Bounds));
        assert_eq!(VestingSchedule { cliff: s.end + 1, ..s }.validate(), Err(CurveError::Bounds));
        assert_eq!(VestingSchedule { period: 0, ..s }.validate(), Err(CurveError::Period));
        assert_eq!(VestingSchedule { period: -5, ..s }.validate(), Err(CurveError::Period));
        assert_eq!(
            VestingSchedule { period: s.end - s.start + 1, ..s }.validate(),
            Err(CurveError::Period)
        );
        let extreme = VestingSchedule { start: i64::MIN, cliff: 0, end: i64::MAX, period: 1 };
        assert_eq!(extreme.validate(), Err(CurveError::Bounds), "duration overflows i64");
    }

    #[test]
    fn nothing_before_the_cliff_then_whole_periods_then_exact_total() {
        let s = year();
        let total = 1_200_000;
        assert_eq!(s.vested(total, i64::MIN), 0);
        assert_eq!(s.vested(total, s.start), 0);
        assert_eq!(s.vested(total, s.cliff - 1), 0);
        // At the cliff, three whole months have elapsed: 3/12.
        assert_eq!(s.vested(total, s.cliff), 300_000);
        assert_eq!(s.vested(total, s.cliff + 30 * DAY - 1), 300_000);
        assert_eq!(s.vested(total, s.cliff + 30 * DAY), 400_000);
        assert_eq!(s.vested(total, s.end - 1), 1_100_000);
        assert_eq!(s.vested(total, s.end), total);
        assert_eq!(s.vested(total, i64::MAX), total);
    }

    #[test]
    fn rounding_dust_is_released_at_the_end() {
        let s = VestingSchedule { start: 0, cliff: 0, end: 3, period: 1 };
        assert_eq!([0, 1, 2, 3].map(|t| s.vested(10, t)), [0, 3, 6, 10]);
    }

    #[test]
    fn huge_totals_do_not_overflow() {
        let s = year();
        assert_eq!(s.vested(u64::MAX, s.end), u64::MAX);
        assert_eq!(s.vested(u64::MAX, s.cliff), u64::MAX / 4);
    }

    fn schedule() -> impl Strategy<Value = VestingSchedule> {
        (-1_000_000_000i64..1_000_000_000, 1i64..200_000_000, 0u64..=100, 1i64..=1_000).prop_map(
            |(start, duration, cliff_pct, steps)| {
                let cliff = start + (duration as i128 * cliff_pct as i128 / 100) as i64;
                let period = (duration / steps).max(1);
                VestingSchedule { start, cliff, end: start + duration, period }
            },
        )
    }

    proptest! {
        #[test]
        fn never_decreasing_never_above_total(
            s in schedule(), total in 0u64..=u64::MAX, mut instants in prop::collection::vec(any::<i32>(), 1..50)
        ) {
            prop_assert_eq!(s.validate(), Ok(()));
            instants.sort();
            let mut last = 0;
            for t in instants {
                let now = s.start + t as i64;
                let v = s.vested(total, now);
                prop_assert!(v >= last);
                prop_assert!(v <= total);
                last = v;
            }
            prop_assert_eq!(s.vested(total, s.end), total);
        }

        /// A beneficiary claiming at random instants collects exactly the total, and at no
        /// instant has claimed more than the curve.
        #[test]
        fn claims_sum_to_the_total(
            s in schedule(), total in 0u64..=1_000_000_000_000_000, instants in prop::collection::vec(any::<u32>(), 0..40)
        ) {
            let duration = (s.end - s.start) as u64;
            // Instants from the start to a quarter past the end, in time order.
            let mut times: Vec<i64> = instants
                .iter()
                .map(|t| s.start + (*t as u64 % (duration + duration / 4 + 1)) as i64)
                .collect();
            times.sort();
            let mut claimed = 0u64;
            for now in times {
                let vested = s.vested(total, now);
                prop_assert!(vested >= claimed, "the curve went below what was claimed");
                claimed += vested - claimed;
                prop_assert!(claimed <= vested);
            }
            claimed += s.vested(total, s.end) - claimed;
            prop_assert_eq!(claimed, total);
        }
    }
}
