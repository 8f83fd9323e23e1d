//! The emission schedule: `E_q = E_0 · r^q` over `num_quarters` quarters, integer math only.
//!
//! Construction (the same on-chain and off-chain):
//! * weights `w_0 = 10^18`, `w_{q+1} = ⌊w_q · num / den⌋` (u128),
//! * the emitted total `T = cap − genesis`, `E_q = ⌊T · w_q / Σw⌋` for every quarter but the
//!   last, which takes `T − Σ_{q<last} E_q` (the rounding dust, fewer base units than quarters).
//!
//! Hence `genesis + Σ E_q = cap` exactly, for every parameter set [`ScheduleParams::validate`]
//! accepts; `validate` also refuses parameters whose quarters would not be non-increasing.
//! Each quarter's emission splits into the startup-fund share (rounded down) and the
//! distributable rest, paid to members over the quarter's months (the last month takes the
//! remainder of the division).
use crate::{calendar::MonthId, BPS_DENOMINATOR};
use anchor_lang::prelude::*;

const WEIGHT_ONE: u128 = 1_000_000_000_000_000_000;
/// Bounds that keep every intermediate product inside u128 and every loop short on-chain.
pub const MAX_QUARTERS: u16 = 200;
pub const MAX_DECAY_TERM: u32 = 1_000_000;
pub const MAX_GENESIS_BPS: u16 = 2_000;
pub const MAX_STARTUP_FUND_BPS: u16 = 5_000;
pub const MAX_UTC_OFFSET_SECS: i32 = 14 * 3600;

/// Why a parameter set is refused. Each names the field at fault.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ScheduleError {
    /// `num_quarters` must be 1..=MAX_QUARTERS.
    NumQuarters,
    /// `months_per_quarter` must be 1..=12.
    MonthsPerQuarter,
    /// `decay_num`/`decay_den` must be 0 < num <= den <= MAX_DECAY_TERM.
    DecayRatio,
    /// `genesis_bps` above MAX_GENESIS_BPS.
    GenesisShare,
    /// `startup_fund_bps` above MAX_STARTUP_FUND_BPS.
    StartupFundShare,
    /// `cap` is zero.
    Cap,
    /// `start_month` is not a valid month id.
    StartMonth,
    /// `utc_offset_secs` beyond ±14 h.
    UtcOffset,
    /// The rounded quarters would not be non-increasing (a ratio too close to 1).
    NotDecreasing,
    /// A quarter index at or beyond `num_quarters`.
    QuarterOutOfRange,
    /// An arithmetic overflow (cannot happen for validated parameters).
    Overflow,
}

impl core::fmt::Display for ScheduleError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        let s = match self {
            Self::NumQuarters => "num_quarters must be between 1 and 200",
            Self::MonthsPerQuarter => "months_per_quarter must be between 1 and 12",
            Self::DecayRatio => "decay ratio must satisfy 0 < decay_num <= decay_den <= 1000000",
            Self::GenesisShare => "genesis_bps must be at most 2000 (20%)",
            Self::StartupFundShare => "startup_fund_bps must be at most 5000 (50%)",
            Self::Cap => "cap must be positive",
            Self::StartMonth => "start_month is not a valid month (years 1970..=9999)",
            Self::UtcOffset => "utc_offset_secs must be within +-14 hours",
            Self::NotDecreasing => {
                "decay ratio too close to 1: quarters would not be non-increasing"
            }
            Self::QuarterOutOfRange => "quarter index beyond the schedule",
            Self::Overflow => "arithmetic overflow",
        };
        f.write_str(s)
    }
}

impl std::error::Error for ScheduleError {}

