//! The reward-per-weight accumulator: pure integer math, no accounts, no clock.
//!
//! Rewards stream out of the funded reserve at `reward_rate` base units per second and are
//! shared among positions in proportion to their **weight** (amount × lock multiplier).
//!
//! * [`RewardStream`] (in the pool) releases `min(rate · dt, unreleased)` per interval and adds
//!   `released · ACC_SCALE / total_weight` to `acc_reward_per_weight`. The division's remainder
//!   is **carried** (`acc_remainder`) while the total weight is unchanged, so the accumulator
//!   after any number of intermediate updates equals the one computed in a single step: claims,
//!   refreshes and rate-neutral touches by anybody never change anyone's rewards.
//! * [`RewardCheckpoint`] (in each position) credits `weight · Δacc / ACC_SCALE`, carrying the
//!   fraction below one base unit (`fraction`), so a position's credit over any partition of
//!   time is `floor(Σ weight_k · Δacc_k / ACC_SCALE)` — independent of how often it is touched.
//!
//! Rounding, always in favour of the vault:
//! 1. `acc` rounds down (the remainder is carried, never paid twice);
//! 2. a position's credit rounds down (its fraction is carried);
//! 3. when the total weight changes (stake, unstake, lock expiry), the carried
//!    `acc_remainder` (< `total_weight / ACC_SCALE` base units, far below one unit for any
//!    realistic stake) is dropped and stays in the reward vault.
//!
//! Hence Σ credited ≤ Σ released ≤ Σ funded, and a claim can always be paid from the vault:
//! `released_unclaimed` is an upper bound of everything positions can still claim.
use anchor_lang::prelude::*;

/// Fixed-point scale of `acc_reward_per_weight` (reward base units per weight unit × 1e18).
pub const ACC_SCALE: u128 = 1_000_000_000_000_000_000;
/// A multiplier of 1× in basis points.
pub const BASE_MULTIPLIER_BPS: u32 = 10_000;

/// Arithmetic overflow or an impossible state in the reward math.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MathOverflow;

type MathResult<T> = core::result::Result<T, MathOverflow>;

trait Checked: Sized {
    fn ok(self) -> MathResult<u128>;
}
impl Checked for Option<u128> {
    fn ok(self) -> MathResult<u128> {
        self.ok_or(MathOverflow)
    }
}

/// `amount × multiplier_bps / 10_000`, rounded down.
pub fn weight_of(amount: u64, multiplier_bps: u32) -> MathResult<u64> {
    let w =
        (amount as u128).checked_mul(multiplier_bps as u128).ok()? / BASE_MULTIPLIER_BPS as u128;
    u64::try_from(w).map_err(|_| MathOverflow)
}

/// The pool's half of the accumulator.
#[derive(
    AnchorSerialize, AnchorDeserialize, Clone, Copy, Debug, Default, PartialEq, Eq, InitSpace,
)]
pub struct RewardStream {
    /// Reward base units released per second while anything is staked and funds remain.
    pub reward_rate: u64,
    /// Last time [`RewardStream::accrue`] ran (unix seconds).
    pub last_update_ts: i64,
    /// Σ position weights.
    pub total_weight: u128,
    /// Reward per weight unit released so far, × [`ACC_SCALE`].
    pub acc_reward_per_weight: u128,
    /// `released · ACC_SCALE` not yet in `acc_reward_per_weight` (< `total_weight`).
    pub acc_remainder: u128,
    /// Funded but not released yet: the stream stops when it reaches zero.
    pub unreleased: u64,
    /// Released but not claimed: an upper bound of Σ positions' claimable rewards.
    pub released_unclaimed: u64,
}

