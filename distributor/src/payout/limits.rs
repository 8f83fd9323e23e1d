//! Transaction limits and the shapes of payout transactions: how many recipients a batch
//! carries in each transaction form, which compute-budget instructions it needs, and the
//! checks every transaction the engine builds must pass before it is sent.
//!
//! Batch sizes are *computed* by building a representative transaction of each form (unique
//! keys, as many as the batch would name) and keeping the largest that fits — so the sizing
//! follows the real encodings, not hand-counted bytes.
use super::plan::{Payee, PlannedBatch};
use anchor_lang::prelude::Pubkey;
use solana_address_lookup_table_interface::state::LOOKUP_TABLE_MAX_ADDRESSES;
use solana_compute_budget_interface::ComputeBudgetInstruction;
use solana_hash::Hash;
use solana_keypair::Keypair;
use solana_message::{v0, AddressLookupTableAccount, VersionedMessage};
use solana_signer::Signer;
use solana_transaction::{versioned::VersionedTransaction, Transaction};
use stk_client::Instruction;
use stk_common::calendar::MonthId;

/// The largest transaction a validator accepts, in bytes.
pub const PACKET_DATA_SIZE: usize = 1232;
/// Accounts one transaction may lock (mainnet).
pub const MAX_TX_ACCOUNT_LOCKS: usize = 64;
/// Compute units a transaction gets without `SetComputeUnitLimit` (one program instruction).
pub const DEFAULT_COMPUTE_UNITS: u32 = 200_000;

/// How a month's payout transactions name their accounts. Fixed when the plan is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TxForm {
    /// Legacy transactions: every account a full 32-byte key.
    Legacy,
    /// v0 transactions resolving the fixed accounts and the recipients through the month's
    /// address lookup tables (one byte per account).
    LookupTable,
}

impl TxForm {
    pub fn as_str(self) -> &'static str {
        match self {
            TxForm::Legacy => "legacy",
            TxForm::LookupTable => "lookup_table",
        }
    }
    pub fn parse(s: &str) -> Option<TxForm> {
        match s {
            "legacy" => Some(TxForm::Legacy),
            "lookup_table" => Some(TxForm::LookupTable),
            _ => None,
        }
    }
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum LimitError {
    #[error("a transaction of {0} bytes exceeds the 1,232-byte packet limit")]
    TooLarge(usize),
    #[error("a transaction locking {0} accounts exceeds the 64-account lock limit")]
    TooManyLocks(usize),
}

/// The serialized size the cluster's packet limit applies to.
pub fn wire_size(tx: &VersionedTransaction) -> usize {
    bincode::serialized_size(tx).map(|s| s as usize).unwrap_or(usize::MAX)
}

/// Accounts the transaction locks: its static keys plus every looked-up address.
pub fn account_locks(tx: &VersionedTransaction) -> usize {
    let looked_up: usize = tx
        .message
        .address_table_lookups()
        .unwrap_or_default()
        .iter()
        .map(|l| l.writable_indexes.len() + l.readonly_indexes.len())
        .sum();
    tx.message.static_account_keys().len() + looked_up
}

/// Refuses a transaction a validator would drop (packet) or refuse (locks).
pub fn check(tx: &VersionedTransaction) -> Result<(), LimitError> {
    let size = wire_size(tx);
    if size > PACKET_DATA_SIZE {
        return Err(LimitError::TooLarge(size));
    }
    let locks = account_locks(tx);
    if locks > MAX_TX_ACCOUNT_LOCKS {
        return Err(LimitError::TooManyLocks(locks));
    }
    Ok(())
}

/// Compute units requested for a batch of `recipients` (the treasury's SBF cost is not
/// measurable here: a Token-2022 fee-bearing transfer ≈3.6k CU plus room, see SOLANA.md).
pub use stk_client::treasury::batch_compute_units;

/// The compute-budget instructions of a transaction that needs `units`: none when the default
/// budget covers it and no priority fee is paid (the limit instruction would only cost bytes);
/// otherwise `SetComputeUnitLimit` (and `SetComputeUnitPrice` with a fee).
pub fn budget_instructions(units: u32, micro_lamports: u64) -> Vec<Instruction> {
    if micro_lamports == 0 && units <= DEFAULT_COMPUTE_UNITS {
        return vec![];
    }
    let mut ixs = vec![ComputeBudgetInstruction::set_compute_unit_limit(units)];
    if micro_lamports > 0 {
        ixs.push(ComputeBudgetInstruction::set_compute_unit_price(micro_lamports));
    }
    ixs
}

/// The fixed (non-recipient) accounts of batch `first_batch`, which a lookup table serving it
/// starts with (the plan page of that batch included).
pub fn table_fixed_accounts(month: MonthId, first_batch: u32) -> Vec<Pubkey> {
    stk_client::treasury::distribute_batch_fixed_accounts(month.0, first_batch as u16)
}

/// Consecutive batches that share one lookup table (a table holds at most 256 addresses:
/// the fixed accounts, a second plan page when its batches straddle two pages, then the
/// recipients of its batches in plan order).
pub fn batches_per_table(recipients_per_batch: usize) -> usize {
    let room = LOOKUP_TABLE_MAX_ADDRESSES - table_fixed_accounts(MonthId(0), 0).len() - 1;
    (room / recipients_per_batch.max(1)).max(1)
}

/// The addresses of a lookup table serving `batches`, in the order they are appended: the
/// first batch's fixed accounts, the plan page of any later batch in another page, the
/// recipients.
pub fn table_addresses(month: MonthId, batches: &[PlannedBatch]) -> Vec<Pubkey> {
    let first = batches.first().map_or(0, |b| b.index);
    let mut addresses = table_fixed_accounts(month, first);
    for b in batches {
        let page = super::onchain::plan_page_of(month, b.index);
        if !addresses.contains(&page) {
            addresses.push(page);
        }
    }
    addresses.extend(batches.iter().flat_map(|b| b.payees.iter().map(|p| p.token_account)));
    addresses
}

