//! The payout plan: deterministic batches from a report's payable allocations.
use anchor_lang::prelude::Pubkey;
use serde::{Deserialize, Serialize};

/// One member to pay: the wallet, its STK token account, and the net amount to receive.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Payee {
    pub member_id: i64,
    pub wallet: Pubkey,
    pub token_account: Pubkey,
    pub amount: u64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlannedBatch {
    pub index: u32,
    pub payees: Vec<Payee>,
}

impl PlannedBatch {
    pub fn total(&self) -> u64 {
        self.payees.iter().map(|p| p.amount).sum()
    }

    /// `(token_account, amount)` in position order: what the batch's root commits to.
    pub fn lines(&self) -> Vec<(Pubkey, u64)> {
        self.payees.iter().map(|p| (p.token_account, p.amount)).collect()
    }

    /// The batch's Merkle root in `month`'s plan (`stk_common::payout_plan::batch_root`).
    pub fn root(&self, month: stk_common::calendar::MonthId) -> [u8; 32] {
        let index = u16::try_from(self.index).unwrap_or(u16::MAX);
        stk_common::payout_plan::batch_root(month.0, index, &self.lines())
    }
}

/// The plan hash the treasury commits and the admin approves: over the month, the net total,
/// the batch count, the approved report's hash and every batch root in order.
pub fn plan_hash(
    month: stk_common::calendar::MonthId,
    report_hash: &[u8; 32],
    batches: &[PlannedBatch],
) -> Result<[u8; 32], PlanError> {
    let total = batches
        .iter()
        .flat_map(|b| b.payees.iter())
        .try_fold(0u64, |acc, p| acc.checked_add(p.amount))
        .ok_or(PlanError::Overflow)?;
    let count = u16::try_from(batches.len())
        .map_err(|_| PlanError::TooManyBatches(batches.len(), u16::MAX as usize))?;
    let roots: Vec<[u8; 32]> = batches.iter().map(|b| b.root(month)).collect();
    Ok(stk_common::payout_plan::plan_hash(month.0, total, count, report_hash, &roots))
}

/// What happens to a payable member whose wallet has no STK token account yet.
#[derive(
    Debug,
    Clone,
    Copy,
    Default,
    PartialEq,
    Eq,
    serde::Serialize,
    serde::Deserialize,
    clap::ValueEnum,
)]
#[serde(rename_all = "snake_case")]
pub enum TokenAccountPolicy {
    /// The distributor (or the rent payer) creates it before paying: ≈0.0021 SOL of rent per
    /// member, once, kept by the member.
    #[default]
    Create,
    /// The member stays pending (reason `no_token_account`) until they create it themselves;
    /// the amount is paid with a later month.
    LeavePending,
}

impl TokenAccountPolicy {
    pub fn as_str(self) -> &'static str {
        match self {
            TokenAccountPolicy::Create => "create",
            TokenAccountPolicy::LeavePending => "leave_pending",
        }
    }
    pub fn parse(s: &str) -> Option<TokenAccountPolicy> {
        match s {
            "create" => Some(TokenAccountPolicy::Create),
            "leave_pending" => Some(TokenAccountPolicy::LeavePending),
            _ => None,
        }
    }
}

/// How a month's batches are sent, fixed when its plan is written and never recomputed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PlanShape {
    pub form: super::limits::TxForm,
    pub recipients_per_batch: usize,
    pub token_accounts: TokenAccountPolicy,
}

impl PlanShape {
    /// The largest batches of `form` that fit one transaction at the priority fee
    /// `micro_lamports` (see [`super::limits::max_recipients`]).
    pub fn sized(form: super::limits::TxForm, micro_lamports: u64) -> PlanShape {
        PlanShape {
            form,
            recipients_per_batch: super::limits::max_recipients(form, micro_lamports),
            token_accounts: TokenAccountPolicy::Create,
        }
    }

    /// The same shape with `policy` for members without a token account.
    pub fn with_token_accounts(self, policy: TokenAccountPolicy) -> PlanShape {
        PlanShape { token_accounts: policy, ..self }
    }

