//! Address lookup tables kept across months: extended with newcomers, retired when no
//! recipient uses them any more, crash-safe.
//!
//! A table holds at most 256 addresses: the month-independent accounts of `distribute_batch`
//! ([`limits::table_fixed_accounts`]), then recipients' token
//! accounts in the order they first needed one. Members' token accounts rarely change, so a
//! month only appends the accounts no live table holds yet (to the newest table with room,
//! then to new tables) — a steady month sends no table transaction at all. The month's own
//! accounts (epoch, plan page) are named in its transactions. A batch uses the tables of its
//! recipients (usually one or two; [`limits::MAX_TABLES_PER_BATCH`] are budgeted).
//!
//! Crash safety, per table (the same write-ahead rule as batches):
//! * the entries a table is to hold are recorded in `lookup_table_entries` before any
//!   transaction carries them, so the chain always holds a prefix of the record;
//! * the table's address (derived from the distributor key and a `recent_slot` taken from the
//!   SlotHashes sysvar) and the create transaction's signature and expiry are recorded
//!   *before* it is sent;
//! * a recorded transaction that may still land is waited for (until its blockhash expires),
//!   never doubled — an `ExtendLookupTable` is not idempotent;
//! * then the table is read on-chain, which is the final word: missing (the create can no
//!   longer land) → create again at a new address, replacing the record, at most
//!   `max_attempts` times; present → it must hold a prefix of the recorded entries, and only
//!   the missing rest is appended.
//!
//! Table maintenance runs under one advisory lock (`stk-lookup-tables`), since tables are
//! shared by every month. A table none of whose entries is a recipient of an unfinished plan
//! or of the latest plan is retired after a month closes: deactivated, then closed (rent back
//! to the distributor) once the deactivation has left the SlotHashes window.
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
    state::{AddressLookupTable, LookupTableMeta, LOOKUP_TABLE_MAX_ADDRESSES},
};
use solana_hash::Hash;
use solana_keypair::Keypair;
use solana_message::AddressLookupTableAccount;
use solana_signer::Signer;
use sqlx::{Connection, PgConnection, PgPool};
use std::collections::{HashMap, HashSet};
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

/// Where `missing` accounts go: appended to the newest table while it has room, then to new
/// tables that start with `fixed`. Returns `(table position in tables or None for a new one,
/// first position, entries)`. Pure: the plan of appends the engine records before sending.
pub fn assign_entries(
    tables: &[Vec<Pubkey>],
    fixed: &[Pubkey],
    missing: &[Pubkey],
) -> Vec<(Option<usize>, usize, Vec<Pubkey>)> {
    let mut out = vec![];
    let mut rest = missing;
    if let Some((last, entries)) = tables.iter().enumerate().last() {
        let room = LOOKUP_TABLE_MAX_ADDRESSES.saturating_sub(entries.len()).min(rest.len());
        if room > 0 {
            out.push((Some(last), entries.len(), rest[..room].to_vec()));
            rest = &rest[room..];
        }
    }
    let per_table = LOOKUP_TABLE_MAX_ADDRESSES - fixed.len();
    for chunk in rest.chunks(per_table) {
        let mut entries = fixed.to_vec();
        entries.extend_from_slice(chunk);
        out.push((None, 0, entries));
    }
    out
}

/// The kept tables in force for a month's payout, and the table of each account.
#[derive(Debug, Clone, Default)]
pub struct TableSet {
    tables: Vec<AddressLookupTableAccount>,
    table_of: HashMap<Pubkey, usize>,
}

impl TableSet {
    pub fn new(tables: Vec<AddressLookupTableAccount>) -> TableSet {
        let fixed: HashSet<Pubkey> = limits::table_fixed_accounts().into_iter().collect();
        let mut table_of = HashMap::new();
        for (i, t) in tables.iter().enumerate() {
            for a in t.addresses.iter().filter(|a| !fixed.contains(a)) {
                table_of.entry(*a).or_insert(i);
            }
        }
        TableSet { tables, table_of }
    }

    /// The tables holding `accounts`, in table order (each table also resolves the fixed
    /// accounts). Accounts in no table are named in the transaction.
    pub fn for_accounts<'a>(
        &self,
        accounts: impl IntoIterator<Item = &'a Pubkey>,
    ) -> Vec<AddressLookupTableAccount> {
        let mut used: Vec<usize> =
            accounts.into_iter().filter_map(|a| self.table_of.get(a).copied()).collect();
        used.sort_unstable();
        used.dedup();
        if used.is_empty() && !self.tables.is_empty() {
            used.push(0);
        }
        used.into_iter().map(|i| self.tables[i].clone()).collect()
    }
}

