//! Account layouts of `stk_staking`, and the pure position logic every handler shares
//! ([`StakePosition::sync`], [`StakePosition::reputation_at`]); off-chain code (the
//! distributor, other programs reading the account) uses the same functions.
use crate::rewards::{
    weight_of, MathOverflow, RewardCheckpoint, RewardStream, BASE_MULTIPLIER_BPS,
};
use anchor_lang::prelude::*;

/// Capacity of the lock-option table.
pub const MAX_LOCK_OPTIONS: usize = 8;
/// Upper bound of a lock option's multiplier (5×).
pub const MAX_MULTIPLIER_BPS: u32 = 50_000;
/// Upper bound of a lock option's duration (5 years of 365 days).
pub const MAX_LOCK_SECONDS: u64 = 5 * 365 * DAY;
pub const DAY: u64 = 86_400;

/// One row of the lock table: lock for `duration_seconds`, weigh `multiplier_bps / 10_000`.
#[derive(
    AnchorSerialize, AnchorDeserialize, Clone, Copy, Debug, Default, PartialEq, Eq, InitSpace,
)]
pub struct LockOption {
    pub duration_seconds: u64,
    pub multiplier_bps: u32,
}

/// The default table: none / 3 / 6 / 12 months (90 / 180 / 365 days) at 1× / 1.25× / 1.5× / 2×.
pub fn default_lock_options() -> Vec<LockOption> {
    vec![
        LockOption { duration_seconds: 0, multiplier_bps: 10_000 },
        LockOption { duration_seconds: 90 * DAY, multiplier_bps: 12_500 },
        LockOption { duration_seconds: 180 * DAY, multiplier_bps: 15_000 },
        LockOption { duration_seconds: 365 * DAY, multiplier_bps: 20_000 },
    ]
}

/// Whether `options` is an acceptable table: 1..=8 rows, durations strictly increasing and at
/// most [`MAX_LOCK_SECONDS`], multipliers within `10_000..=50_000` and non-decreasing (a longer
/// lock never weighs less), and exactly 1× for a zero duration (nothing locked, nothing earned).
pub fn lock_options_valid(options: &[LockOption]) -> bool {
    let rows_ok = options.iter().all(|o| {
        o.duration_seconds <= MAX_LOCK_SECONDS
            && (BASE_MULTIPLIER_BPS..=MAX_MULTIPLIER_BPS).contains(&o.multiplier_bps)
            && (o.duration_seconds > 0 || o.multiplier_bps == BASE_MULTIPLIER_BPS)
    });
    let ordered = options.windows(2).all(|w| {
        w[0].duration_seconds < w[1].duration_seconds && w[0].multiplier_bps <= w[1].multiplier_bps
    });
    (1..=MAX_LOCK_OPTIONS).contains(&options.len()) && rows_ok && ordered
}

/// The pool of one mint, PDA `[seeds::STAKING_POOL, mint]`. It owns both vaults.
#[account]
#[derive(InitSpace)]
pub struct StakingPool {
    /// May change the reward rate.
    pub admin: Pubkey,
    /// The staked and rewarded mint (STK).
    pub mint: Pubkey,
    /// PDA `[seeds::STAKE_VAULT, pool]`: holds Σ position amounts.
    pub stake_vault: Pubkey,
    /// PDA `[seeds::REWARD_VAULT, pool]`: holds `unreleased + released_unclaimed` (at least).
    pub reward_vault: Pubkey,
    /// The accumulator (rate, total weight, reserve).
    pub rewards: RewardStream,
    /// Σ position amounts (what arrived in the stake vault minus what left it).
    pub total_staked: u64,
    /// Everything `fund_rewards` credited (what arrived in the reward vault).
    pub total_funded: u64,
    /// Everything `claim_rewards` paid out of the reward vault.
    pub total_claimed: u64,
    /// Number of valid rows in `lock_options`.
    pub lock_option_count: u8,
    /// The lock table, fixed at initialization.
    pub lock_options: [LockOption; MAX_LOCK_OPTIONS],
    pub bump: u8,
    /// The admin proposed by `propose_admin`, `Pubkey::default()` when none; it becomes the
    /// admin by signing `accept_admin`.
    pub pending_admin: Pubkey,
}

impl StakingPool {
    pub fn lock_option(&self, index: u8) -> Option<LockOption> {
        (index < self.lock_option_count).then(|| self.lock_options[index as usize])
    }