/// Schedule parameters, fixed at initialization and stored in `stk_mint`'s config.
#[derive(AnchorSerialize, AnchorDeserialize, InitSpace, Clone, Copy, Debug, PartialEq, Eq)]
pub struct ScheduleParams {
    /// First month of quarter 0 (a [`MonthId`]).
    pub start_month: u32,
    /// The community's time zone as a fixed offset east of UTC, in seconds.
    pub utc_offset_secs: i32,
    /// Months per quarter (3).
    pub months_per_quarter: u8,
    /// Number of quarters (40 = 10 years).
    pub num_quarters: u16,
    /// Decay ratio `r = decay_num / decay_den` between consecutive quarters.
    pub decay_num: u32,
    pub decay_den: u32,
    /// Share of the cap minted once at genesis, in basis points.
    pub genesis_bps: u16,
    /// Share of every quarter's emission that goes to the startup fund, in basis points.
    pub startup_fund_bps: u16,
    /// Hard cap in base units.
    pub cap: u64,
}

impl ScheduleParams {
    /// The defaults of the design: 40 quarters from `start_month`, r = 0.95, 10% genesis,
    /// 10% startup-fund share, Moscow time, 21,000,000 STK at `decimals`.
    pub fn default_for(start_month: MonthId, decimals: u8) -> Self {
        ScheduleParams {
            start_month: start_month.0,
            utc_offset_secs: crate::calendar::MOSCOW_UTC_OFFSET_SECS,
            months_per_quarter: 3,
            num_quarters: 40,
            decay_num: 95,
            decay_den: 100,
            genesis_bps: 1_000,
            startup_fund_bps: 1_000,
            cap: crate::cap_base_units(decimals).unwrap_or(0),
        }
    }

    /// Checks every bound and that the rounded quarters never increase.
    pub fn validate(&self) -> core::result::Result<(), ScheduleError> {
        if self.num_quarters == 0 || self.num_quarters > MAX_QUARTERS {
            return Err(ScheduleError::NumQuarters);
        }
        if self.months_per_quarter == 0 || self.months_per_quarter > 12 {
            return Err(ScheduleError::MonthsPerQuarter);
        }
        if self.decay_num == 0 || self.decay_num > self.decay_den || self.decay_den > MAX_DECAY_TERM
        {
            return Err(ScheduleError::DecayRatio);
        }
        if self.genesis_bps > MAX_GENESIS_BPS {
            return Err(ScheduleError::GenesisShare);
        }
        if self.startup_fund_bps > MAX_STARTUP_FUND_BPS {
            return Err(ScheduleError::StartupFundShare);
        }
        if self.cap == 0 {
            return Err(ScheduleError::Cap);
        }
        if !MonthId(self.start_month).is_valid()
            || MonthId(self.start_month)
                .checked_add(self.total_months())
                .is_none_or(|end| !end.is_valid())
        {
            return Err(ScheduleError::StartMonth);
        }
        if self.utc_offset_secs.unsigned_abs() > MAX_UTC_OFFSET_SECS as u32 {
            return Err(ScheduleError::UtcOffset);
        }
        let mut previous = u64::MAX;
        for q in 0..self.num_quarters {
            let e = self.quarter_emission(q)?;
            if e > previous {
                return Err(ScheduleError::NotDecreasing);
            }
            previous = e;
        }
        Ok(())
    }

    pub fn total_months(&self) -> u32 {
        self.num_quarters as u32 * self.months_per_quarter as u32
    }

    /// The genesis allocation, `cap · genesis_bps / 10_000` rounded down.
    pub fn genesis_amount(&self) -> u64 {
        mul_div(self.cap, self.genesis_bps as u64, BPS_DENOMINATOR)
    }

    /// What the quarters emit together: `cap − genesis`.
    pub fn emitted_total(&self) -> u64 {
        self.cap - self.genesis_amount()
    }

