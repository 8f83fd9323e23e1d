//! Priority fees: the compute-unit price of every transaction the distributor sends (payout
//! batches, the epoch's steps, plan roots, token accounts, lookup tables, cranks and the
//! operator commands).
//!
//! The price is a percentile of the node's recent prioritization fees for the accounts the
//! transaction writes (`getRecentPrioritizationFees`), at least a floor, raised by a factor on
//! every re-signed attempt of the same work (a transaction that expired unseen is re-signed at
//! a higher price), and never above a cap. [`PriorityFeePolicy::price`] is that rule, pure;
//! [`budget_instructions`] asks the backend for the recent fees and prepends the compute-budget
//! instructions. Each backend carries its policy ([`super::ChainBackend::priority_fee`]), so
//! every sender — the payout engine and the operator commands alike — prices the same way.
use super::ChainBackend;
use anchor_lang::prelude::Pubkey;
use serde::{Deserialize, Serialize};
use solana_compute_budget_interface::ComputeBudgetInstruction;
use stk_client::Instruction;

/// Accounts `getRecentPrioritizationFees` accepts in one call.
pub const MAX_FEE_ACCOUNTS: usize = 128;

/// How the compute-unit price of a transaction is chosen (`[payout.priority_fee]`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PriorityFeePolicy {
    /// Percentile (0..=100, nearest rank) of the recent prioritization fees of the accounts the
    /// transaction writes.
    #[serde(default = "default_percentile")]
    pub percentile: u8,
    /// The lowest price, in micro-lamports per compute unit (also the price when the node
    /// reports no recent fees or cannot be asked).
    #[serde(default)]
    pub floor_micro_lamports: u64,
    /// The highest price, escalation included. 0 turns priority fees off.
    #[serde(default = "default_cap")]
    pub cap_micro_lamports: u64,
    /// Each re-signed attempt of the same work pays this many percent more than the previous
    /// one (50: ×1.5 per attempt, rounded up). A price of 0 stays 0: set a floor to escalate.
    #[serde(default = "default_raise")]
    pub raise_percent_per_attempt: u32,
}

fn default_percentile() -> u8 {
    75
}
fn default_cap() -> u64 {
    100_000
}
fn default_raise() -> u32 {
    50
}

impl Default for PriorityFeePolicy {
    /// The configuration's default: the 75th percentile, no floor, capped at 100,000
    /// micro-lamports per CU (at most 20,000 lamports on a 200,000-CU transaction), +50 % per
    /// attempt.
    fn default() -> Self {
        PriorityFeePolicy {
            percentile: default_percentile(),
            floor_micro_lamports: 0,
            cap_micro_lamports: default_cap(),
            raise_percent_per_attempt: default_raise(),
        }
    }
}

impl PriorityFeePolicy {
    /// No priority fee, ever (what a backend does unless given a policy).
    pub const OFF: PriorityFeePolicy = PriorityFeePolicy {
        percentile: 0,
        floor_micro_lamports: 0,
        cap_micro_lamports: 0,
        raise_percent_per_attempt: 0,
    };

    /// Always `micro_lamports` (floor and cap both), whatever the node reports.
    pub fn fixed(micro_lamports: u64) -> Self {
        PriorityFeePolicy {
            percentile: 0,
            floor_micro_lamports: micro_lamports,
            cap_micro_lamports: micro_lamports,
            raise_percent_per_attempt: 0,
        }
    }

    /// Whether any transaction can carry a price (plans are sized for it).
    pub fn is_on(&self) -> bool {
        self.cap_micro_lamports > 0
    }

    /// The highest price any attempt pays.
    pub fn max_price(&self) -> u64 {
        self.cap_micro_lamports
    }

    /// The errors name the configuration key at fault (under `payout.priority_fee.`).
    pub fn validate(&self) -> Result<(), (&'static str, &'static str)> {
        if self.percentile > 100 {
            return Err(("percentile", "must be 0..=100"));
        }
        if self.floor_micro_lamports > self.cap_micro_lamports {
            return Err(("floor_micro_lamports", "must not exceed cap_micro_lamports"));
        }
        if self.raise_percent_per_attempt > 1_000 {
            return Err(("raise_percent_per_attempt", "must be at most 1000"));
        }
        Ok(())
    }