    /// Lookup tables when wanted and the backend supports them, legacy otherwise.
    pub fn choose(lookup_tables: bool, backend_supports: bool, micro_lamports: u64) -> PlanShape {
        let form = if lookup_tables && backend_supports {
            super::limits::TxForm::LookupTable
        } else {
            super::limits::TxForm::Legacy
        };
        Self::sized(form, micro_lamports)
    }
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum PlanError {
    #[error("batch size must be at least 1")]
    BatchSize,
    #[error("member {0} appears twice in the payable allocations")]
    DuplicateMember(i64),
    #[error("token account {0} appears twice in the plan")]
    DuplicateAccount(Pubkey),
    #[error("a batch holds at most {0} recipients")]
    BatchTooLarge(usize),
    #[error("the plan needs {0} batches; the treasury accepts at most {1} per epoch")]
    TooManyBatches(usize, usize),
    #[error("the total overflows u64")]
    Overflow,
}

/// Batches of at most `max_per_batch` payees, ordered by member id; zero amounts are left out
/// (nothing to pay). The same input always gives the same batches.
pub fn plan_batches(
    mut payees: Vec<Payee>,
    max_per_batch: usize,
    max_batches: usize,
) -> Result<Vec<PlannedBatch>, PlanError> {
    if max_per_batch == 0 {
        return Err(PlanError::BatchSize);
    }
    if max_per_batch > stk_common::payout_plan::MAX_BATCH_RECIPIENTS {
        return Err(PlanError::BatchTooLarge(stk_common::payout_plan::MAX_BATCH_RECIPIENTS));
    }
    payees.retain(|p| p.amount > 0);
    payees.sort_by_key(|p| p.member_id);
    if let Some(w) = payees.windows(2).find(|w| w[0].member_id == w[1].member_id) {
        return Err(PlanError::DuplicateMember(w[0].member_id));
    }
    // One account paid twice would be refused by the program inside a batch, and across
    // batches would pay one member's account for another: a plan never names it twice.
    let mut accounts: Vec<&Pubkey> = payees.iter().map(|p| &p.token_account).collect();
    accounts.sort_unstable();
    if let Some(w) = accounts.windows(2).find(|w| w[0] == w[1]) {
        return Err(PlanError::DuplicateAccount(*w[0]));
    }
    payees.iter().try_fold(0u64, |acc, p| acc.checked_add(p.amount)).ok_or(PlanError::Overflow)?;
    let batches: Vec<PlannedBatch> = payees
        .chunks(max_per_batch)
        .enumerate()
        .map(|(i, chunk)| PlannedBatch { index: i as u32, payees: chunk.to_vec() })
        .collect();
    if batches.len() > max_batches {
        return Err(PlanError::TooManyBatches(batches.len(), max_batches));
    }
    Ok(batches)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn payee(id: i64, amount: u64) -> Payee {
        Payee {
            member_id: id,
            wallet: Pubkey::new_unique(),
            token_account: Pubkey::new_unique(),
            amount,
        }
    }

    #[test]
    fn batches_are_ordered_sized_and_complete() {
        let payees: Vec<Payee> = (0..50).rev().map(|i| payee(i, 10 + i as u64)).collect();
        let batches = plan_batches(payees.clone(), 21, 100).unwrap();
        assert_eq!(batches.iter().map(|b| b.payees.len()).collect::<Vec<_>>(), vec![21, 21, 8]);
        let ids: Vec<i64> =
            batches.iter().flat_map(|b| b.payees.iter().map(|p| p.member_id)).collect();
        assert_eq!(ids, (0..50).collect::<Vec<_>>());
        let total: u64 = batches.iter().map(|b| b.total()).sum();
        assert_eq!(total, payees.iter().map(|p| p.amount).sum::<u64>());
        // Deterministic whatever the input order.
        let mut shuffled = payees;
        shuffled.swap(3, 40);
        assert_eq!(plan_batches(shuffled, 21, 100).unwrap(), batches);
    }

    #[test]
    fn zero_amounts_duplicates_and_limits() {
        let batches = plan_batches(vec![payee(1, 0), payee(2, 5)], 10, 10).unwrap();
        assert_eq!(batches.len(), 1);
        assert_eq!(batches[0].payees.len(), 1);
        assert_eq!(
            plan_batches(vec![payee(1, 1), payee(1, 2)], 10, 10),
            Err(PlanError::DuplicateMember(1))
        );
        assert_eq!(plan_batches(vec![payee(1, 1)], 0, 10), Err(PlanError::BatchSize));
        let many: Vec<Payee> = (0..30).map(|i| payee(i, 1)).collect();
        assert_eq!(plan_batches(many, 10, 2), Err(PlanError::TooManyBatches(3, 2)));
        assert_eq!(
            plan_batches(vec![payee(1, u64::MAX), payee(2, 1)], 10, 10),
            Err(PlanError::Overflow)
        );
        let shared = payee(1, 5);
        let twin = Payee { member_id: 2, ..shared.clone() };
        assert_eq!(
            plan_batches(vec![shared.clone(), twin], 10, 10),
            Err(PlanError::DuplicateAccount(shared.token_account))
        );
        assert_eq!(plan_batches(vec![shared], 65, 10), Err(PlanError::BatchTooLarge(64)));
    }

    #[test]
    fn the_plan_hash_binds_every_line() {
        let month = stk_common::calendar::MonthId(24_325);
        let batches =
            plan_batches((0..30).map(|i| payee(i, 7 + i as u64)).collect(), 8, 10).unwrap();
        let hash = plan_hash(month, &[1; 32], &batches).unwrap();
        assert_ne!(hash, plan_hash(month, &[2; 32], &batches).unwrap(), "another report");
        assert_ne!(
            hash,
            plan_hash(stk_common::calendar::MonthId(24_326), &[1; 32], &batches).unwrap()
        );
        let mut changed = batches.clone();
        changed[3].payees[1].amount += 1;
        assert_ne!(hash, plan_hash(month, &[1; 32], &changed).unwrap(), "an amount");
        let mut moved = batches;
        let p = moved[0].payees.pop().unwrap();
        moved[1].payees.insert(0, p);
        assert_ne!(hash, plan_hash(month, &[1; 32], &moved).unwrap(), "a line moved");
    }
}
