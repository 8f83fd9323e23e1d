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

/// The month-independent accounts every kept lookup table starts with: those of
/// `distribute_batch` that do not change between months. The month's own accounts (epoch,
/// plan page) are named in the transaction itself, so a table serves every month.
pub fn table_fixed_accounts() -> Vec<Pubkey> {
    let a = stk_client::treasury::addresses();
    vec![a.treasury, a.treasury_authority, a.distribution_vault, a.mint, stk_client::TOKEN_2022]
}

/// Recipients' token accounts one kept table holds after its fixed accounts.
pub fn table_recipient_room() -> usize {
    LOOKUP_TABLE_MAX_ADDRESSES - table_fixed_accounts().len()
}

/// Kept tables a payout batch may need: batches follow member order and tables fill in the
/// order members first needed an account, so a batch usually spans one or two tables; the
/// sizes below leave room for three.
pub const MAX_TABLES_PER_BATCH: usize = 3;

/// `n` addresses spread over `tables` synthetic kept tables (fixed accounts in the first), for
/// sizing transactions by their real encoding.
fn synthetic_tables(addresses: &[Pubkey], tables: usize) -> Vec<AddressLookupTableAccount> {
    let per = addresses.len().div_ceil(tables.max(1)).max(1);
    addresses
        .chunks(per)
        .enumerate()
        .map(|(i, chunk)| {
            let mut table = if i == 0 { table_fixed_accounts() } else { vec![] };
            table.extend_from_slice(chunk);
            AddressLookupTableAccount { key: Pubkey::new_unique(), addresses: table }
        })
        .collect()
}

/// A signed payout-style transaction: legacy (`None`), or v0 through `tables`.
pub fn signed(
    payer: &Keypair,
    ixs: &[Instruction],
    tables: Option<&[AddressLookupTableAccount]>,
    blockhash: Hash,
) -> Result<VersionedTransaction, String> {
    match tables {
        None => {
            Ok(Transaction::new_signed_with_payer(ixs, Some(&payer.pubkey()), &[payer], blockhash)
                .into())
        }
        Some(tables) => {
            let message = v0::Message::try_compile(&payer.pubkey(), ixs, tables, blockhash)
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
/// lock limit, with the compute-budget instructions it needs at `micro_lamports`; with tables,
/// its recipients spread over [`MAX_TABLES_PER_BATCH`] kept tables.
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
        let accounts: Vec<Pubkey> = batch.payees.iter().map(|p| p.token_account).collect();
        let tables = synthetic_tables(&accounts, MAX_TABLES_PER_BATCH);
        let tables = (form == TxForm::LookupTable).then_some(&tables[..]);
        signed(&payer, &ixs, tables, Hash::default()).is_ok_and(|tx| check(&tx).is_ok())
    };
    largest_fitting(payees.len(), fits)
}

/// Compute units one idempotent creation of a Token-2022 associated account for the STK mint
/// takes (GetAccountDataSize, CreateAccount, InitializeImmutableOwner, InitializeAccount3 with
/// the transfer-fee extension): 16k–24k measured on the real programs (the address's bump
/// search varies) by `distributor/tests/payout_chain.rs::
/// token_account_creation_is_packed_to_the_trace_limit`, with room above the measure.
pub const COMPUTE_UNITS_PER_TOKEN_ACCOUNT: u32 = 30_000;

/// Instructions one transaction may run, cross-program invocations included (the runtime's
/// instruction-trace limit): a transaction running more fails with
/// `MaxInstructionTraceLengthExceeded`.
pub const MAX_INSTRUCTION_TRACE_LENGTH: usize = 64;

/// Trace entries of one creation: the ATA program and its four invocations (GetAccountDataSize,
/// CreateAccount, InitializeImmutableOwner, InitializeAccount3).
pub const TRACE_PER_TOKEN_ACCOUNT: usize = 5;

/// The idempotent creations of the STK token accounts of `wallets`, rent from `payer`.
pub fn token_account_creations(
    payer: &Pubkey,
    mint: &Pubkey,
    wallets: &[Pubkey],
) -> Vec<Instruction> {
    wallets
        .iter()
        .map(|wallet| {
            spl_associated_token_account_interface::instruction::create_associated_token_account_idempotent(
                payer,
                wallet,
                mint,
                &stk_client::TOKEN_2022,
            )
        })
        .collect()
}

/// The most token accounts one transaction creates at `micro_lamports`: the instruction
/// trace binds (12: 64 entries, 5 per creation, the compute-budget instructions), and a legacy
/// transaction of 12 fits the packet — so these go as legacy transactions, a lookup table would
/// save bytes but not one transaction.
pub fn max_token_account_creations(micro_lamports: u64) -> usize {
    let payer = Keypair::new();
    let mint = stk_client::treasury::addresses().mint;
    let wallets: Vec<Pubkey> = (0..64).map(|_| Pubkey::new_unique()).collect();
    let fits = |n: usize| {
        let units = COMPUTE_UNITS_PER_TOKEN_ACCOUNT.saturating_mul(n as u32);
        let mut ixs = budget_instructions(units, micro_lamports);
        let trace = ixs.len() + TRACE_PER_TOKEN_ACCOUNT * n;
        ixs.extend(token_account_creations(&payer.pubkey(), &mint, &wallets[..n]));
        units <= 1_400_000
            && trace <= MAX_INSTRUCTION_TRACE_LENGTH
            && signed(&payer, &ixs, None, Hash::default()).is_ok_and(|tx| check(&tx).is_ok())
    };
    largest_fitting(wallets.len(), fits)
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
    }

    #[test]
    fn token_account_creations_pack_to_the_trace_limit() {
        // One compute-budget instruction (12 × 30k CU > the default) + 12 × 5 = 61 ≤ 64.
        assert_eq!(max_token_account_creations(0), 12);
        // With a price, two budget instructions: 62 entries, still 12.
        assert_eq!(max_token_account_creations(1_000), 12);
    }

    #[test]
    fn budget_is_left_out_only_when_free_and_within_the_default() {
        assert!(budget_instructions(150_000, 0).is_empty());
        assert_eq!(budget_instructions(200_001, 0).len(), 1);
        assert_eq!(budget_instructions(150_000, 5).len(), 2);
    }
}