    /// The price of attempt `attempt` (0: the first signature) given the node's recent fees:
    /// `min(cap, max(floor, percentile(recent)) × (1 + raise)^attempt)`.
    pub fn price(&self, recent: &[u64], attempt: u32) -> u64 {
        if !self.is_on() {
            return 0;
        }
        let mut recent = recent.to_vec();
        let base = percentile_of(&mut recent, self.percentile)
            .max(self.floor_micro_lamports)
            .min(self.cap_micro_lamports);
        escalate(base, self.raise_percent_per_attempt, attempt, self.cap_micro_lamports)
    }
}

/// `base` raised `attempts` times by `raise_percent` (rounded up), stopping at `cap`.
pub fn escalate(base: u64, raise_percent: u32, attempts: u32, cap: u64) -> u64 {
    let mut price = base.min(cap);
    for _ in 0..attempts {
        if price == 0 || price >= cap || raise_percent == 0 {
            break;
        }
        let raised = (price as u128 * (100 + raise_percent as u128)).div_ceil(100);
        price = u64::try_from(raised).unwrap_or(u64::MAX).min(cap);
    }
    price
}

/// The `percentile`-th value (nearest rank) of `values`, 0 when empty.
pub fn percentile_of(values: &mut [u64], percentile: u8) -> u64 {
    if values.is_empty() {
        return 0;
    }
    values.sort_unstable();
    let rank = (percentile.min(100) as usize * values.len()).div_ceil(100).max(1);
    values[rank - 1]
}

/// The accounts `ixs` write, each once, at most [`MAX_FEE_ACCOUNTS`]: what the recent fees are
/// asked for (a transaction competes for the locks of what it writes).
pub fn written_accounts(ixs: &[Instruction]) -> Vec<Pubkey> {
    let mut out: Vec<Pubkey> = vec![];
    for meta in ixs.iter().flat_map(|ix| ix.accounts.iter()).filter(|m| m.is_writable) {
        if !out.contains(&meta.pubkey) && out.len() < MAX_FEE_ACCOUNTS {
            out.push(meta.pubkey);
        }
    }
    out
}

/// The compute-budget instructions for `units` (`None`: the default budget) at
/// `micro_lamports` per unit: none when free and within the default, the limit when asked, the
/// price when paid.
pub fn budget(units: Option<u32>, micro_lamports: u64) -> Vec<Instruction> {
    let mut ixs = vec![];
    if let Some(units) = units {
        if micro_lamports > 0 || units > crate::payout::limits::DEFAULT_COMPUTE_UNITS {
            ixs.push(ComputeBudgetInstruction::set_compute_unit_limit(units));
        }
    }
    if micro_lamports > 0 {
        ixs.push(ComputeBudgetInstruction::set_compute_unit_price(micro_lamports));
    }
    ixs
}

/// The price of attempt `attempt` of a transaction made of `ixs`, by the backend's policy and
/// the node's recent fees for the accounts they write. A node that cannot say (an error) is
/// not a reason to stop a payout: the floor applies, with a warning.
pub async fn price_for<B: ChainBackend>(backend: &mut B, ixs: &[Instruction], attempt: u32) -> u64 {
    let policy = backend.priority_fee();
    if !policy.is_on() {
        return 0;
    }
    let accounts = written_accounts(ixs);
    let recent = match backend.recent_prioritization_fees(&accounts).await {
        Ok(fees) => fees,
        Err(error) => {
            tracing::warn!(%error, "recent prioritization fees unavailable; paying the floor");
            vec![]
        }
    };
    policy.price(&recent, attempt)
}

/// `ixs` with the compute-budget instructions of attempt `attempt` in front, and the price.
pub async fn budget_instructions<B: ChainBackend>(
    backend: &mut B,
    ixs: &[Instruction],
    units: Option<u32>,
    attempt: u32,
) -> (u64, Vec<Instruction>) {
    let price = price_for(backend, ixs, attempt).await;
    let mut all = budget(units, price);
    all.extend_from_slice(ixs);
    (price, all)
}