/// The advisory lock of table maintenance (tables are shared by every month), on a connection
/// of its own so a dead process releases it.
struct TablesLock(PgConnection);

impl TablesLock {
    async fn acquire(db: &PgPool) -> Result<TablesLock, StoreError> {
        let mut conn = db.acquire().await?.detach();
        sqlx::query("SELECT pg_advisory_lock(hashtext('stk-lookup-tables'))")
            .execute(&mut conn)
            .await?;
        Ok(TablesLock(conn))
    }

    async fn release(mut self) {
        let _ = sqlx::query("SELECT pg_advisory_unlock(hashtext('stk-lookup-tables'))")
            .execute(&mut self.0)
            .await;
        let _ = self.0.close().await;
    }
}

impl<B: ChainBackend> PayoutEngine<'_, B> {
    /// Makes every recipient of the plan's unpaid batches resolvable through a kept table:
    /// records the missing ones as new entries, creates and extends what the chain lacks,
    /// waits until the addresses are usable, and returns the live tables.
    pub(crate) async fn ensure_lookup_tables(
        &mut self,
        plan: &StoredPlan,
    ) -> Result<TableSet, EngineError> {
        let lock = TablesLock::acquire(self.db).await?;
        let outcome = self.ensure_lookup_tables_locked(plan).await;
        lock.release().await;
        outcome
    }

    async fn ensure_lookup_tables_locked(
        &mut self,
        plan: &StoredPlan,
    ) -> Result<TableSet, EngineError> {
        let month = plan.month;
        let mut live = store::load_live_tables(self.db).await?;
        // 1. Record where the accounts no live table holds go, before anything is sent.
        let held: HashSet<Pubkey> = live.iter().flat_map(|t| t.entries.iter().copied()).collect();
        let mut seen = HashSet::new();
        let missing: Vec<Pubkey> = plan
            .batches
            .iter()
            .filter(|b| b.state != BatchState::Confirmed)
            .flat_map(|b| b.batch.payees.iter().map(|p| p.token_account))
            .filter(|a| !held.contains(a) && seen.insert(*a))
            .collect();
        let current: Vec<Vec<Pubkey>> = live.iter().map(|t| t.entries.clone()).collect();
        for (table, from, entries) in
            assign_entries(&current, &limits::table_fixed_accounts(), &missing)
        {
            let id = table.map(|t| live[t].id);
            let id = store::append_table_entries(self.db, id, month, from, &entries).await?;
            match table {
                Some(t) => live[t].entries.extend(entries),
                None => live.push(StoredTable {
                    id,
                    address: None,
                    recent_slot: 0,
                    create_attempts: 0,
                    pending_signature: None,
                    pending_last_valid_block_height: None,
                    addresses_extended: 0,
                    state: "planned".into(),
                    entries,
                }),
            }
        }
        // 2. Bring every table that is not complete on-chain up to its record.
        let mut last_extended = None;
        for table in live.iter_mut() {
            let complete = table.state == "ready"
                && table.pending_signature.is_none()
                && table.addresses_extended == table.entries.len();
            if !complete {
                let extended_at = self.ensure_table(table).await?;
                last_extended = last_extended.max(Some(extended_at));
            }
        }
        self.crash_at(CrashPoint::AfterLookupTablesReady)?;
        let set = TableSet::new(
            live.into_iter()
                .filter_map(|t| {
                    t.address.map(|key| AddressLookupTableAccount { key, addresses: t.entries })
                })
                .collect(),
        );
        // Addresses appended in slot S resolve only from slot S + 1.
        let Some(last_extended) = last_extended else { return Ok(set) };
        for _ in 0..self.settings.max_waits {
            if self.newest_slot().await? >= last_extended {
                return Ok(set);
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

    /// A `recent_slot` whose table address is free: tables share the authority, so two
    /// tables created within one slot would collide; wait for the next slot then.
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

    /// One table brought up to its recorded entries, resumed from its record; returns its
    /// last extension slot (the record is updated in place).
    async fn ensure_table(&mut self, r: &mut StoredTable) -> Result<u64, EngineError> {
        let authority = self.backend.payer().pubkey();
        let id = r.id;
        let what = format!("lookup table {id}");
        let priced = self.backend.priority_fee().is_on();
        let create_chunk = max_extend_addresses(true, priced);
        let extend_chunk = max_extend_addresses(false, priced);
        let expected = r.entries.clone();
        let mut failures = 0;
        loop {
            // 1. A recorded transaction that may still land is waited for, never doubled.
            if let (Some(sig), Some(last_valid)) =
                (r.pending_signature.take(), r.pending_last_valid_block_height.take())
            {
                let signature: solana_signature::Signature =
                    sig.parse().map_err(|_| StoreError::Corrupt(format!("signature {sig:?}")))?;
                if let SignatureStatus::Failed { error, .. } =
                    self.await_signature(&signature, last_valid, &what).await?
                {
                    tracing::warn!(table = id, %error, "lookup table transaction failed");
                    failures += 1;
                    if failures >= self.settings.max_attempts {
                        return Err(EngineError::GaveUp { index: id, attempts: failures, error });
                    }
                }
            }
            // 2. The chain decides what is left to do.
            let onchain = match r.address {
                Some(address) => self.read_table(&address).await?.map(|t| (address, t)),
                None => None,
            };
            let Some((address, onchain)) = onchain else {
                // No table (never created, or its create can no longer land): create one.
                if r.create_attempts >= self.settings.max_attempts {
                    return Err(EngineError::GaveUp {
                        index: id,
                        attempts: r.create_attempts,
                        error: format!("{what} was never created"),
                    });
                }
                let (recent_slot, address) = self.unused_table_address(&authority).await?;
                let (create, _) = create_lookup_table(authority, authority, recent_slot);
                let first = &expected[..expected.len().min(create_chunk)];
                let extend =
                    extend_lookup_table(address, authority, Some(authority), first.to_vec());
                let (tx, last_valid) = self
                    .sign_priced(&[create, extend], None, None, None, r.create_attempts)
                    .await?;
                let signature = tx.signatures[0].to_string();
                store::record_table_create(
                    self.db,
                    id,
                    &address,
                    &authority,
                    recent_slot,
                    &signature,
                    last_valid,
                )
                .await?;
                r.address = Some(address);
                r.recent_slot = recent_slot;
                r.create_attempts += 1;
                r.pending_signature = Some(signature);
                r.pending_last_valid_block_height = Some(last_valid);
                r.state = "creating".into();
                self.crash_at(CrashPoint::BeforeLookupTableCreateSent(id))?;
                self.send(&tx, &what).await?;
                self.summary.lookup_tables_created += 1;
                self.crash_at(CrashPoint::AfterLookupTableCreateSent(id))?;
                continue;
            };
            let held = onchain.addresses.len();
            if onchain.meta.deactivation_slot != u64::MAX
                || onchain.meta.authority != Some(authority)
                || held > expected.len()
                || onchain.addresses[..] != expected[..held]
            {
                return Err(StoreError::Corrupt(format!(
                    "{what} ({address}) does not hold its recorded addresses, is deactivated or has another authority"
                ))
                .into());
            }
            if held == expected.len() {
                store::record_table_pending(self.db, id, None, held).await?;
                store::set_table_state(self.db, id, "ready", None).await?;
                r.addresses_extended = held;
                r.state = "ready".into();
                return Ok(onchain.meta.last_extended_slot);
            }
            // 3. Append only what is missing.
            let next = &expected[held..expected.len().min(held + extend_chunk)];
            let ix: Instruction =
                extend_lookup_table(address, authority, Some(authority), next.to_vec());
            let (tx, last_valid) = self.sign_priced(&[ix], None, None, None, failures).await?;
            let signature = tx.signatures[0].to_string();
            store::record_table_pending(self.db, id, Some((signature.as_str(), last_valid)), held)
                .await?;
            r.pending_signature = Some(signature);
            r.pending_last_valid_block_height = Some(last_valid);
            self.crash_at(CrashPoint::BeforeLookupTableExtendSent(id))?;
            self.send(&tx, &what).await?;
            self.summary.lookup_table_extensions += 1;
            self.crash_at(CrashPoint::AfterLookupTableExtendSent(id))?;
        }
    }

    /// Retires the tables no unfinished or latest plan uses, deactivates retiring tables,
    /// closes (rent back to the distributor) those whose deactivation has left the SlotHashes
    /// window, and records what the chain shows. Every step is idempotent and decided by the
    /// on-chain state, so a crash anywhere is harmless; tables still cooling down are closed by
    /// a later run. Returns the tables closed now.
    pub async fn reclaim_lookup_tables(&mut self) -> Result<usize, EngineError> {
        let lock = TablesLock::acquire(self.db).await?;
        let outcome = self.reclaim_lookup_tables_locked().await;
        lock.release().await;
        outcome
    }

    async fn reclaim_lookup_tables_locked(&mut self) -> Result<usize, EngineError> {
        let latest: Option<String> =
            sqlx::query_scalar("SELECT max(month) FROM payout_epochs WHERE state <> 'empty'")
                .fetch_one(self.db)
                .await
                .map_err(StoreError::Db)?;
        if let Some(latest) = latest.as_deref().and_then(MonthId::parse) {
            let in_use = store::token_accounts_in_use(self.db).await?;
            let retired = store::retire_tables_unused_by(self.db, latest, &in_use).await?;
            if retired > 0 {
                tracing::info!(retired, "lookup tables no recipient uses any more: retiring");
            }
        }
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
        for (id, address, _state) in rows {
            let lamports = self.backend.balance(&address).await?;
            match self.read_table(&address).await? {
                None => {
                    store::set_table_state(self.db, id, "closed", Some(0)).await?;
                    self.summary.lookup_tables_closed += 1;
                }
                Some(t) if t.meta.deactivation_slot == u64::MAX => {
                    deactivate.push((id, address, lamports))
                }
                Some(t) => {
                    store::set_table_state(self.db, id, "deactivated", Some(lamports)).await?;
                    // Closable once the deactivation slot is in the past and has left
                    // SlotHashes (the program's own rule; ≈512 slots on a cluster).
                    let slot = t.meta.deactivation_slot;
                    if slot <= newest && !recent.contains(&slot) {
                        close.push((id, address, lamports));
                    }
                }
            }
        }
        for chunk in deactivate.chunks(RECLAIM_PER_TX) {
            let ixs: Vec<Instruction> =
                chunk.iter().map(|(_, a, _)| deactivate_lookup_table(*a, authority)).collect();
            self.submit_until_landed("deactivate lookup tables", &ixs).await?;
            for (id, _, lamports) in chunk {
                store::set_table_state(self.db, *id, "deactivated", Some(*lamports)).await?;
            }
        }
        for chunk in close.chunks(RECLAIM_PER_TX) {
            let ixs: Vec<Instruction> = chunk
                .iter()
                .map(|(_, a, _)| close_lookup_table(*a, authority, authority))
                .collect();
            self.submit_until_landed("close lookup tables", &ixs).await?;
            for (id, _, _) in chunk {
                store::set_table_state(self.db, *id, "closed", Some(0)).await?;
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

    fn keys(n: usize) -> Vec<Pubkey> {
        (0..n).map(|_| Pubkey::new_unique()).collect()
    }

    #[test]
    fn newcomers_fill_the_newest_table_then_new_ones() {
        let fixed = keys(6);
        // No table yet: 600 accounts need three tables of 250.
        let missing = keys(600);
        let plan = assign_entries(&[], &fixed, &missing);
        assert_eq!(plan.len(), 3);
        assert!(plan.iter().all(|(t, from, _)| t.is_none() && *from == 0));
        assert_eq!(plan[0].2[..6], fixed[..]);
        assert_eq!(plan[0].2.len(), 256);
        assert_eq!(plan[2].2.len(), 6 + 100);
        let appended: Vec<Pubkey> =
            plan.iter().flat_map(|(_, _, e)| e[6..].iter().copied()).collect();
        assert_eq!(appended, missing, "every account once, in order");
        // The newest table has room for 150: filled first, then a new table.
        let mut full = fixed.clone();
        full.extend(keys(250));
        let mut partial = fixed.clone();
        partial.extend(keys(100));
        let more = keys(200);
        let plan = assign_entries(&[full, partial], &fixed, &more);
        assert_eq!(plan.len(), 2);
        assert_eq!((plan[0].0, plan[0].1, plan[0].2.len()), (Some(1), 106, 150));
        assert_eq!((plan[1].0, plan[1].1, plan[1].2.len()), (None, 0, 6 + 50));
        // Nothing missing: nothing to record.
        assert!(assign_entries(&[fixed.clone()], &fixed, &[]).is_empty());
    }

    #[test]
    fn a_batch_uses_the_tables_of_its_recipients() {
        let fixed = limits::table_fixed_accounts();
        let accounts = keys(300);
        let table = |range: std::ops::Range<usize>| {
            let mut addresses = fixed.clone();
            addresses.extend_from_slice(&accounts[range]);
            AddressLookupTableAccount { key: Pubkey::new_unique(), addresses }
        };
        let set = TableSet::new(vec![table(0..250), table(250..300)]);
        let within = set.for_accounts(&accounts[10..60]);
        assert_eq!(within.len(), 1);
        let straddling = set.for_accounts(&accounts[230..280]);
        assert_eq!(straddling.len(), 2);
        // A newcomer in no table is named in the transaction; the fixed accounts still
        // resolve through a table.
        let stranger = Pubkey::new_unique();
        assert_eq!(set.for_accounts([&stranger]).len(), 1);
        assert!(TableSet::default().for_accounts(&accounts[..3]).is_empty());
    }
}