impl RewardStream {
    /// Releases rewards for `(last_update_ts, now]` and returns the amount released. Nothing is
    /// released while the total weight is zero (the reserve waits for stakers). A clock that
    /// did not advance releases nothing.
    pub fn accrue(&mut self, now: i64) -> MathResult<u64> {
        if now <= self.last_update_ts {
            return Ok(0);
        }
        let dt = (now as i128 - self.last_update_ts as i128) as u128;
        self.last_update_ts = now;
        if self.total_weight == 0 || self.reward_rate == 0 || self.unreleased == 0 {
            return Ok(0);
        }
        let due = (self.reward_rate as u128).checked_mul(dt).ok()?.min(self.unreleased as u128);
        let numerator = due.checked_mul(ACC_SCALE).ok()?.checked_add(self.acc_remainder).ok()?;
        self.acc_reward_per_weight =
            self.acc_reward_per_weight.checked_add(numerator / self.total_weight).ok()?;
        self.acc_remainder = numerator % self.total_weight;
        let due = due as u64; // ≤ unreleased
        self.unreleased -= due;
        self.released_unclaimed = self.released_unclaimed.checked_add(due).ok_or(MathOverflow)?;
        Ok(due)
    }

    /// Adds freshly received rewards to the reserve. Call [`RewardStream::accrue`] first, so
    /// the new funds do not pay for time that passed while the reserve was empty.
    pub fn fund(&mut self, received: u64) -> MathResult<()> {
        self.unreleased = self.unreleased.checked_add(received).ok_or(MathOverflow)?;
        Ok(())
    }

    /// Replaces one position's weight `old` by `new` in the total (after accruing and after
    /// settling that position). A change drops the carried remainder (rounding rule 3).
    pub fn replace_weight(&mut self, old: u64, new: u64) -> MathResult<()> {
        if old == new {
            return Ok(());
        }
        self.total_weight =
            self.total_weight.checked_sub(old as u128).ok()?.checked_add(new as u128).ok()?;
        self.acc_remainder = 0;
        Ok(())
    }

    /// Records that `amount` was paid out to a position.
    pub fn pay(&mut self, amount: u64) -> MathResult<()> {
        self.released_unclaimed =
            self.released_unclaimed.checked_sub(amount).ok_or(MathOverflow)?;
        Ok(())
    }
}

/// A position's half of the accumulator.
#[derive(
    AnchorSerialize, AnchorDeserialize, Clone, Copy, Debug, Default, PartialEq, Eq, InitSpace,
)]
pub struct RewardCheckpoint {
    /// The pool's `acc_reward_per_weight` at the last settlement.
    pub acc_checkpoint: u128,
    /// Credit below one base unit, × [`ACC_SCALE`] (< `ACC_SCALE`).
    pub fraction: u128,
    /// Credited and not yet claimed.
    pub pending: u64,
}

impl RewardCheckpoint {
    /// A checkpoint starting at the pool's current accumulator.
    pub fn at(acc: u128) -> Self {
        RewardCheckpoint { acc_checkpoint: acc, fraction: 0, pending: 0 }
    }

    /// Credits what `weight` earned since the checkpoint and moves it to `acc`. Returns the
    /// credit. `weight · Δacc` is split at `ACC_SCALE` so it never needs more than 128 bits.
    pub fn settle(&mut self, weight: u64, acc: u128) -> MathResult<u64> {
        let delta = acc.checked_sub(self.acc_checkpoint).ok()?;
        let weight = weight as u128;
        let whole = weight.checked_mul(delta / ACC_SCALE).ok()?;
        let scaled = weight.checked_mul(delta % ACC_SCALE).ok()?.checked_add(self.fraction).ok()?;
        let earned = whole.checked_add(scaled / ACC_SCALE).ok()?;
        let earned = u64::try_from(earned).map_err(|_| MathOverflow)?;
        self.fraction = scaled % ACC_SCALE;
        self.pending = self.pending.checked_add(earned).ok_or(MathOverflow)?;
        self.acc_checkpoint = acc;
        Ok(earned)
    }