/// The compute-unit price a transaction carries (its `SetComputeUnitPrice`), if any.
pub fn price_of(tx: &solana_transaction::versioned::VersionedTransaction) -> Option<u64> {
    let keys = tx.message.static_account_keys();
    tx.message.instructions().iter().find_map(|ix| {
        let program = keys.get(ix.program_id_index as usize)?;
        if *program != solana_compute_budget_interface::ID || ix.data.first() != Some(&3) {
            return None;
        }
        Some(u64::from_le_bytes(ix.data.get(1..9)?.try_into().ok()?))
    })
}

/// The CLI's priority-fee options (override `[payout.priority_fee]`), shared by `run`,
/// `submit` and the operator commands.
#[derive(clap::Args, Debug, Clone, Default, PartialEq, Eq)]
pub struct PriorityFeeArgs {
    /// A fixed compute-unit price in micro-lamports (floor and cap both; 0: no priority fee).
    #[arg(long, global = true, env = "STK_PRIORITY_FEE")]
    pub priority_fee: Option<u64>,
    /// Percentile of the node's recent prioritization fees for the written accounts.
    #[arg(long, global = true, env = "STK_PRIORITY_FEE_PERCENTILE")]
    pub priority_fee_percentile: Option<u8>,
    /// The lowest compute-unit price, micro-lamports.
    #[arg(long, global = true, env = "STK_PRIORITY_FEE_FLOOR")]
    pub priority_fee_floor: Option<u64>,
    /// The highest compute-unit price, micro-lamports (0: no priority fee).
    #[arg(long, global = true, env = "STK_PRIORITY_FEE_CAP")]
    pub priority_fee_cap: Option<u64>,
    /// Percent added to the price at each re-signed attempt.
    #[arg(long, global = true, env = "STK_PRIORITY_FEE_RAISE_PERCENT")]
    pub priority_fee_raise_percent: Option<u32>,
}

