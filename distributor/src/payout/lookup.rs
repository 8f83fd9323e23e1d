//! The month's address lookup tables: created and extended before the epoch opens, crash-safe,
//! and reclaimed after the epoch closes.
//!
//! A table holds at most 256 addresses, so a month has one table per `batches_per_table`
//! consecutive batches (4 batches of 55): the six fixed accounts of `distribute_batch`, then
//! the recipients' token accounts of those batches in plan order. Its contents follow from the
//! plan, which is never recomputed.
//!
//! Crash safety, per table (the same write-ahead rule as batches):
//! * the table's address (derived from the distributor key and a `recent_slot` taken from the
//!   SlotHashes sysvar) and the create transaction's signature and expiry are recorded in
//!   `payout_lookup_tables` *before* it is sent;
//! * a recorded transaction that may still land is waited for (until its blockhash expires),
//!   never doubled — an `ExtendLookupTable` is not idempotent;
//! * then the table is read on-chain, which is the final word: missing (the create can no
//!   longer land) → create again at a new address, replacing the record, at most
//!   `max_attempts` times; present → it must hold a prefix of the expected addresses, and only
//!   the missing rest is appended.
//!
//! So a restart at any point reuses the recorded table and extends only what is missing; a
//! table is never abandoned while its create could still land, and nothing loops creating
//! tables.
use super::{
    engine::{EngineError, PayoutEngine},
    limits,
    store::{self, BatchState, StoreError, StoredPlan, StoredTable},
};
use crate::chain::{faults::CrashPoint, ChainBackend, SignatureStatus};
use anchor_lang::prelude::Pubkey;
use solana_address_lookup_table_interface::{
    instruction::{
        close_lookup_table, create_lookup_table, deactivate_lookup_table, extend_lookup_table,
    },
    state::{AddressLookupTable, LookupTableMeta},
};
use solana_hash::Hash;
use solana_keypair::Keypair;
use solana_message::AddressLookupTableAccount;
use solana_signer::Signer;
use stk_client::Instruction;
use stk_common::calendar::MonthId;

/// The SlotHashes sysvar: the recent slots a table's `recent_slot` must be one of, and the
/// window a deactivated table must leave before it can be closed.
pub const SLOT_HASHES: Pubkey =
    anchor_lang::prelude::pubkey!("SysvarS1otHashes111111111111111111111111111");

/// Deactivate/close instructions per transaction (two or three accounts each).
const RECLAIM_PER_TX: usize = 16;

/// A table as read on-chain.
pub struct OnchainTable {
    pub meta: LookupTableMeta,
    pub addresses: Vec<Pubkey>,
}

/// Decodes a lookup-table account.
pub fn decode_table(data: &[u8]) -> Result<OnchainTable, String> {
    let table = AddressLookupTable::deserialize(data).map_err(|e| format!("lookup table: {e}"))?;
    Ok(OnchainTable { meta: table.meta, addresses: table.addresses.to_vec() })
}

/// The slots listed in a SlotHashes sysvar account, newest first.
pub fn slot_hashes(data: &[u8]) -> Vec<u64> {
    let Some(len) = data.get(..8).map(|b| u64::from_le_bytes(b.try_into().expect("8 bytes")))
    else {
        return vec![];
    };
    (0..len as usize)
        .map_while(|i| data.get(8 + i * 40..16 + i * 40))
        .map(|b| u64::from_le_bytes(b.try_into().expect("8 bytes")))
        .collect()
}