    /// Brings the pool's accumulator and then `position` to `now` ([`RewardStream::accrue`],
    /// [`StakePosition::sync`]): what every instruction that touches a position does first.
    pub fn settle(
        &mut self,
        position: &mut StakePosition,
        now: i64,
    ) -> core::result::Result<(), MathOverflow> {
        self.rewards.accrue(now)?;
        position.sync(&mut self.rewards, now)
    }
}

/// Reputation of a position at an instant.
#[derive(AnchorSerialize, AnchorDeserialize, Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Reputation {
    /// `amount × multiplier` now (1× once the lock has ended).
    pub weight: u64,
    /// ∫ weight dt since the position was opened (weight·seconds).
    pub weight_seconds: u128,
}

/// One staker's position in a pool, PDA `[seeds::STAKE_POSITION, pool, owner]`.
#[account]
#[derive(InitSpace)]
pub struct StakePosition {
    pub pool: Pubkey,
    pub owner: Pubkey,
    /// Staked base units (what arrived in the stake vault).
    pub amount: u64,
    /// Index of the last chosen lock option.
    pub lock_option: u8,
    /// The multiplier in force; drops to 1× at the first touch after `lock_end_ts`.
    pub multiplier_bps: u32,
    /// Unstaking is refused before this instant.
    pub lock_end_ts: i64,
    /// Reward weight = `amount × multiplier_bps / 10_000`; the pool's total is Σ of these.
    pub weight: u64,
    /// Reputation accumulated up to `last_touch_ts` (weight·seconds).
    pub weight_seconds: u128,
    pub last_touch_ts: i64,
    /// This position's half of the reward accumulator.
    pub rewards: RewardCheckpoint,
    /// Everything claimed by this position.
    pub total_claimed: u64,
    pub opened_ts: i64,
    pub bump: u8,
}

impl StakePosition {
    /// Reputation at `now`, exact even between touches: the weight is the multiplied one up to
    /// `lock_end_ts` and 1× after it. Off-chain readers and other programs deserialize the
    /// account and call this with their clock; `now` before the last touch reads as the last
    /// touch.
    pub fn reputation_at(&self, now: i64) -> core::result::Result<Reputation, MathOverflow> {
        let base = weight_of(self.amount, BASE_MULTIPLIER_BPS)?;
        let from = self.last_touch_ts;
        let now = now.max(from);
        // [from, boosted_until) at `weight`, [boosted_until, now) at the base weight.
        let boosted_until = if self.multiplier_bps > BASE_MULTIPLIER_BPS {
            self.lock_end_ts.clamp(from, now)
        } else {
            from
        };
        let boosted = (self.weight as u128)
            .checked_mul((boosted_until - from) as u128)
            .ok_or(MathOverflow)?;
        let plain =
            (base as u128).checked_mul((now - boosted_until) as u128).ok_or(MathOverflow)?;
        let weight_seconds = self
            .weight_seconds
            .checked_add(boosted)
            .and_then(|v| v.checked_add(plain))
            .ok_or(MathOverflow)?;
        let weight = if now < self.lock_end_ts { self.weight } else { base };
        Ok(Reputation { weight, weight_seconds })
    }

    /// Whether the lock has ended by `now` while the stored weight still carries its
    /// multiplier: the position keeps earning at the multiplied weight until something touches
    /// it (the distributor service refreshes such positions; see the README, "Lock expiry").
    pub fn lock_ended_at_multiplier(&self, now: i64) -> bool {
        now >= self.lock_end_ts && self.multiplier_bps != BASE_MULTIPLIER_BPS
    }

    /// Brings the position to `now` after the pool accrued to `now`: credits rewards at the
    /// weight in force since the last touch, accumulates reputation, and drops an ended lock's
    /// multiplier to 1× (updating the pool's total weight). Every instruction that touches a
    /// position calls this first.
    pub fn sync(
        &mut self,
        stream: &mut RewardStream,
        now: i64,
    ) -> core::result::Result<(), MathOverflow> {
        self.rewards.settle(self.weight, stream.acc_reward_per_weight)?;
        let reputation = self.reputation_at(now)?;
        self.weight_seconds = reputation.weight_seconds;
        self.last_touch_ts = now.max(self.last_touch_ts);
        if self.lock_ended_at_multiplier(now) {
            self.multiplier_bps = BASE_MULTIPLIER_BPS;
            self.set_weight(stream)?;
        }
        Ok(())
    }