impl PriorityFeeArgs {
    /// `base` (the configuration's policy) with the flags given applied; validated.
    pub fn apply(&self, base: PriorityFeePolicy) -> Result<PriorityFeePolicy, String> {
        let mut policy = match self.priority_fee {
            Some(fixed) => PriorityFeePolicy::fixed(fixed),
            None => base,
        };
        if let Some(p) = self.priority_fee_percentile {
            policy.percentile = p;
        }
        if let Some(f) = self.priority_fee_floor {
            policy.floor_micro_lamports = f;
        }
        if let Some(c) = self.priority_fee_cap {
            policy.cap_micro_lamports = c;
        }
        if let Some(r) = self.priority_fee_raise_percent {
            policy.raise_percent_per_attempt = r;
        }
        policy.validate().map_err(|(key, message)| {
            format!("priority fee: {key} {message} (from the configuration and the --priority-fee-* flags)")
        })?;
        Ok(policy)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn percentile_uses_nearest_rank() {
        assert_eq!(percentile_of(&mut [], 75), 0);
        assert_eq!(percentile_of(&mut [5], 0), 5);
        assert_eq!(percentile_of(&mut [40, 10, 30, 20], 50), 20);
        assert_eq!(percentile_of(&mut [40, 10, 30, 20], 75), 30);
        assert_eq!(percentile_of(&mut [40, 10, 30, 20], 100), 40);
    }

    #[test]
    fn the_price_is_the_percentile_within_floor_and_cap_raised_per_attempt() {
        let policy = PriorityFeePolicy {
            percentile: 50,
            floor_micro_lamports: 1_000,
            cap_micro_lamports: 10_000,
            raise_percent_per_attempt: 100,
        };
        let recent = [3_000, 5_000, 7_000, 9_000];
        assert_eq!(policy.price(&recent, 0), 5_000);
        assert_eq!(policy.price(&recent, 1), 10_000, "doubled, at the cap");
        assert_eq!(policy.price(&recent, 5), 10_000, "never above the cap");
        assert_eq!(policy.price(&[], 0), 1_000, "no recent fees: the floor");
        assert_eq!(policy.price(&[], 2), 4_000);
        assert_eq!(policy.price(&[50_000], 0), 10_000, "a busy account: the cap");
        let half = PriorityFeePolicy { raise_percent_per_attempt: 50, ..policy };
        assert_eq!(half.price(&[], 1), 1_500);
        assert_eq!(half.price(&[], 2), 2_250);
        assert_eq!(PriorityFeePolicy::OFF.price(&[9_999], 3), 0);
        assert_eq!(PriorityFeePolicy::fixed(42).price(&[9_999], 3), 42);
        let no_floor = PriorityFeePolicy { floor_micro_lamports: 0, ..policy };
        assert_eq!(no_floor.price(&[0, 0], 4), 0, "0 stays 0");
        assert_eq!(escalate(1, 50, 3, 100), 5, "rounded up: 1, 2, 3, 5");
        assert_eq!(escalate(1, 50, 3, 4), 4, "capped");
    }

    #[test]
    fn budget_instructions_are_left_out_only_when_free_and_within_the_default() {
        assert!(budget(None, 0).is_empty());
        assert!(budget(Some(150_000), 0).is_empty());
        assert_eq!(budget(Some(300_000), 0).len(), 1);
        assert_eq!(budget(None, 7).len(), 1);
        assert_eq!(budget(Some(150_000), 7).len(), 2);
        let ix = ComputeBudgetInstruction::set_compute_unit_price(7_777);
        let payer = solana_keypair::Keypair::new();
        let tx = crate::payout::limits::signed(&payer, &[ix], None, Default::default()).unwrap();
        assert_eq!(price_of(&tx), Some(7_777));
    }

    #[test]
    fn cli_flags_override_the_configuration_and_are_validated() {
        let base = PriorityFeePolicy::default();
        assert_eq!(PriorityFeeArgs::default().apply(base), Ok(base));
        let fixed = PriorityFeeArgs { priority_fee: Some(9), ..Default::default() };
        assert_eq!(fixed.apply(base), Ok(PriorityFeePolicy::fixed(9)));
        let floor = PriorityFeeArgs { priority_fee_floor: Some(500), ..Default::default() };
        assert_eq!(floor.apply(base).unwrap().floor_micro_lamports, 500);
        let bad = PriorityFeeArgs { priority_fee_percentile: Some(101), ..Default::default() };
        assert!(bad.apply(base).unwrap_err().contains("percentile"));
        let inverted = PriorityFeeArgs { priority_fee_cap: Some(10), ..floor };
        assert!(inverted.apply(base).unwrap_err().contains("floor_micro_lamports"));
    }

    proptest! {
        /// Whatever the node reports and however often a transaction is re-signed, the price
        /// stays within [floor, cap], never falls from one attempt to the next, and rises
        /// while below the cap (when it is not 0 and the raise is not 0).
        #[test]
        fn the_price_is_bounded_and_rises(
            recent in proptest::collection::vec(0u64..2_000_000, 0..40),
            percentile in 0u8..=100,
            floor in 0u64..50_000,
            extra in 0u64..500_000,
            raise in 0u32..300,
            attempt in 0u32..30,
        ) {
            let policy = PriorityFeePolicy {
                percentile,
                floor_micro_lamports: floor,
                cap_micro_lamports: floor + extra,
                raise_percent_per_attempt: raise,
            };
            prop_assume!(policy.is_on());
            let now = policy.price(&recent, attempt);
            let next = policy.price(&recent, attempt + 1);
            prop_assert!(now >= floor && now <= policy.cap_micro_lamports);
            prop_assert!(next >= now);
            if now > 0 && raise > 0 && now < policy.cap_micro_lamports {
                prop_assert!(next > now);
            }
            let mut sorted = recent.clone();
            let base = percentile_of(&mut sorted, percentile);
            prop_assert_eq!(policy.price(&recent, 0), base.max(floor).min(policy.cap_micro_lamports));
        }
    }
}