    fn weights(&self) -> impl Iterator<Item = u128> + '_ {
        let (num, den) = (self.decay_num as u128, self.decay_den as u128);
        core::iter::successors(Some(WEIGHT_ONE), move |w| Some(w * num / den))
            .take(self.num_quarters as usize)
    }

    /// `⌊T · w_q / Σw⌋`, the emission of quarter `q` before the last quarter's dust.
    fn rounded_share(
        &self,
        w_q: u128,
        weight_sum: u128,
    ) -> core::result::Result<u64, ScheduleError> {
        let v = (self.emitted_total() as u128).checked_mul(w_q).ok_or(ScheduleError::Overflow)?
            / weight_sum;
        u64::try_from(v).map_err(|_| ScheduleError::Overflow)
    }

    /// `E_q`, the emission of quarter `q` (0-based).
    pub fn quarter_emission(&self, q: u16) -> core::result::Result<u64, ScheduleError> {
        if q >= self.num_quarters {
            return Err(ScheduleError::QuarterOutOfRange);
        }
        let weight_sum: u128 = self.weights().sum();
        if q + 1 < self.num_quarters {
            let w_q = self.weights().nth(q as usize).ok_or(ScheduleError::Overflow)?;
            return self.rounded_share(w_q, weight_sum);
        }
        let mut before_last: u64 = 0;
        for w in self.weights().take(self.num_quarters as usize - 1) {
            before_last = before_last
                .checked_add(self.rounded_share(w, weight_sum)?)
                .ok_or(ScheduleError::Overflow)?;
        }
        self.emitted_total().checked_sub(before_last).ok_or(ScheduleError::Overflow)
    }

    /// Everything minted once quarters `0..=q` are minted: genesis plus their emissions.
    pub fn cumulative_through(&self, q: u16) -> core::result::Result<u64, ScheduleError> {
        let mut total = self.genesis_amount();
        for i in 0..=q {
            total = total.checked_add(self.quarter_emission(i)?).ok_or(ScheduleError::Overflow)?;
        }
        Ok(total)
    }

    /// `(startup_fund_share, distributable)` of an emission.
    pub fn split(&self, emission: u64) -> (u64, u64) {
        let fund = mul_div(emission, self.startup_fund_bps as u64, BPS_DENOMINATOR);
        (fund, emission - fund)
    }

    /// The instant quarter `q` starts (its first month's start in the community's zone).
    pub fn quarter_start_ts(&self, q: u16) -> core::result::Result<i64, ScheduleError> {
        if q >= self.num_quarters {
            return Err(ScheduleError::QuarterOutOfRange);
        }
        let month = MonthId(self.start_month)
            .checked_add(q as u32 * self.months_per_quarter as u32)
            .ok_or(ScheduleError::Overflow)?;
        Ok(month.start_ts(self.utc_offset_secs))
    }

    /// The schedule's month index of a calendar month, `None` outside the schedule.
    pub fn month_index(&self, month: MonthId) -> Option<u32> {
        let k = month.0.checked_sub(self.start_month)?;
        (k < self.total_months()).then_some(k)
    }

    /// The quarter a calendar month belongs to.
    pub fn quarter_of_month(&self, month: MonthId) -> Option<u16> {
        Some((self.month_index(month)? / self.months_per_quarter as u32) as u16)
    }

    /// The members' allowance of a calendar month: the quarter's distributable amount divided
    /// by the months of a quarter, the quarter's last month taking the remainder.
    pub fn month_allowance(&self, month: MonthId) -> core::result::Result<u64, ScheduleError> {
        let k = self.month_index(month).ok_or(ScheduleError::QuarterOutOfRange)?;
        let mpq = self.months_per_quarter as u32;
        let q = (k / mpq) as u16;
        let (_, distributable) = self.split(self.quarter_emission(q)?);
        let per_month = distributable / mpq as u64;
        if k % mpq + 1 == mpq {
            Ok(distributable - per_month * (mpq as u64 - 1))
        } else {
            Ok(per_month)
        }
    }
}