    /// Takes everything pending (the claim).
    pub fn take(&mut self) -> u64 {
        core::mem::take(&mut self.pending)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn stream(rate: u64, weight: u128, funded: u64) -> RewardStream {
        RewardStream {
            reward_rate: rate,
            total_weight: weight,
            unreleased: funded,
            ..Default::default()
        }
    }

    #[test]
    fn weight_applies_the_multiplier() {
        assert_eq!(weight_of(1_000, 10_000), Ok(1_000));
        assert_eq!(weight_of(1_000, 12_500), Ok(1_250));
        assert_eq!(weight_of(3, 12_500), Ok(3)); // 3.75 rounds down
        assert_eq!(weight_of(u64::MAX, 20_000), Err(MathOverflow));
    }

    #[test]
    fn two_stakers_share_by_weight() {
        // weights 1 and 3, 100 per second for 10 s: 250 and 750.
        let mut s = stream(100, 4, 1_000_000);
        let (mut a, mut b) = (RewardCheckpoint::at(0), RewardCheckpoint::at(0));
        assert_eq!(s.accrue(10), Ok(1_000));
        assert_eq!(a.settle(1, s.acc_reward_per_weight), Ok(250));
        assert_eq!(b.settle(3, s.acc_reward_per_weight), Ok(750));
        assert_eq!(s.unreleased, 999_000);
        assert_eq!(s.released_unclaimed, 1_000);
    }

    #[test]
    fn nothing_streams_without_weight_and_the_reserve_waits() {
        let mut s = stream(100, 0, 1_000);
        assert_eq!(s.accrue(50), Ok(0));
        assert_eq!(s.unreleased, 1_000);
        assert_eq!(s.last_update_ts, 50);
    }

    #[test]
    fn the_stream_stops_at_the_funded_amount() {
        let mut s = stream(100, 7, 250);
        assert_eq!(s.accrue(10), Ok(250));
        assert_eq!(s.accrue(20), Ok(0));
        let mut c = RewardCheckpoint::at(0);
        // 7 weight units own everything released: 250/7 per unit rounds down, so the position
        // gets 249 and one unit stays in the vault.
        assert_eq!(c.settle(7, s.acc_reward_per_weight), Ok(249));
        // Funding later does not pay for the dry period.
        s.fund(1_000).unwrap();
        assert_eq!(s.accrue(21), Ok(100));
    }

    #[test]
    fn clock_going_backwards_releases_nothing() {
        let mut s = stream(100, 1, 1_000);
        s.accrue(10).unwrap();
        assert_eq!(s.accrue(5), Ok(0));
        assert_eq!(s.last_update_ts, 10);
    }

    #[test]
    fn a_pumped_accumulator_does_not_overflow_later_positions() {
        // A 1-unit staker alone receives the whole supply: acc reaches 2.1e31.
        let supply = 21_000_000_000_000u64;
        let mut s = stream(supply, 1, supply);
        s.accrue(1).unwrap();
        assert_eq!(s.acc_reward_per_weight, supply as u128 * ACC_SCALE);
        let mut lone = RewardCheckpoint::at(0);
        assert_eq!(lone.settle(1, s.acc_reward_per_weight), Ok(supply));
        // A 2e14-weight position joins later: weight × acc (4e45) exceeds u128, yet settling
        // works because only Δacc is multiplied, split at ACC_SCALE.
        let big = 200_000_000_000_000u64;
        let mut late = RewardCheckpoint::at(s.acc_reward_per_weight);
        s.replace_weight(0, big).unwrap();
        s.fund(1_000_000).unwrap();
        assert_eq!(s.accrue(2), Ok(1_000_000));
        assert_eq!(late.settle(big, s.acc_reward_per_weight), Ok(999_999));
        assert_eq!(lone.settle(1, s.acc_reward_per_weight), Ok(0));
    }

    proptest! {
        /// Splitting an interval at arbitrary update points (other people's claims, refreshes,
        /// rate-neutral touches) changes neither the accumulator nor any position's credit.
        #[test]
        fn splitting_time_changes_nothing(
            rate in 0u64..10_000_000_000,
            weights in proptest::collection::vec(1u64..1_000_000_000_000, 1..5),
            funded in 0u64..100_000_000_000_000,
            horizon in 1i64..100_000_000,
            cuts in proptest::collection::vec(0i64..100_000_000, 0..20),
        ) {
            let total: u128 = weights.iter().map(|w| *w as u128).sum();
            let mut once = stream(rate, total, funded);
            once.accrue(horizon).unwrap();
            let mut once_cps: Vec<_> = weights.iter().map(|_| RewardCheckpoint::at(0)).collect();
            for (c, w) in once_cps.iter_mut().zip(&weights) {
                c.settle(*w, once.acc_reward_per_weight).unwrap();
            }

            let mut many = stream(rate, total, funded);
            let mut many_cps: Vec<_> = weights.iter().map(|_| RewardCheckpoint::at(0)).collect();
            let mut points: Vec<i64> = cuts.into_iter().map(|c| c % horizon).collect();
            points.sort();
            points.push(horizon);
            for (i, t) in points.iter().enumerate() {
                many.accrue(*t).unwrap();
                // Settle a varying subset at each point.
                for (j, (c, w)) in many_cps.iter_mut().zip(&weights).enumerate() {
                    if (i + j) % 2 == 0 || *t == horizon {
                        c.settle(*w, many.acc_reward_per_weight).unwrap();
                    }
                }
            }
            prop_assert_eq!(once, many);
            prop_assert_eq!(once_cps, many_cps);
        }

        /// Whatever sequence of weight changes, funding and payouts happens, positions are
        /// credited no more than was released, and no more is released than was funded.
        #[test]
        fn credit_never_exceeds_released_nor_funded(
            ops in proptest::collection::vec((0u8..4, 0usize..3, 1u64..2_000_000_000, 1i64..5_000), 1..60),
            rate in 1u64..1_000_000,
        ) {
            let mut s = stream(rate, 0, 0);
            let mut weights = [0u64; 3];
            let mut cps = [RewardCheckpoint::at(0); 3];
            let (mut funded, mut paid, mut now) = (0u64, 0u64, 0i64);
            for (kind, who, amount, dt) in ops {
                now += dt;
                s.accrue(now).unwrap();
                cps[who].settle(weights[who], s.acc_reward_per_weight).unwrap();
                match kind {
                    0 => { s.fund(amount).unwrap(); funded += amount; }
                    1 => { // stake / change weight
                        s.replace_weight(weights[who], amount).unwrap();
                        weights[who] = amount;
                    }
                    2 => { s.replace_weight(weights[who], 0).unwrap(); weights[who] = 0; }
                    _ => { let p = cps[who].take(); s.pay(p).unwrap(); paid += p; }
                }
                let pending: u64 = cps.iter().map(|c| c.pending).sum();
                prop_assert!(pending <= s.released_unclaimed);
                prop_assert_eq!(funded, s.unreleased + s.released_unclaimed + paid);
                prop_assert_eq!(s.total_weight, weights.iter().map(|w| *w as u128).sum::<u128>());
            }
            // Settle everybody at the end: still within what was released.
            for (c, w) in cps.iter_mut().zip(weights) {
                c.settle(w, s.acc_reward_per_weight).unwrap();
            }
            let pending: u64 = cps.iter().map(|c| c.pending).sum();
            prop_assert!(pending + paid <= funded);
            prop_assert!(pending <= s.released_unclaimed);
        }

        /// A single staker receives everything released, up to one base unit of rounding.
        #[test]
        fn a_lone_staker_gets_all_but_dust(
            rate in 1u64..1_000_000_000, weight in 1u64..1_000_000_000_000_000, dt in 1i64..10_000_000,
        ) {
            let mut s = stream(rate, weight as u128, u64::MAX / 2);
            let released = s.accrue(dt).unwrap();
            let mut c = RewardCheckpoint::at(0);
            let got = c.settle(weight, s.acc_reward_per_weight).unwrap();
            prop_assert!(got <= released && got + 1 >= released, "{} {}", got, released);
        }
    }
}