/// The largest number of addresses one extend transaction carries (with or without the
/// table's creation in the same transaction, with or without room for a priority fee's
/// `SetComputeUnitPrice`), from the real encoding.
pub fn max_extend_addresses(with_create: bool, priced: bool) -> usize {
    let payer = Keypair::new();
    let authority = payer.pubkey();
    let addresses: Vec<Pubkey> = (0..64).map(|_| Pubkey::new_unique()).collect();
    let fits = |n: usize| {
        let (create, table) = create_lookup_table(authority, authority, u64::MAX);
        let mut ixs = crate::chain::priority::budget(None, if priced { u64::MAX } else { 0 });
        if with_create {
            ixs.push(create);
        }
        ixs.push(extend_lookup_table(table, authority, Some(authority), addresses[..n].to_vec()));
        limits::signed(&payer, &ixs, None, Hash::default())
            .is_ok_and(|tx| limits::check(&tx).is_ok())
    };
    limits::largest_fitting(addresses.len(), fits)
}

impl<B: ChainBackend> PayoutEngine<'_, B> {
    /// Creates and extends every table that still serves an unpaid batch, waits until their
    /// addresses are usable, and returns them by table index (`None`: all its batches paid).
    pub(crate) async fn ensure_lookup_tables(
        &mut self,
        plan: &StoredPlan,
    ) -> Result<Vec<Option<AddressLookupTableAccount>>, EngineError> {
        let month = plan.month;
        let mut stored = store::load_tables(self.db, month).await?;
        let mut tables = vec![];
        let mut last_extended = 0u64;
        for (t, group) in plan.table_groups().into_iter().enumerate() {
            if group.iter().all(|b| b.state == BatchState::Confirmed) {
                tables.push(None);
                continue;
            }
            let batches: Vec<_> = group.iter().map(|b| b.batch.clone()).collect();
            let expected = limits::table_addresses(month, &batches);
            let row = stored.iter().position(|r| r.index == t as u32).map(|i| stored.remove(i));
            let (key, extended_at) = self.ensure_table(month, t as u32, &expected, row).await?;
            last_extended = last_extended.max(extended_at);
            tables.push(Some(AddressLookupTableAccount { key, addresses: expected }));
        }
        self.crash_at(CrashPoint::AfterLookupTablesReady)?;
        // Addresses appended in slot S resolve only from slot S + 1.
        for _ in 0..self.settings.max_waits {
            if self.newest_slot().await? >= last_extended {
                return Ok(tables);
            }
            self.backend.wait().await;
        }
        Err(EngineError::Stuck {
            what: "lookup tables to activate".into(),
            waits: self.settings.max_waits,
        })
    }

    /// The newest slot of the SlotHashes sysvar (a valid `recent_slot`; the current slot is
    /// later).
    async fn newest_slot(&mut self) -> Result<u64, EngineError> {
        let data = self
            .backend
            .account_data(&SLOT_HASHES)
            .await?
            .ok_or_else(|| EngineError::Build("the SlotHashes sysvar is missing".into()))?;
        slot_hashes(&data)
            .first()
            .copied()
            .ok_or_else(|| EngineError::Build("the SlotHashes sysvar is empty".into()))
    }

    /// A `recent_slot` whose table address is free: the month's tables (and other months')
    /// share the authority, so two tables created within one slot would collide; wait for
    /// the next slot then.
    async fn unused_table_address(
        &mut self,
        authority: &Pubkey,
    ) -> Result<(u64, Pubkey), EngineError> {
        for _ in 0..self.settings.max_waits {
            let slot = self.newest_slot().await?;
            let (_, address) = create_lookup_table(*authority, *authority, slot);
            if self.backend.account_data(&address).await?.is_none() {
                return Ok((slot, address));
            }
            self.backend.wait().await;
        }
        Err(EngineError::Stuck {
            what: "a free lookup-table address".into(),
            waits: self.settings.max_waits,
        })
    }

    async fn read_table(&mut self, address: &Pubkey) -> Result<Option<OnchainTable>, EngineError> {
        match self.backend.account_data(address).await? {
            None => Ok(None),
            Some(data) => decode_table(&data).map(Some).map_err(|e| StoreError::Corrupt(e).into()),
        }
    }

    /// One table, resumed from its record; returns its address and last extension slot.
    async fn ensure_table(
        &mut self,
        month: MonthId,
        index: u32,
        expected: &[Pubkey],
        mut row: Option<StoredTable>,
    ) -> Result<(Pubkey, u64), EngineError> {
        let authority = self.backend.payer().pubkey();
        let what = format!("lookup table {index}");
        let priced = self.backend.priority_fee().is_on();
        let create_chunk = max_extend_addresses(true, priced);
        let extend_chunk = max_extend_addresses(false, priced);
        let mut failures = 0;
        loop {
            // 1. A recorded transaction that may still land is waited for, never doubled.
            if let Some(r) = row.as_mut() {
                if let (Some(sig), Some(last_valid)) =
                    (r.pending_signature.take(), r.pending_last_valid_block_height.take())
                {
                    let signature: solana_signature::Signature = sig
                        .parse()
                        .map_err(|_| StoreError::Corrupt(format!("signature {sig:?}")))?;
                    if let SignatureStatus::Failed { error, .. } =
                        self.await_signature(&signature, last_valid, &what).await?
                    {
                        tracing::warn!(table = index, %error, "lookup table transaction failed");
                        failures += 1;
                        if failures >= self.settings.max_attempts {
                            return Err(EngineError::GaveUp { index, attempts: failures, error });
                        }
                    }
                }
            }
            // 2. The chain decides what is left to do.
            let onchain = match &row {
                Some(r) => self.read_table(&r.address).await?,
                None => None,
            };
            let Some(onchain) = onchain else {
                // No table (never created, or its create can no longer land): create one.
                let attempts = row.as_ref().map_or(0, |r| r.create_attempts);
                if attempts >= self.settings.max_attempts {
                    return Err(EngineError::GaveUp {
                        index,
                        attempts,
                        error: format!("{what} was never created"),
                    });
                }
                let (recent_slot, address) = self.unused_table_address(&authority).await?;
                let (create, _) = create_lookup_table(authority, authority, recent_slot);
                let first = &expected[..expected.len().min(create_chunk)];
                let extend =
                    extend_lookup_table(address, authority, Some(authority), first.to_vec());
                let (tx, last_valid) =
                    self.sign_priced(&[create, extend], None, None, None, attempts).await?;
                let signature = tx.signatures[0].to_string();
                store::record_table_create(
                    self.db,
                    month,
                    index,
                    &address,
                    &authority,
                    recent_slot,
                    &signature,
                    last_valid,
                )
                .await?;
                row = Some(StoredTable {
                    index,
                    address,
                    recent_slot,
                    create_attempts: attempts + 1,
                    pending_signature: Some(signature),
                    pending_last_valid_block_height: Some(last_valid),
                    state: "creating".into(),
                });
                self.crash_at(CrashPoint::BeforeLookupTableCreateSent(index))?;
                self.send(&tx, &what).await?;
                self.summary.lookup_tables_created += 1;
                self.crash_at(CrashPoint::AfterLookupTableCreateSent(index))?;
                continue;
            };
            let r = row.as_mut().expect("a table read on-chain has a record");
            let held = onchain.addresses.len();
            if onchain.meta.deactivation_slot != u64::MAX
                || onchain.meta.authority != Some(authority)
                || held > expected.len()
                || onchain.addresses[..] != expected[..held]
            {
                return Err(StoreError::Corrupt(format!(
                    "{what} of {month} ({}) does not hold the planned addresses, is deactivated or has another authority",
                    r.address
                ))
                .into());
            }
            if held == expected.len() {
                if r.state != "ready" {
                    store::record_table_pending(self.db, month, index, None, held).await?;
                    store::set_table_state(self.db, month, index, "ready").await?;
                }
                return Ok((r.address, onchain.meta.last_extended_slot));
            }
            // 3. Append only what is missing.
            let next = &expected[held..expected.len().min(held + extend_chunk)];
            let ix: Instruction =
                extend_lookup_table(r.address, authority, Some(authority), next.to_vec());
            let (tx, last_valid) = self.sign_priced(&[ix], None, None, None, failures).await?;
            let signature = tx.signatures[0].to_string();
            store::record_table_pending(
                self.db,
                month,
                index,
                Some((signature.as_str(), last_valid)),
                held,
            )
            .await?;
            r.pending_signature = Some(signature);
            r.pending_last_valid_block_height = Some(last_valid);
            self.crash_at(CrashPoint::BeforeLookupTableExtendSent(index))?;
            self.send(&tx, &what).await?;
            self.crash_at(CrashPoint::AfterLookupTableExtendSent(index))?;
        }
    }

    /// Tables of closed epochs: deactivates the active ones, closes (rent back to the
    /// distributor) those whose deactivation has left the SlotHashes window, and records what
    /// the chain shows. Every step is idempotent and decided by the on-chain state, so a crash
    /// anywhere is harmless; tables still cooling down are closed by a later run.
    pub async fn reclaim_lookup_tables(&mut self) -> Result<usize, EngineError> {
        let rows = store::tables_to_reclaim(self.db).await?;
        if rows.is_empty() {
            return Ok(0);
        }
        let authority = self.backend.payer().pubkey();
        let recent: Vec<u64> = match self.backend.account_data(&SLOT_HASHES).await? {
            Some(data) => slot_hashes(&data),
            None => vec![],
        };
        let newest = recent.first().copied().unwrap_or(0);
        let (mut deactivate, mut close) = (vec![], vec![]);
        for (month, index, address, state) in rows {
            match self.read_table(&address).await? {
                None => {
                    store::set_table_state(self.db, month, index, "closed").await?;
                    if state != "creating" {
                        self.summary.lookup_tables_closed += 1;
                    }
                }
                Some(t) if t.meta.deactivation_slot == u64::MAX => {
                    deactivate.push((month, index, address))
                }
                Some(t) => {
                    store::set_table_state(self.db, month, index, "deactivated").await?;
                    // Closable once the deactivation slot is in the past and has left
                    // SlotHashes (the program's own rule; ≈512 slots on a cluster).
                    let slot = t.meta.deactivation_slot;
                    if slot <= newest && !recent.contains(&slot) {
                        close.push((month, index, address));
                    }
                }
            }
        }
        for chunk in deactivate.chunks(RECLAIM_PER_TX) {
            let ixs: Vec<Instruction> =
                chunk.iter().map(|(_, _, a)| deactivate_lookup_table(*a, authority)).collect();
            self.submit_until_landed("deactivate lookup tables", &ixs).await?;
            for (month, index, _) in chunk {
                store::set_table_state(self.db, *month, *index, "deactivated").await?;
            }
        }
        for chunk in close.chunks(RECLAIM_PER_TX) {
            let ixs: Vec<Instruction> = chunk
                .iter()
                .map(|(_, _, a)| close_lookup_table(*a, authority, authority))
                .collect();
            self.submit_until_landed("close lookup tables", &ixs).await?;
            for (month, index, _) in chunk {
                store::set_table_state(self.db, *month, *index, "closed").await?;
            }
            self.summary.lookup_tables_closed += chunk.len();
        }
        Ok(close.len())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn extension_chunks_fit_one_packet() {
        let with_create = max_extend_addresses(true, false);
        let alone = max_extend_addresses(false, false);
        assert!(with_create >= 20 && alone >= with_create, "{with_create} / {alone}");
        // Room for a priority fee's price instruction costs at most two addresses.
        let priced = max_extend_addresses(true, true);
        assert!(priced < with_create && priced + 2 >= with_create, "{priced} / {with_create}");
    }

    #[test]
    fn slot_hashes_are_read_newest_first() {
        let mut data = 3u64.to_le_bytes().to_vec();
        for slot in [9u64, 8, 7] {
            data.extend_from_slice(&slot.to_le_bytes());
            data.extend_from_slice(&[0; 32]);
        }
        assert_eq!(slot_hashes(&data), vec![9, 8, 7]);
        assert_eq!(slot_hashes(&[]), Vec::<u64>::new());
    }
}
