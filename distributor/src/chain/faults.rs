//! Fault injection for the payout engine's tests: a backend wrapper that loses responses,
//! drops transactions and hands out blockhashes that are already about to expire, and a set of
//! crash points at which the engine stops as if the process had been killed.
//!
//! This is a test double around a *real* backend (the embedded ledger): every transaction it
//! lets through is processed by the real bank and programs.
use super::{AccountSummary, ChainBackend, ChainError, RecentBlockhash, SignatureStatus};
use anchor_lang::prelude::Pubkey;
use solana_keypair::Keypair;
use solana_signature::Signature;
use solana_transaction::versioned::VersionedTransaction;
use std::collections::BTreeSet;

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
        }
    }
}

impl<B: ChainBackend> ChainBackend for FaultyBackend<B> {
    fn payer(&self) -> &Keypair {
        self.inner.payer()
    }
    fn supports_lookup_tables(&self) -> bool {
        self.inner.supports_lookup_tables()
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
        self.inner.wait().await
    }
}
