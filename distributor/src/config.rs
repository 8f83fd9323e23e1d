//! The distributor's configuration (`stk.toml`): typed, validated at start, hashed into every
//! report. Every error names the key at fault.
//!
//! The hash is the SHA-256 of the canonical JSON of the parsed configuration (struct field
//! order, no whitespace), so comments and formatting of the file do not change it but every
//! value does.
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use stk_common::{
    calendar::{days_from_civil, MonthId},
    schedule::ScheduleParams,
};

/// The documented default configuration, shipped as `distributor/stk.toml`.
pub const DEFAULT_CONFIG_TOML: &str = include_str!("../stk.toml");

/// The three activity categories of the design.
pub const CATEGORIES: [&str; 3] =
    ["self_development", "community_contribution", "financial_participation"];

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// IANA time zone in which days, weeks (Monday first) and months are cut. Resolved by
    /// Postgres (`AT TIME ZONE`); checked against `pg_timezone_names` when a report runs.
    pub time_zone: String,
    /// An event whose `occurred_at` is later than its `recorded_at` plus this many seconds is
    /// quarantined as `future_timestamp`.
    pub future_skew_seconds: u32,
    pub emission: EmissionConfig,
    pub ranks: RankRules,
    /// Rank table: entry `i` is rank `i + 1`. Rank 1 is the lowest rank.
    pub rank_table: Vec<RankRow>,
    /// Qualification ladder, lowest first.
    pub qualifications: Vec<Qualification>,
    /// Points per action type and category.
    pub actions: Vec<ActionPoints>,
    /// How payouts are sent. Operational, not economic: left out of the configuration hash
    /// (the report does not depend on it).
    #[serde(default, skip_serializing)]
    pub payout: PayoutConfig,
    /// The members' initial sale: who is eligible and their caps (`distributor sale
    /// allowlist`), the vesting of every purchase. Operational: left out of the hash.
    #[serde(default, skip_serializing)]
    pub sale: SaleConfig,
    /// Dormancy: how long an owner must have been inactive before their wallet is a
    /// candidate (`distributor dormancy candidates`). Operational: left out of the hash.
    #[serde(default, skip_serializing)]
    pub dormancy: DormancyConfig,
}

/// `[sale]`: the allowlist of the members' initial sale. Caps are whole STK.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SaleConfig {
    /// The cap of a paying member holding no qualification listed in `qualification_caps`.
    pub base_cap_stk: u64,
    /// A member's cap is that of the highest qualification of the ladder they hold that is
    /// listed here (or `base_cap_stk` if higher).
    #[serde(default)]
    pub qualification_caps: Vec<QualificationCap>,
    /// The vesting of every purchase, from the purchase instant (DESIGN: a 1-year grant).
    pub cliff_days: u32,
    pub vesting_days: u32,
    pub period_days: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct QualificationCap {
    /// A qualification name of the ladder.
    pub qualification: String,
    pub cap_stk: u64,
}

impl Default for SaleConfig {
    fn default() -> Self {
        SaleConfig {
            base_cap_stk: 1_000,
            qualification_caps: vec![],
            cliff_days: 0,
            vesting_days: 365,
            period_days: 30,
        }
    }
}

/// `[dormancy]`: when a wallet is a dormancy candidate.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DormancyConfig {
    /// Days without any activity of the owner in Postgres and without any transaction of the
    /// wallet on-chain.
    pub inactive_days: u32,
    /// The reason code `dormancy flag` records by default (DESIGN: 1 = inactivity).
    pub reason_code: u16,
}

impl Default for DormancyConfig {
    fn default() -> Self {
        DormancyConfig { inactive_days: 730, reason_code: 1 }
    }
}

/// Whether a month's payout uses address lookup tables.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "snake_case")]
pub enum LookupTables {
    /// When the chain backend supports them (both shipped backends do).
    #[default]
    Auto,
    /// Never: legacy transactions of 20 recipients.
    Never,
}