/// `a · b / c` rounded down, computed in u128. `c` must be non-zero and `b <= c`.
pub fn mul_div(a: u64, b: u64, c: u64) -> u64 {
    ((a as u128 * b as u128) / c as u128) as u64
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn default_params() -> ScheduleParams {
        ScheduleParams::default_for(MonthId::new(2027, 1).unwrap(), 6)
    }

    #[test]
    fn default_schedule_sums_to_the_cap() {
        let p = default_params();
        p.validate().unwrap();
        assert_eq!(p.genesis_amount(), 2_100_000_000_000);
        let total = p.cumulative_through(p.num_quarters - 1).unwrap();
        assert_eq!(total, 21_000_000_000_000);
        // E_0 = T (1 - r) / (1 - r^40) = 18.9M * 0.05 / (1 - 0.95^40) ≈ 1,084,352.475 STK
        let expected = 18.9e12 * 0.05 / (1.0 - 0.95f64.powi(40));
        let e0 = p.quarter_emission(0).unwrap();
        assert!((e0 as f64 - expected).abs() < 1_000.0, "{e0} vs {expected}");
        assert_eq!(p.quarter_emission(40), Err(ScheduleError::QuarterOutOfRange));
    }

    #[test]
    fn monthly_allowances_sum_to_the_distributable_part() {
        let p = default_params();
        for q in 0..p.num_quarters {
            let (fund, dist) = p.split(p.quarter_emission(q).unwrap());
            let first = MonthId(p.start_month + q as u32 * 3);
            let months: u64 =
                (0..3).map(|i| p.month_allowance(MonthId(first.0 + i)).unwrap()).sum();
            assert_eq!(months, dist);
            assert_eq!(fund + dist, p.quarter_emission(q).unwrap());
        }
        assert!(p.month_allowance(MonthId(p.start_month - 1)).is_err());
        assert!(p.month_allowance(MonthId(p.start_month + 120)).is_err());
    }

    #[test]
    fn flat_ratio_is_refused_because_dust_would_grow_the_last_quarter() {
        let mut p = default_params();
        p.decay_num = 1;
        p.decay_den = 1;
        p.cap = 1_000_001; // 900_001 emitted over 40 equal quarters leaves dust
        p.genesis_bps = 1_000;
        assert_eq!(p.validate(), Err(ScheduleError::NotDecreasing));
    }

    #[test]
    fn each_bound_is_named() {
        let base = default_params();
        type Case = (fn(&mut ScheduleParams), ScheduleError);
        let cases: [Case; 8] = [
            (|p| p.num_quarters = 0, ScheduleError::NumQuarters),
            (|p| p.num_quarters = 201, ScheduleError::NumQuarters),
            (|p| p.months_per_quarter = 0, ScheduleError::MonthsPerQuarter),
            (|p| p.decay_num = 101, ScheduleError::DecayRatio),
            (|p| p.genesis_bps = 2_001, ScheduleError::GenesisShare),
            (|p| p.startup_fund_bps = 5_001, ScheduleError::StartupFundShare),
            (|p| p.cap = 0, ScheduleError::Cap),
            (|p| p.utc_offset_secs = 15 * 3600, ScheduleError::UtcOffset),
        ];
        for (mutate, expected) in cases {
            let mut p = base;
            mutate(&mut p);
            assert_eq!(p.validate(), Err(expected));
        }
    }

    #[test]
    fn quarter_starts_follow_the_calendar() {
        let p = default_params();
        assert_eq!(p.quarter_start_ts(0).unwrap(), MonthId::new(2027, 1).unwrap().start_ts(10_800));
        assert_eq!(p.quarter_start_ts(1).unwrap(), MonthId::new(2027, 4).unwrap().start_ts(10_800));
        assert_eq!(
            p.quarter_start_ts(39).unwrap(),
            MonthId::new(2036, 10).unwrap().start_ts(10_800)
        );
        assert_eq!(p.quarter_of_month(MonthId::new(2027, 6).unwrap()), Some(1));
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(400))]
        /// For every accepted parameter set: genesis + Σ E_q = cap exactly, and E_q never grows.
        #[test]
        fn total_is_exactly_the_cap_and_quarters_never_grow(
            num_quarters in 1u16..=200,
            den in 1u32..=1_000_000,
            num_frac in 0.5f64..1.0,
            genesis_bps in 0u16..=2_000,
            fund_bps in 0u16..=5_000,
            decimals in 0u8..=9,
        ) {
            let num = ((den as f64 * num_frac) as u32).clamp(1, den);
            let p = ScheduleParams {
                start_month: MonthId::new(2027, 1).unwrap().0,
                utc_offset_secs: 10_800,
                months_per_quarter: 3,
                num_quarters,
                decay_num: num,
                decay_den: den,
                genesis_bps,
                startup_fund_bps: fund_bps,
                cap: crate::cap_base_units(decimals).unwrap(),
            };
            match p.validate() {
                Ok(()) => {
                    prop_assert_eq!(p.cumulative_through(num_quarters - 1).unwrap(), p.cap);
                    let mut prev = u64::MAX;
                    for q in 0..num_quarters {
                        let e = p.quarter_emission(q).unwrap();
                        prop_assert!(e <= prev);
                        prev = e;
                    }
                }
                Err(e) => prop_assert_eq!(e, ScheduleError::NotDecreasing),
            }
        }
    }
}

