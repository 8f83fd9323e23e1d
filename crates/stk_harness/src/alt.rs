//! Address lookup tables and transaction sizes on the ledger.
//!
//! A v0 transaction names accounts by one-byte indexes into on-chain lookup tables instead of
//! 32-byte keys, so a payout batch fits far more recipients into the 1,232-byte packet. The
//! ledger (BanksServer) enforces the account-lock limit but **not** the packet size, so
//! [`wire_size`] computes the bincode size the RPC ingress would check.
use crate::ledger::Ledger;
use anchor_lang::prelude::Pubkey;
use solana_address_lookup_table_interface::{
    instruction::{create_lookup_table as create_table_ix, extend_lookup_table},
    state::AddressLookupTable,
};
use solana_hash::Hash;
use solana_instruction::Instruction;
use solana_keypair::Keypair;
use solana_message::{v0, VersionedMessage};
use solana_signer::Signer;
use solana_transaction::{versioned::VersionedTransaction, Transaction};

pub use solana_message::AddressLookupTableAccount;

/// The largest serialized transaction a validator accepts (IPv6 MTU minus headers).
pub const PACKET_DATA_SIZE: usize = 1_232;
/// Mainnet's limit on accounts one transaction may lock (the harness's bank enforces it).
pub const MAX_TX_ACCOUNT_LOCKS: usize = 64;
/// Addresses per `ExtendLookupTable` transaction (keeps each extension under the packet size).
const EXTEND_CHUNK: usize = 20;

/// Creates a lookup table owned by the context payer holding `addresses`, and advances one
/// slot so they are usable (addresses appended in slot S resolve only from slot S + 1).
pub async fn create_lookup_table(
    ledger: &mut Ledger,
    addresses: &[Pubkey],
) -> AddressLookupTableAccount {
    let payer = ledger.payer();
    // `recent_slot` must be a slot in the SlotHashes sysvar: take its newest entry.
    let slot_hashes =
        ledger.account(&solana_sysvar_v4::slot_hashes::ID).await.expect("SlotHashes sysvar");
    let recent_slot = u64::from_le_bytes(slot_hashes.data[8..16].try_into().expect("slot"));
    let (create, table) = create_table_ix(payer, payer, recent_slot);
    Ledger::ok(ledger.send(&[create], &[]).await);
    for chunk in addresses.chunks(EXTEND_CHUNK) {
        let extend = extend_lookup_table(table, payer, Some(payer), chunk.to_vec());
        Ledger::ok(ledger.send(&[extend], &[]).await);
    }
    let slot = ledger.clock().await.slot;
    ledger.ctx.warp_to_slot(slot + 1).expect("warp one slot");
    let account = ledger.account(&table).await.expect("lookup table");
    let stored = AddressLookupTable::deserialize(&account.data).expect("lookup table layout");
    assert_eq!(stored.addresses.as_ref(), addresses, "lookup table contents");
    AddressLookupTableAccount { key: table, addresses: addresses.to_vec() }
}

/// A signed legacy transaction paid by `payer`.
pub fn legacy_transaction(
    payer: &Keypair,
    instructions: &[Instruction],
    other_signers: &[&Keypair],
    blockhash: Hash,
) -> VersionedTransaction {
    let mut signers = vec![payer];
    signers.extend(other_signers.iter().copied().filter(|s| s.pubkey() != payer.pubkey()));
    Transaction::new_signed_with_payer(instructions, Some(&payer.pubkey()), &signers, blockhash)
        .into()
}

/// A signed v0 transaction paid by `payer`, resolving accounts through `tables`.
pub fn v0_transaction(
    payer: &Keypair,
    instructions: &[Instruction],
    other_signers: &[&Keypair],
    tables: &[AddressLookupTableAccount],
    blockhash: Hash,
) -> VersionedTransaction {
    let message = v0::Message::try_compile(&payer.pubkey(), instructions, tables, blockhash)
        .expect("compile v0 message");
    let mut signers = vec![payer];
    signers.extend(other_signers.iter().copied().filter(|s| s.pubkey() != payer.pubkey()));
    VersionedTransaction::try_new(VersionedMessage::V0(message), &signers).expect("sign v0")
}

/// The serialized size the cluster's packet limit applies to.
pub fn wire_size(tx: &VersionedTransaction) -> usize {
    bincode::serialize(tx).expect("serialize transaction").len()
}

/// Accounts the transaction locks: its static keys plus every looked-up address.
pub fn account_locks(tx: &VersionedTransaction) -> usize {
    let lookups = tx.message.address_table_lookups().unwrap_or_default();
    tx.message.static_account_keys().len()
        + lookups.iter().map(|l| l.writable_indexes.len() + l.readonly_indexes.len()).sum::<usize>()
}

/// Whether the transaction fits one packet and the lock limit.
pub fn fits(tx: &VersionedTransaction) -> bool {
    wire_size(tx) <= PACKET_DATA_SIZE && account_locks(tx) <= MAX_TX_ACCOUNT_LOCKS
}