impl LookupTables {
    pub fn wanted(self) -> bool {
        self == LookupTables::Auto
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PayoutConfig {
    /// `auto` (default): v0 transactions of 55 recipients through the month's lookup tables;
    /// `never`: legacy transactions of 20. Fixed per month when its plan is written.
    #[serde(default)]
    pub lookup_tables: LookupTables,
    /// A keypair file that pays the rent of the recipients' token accounts (and signs only
    /// those transactions); absent: the distributor key pays. Same permission check.
    #[serde(default)]
    pub rent_payer_keypair: Option<String>,
    /// The compute-unit price of every transaction the distributor sends: a percentile of the
    /// node's recent prioritization fees for the written accounts, within a floor and a cap,
    /// raised per re-signed attempt (`[payout.priority_fee]`; CLI `--priority-fee-*`).
    #[serde(default)]
    pub priority_fee: crate::chain::priority::PriorityFeePolicy,
    /// Members whose wallet has no STK token account yet: `create` (default; the distributor
    /// or the rent payer pays ≈0.0021 SOL of rent per member, once) or `leave_pending` (they
    /// stay pending, reason `no_token_account`, until they create one). Fixed per month when
    /// its plan is written.
    #[serde(default)]
    pub token_accounts: crate::payout::plan::TokenAccountPolicy,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EmissionConfig {
    /// Share of the schedule's monthly member allowance distributed by rank, in basis points.
    pub member_share_bps: u16,
    /// The on-chain schedule parameters (must equal `stk_mint`'s config).
    pub start_month: String,
    pub decimals: u8,
    pub utc_offset_secs: i32,
    pub months_per_quarter: u8,
    pub num_quarters: u16,
    pub decay_num: u32,
    pub decay_den: u32,
    pub genesis_bps: u16,
    pub startup_fund_bps: u16,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum UnpaidWeek {
    /// A week with no paying day neither raises nor lowers the rank (default).
    Hold,
    /// A week with no paying day lowers the rank like an empty week.
    Decay,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum QualificationLift {
    /// From the grant's local day on (default).
    Immediate,
    /// From the Monday after the grant.
    NextWeek,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RankRules {
    /// A week with at least this many active paying days raises the rank (7 = every day).
    pub grow_min_active_days: u8,
    /// A week with at most this many active paying days lowers the rank (0 = no active day).
    pub decay_max_active_days: u8,
    /// Ranks gained per full week / lost per empty week.
    pub grow_step: u16,
    pub decay_step: u16,
    pub unpaid_week: UnpaidWeek,
    pub qualification_lift: QualificationLift,
    /// The launch day of the tokenomics (`YYYY-MM-DD`, local): every rank walk starts at the
    /// later of a member's joining day and this day, at the entry rank of the highest
    /// qualification held then. Absent: the first day of `emission.start_month` (filled in
    /// when parsed, so the hash names the day in force).
    #[serde(default)]
    pub launch_day: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RankRow {
    /// Maximum points credited per day at this rank (before the weight).
    pub daily_cap: u32,
    /// Multiplier of the day's points, in basis points (10000 = ×1).
    pub weight_bps: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Qualification {
    /// Machine name used in `qualification_grants.qualification`.
    pub name: String,
    /// Human title for the report.
    pub title: String,
    pub entry_rank: u16,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ActionPoints {
    pub action_type: String,
    pub category: String,
    pub points: u32,
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ConfigError {
    #[error("configuration is not valid TOML or has a wrong type: {0}")]
    Parse(String),
    #[error("configuration key `{key}`: {message}")]
    Invalid { key: String, message: String },
}

fn invalid(key: impl Into<String>, message: impl Into<String>) -> ConfigError {
    ConfigError::Invalid { key: key.into(), message: message.into() }
}

/// Credit units per point: credits are `points × weight_bps`, so no division ever rounds.
pub const CREDIT_UNITS_PER_POINT: u64 = 10_000;

impl Config {
    pub fn parse(text: &str) -> Result<Config, ConfigError> {
        let mut config: Config =
            toml::from_str(text).map_err(|e| ConfigError::Parse(e.to_string()))?;
        if config.ranks.launch_day.is_none() {
            config.ranks.launch_day =
                MonthId::parse(&config.emission.start_month).map(|m| format!("{m}-01"));
        }
        config.validate()?;
        Ok(config)
    }

    pub fn default_config() -> Config {
        Config::parse(DEFAULT_CONFIG_TOML).expect("the shipped stk.toml is valid")
    }

    pub fn validate(&self) -> Result<(), ConfigError> {
        let tz = &self.time_zone;
        if tz.is_empty()
            || tz.len() > 64
            || !tz.chars().all(|c| c.is_ascii_alphanumeric() || "/_+-".contains(c))
        {
            return Err(invalid("time_zone", "must be an IANA zone name such as Europe/Moscow"));
        }
        if self.future_skew_seconds > 86_400 {
            return Err(invalid("future_skew_seconds", "must be at most 86400"));
        }
        let e = &self.emission;
        if e.member_share_bps == 0 || e.member_share_bps > 10_000 {
            return Err(invalid("emission.member_share_bps", "must be 1..=10000"));
        }
        if MonthId::parse(&e.start_month).is_none() {
            return Err(invalid("emission.start_month", "must be YYYY-MM"));
        }
        if stk_common::cap_base_units(e.decimals).is_none() {
            return Err(invalid("emission.decimals", "the cap does not fit u64 at these decimals"));
        }
        self.schedule()
            .validate()
            .map_err(|err| invalid(format!("emission.{}", schedule_key(err)), err.to_string()))?;

        let r = &self.ranks;
        if r.grow_min_active_days == 0 || r.grow_min_active_days > 7 {
            return Err(invalid("ranks.grow_min_active_days", "must be 1..=7"));
        }
        if r.decay_max_active_days >= r.grow_min_active_days {
            return Err(invalid(
                "ranks.decay_max_active_days",
                "must be below ranks.grow_min_active_days",
            ));
        }
        if r.grow_step == 0 {
            return Err(invalid("ranks.grow_step", "must be at least 1"));
        }
        if r.decay_step == 0 {
            return Err(invalid("ranks.decay_step", "must be at least 1"));
        }

        let launch = r.launch_day.as_deref().unwrap_or("");
        let schedule = self.schedule();
        let schedule_end = MonthId(schedule.start_month)
            .checked_add(u32::from(schedule.num_quarters) * u32::from(schedule.months_per_quarter))
            .map(first_day_of);
        match (parse_day(launch), schedule_end) {
            (None, _) => {
                return Err(invalid("ranks.launch_day", "must be a date YYYY-MM-DD"));
            }
            (Some(day), Some(end)) if day >= end => {
                return Err(invalid(
                    "ranks.launch_day",
                    "must be before the end of the emission schedule",
                ));
            }
            _ => {}
        }

        if self.rank_table.is_empty() || self.rank_table.len() > 1000 {
            return Err(invalid("rank_table", "must list 1..=1000 ranks"));
        }
        for (i, row) in self.rank_table.iter().enumerate() {
            if row.weight_bps == 0 || row.weight_bps > 1_000_000 {
                return Err(invalid(format!("rank_table[{i}].weight_bps"), "must be 1..=1000000"));
            }
            if row.daily_cap == 0 {
                return Err(invalid(format!("rank_table[{i}].daily_cap"), "must be positive"));
            }
            if i > 0 {
                let prev = self.rank_table[i - 1];
                if row.weight_bps < prev.weight_bps || row.daily_cap < prev.daily_cap {
                    return Err(invalid(
                        format!("rank_table[{i}]"),
                        "daily_cap and weight_bps must not decrease with the rank",
                    ));
                }
            }
        }

        if self.qualifications.is_empty() {
            return Err(invalid("qualifications", "the ladder needs at least one qualification"));
        }
        let max_rank = self.max_rank();
        for (i, q) in self.qualifications.iter().enumerate() {
            let key = format!("qualifications[{i}]");
            if q.name.is_empty() || !q.name.chars().all(|c| c.is_ascii_lowercase() || c == '_') {
                return Err(invalid(format!("{key}.name"), "must be lowercase ascii/underscore"));
            }
            if self.qualifications[..i].iter().any(|p| p.name == q.name) {
                return Err(invalid(format!("{key}.name"), format!("duplicate `{}`", q.name)));
            }
            if q.entry_rank == 0 || q.entry_rank > max_rank {
                return Err(invalid(
                    format!("{key}.entry_rank"),
                    format!("must be within the rank table, 1..={max_rank}"),
                ));
            }
            if i > 0 && q.entry_rank <= self.qualifications[i - 1].entry_rank {
                return Err(invalid(
                    format!("{key}.entry_rank"),
                    "entry ranks must strictly increase up the ladder",
                ));
            }
        }

        if self.payout.rent_payer_keypair.as_deref().is_some_and(|p| p.trim().is_empty()) {
            return Err(invalid(
                "payout.rent_payer_keypair",
                "must be a file path; leave it out for the distributor key",
            ));
        }
        if let Err((key, message)) = self.payout.priority_fee.validate() {
            return Err(invalid(format!("payout.priority_fee.{key}"), message));
        }
        self.validate_operations()?;
        if self.actions.is_empty() {
            return Err(invalid("actions", "list at least one action type"));
        }
        for (i, a) in self.actions.iter().enumerate() {
            let key = format!("actions[{i}]");
            if a.action_type.is_empty() {
                return Err(invalid(format!("{key}.action_type"), "must not be empty"));
            }
            if !CATEGORIES.contains(&a.category.as_str()) {
                return Err(invalid(
                    format!("{key}.category"),
                    format!("must be one of {}", CATEGORIES.join(", ")),
                ));
            }
            if a.points > 1_000_000 {
                return Err(invalid(format!("{key}.points"), "must be at most 1000000"));
            }
            if self.actions[..i]
                .iter()
                .any(|p| p.action_type == a.action_type && p.category == a.category)
            {
                return Err(invalid(
                    key.to_string(),
                    format!("duplicate action `{}`/`{}`", a.action_type, a.category),
                ));
            }
        }
        Ok(())
    }

    /// The launch day as a day number ([`RankRules::launch_day`]; validated): no rank walk
    /// starts before it.
    pub fn launch_day(&self) -> crate::rank::Day {
        self.ranks
            .launch_day
            .as_deref()
            .and_then(parse_day)
            .or_else(|| MonthId::parse(&self.emission.start_month).map(first_day_of))
            .unwrap_or(crate::rank::Day::MIN)
    }

    /// The highest rank (the length of the rank table).
    fn validate_operations(&self) -> Result<(), ConfigError> {
        let s = &self.sale;
        let cap_ok = |cap: u64| {
            10u64
                .checked_pow(u32::from(self.emission.decimals))
                .and_then(|u| cap.checked_mul(u))
                .is_some()
        };
        if s.base_cap_stk == 0 || !cap_ok(s.base_cap_stk) {
            return Err(invalid("sale.base_cap_stk", "must be positive and fit in base units"));
        }
        for (i, q) in s.qualification_caps.iter().enumerate() {
            let key = format!("sale.qualification_caps[{i}]");
            if !self.qualifications.iter().any(|l| l.name == q.qualification) {
                return Err(invalid(
                    format!("{key}.qualification"),
                    format!("`{}` is not in the qualification ladder", q.qualification),
                ));
            }
            if s.qualification_caps[..i].iter().any(|p| p.qualification == q.qualification) {
                return Err(invalid(format!("{key}.qualification"), "listed twice"));
            }
            if q.cap_stk == 0 || !cap_ok(q.cap_stk) {
                return Err(invalid(format!("{key}.cap_stk"), "must be positive and fit"));
            }
        }
        if s.vesting_days == 0 || s.cliff_days > s.vesting_days {
            return Err(invalid("sale.vesting_days", "need vesting_days > 0 and >= cliff_days"));
        }
        if s.period_days == 0 || s.period_days > s.vesting_days {
            return Err(invalid("sale.period_days", "must be 1..=vesting_days"));
        }
        if self.dormancy.inactive_days == 0 {
            return Err(invalid("dormancy.inactive_days", "must be at least 1"));
        }
        Ok(())
    }

    pub fn max_rank(&self) -> u16 {
        self.rank_table.len() as u16
    }

    pub fn schedule(&self) -> ScheduleParams {
        let e = &self.emission;
        ScheduleParams {
            start_month: MonthId::parse(&e.start_month).map(|m| m.0).unwrap_or(0),
            utc_offset_secs: e.utc_offset_secs,
            months_per_quarter: e.months_per_quarter,
            num_quarters: e.num_quarters,
            decay_num: e.decay_num,
            decay_den: e.decay_den,
            genesis_bps: e.genesis_bps,
            startup_fund_bps: e.startup_fund_bps,
            cap: stk_common::cap_base_units(e.decimals).unwrap_or(0),
        }
    }

    /// The members' pool of `month`: the schedule's allowance times `member_share_bps`.
    pub fn month_pool(&self, month: MonthId) -> Result<u64, String> {
        let allowance = self.schedule().month_allowance(month).map_err(|e| {
            format!(
                "month {month} has no allowance in the emission schedule (starts {}): {e}",
                self.emission.start_month
            )
        })?;
        Ok(stk_common::schedule::mul_div(
            allowance,
            self.emission.member_share_bps as u64,
            stk_common::BPS_DENOMINATOR,
        ))
    }

    /// SHA-256 (hex) of the canonical JSON of the configuration.
    pub fn sha256(&self) -> String {
        let json = serde_json::to_vec(self).expect("config serializes");
        hex::encode(Sha256::digest(&json))
    }
}

/// The first local day of `month`, as a day number.
fn first_day_of(month: MonthId) -> crate::rank::Day {
    days_from_civil(month.year() as i64, month.month(), 1) as crate::rank::Day
}

/// A `YYYY-MM-DD` date as a day number, if it is a calendar date.
fn parse_day(text: &str) -> Option<crate::rank::Day> {
    let date = chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d").ok()?;
    if text.len() != 10 {
        return None;
    }
    use chrono::Datelike;
    let day = days_from_civil(date.year() as i64, date.month(), date.day());
    crate::rank::Day::try_from(day).ok()
}

fn schedule_key(err: stk_common::schedule::ScheduleError) -> &'static str {
    use stk_common::schedule::ScheduleError as E;
    match err {
        E::NumQuarters => "num_quarters",
        E::MonthsPerQuarter => "months_per_quarter",
        E::DecayRatio | E::NotDecreasing => "decay_num",
        E::GenesisShare => "genesis_bps",
        E::StartupFundShare => "startup_fund_bps",
        E::Cap => "decimals",
        E::StartMonth => "start_month",
        E::UtcOffset => "utc_offset_secs",
        E::QuarterOutOfRange | E::Overflow => "num_quarters",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shipped_default_is_valid_and_matches_schedule_default() {
        let c = Config::default_config();
        assert_eq!(
            c.schedule(),
            ScheduleParams::default_for(MonthId::new(2027, 1).unwrap(), 6),
            "stk.toml's schedule must equal ScheduleParams::default_for(2027-01, 6)"
        );
        assert_eq!(c.sha256().len(), 64);
    }

    #[test]
    fn the_sale_and_dormancy_sections_are_validated_and_left_out_of_the_hash() {
        let shipped = Config::default_config();
        assert_eq!(shipped.sale.base_cap_stk, 1_000);
        assert_eq!(shipped.sale.qualification_caps.len(), 2);
        assert_eq!(shipped.dormancy.inactive_days, 730);
        // Operational: other caps do not change the reports' configuration hash.
        let bigger = DEFAULT_CONFIG_TOML.replace("base_cap_stk = 1000", "base_cap_stk = 2000");
        assert_ne!(bigger, DEFAULT_CONFIG_TOML);
        assert_eq!(Config::parse(&bigger).unwrap().sha256(), shipped.sha256());
        for (from, to, key) in [
            (
                "qualification = \"master\"",
                "qualification = \"guru\"",
                "sale.qualification_caps[0].qualification",
            ),
            ("base_cap_stk = 1000", "base_cap_stk = 0", "sale.base_cap_stk"),
            ("period_days = 30", "period_days = 400", "sale.period_days"),
            ("inactive_days = 730", "inactive_days = 0", "dormancy.inactive_days"),
        ] {
            let text = DEFAULT_CONFIG_TOML.replace(from, to);
            assert_ne!(text, DEFAULT_CONFIG_TOML, "{from}");
            match Config::parse(&text) {
                Err(ConfigError::Invalid { key: k, .. }) => assert_eq!(k, key),
                other => panic!("{to}: {other:?}"),
            }
        }
        // A file without the sections (older configurations) takes the defaults.
        let start = DEFAULT_CONFIG_TOML.find("\n[sale]\n").unwrap();
        let end = DEFAULT_CONFIG_TOML.find("\n[payout]\n").unwrap();
        let without = format!("{}{}", &DEFAULT_CONFIG_TOML[..start], &DEFAULT_CONFIG_TOML[end..]);
        let parsed = Config::parse(&without).unwrap();
        assert_eq!(parsed.sale, SaleConfig::default());
        assert_eq!(parsed.dormancy, DormancyConfig::default());
    }

    #[test]
    fn launch_day_defaults_to_the_schedule_start_is_validated_and_hashed() {
        let shipped = Config::default_config();
        // The shipped file leaves it out: the first day of the schedule, filled in so the hash
        // names it; written out explicitly, the same day gives the same configuration.
        assert_eq!(shipped.ranks.launch_day.as_deref(), Some("2027-01-01"));
        const LEFT_OUT: &str = "# launch_day = \"2027-01-01\"";
        let explicit = DEFAULT_CONFIG_TOML.replace(LEFT_OUT, "launch_day = \"2027-01-01\"");
        assert_ne!(explicit, DEFAULT_CONFIG_TOML);
        let parsed = Config::parse(&explicit).unwrap();
        assert_eq!(parsed.launch_day(), shipped.launch_day());
        assert_eq!(parsed.sha256(), shipped.sha256());
        let later =
            Config::parse(&DEFAULT_CONFIG_TOML.replace(LEFT_OUT, "launch_day = \"2027-02-01\""))
                .unwrap();
        assert_eq!(later.launch_day(), shipped.launch_day() + 31);
        assert_ne!(later.sha256(), shipped.sha256());
        for bad in ["2027-02-30", "2027-1-01", "soon", "2037-01-01"] {
            let text = DEFAULT_CONFIG_TOML.replace(LEFT_OUT, &format!("launch_day = \"{bad}\""));
            match Config::parse(&text) {
                Err(ConfigError::Invalid { key, .. }) => {
                    assert_eq!(key, "ranks.launch_day", "{bad}")
                }
                other => panic!("{bad}: {other:?}"),
            }
        }
    }

    #[test]
    fn the_priority_fee_policy_is_read_and_validated() {
        use crate::chain::priority::PriorityFeePolicy;
        let shipped = Config::default_config();
        assert_eq!(shipped.payout.priority_fee, PriorityFeePolicy::default());
        let text = DEFAULT_CONFIG_TOML
            .replace("floor_micro_lamports = 0", "floor_micro_lamports = 2500")
            .replace("percentile = 75", "percentile = 90");
        let parsed = Config::parse(&text).unwrap();
        assert_eq!(parsed.payout.priority_fee.floor_micro_lamports, 2_500);
        assert_eq!(parsed.payout.priority_fee.percentile, 90);
        assert_eq!(parsed.sha256(), shipped.sha256(), "operational: not in the report's hash");
        let bad = DEFAULT_CONFIG_TOML.replace("percentile = 75", "percentile = 101");
        match Config::parse(&bad) {
            Err(ConfigError::Invalid { key, .. }) => {
                assert_eq!(key, "payout.priority_fee.percentile")
            }
            other => panic!("{other:?}"),
        }
        let inverted = DEFAULT_CONFIG_TOML
            .replace("floor_micro_lamports = 0", "floor_micro_lamports = 100001");
        match Config::parse(&inverted) {
            Err(ConfigError::Invalid { key, .. }) => {
                assert_eq!(key, "payout.priority_fee.floor_micro_lamports")
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn hash_ignores_formatting_but_not_values() {
        let a = Config::default_config();
        let b = Config::parse(&format!("# a comment\n{DEFAULT_CONFIG_TOML}\n\n")).unwrap();
        assert_eq!(a.sha256(), b.sha256());
        let mut c = a.clone();
        c.actions[0].points += 1;
        assert_ne!(a.sha256(), c.sha256());
    }
}