impl ScheduleParams {
    /// The members' cumulative allowance through `month`: Σ [`ScheduleParams::month_allowance`]
    /// over every schedule month up to and including `month`, in one pass over the quarters
    /// (O(num_quarters), where summing `month_allowance` would be quadratic). Errors for a
    /// month outside the schedule.
    ///
    /// The treasury bounds everything it ever commits to members by this number.
    pub fn cumulative_allowance_through(
        &self,
        month: MonthId,
    ) -> core::result::Result<u64, ScheduleError> {
        let k = self.month_index(month).ok_or(ScheduleError::QuarterOutOfRange)?;
        let mpq = self.months_per_quarter as u32;
        let target_quarter = k / mpq;
        let months_into_quarter = (k % mpq + 1) as u64;
        let weight_sum: u128 = self.weights().sum();
        let last = self.num_quarters as u32 - 1;
        let mut emitted_before: u64 = 0;
        let mut allowance: u64 = 0;
        for (q, w) in self.weights().enumerate().take(target_quarter as usize + 1) {
            let q = q as u32;
            let emission = if q == last {
                self.emitted_total().checked_sub(emitted_before).ok_or(ScheduleError::Overflow)?
            } else {
                self.rounded_share(w, weight_sum)?
            };
            emitted_before = emitted_before.checked_add(emission).ok_or(ScheduleError::Overflow)?;
            let (_, distributable) = self.split(emission);
            let part = if q < target_quarter || months_into_quarter == mpq as u64 {
                distributable
            } else {
                (distributable / mpq as u64) * months_into_quarter
            };
            allowance = allowance.checked_add(part).ok_or(ScheduleError::Overflow)?;
        }
        Ok(allowance)
    }
}

#[cfg(test)]
mod cumulative_allowance_tests {
    use super::*;
    use proptest::prelude::*;

    fn naive(p: &ScheduleParams, month: MonthId) -> u64 {
        (p.start_month..=month.0).map(|m| p.month_allowance(MonthId(m)).unwrap()).sum()
    }

