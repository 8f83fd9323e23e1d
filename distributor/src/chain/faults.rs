//! Fault injection for the payout engine's tests: a backend wrapper that loses responses,
//! drops transactions, hands out blockhashes that are already about to expire, delivers a
//! transaction late (after the engine saw its blockhash expire and re-signed, or after it gave
//! up waiting) and refuses one at preflight with a given error; and a set of crash points at
//! which the engine stops as if the process had been killed.
//!
//! This is a test double around a *real* backend (the embedded ledger): every transaction it
//! lets through is processed by the real bank and programs.
use super::{
    priority::PriorityFeePolicy, AccountSummary, ChainBackend, ChainError, RecentBlockhash,
    SignatureStatus,
};
use anchor_lang::prelude::Pubkey;
use solana_keypair::Keypair;
use solana_signature::Signature;
use solana_transaction::versioned::VersionedTransaction;
use std::collections::{BTreeMap, BTreeSet};

/// Where the engine may be "killed". Batch-scoped points carry the batch index.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum CrashPoint {
    AfterPlanLoaded,
    AfterTokenAccountsCreated,
    /// Lookup tables (by table index): after the create (or extend) transaction and the
    /// table's address are on record, before it is sent; and after it was sent.
    BeforeLookupTableCreateSent(u32),
    AfterLookupTableCreateSent(u32),
    BeforeLookupTableExtendSent(u32),
    AfterLookupTableExtendSent(u32),
    AfterLookupTablesReady,
    BeforeOpenEpochSent,
    AfterOpenEpochSent,
    /// After the n-th `write_plan_roots` transaction of the plan landed.
    AfterPlanRootsWritten(u32),
    /// After the admin's `approve_epoch` landed (engine-signed approvals only).
    AfterApproval,
    AfterBatchRecordedBeforeSend(u32),
    AfterBatchSent(u32),
    AfterBatchLandedBeforeRecorded(u32),
    AfterBatchConfirmed(u32),
    BeforeCloseEpochSent,
    AfterCloseEpochSent,
}

/// The crash points armed for one run; each fires once.
#[derive(Debug, Default, Clone)]
pub struct CrashPlan {
    armed: BTreeSet<CrashPoint>,
}

impl CrashPlan {
    pub fn none() -> Self {
        Self::default()
    }
    pub fn at(point: CrashPoint) -> Self {
        let mut armed = BTreeSet::new();
        armed.insert(point);
        CrashPlan { armed }
    }
    /// `Err(point)` if `point` is armed (and disarms it).
    pub fn check(&mut self, point: CrashPoint) -> Result<(), CrashPoint> {
        if self.armed.remove(&point) {
            Err(point)
        } else {
            Ok(())
        }
    }
}

/// Backend faults, each applied to the n-th call of its kind (0-based), once.
#[derive(Debug, Default, Clone)]
pub struct BackendFaults {
    /// The transaction is processed, but `send` reports a transport error.
    pub lose_send_response: BTreeSet<usize>,
    /// `send` reports success but the transaction never reaches the ledger.
    pub drop_transaction: BTreeSet<usize>,
    /// `latest_blockhash` returns a blockhash whose validity already ended.
    pub expired_blockhash: BTreeSet<usize>,
    /// `send` reports success but the ledger gets the transaction only later (its status is
    /// unknown until then): the engine's view of its expiry ends before the bank's, as with a
    /// node that lags or a transaction stuck in a leader's queue.
    pub deliver_late: BTreeMap<usize, LateDelivery>,
    /// `send` is refused with this error, as a node's preflight would refuse it; nothing is
    /// processed (e.g. [`ChainError::RefusedAtPreflight`] with a program's code).
    pub refuse_at_preflight: BTreeMap<usize, ChainError>,
}

/// When a transaction held by [`BackendFaults::deliver_late`] reaches the ledger.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LateDelivery {
    /// Just before the next transaction sent is processed — typically the engine's re-signed
    /// replacement, sent once the held one's blockhash expired in the engine's view.
    BeforeNextSend,
    /// After this many more `wait`s — e.g. after the engine gave up waiting for it, while a
    /// later run waits for something else.
    AfterWaits(usize),
}

/// A held transaction and the waits left before it lands (`None`: at the next send).
struct Held {
    tx: VersionedTransaction,
    waits_left: Option<usize>,
}

pub struct FaultyBackend<B> {
    pub inner: B,
    pub faults: BackendFaults,
    sends: usize,
    blockhashes: usize,
    /// Signatures that were "dropped": they must never be reported as landed.
    pub dropped: Vec<Signature>,
    /// Blockhashes handed out as already expired: transactions using them never land.
    expired: Vec<solana_hash::Hash>,
    /// Called with every transaction handed to `send` (tests check the limits with it).
    pub inspect: Option<fn(&VersionedTransaction)>,
    held: Vec<Held>,
    /// Each late-delivered transaction and what became of it when it reached the ledger.
    pub landed_late: Vec<(Signature, SignatureStatus)>,
    /// Transactions refused at preflight by injection.
    pub refused: Vec<Signature>,
}