    /// Recomputes the weight from `amount` and `multiplier_bps` and updates the pool's total.
    pub fn set_weight(
        &mut self,
        stream: &mut RewardStream,
    ) -> core::result::Result<(), MathOverflow> {
        let new = weight_of(self.amount, self.multiplier_bps)?;
        stream.replace_weight(self.weight, new)?;
        self.weight = new;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn position(amount: u64, multiplier_bps: u32, lock_end_ts: i64) -> StakePosition {
        StakePosition {
            pool: Pubkey::default(),
            owner: Pubkey::default(),
            amount,
            lock_option: 0,
            multiplier_bps,
            lock_end_ts,
            weight: weight_of(amount, multiplier_bps).unwrap(),
            weight_seconds: 0,
            last_touch_ts: 0,
            rewards: RewardCheckpoint::default(),
            total_claimed: 0,
            opened_ts: 0,
            bump: 0,
        }
    }

    #[test]
    fn default_table_is_valid_and_bad_tables_are_not() {
        assert!(lock_options_valid(&default_lock_options()));
        assert!(!lock_options_valid(&[]));
        assert!(!lock_options_valid(&[LockOption { duration_seconds: 0, multiplier_bps: 12_000 }]));
        assert!(!lock_options_valid(&[LockOption {
            duration_seconds: DAY,
            multiplier_bps: 9_999
        }]));
        assert!(!lock_options_valid(&[LockOption {
            duration_seconds: DAY,
            multiplier_bps: 50_001
        }]));
        assert!(!lock_options_valid(&[LockOption {
            duration_seconds: MAX_LOCK_SECONDS + 1,
            multiplier_bps: 20_000
        }]));
        let mut t = default_lock_options();
        t.swap(1, 2);
        assert!(!lock_options_valid(&t));
        let mut t = default_lock_options();
        t[3].multiplier_bps = 11_000; // longer lock, lower multiplier
        assert!(!lock_options_valid(&t));
        assert!(!lock_options_valid(
            &[LockOption { duration_seconds: 0, multiplier_bps: 10_000 }; 9]
        ));
    }

    #[test]
    fn reputation_is_exact_across_the_lock_end() {
        // 1,000 at 2× locked until t=100; read at t=150: 2,000·100 + 1,000·50.
        let p = position(1_000, 20_000, 100);
        assert_eq!(
            p.reputation_at(50).unwrap(),
            Reputation { weight: 2_000, weight_seconds: 100_000 }
        );
        assert_eq!(
            p.reputation_at(150).unwrap(),
            Reputation { weight: 1_000, weight_seconds: 250_000 }
        );
        // Touching in between changes nothing.
        let mut stream = RewardStream { total_weight: 2_000, ..Default::default() };
        let mut touched = p.clone();
        touched.sync(&mut stream, 60).unwrap();
        touched.sync(&mut stream, 120).unwrap();
        assert_eq!(touched.reputation_at(150).unwrap(), p.reputation_at(150).unwrap());
        // ... and the expired multiplier left the pool's total weight.
        assert_eq!(touched.weight, 1_000);
        assert_eq!(stream.total_weight, 1_000);
    }

    #[test]
    fn settle_accrues_the_pool_then_syncs_the_position() {
        // 1,000 at 2× locked until t=100, alone in a pool streaming 7 per second.
        let p = position(1_000, 20_000, 100);
        let stream = RewardStream {
            reward_rate: 7,
            total_weight: 2_000,
            unreleased: 1_000_000,
            ..Default::default()
        };
        let mut pool = StakingPool {
            admin: Pubkey::default(),
            mint: Pubkey::default(),
            stake_vault: Pubkey::default(),
            reward_vault: Pubkey::default(),
            rewards: stream,
            total_staked: 1_000,
            total_funded: 1_000_000,
            total_claimed: 0,
            lock_option_count: 0,
            lock_options: [LockOption::default(); MAX_LOCK_OPTIONS],
            bump: 0,
            pending_admin: Pubkey::default(),
        };
        let mut settled = p.clone();
        pool.settle(&mut settled, 150).unwrap();

        let (mut by_hand, mut stream_by_hand) = (p.clone(), stream);
        stream_by_hand.accrue(150).unwrap();
        by_hand.sync(&mut stream_by_hand, 150).unwrap();
        assert_eq!(pool.rewards, stream_by_hand);
        assert_eq!(settled.rewards, by_hand.rewards);
        assert_eq!(settled.rewards.pending, 7 * 150);
        assert_eq!((settled.weight, settled.weight_seconds), (1_000, 250_000));
        assert_eq!(pool.rewards.total_weight, 1_000, "the ended lock left the total weight");
    }
}