    #[test]
    fn equals_the_naive_sum_for_every_default_month() {
        let p = ScheduleParams::default_for(MonthId::new(2027, 1).unwrap(), 6);
        for m in p.start_month..p.start_month + p.total_months() {
            assert_eq!(p.cumulative_allowance_through(MonthId(m)).unwrap(), naive(&p, MonthId(m)));
        }
        // The whole schedule: everything but genesis and the startup-fund shares.
        let last = MonthId(p.start_month + p.total_months() - 1);
        let fund: u64 =
            (0..p.num_quarters).map(|q| p.split(p.quarter_emission(q).unwrap()).0).sum();
        assert_eq!(p.cumulative_allowance_through(last).unwrap(), p.emitted_total() - fund);
        assert!(p.cumulative_allowance_through(MonthId(p.start_month - 1)).is_err());
        assert!(p.cumulative_allowance_through(MonthId(last.0 + 1)).is_err());
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(200))]
        #[test]
        fn equals_the_naive_sum(
            num_quarters in 1u16..=60,
            months_per_quarter in 1u8..=12,
            den in 1u32..=1_000_000,
            num_frac in 0.5f64..1.0,
            genesis_bps in 0u16..=2_000,
            fund_bps in 0u16..=5_000,
            month_pick in 0u32..10_000,
        ) {
            let num = ((den as f64 * num_frac) as u32).clamp(1, den);
            let p = ScheduleParams {
                start_month: MonthId::new(2027, 1).unwrap().0,
                utc_offset_secs: 10_800,
                months_per_quarter,
                num_quarters,
                decay_num: num,
                decay_den: den,
                genesis_bps,
                startup_fund_bps: fund_bps,
                cap: crate::cap_base_units(6).unwrap(),
            };
            prop_assume!(p.validate().is_ok());
            let month = MonthId(p.start_month + month_pick % p.total_months());
            prop_assert_eq!(p.cumulative_allowance_through(month).unwrap(), naive(&p, month));
        }
    }
}

impl ScheduleParams {
    /// The STK issued by the schedule once quarter `q` is minted: the genesis allocation plus
    /// `E_0 + … + E_q`, in one pass over the quarters (O(num_quarters); `cumulative_through`
    /// recomputes every quarter and is quadratic). A quarter at or past the last one counts
    /// the whole schedule, i.e. the cap.
    ///
    /// The treasury's directive quote divides by this number: it depends only on the quoted
    /// quarter, never on when the mint's cranks ran. The genesis allocation counts from
    /// quarter 0 on: it is issued STK (minted to the sale vault, sold to members, the unsold
    /// rest returned to the treasury for distribution) like every quarter's emission.
    pub fn issued_through(&self, q: u16) -> core::result::Result<u64, ScheduleError> {
        let last = self.num_quarters.checked_sub(1).ok_or(ScheduleError::NumQuarters)?;
        if q >= last {
            return self
                .genesis_amount()
                .checked_add(self.emitted_total())
                .ok_or(ScheduleError::Overflow);
        }
        let weight_sum: u128 = self.weights().sum();
        let mut total = self.genesis_amount();
        for w in self.weights().take(q as usize + 1) {
            total = total
                .checked_add(self.rounded_share(w, weight_sum)?)
                .ok_or(ScheduleError::Overflow)?;
        }
        Ok(total)
    }
}

#[cfg(test)]
mod issued_through_tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn default_schedule_counts_genesis_and_ends_at_the_cap() {
        let p = ScheduleParams::default_for(MonthId::new(2027, 1).unwrap(), 6);
        assert_eq!(
            p.issued_through(0).unwrap(),
            p.genesis_amount() + p.quarter_emission(0).unwrap()
        );
        assert_eq!(p.issued_through(39).unwrap(), p.cap);
        assert_eq!(p.issued_through(u16::MAX).unwrap(), p.cap);
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(200))]
        /// Equals the quadratic reference for every quarter of every accepted parameter set.
        #[test]
        fn equals_the_cumulative_sum(
            num_quarters in 1u16..=60,
            den in 1u32..=1_000_000,
            num_frac in 0.5f64..1.0,
            genesis_bps in 0u16..=2_000,
            q in 0u16..80,
        ) {
            let num = ((den as f64 * num_frac) as u32).clamp(1, den);
            let p = ScheduleParams {
                start_month: MonthId::new(2027, 1).unwrap().0,
                utc_offset_secs: 10_800,
                months_per_quarter: 3,
                num_quarters,
                decay_num: num,
                decay_den: den,
                genesis_bps,
                startup_fund_bps: 1_000,
                cap: crate::cap_base_units(6).unwrap(),
            };
            prop_assume!(p.validate().is_ok());
            let reference = p.cumulative_through(q.min(num_quarters - 1)).unwrap();
            prop_assert_eq!(p.issued_through(q).unwrap(), reference);
        }
    }
}
