//! The community calendar: months identified by one integer, their start instants in the
//! community's time zone (a fixed UTC offset on-chain; Europe/Moscow is UTC+3 all year), and
//! the civil-date arithmetic behind them (Howard Hinnant's `days_from_civil`, integers only).
use anchor_lang::prelude::*;
use core::fmt;

pub const SECONDS_PER_DAY: i64 = 86_400;
/// Europe/Moscow has been UTC+3 without daylight saving since 2014.
pub const MOSCOW_UTC_OFFSET_SECS: i32 = 3 * 3600;

/// A calendar month as `year * 12 + (month - 1)`: ordered, dense, and cheap to store.
#[derive(
    AnchorSerialize, AnchorDeserialize, Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash,
)]
pub struct MonthId(pub u32);

impl MonthId {
    /// `month` is 1..=12; years 1970..=9999 are accepted.
    pub fn new(year: u32, month: u32) -> Option<Self> {
        if !(1..=12).contains(&month) || !(1970..=9999).contains(&year) {
            return None;
        }
        Some(MonthId(year * 12 + (month - 1)))
    }
    pub fn year(self) -> u32 {
        self.0 / 12
    }
    /// 1..=12
    pub fn month(self) -> u32 {
        self.0 % 12 + 1
    }
    pub fn checked_add(self, months: u32) -> Option<Self> {
        self.0.checked_add(months).map(MonthId)
    }
    pub fn is_valid(self) -> bool {
        (1970..=9999).contains(&self.year())
    }
    /// Parses `YYYY-MM`.
    pub fn parse(s: &str) -> Option<Self> {
        let (y, m) = s.split_once('-')?;
        if y.len() != 4 || m.len() != 2 {
            return None;
        }
        MonthId::new(y.parse().ok()?, m.parse().ok()?)
    }
    /// The instant this month starts, as a unix timestamp, for a zone `utc_offset_secs` east
    /// of UTC.
    pub fn start_ts(self, utc_offset_secs: i32) -> i64 {
        days_from_civil(self.year() as i64, self.month(), 1) * SECONDS_PER_DAY
            - utc_offset_secs as i64
    }
    /// Number of days in this month.
    pub fn days(self) -> u32 {
        let next = MonthId(self.0 + 1);
        (days_from_civil(next.year() as i64, next.month(), 1)
            - days_from_civil(self.year() as i64, self.month(), 1)) as u32
    }
}

impl fmt::Display for MonthId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}", self.year(), self.month())
    }
}

/// Days since 1970-01-01 of the proleptic Gregorian date `y-m-d`.
pub fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = if y >= 0 { y } else { y - 399 } / 400;
    let yoe = y - era * 400; // [0, 399]
    let m = m as i64;
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + d as i64 - 1; // [0, 365]
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy; // [0, 146096]
    era * 146_097 + doe - 719_468
}

/// The civil date `(year, month, day)` of a day number since 1970-01-01.
pub fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = if z >= 0 { z } else { z - 146_096 } / 146_097;
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

/// The month a unix timestamp falls in, in a zone `utc_offset_secs` east of UTC.
pub fn month_of_ts(ts: i64, utc_offset_secs: i32) -> Option<MonthId> {
    let local = ts.checked_add(utc_offset_secs as i64)?;
    let (y, m, _) = civil_from_days(local.div_euclid(SECONDS_PER_DAY));
    MonthId::new(u32::try_from(y).ok()?, m)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn known_dates() {
        assert_eq!(days_from_civil(1970, 1, 1), 0);
        assert_eq!(days_from_civil(2000, 3, 1), 11_017);
        assert_eq!(civil_from_days(11_017), (2000, 3, 1));
        // 2027-01-01 00:00 in Moscow is 2026-12-31 21:00 UTC.
        let jan = MonthId::new(2027, 1).unwrap();
        assert_eq!(jan.start_ts(MOSCOW_UTC_OFFSET_SECS), 1_798_750_800);
        assert_eq!(jan.to_string(), "2027-01");
        assert_eq!(MonthId::parse("2027-01"), Some(jan));
        assert_eq!(MonthId::new(2028, 2).unwrap().days(), 29);
        assert_eq!(MonthId::new(2027, 2).unwrap().days(), 28);
    }

    #[test]
    fn parse_rejects_garbage() {
        for s in ["2027-13", "2027-00", "27-01", "2027/01", "", "2027-1", "abcd-ef"] {
            assert_eq!(MonthId::parse(s), None, "{s}");
        }
    }

    proptest! {
        #[test]
        fn civil_roundtrip(days in -100_000i64..3_000_000) {
            let (y, m, d) = civil_from_days(days);
            prop_assert_eq!(days_from_civil(y, m, d), days);
        }

        #[test]
        fn month_of_its_own_start(y in 1971u32..3000, m in 1u32..=12, off in -50_400i32..=50_400) {
            let id = MonthId::new(y, m).unwrap();
            prop_assert_eq!(month_of_ts(id.start_ts(off), off), Some(id));
            prop_assert_eq!(month_of_ts(id.start_ts(off) - 1, off), Some(MonthId(id.0 - 1)));
        }
    }
}
