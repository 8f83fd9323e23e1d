//! When a month's payout is due: after the month ends, at a configured day and hour of the
//! next month in the community's time zone (integers only, the shared calendar).
use stk_common::calendar::{month_of_ts, MonthId, SECONDS_PER_DAY};

/// When, in the month after the one paid, the payout runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize, serde::Serialize)]
pub struct PayoutTime {
    /// Day of the following month, 1..=28.
    pub day: u32,
    /// Hour of that day, 0..=23, in the community's zone.
    pub hour: u32,
}

impl Default for PayoutTime {
    fn default() -> Self {
        PayoutTime { day: 1, hour: 6 }
    }
}

impl PayoutTime {
    pub fn validate(&self) -> Result<(), String> {
        if !(1..=28).contains(&self.day) {
            return Err(format!("service.payout_day must be 1..=28, got {}", self.day));
        }
        if self.hour > 23 {
            return Err(format!("service.payout_hour must be 0..=23, got {}", self.hour));
        }
        Ok(())
    }

    /// The instant the payout of `month` becomes due.
    pub fn due_at(&self, month: MonthId, utc_offset_secs: i32) -> i64 {
        MonthId(month.0 + 1).start_ts(utc_offset_secs)
            + (self.day as i64 - 1) * SECONDS_PER_DAY
            + self.hour as i64 * 3600
    }

    /// The latest month whose payout is due at `now`.
    pub fn latest_due_month(&self, now: i64, utc_offset_secs: i32) -> Option<MonthId> {
        let current = month_of_ts(now, utc_offset_secs)?;
        let previous = MonthId(current.0.checked_sub(1)?);
        if now >= self.due_at(previous, utc_offset_secs) {
            Some(previous)
        } else {
            Some(MonthId(previous.0.checked_sub(1)?))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MSK: i32 = 3 * 3600;

    #[test]
    fn a_month_is_due_at_the_configured_hour_of_the_next_month() {
        let t = PayoutTime { day: 2, hour: 9 };
        let jan = MonthId::new(2027, 1).unwrap();
        let due = t.due_at(jan, MSK);
        // 2027-02-02 09:00 Moscow = 06:00 UTC.
        assert_eq!(due, MonthId::new(2027, 2).unwrap().start_ts(MSK) + 86_400 + 9 * 3600);
        assert_eq!(t.latest_due_month(due, MSK), Some(jan));
        assert_eq!(t.latest_due_month(due - 1, MSK), Some(MonthId::new(2026, 12).unwrap()));
        // Late in February, January is still the latest due month.
        let late_feb = MonthId::new(2027, 3).unwrap().start_ts(MSK) - 1;
        assert_eq!(t.latest_due_month(late_feb, MSK), Some(jan));
    }

    #[test]
    fn bounds_are_validated() {
        assert!(PayoutTime { day: 0, hour: 0 }.validate().is_err());
        assert!(PayoutTime { day: 29, hour: 0 }.validate().is_err());
        assert!(PayoutTime { day: 1, hour: 24 }.validate().is_err());
        assert!(PayoutTime::default().validate().is_ok());
    }
}