/// A signed payout-style transaction: legacy, or v0 through `table`.
pub fn signed(
    payer: &Keypair,
    ixs: &[Instruction],
    table: Option<&AddressLookupTableAccount>,
    blockhash: Hash,
) -> Result<VersionedTransaction, String> {
    match table {
        None => {
            Ok(Transaction::new_signed_with_payer(ixs, Some(&payer.pubkey()), &[payer], blockhash)
                .into())
        }
        Some(table) => {
            let message = v0::Message::try_compile(
                &payer.pubkey(),
                ixs,
                std::slice::from_ref(table),
                blockhash,
            )
            .map_err(|e| format!("compiling a v0 message: {e}"))?;
            VersionedTransaction::try_new(VersionedMessage::V0(message), &[payer])
                .map_err(|e| format!("signing a v0 transaction: {e}"))
        }
    }
}

/// The instructions of one `distribute_batch` transaction, compute budget first.
pub fn batch_instructions(
    distributor: &Pubkey,
    month: MonthId,
    batch: &PlannedBatch,
    micro_lamports: u64,
) -> Vec<Instruction> {
    let mut ixs = budget_instructions(batch_compute_units(batch.payees.len()), micro_lamports);
    ixs.push(super::onchain::distribute_batch(distributor, month, batch));
    ixs
}

/// The largest batch whose `distribute_batch` transaction of `form` fits the packet and the
/// lock limit (and, with a table, the table's capacity), with the compute-budget instructions
/// it needs at `micro_lamports`.
pub fn max_recipients(form: TxForm, micro_lamports: u64) -> usize {
    let payer = Keypair::new();
    let month = MonthId(0);
    let payees: Vec<Payee> = (0..LOOKUP_TABLE_MAX_ADDRESSES)
        .map(|i| Payee {
            member_id: i as i64,
            wallet: Pubkey::new_unique(),
            token_account: Pubkey::new_unique(),
            amount: u64::MAX / 1024,
        })
        .collect();
    let fits = |n: usize| {
        let batch = PlannedBatch { index: u16::MAX as u32, payees: payees[..n].to_vec() };
        let ixs = batch_instructions(&payer.pubkey(), month, &batch, micro_lamports);
        let table = AddressLookupTableAccount {
            key: Pubkey::new_unique(),
            addresses: table_addresses(month, std::slice::from_ref(&batch)),
        };
        if table.addresses.len() > LOOKUP_TABLE_MAX_ADDRESSES {
            return false;
        }
        let table = (form == TxForm::LookupTable).then_some(&table);
        signed(&payer, &ixs, table, Hash::default()).is_ok_and(|tx| check(&tx).is_ok())
    };
    largest_fitting(payees.len(), fits)
}

/// The largest `n ≤ max` with `fits(1..=n)` all true (0 if even one does not fit).
pub fn largest_fitting(max: usize, fits: impl Fn(usize) -> bool) -> usize {
    (1..=max).take_while(|&n| fits(n)).last().unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn batch_sizes_meet_the_goals() {
        // Legacy: 19 recipients fit the packet once the limit instruction is left out (the
        // batch's estimated 154k CU is within the default 200k).
        assert!(
            batch_compute_units(stk_client::treasury::MAX_RECIPIENTS_LEGACY)
                <= DEFAULT_COMPUTE_UNITS
        );
        assert_eq!(max_recipients(TxForm::Legacy, 0), stk_client::treasury::MAX_RECIPIENTS_LEGACY);
        // A priority fee needs both compute-budget instructions: fewer recipients fit.
        let with_fee = max_recipients(TxForm::Legacy, 1_000);
        eprintln!("legacy with a priority fee: {with_fee}");
        assert!(with_fee < stk_client::treasury::MAX_RECIPIENTS_LEGACY);
        // With a table the 64 account locks bind, the fee changes nothing.
        let with_table = max_recipients(TxForm::LookupTable, 0);
        assert_eq!(with_table, stk_client::treasury::MAX_RECIPIENTS_WITH_LOOKUP_TABLE);
        assert_eq!(max_recipients(TxForm::LookupTable, 1_000), with_table);
        assert_eq!(batches_per_table(with_table), 4);
    }

    #[test]
    fn a_table_straddling_two_plan_pages_holds_both() {
        let month = MonthId(24_325);
        let batch = |index: u32| PlannedBatch {
            index,
            payees: (0..3)
                .map(|i| Payee {
                    member_id: i,
                    wallet: Pubkey::new_unique(),
                    token_account: Pubkey::new_unique(),
                    amount: 1,
                })
                .collect(),
        };
        let batches = [batch(248), batch(249), batch(250), batch(251)];
        let addresses = table_addresses(month, &batches);
        let fixed = table_fixed_accounts(month, 248).len();
        assert_eq!(addresses.len(), fixed + 1 + 12);
        assert!(addresses.contains(&super::super::onchain::plan_page_of(month, 248)));
        assert!(addresses.contains(&super::super::onchain::plan_page_of(month, 251)));
        let one_page = table_addresses(month, &[batch(0), batch(1)]);
        assert_eq!(one_page.len(), fixed + 6);
    }

    #[test]
    fn budget_is_left_out_only_when_free_and_within_the_default() {
        assert!(budget_instructions(150_000, 0).is_empty());
        assert_eq!(budget_instructions(200_001, 0).len(), 1);
        assert_eq!(budget_instructions(150_000, 5).len(), 2);
    }
}