impl<B> FaultyBackend<B> {
    pub fn new(inner: B, faults: BackendFaults) -> Self {
        FaultyBackend {
            inner,
            faults,
            sends: 0,
            blockhashes: 0,
            dropped: vec![],
            expired: vec![],
            inspect: None,
            held: vec![],
            landed_late: vec![],
            refused: vec![],
        }
    }

    /// Transactions still held (not delivered yet).
    pub fn held(&self) -> usize {
        self.held.len()
    }
}

impl<B: ChainBackend> FaultyBackend<B> {
    /// Delivers the held transactions `due` says are due, in the order they were sent.
    async fn deliver(&mut self, due: impl Fn(&Held) -> bool) -> Result<(), ChainError> {
        let (now, later): (Vec<Held>, Vec<Held>) =
            std::mem::take(&mut self.held).into_iter().partition(|h| due(h));
        self.held = later;
        for held in now {
            let signature = held.tx.signatures[0];
            self.inner.send(&held.tx).await?;
            let status = self.inner.signature_status(&signature).await?;
            tracing::info!(%signature, ?status, "injected: late delivery reached the ledger");
            self.landed_late.push((signature, status));
        }
        Ok(())
    }
}

impl<B: ChainBackend> ChainBackend for FaultyBackend<B> {
    fn payer(&self) -> &Keypair {
        self.inner.payer()
    }
    fn supports_lookup_tables(&self) -> bool {
        self.inner.supports_lookup_tables()
    }
    fn priority_fee(&self) -> PriorityFeePolicy {
        self.inner.priority_fee()
    }
    async fn recent_prioritization_fees(
        &mut self,
        accounts: &[Pubkey],
    ) -> Result<Vec<u64>, ChainError> {
        self.inner.recent_prioritization_fees(accounts).await
    }
    async fn latest_blockhash(&mut self) -> Result<RecentBlockhash, ChainError> {
        let n = self.blockhashes;
        self.blockhashes += 1;
        let mut recent = self.inner.latest_blockhash().await?;
        if self.faults.expired_blockhash.remove(&n) {
            // Pretend the node handed out a blockhash whose window has just closed: the engine
            // must notice by block height and re-sign instead of waiting forever.
            let height = self.inner.block_height().await?;
            recent.last_valid_block_height = height.saturating_sub(1);
            self.expired.push(recent.blockhash);
        }
        Ok(recent)
    }
    async fn block_height(&mut self) -> Result<u64, ChainError> {
        self.inner.block_height().await
    }
    async fn send(&mut self, tx: &VersionedTransaction) -> Result<(), ChainError> {
        if let Some(inspect) = self.inspect {
            inspect(tx);
        }
        let n = self.sends;
        self.sends += 1;
        self.deliver(|h| h.waits_left.is_none()).await?;
        if let Some(error) = self.faults.refuse_at_preflight.remove(&n) {
            self.refused.push(tx.signatures[0]);
            return Err(error);
        }
        if let Some(late) = self.faults.deliver_late.remove(&n) {
            let waits_left = match late {
                LateDelivery::BeforeNextSend => None,
                LateDelivery::AfterWaits(w) => Some(w),
            };
            self.held.push(Held { tx: tx.clone(), waits_left });
            return Ok(());
        }
        let expired = self.expired.contains(tx.message.recent_blockhash());
        if self.faults.drop_transaction.remove(&n) || expired {
            self.dropped.push(tx.signatures[0]);
            return Ok(());
        }
        self.inner.send(tx).await?;
        if self.faults.lose_send_response.remove(&n) {
            return Err(ChainError::Transport("injected: response lost after delivery".into()));
        }
        Ok(())
    }
    async fn signature_status(
        &mut self,
        signature: &Signature,
    ) -> Result<SignatureStatus, ChainError> {
        self.inner.signature_status(signature).await
    }
    async fn account_data(&mut self, address: &Pubkey) -> Result<Option<Vec<u8>>, ChainError> {
        self.inner.account_data(address).await
    }
    async fn accounts(
        &mut self,
        addresses: &[Pubkey],
    ) -> Result<Vec<Option<AccountSummary>>, ChainError> {
        self.inner.accounts(addresses).await
    }
    async fn balance(&mut self, address: &Pubkey) -> Result<u64, ChainError> {
        self.inner.balance(address).await
    }
    async fn wait(&mut self) {
        self.inner.wait().await;
        for held in &mut self.held {
            if let Some(w) = held.waits_left.as_mut() {
                *w = w.saturating_sub(1);
            }
        }
        if let Err(error) = self.deliver(|h| h.waits_left == Some(0)).await {
            tracing::warn!(%error, "injected late delivery could not be handed to the ledger");
        }
    }
}
