//! A backend wrapper that counts the calls made through it (one per node request on the
//! JSON-RPC backend: an `accounts` call of at most [`super::MAX_MULTIPLE_ACCOUNTS`] addresses
//! is one `getMultipleAccounts`) and keeps every transaction sent and every recent-fee query,
//! for tests and benches that assert how the distributor talks to a node.
use super::{
    priority::PriorityFeePolicy, AccountSummary, ChainBackend, ChainError, RecentBlockhash,
    SignatureStatus,
};
use anchor_lang::prelude::Pubkey;
use solana_keypair::Keypair;
use solana_signature::Signature;
use solana_transaction::versioned::VersionedTransaction;

/// Calls made, by kind.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct CallCounts {
    /// `accounts` calls (`getMultipleAccounts`).
    pub multiple_accounts: usize,
    /// Addresses those calls named, and the most one call named.
    pub accounts_read: usize,
    pub largest_read: usize,
    /// `account_data` calls (one account each).
    pub single_accounts: usize,
    pub sends: usize,
    pub signature_statuses: usize,
    pub blockhashes: usize,
    pub fee_queries: usize,
}

pub struct RecordingBackend<B> {
    pub inner: B,
    pub counts: CallCounts,
    /// Every transaction handed to `send`, in order.
    pub sent: Vec<VersionedTransaction>,
    /// The accounts of every `recent_prioritization_fees` query, in order.
    pub fee_queries: Vec<Vec<Pubkey>>,
}

impl<B> RecordingBackend<B> {
    pub fn new(inner: B) -> Self {
        RecordingBackend { inner, counts: CallCounts::default(), sent: vec![], fee_queries: vec![] }
    }

    /// The counts so far, and zeroes them (to count one pass at a time).
    pub fn take_counts(&mut self) -> CallCounts {
        std::mem::take(&mut self.counts)
    }
}

impl<B: ChainBackend> ChainBackend for RecordingBackend<B> {
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
        self.counts.fee_queries += 1;
        self.fee_queries.push(accounts.to_vec());
        self.inner.recent_prioritization_fees(accounts).await
    }
    async fn latest_blockhash(&mut self) -> Result<RecentBlockhash, ChainError> {
        self.counts.blockhashes += 1;
        self.inner.latest_blockhash().await
    }
    async fn block_height(&mut self) -> Result<u64, ChainError> {
        self.inner.block_height().await
    }
    async fn send(&mut self, tx: &VersionedTransaction) -> Result<(), ChainError> {
        self.counts.sends += 1;
        self.sent.push(tx.clone());
        self.inner.send(tx).await
    }
    async fn signature_status(
        &mut self,
        signature: &Signature,
    ) -> Result<SignatureStatus, ChainError> {
        self.counts.signature_statuses += 1;
        self.inner.signature_status(signature).await
    }
    async fn account_data(&mut self, address: &Pubkey) -> Result<Option<Vec<u8>>, ChainError> {
        self.counts.single_accounts += 1;
        self.inner.account_data(address).await
    }
    async fn accounts(
        &mut self,
        addresses: &[Pubkey],
    ) -> Result<Vec<Option<AccountSummary>>, ChainError> {
        // One node request per MAX_MULTIPLE_ACCOUNTS addresses (the RPC backend's chunks).
        self.counts.multiple_accounts += addresses.len().div_ceil(super::MAX_MULTIPLE_ACCOUNTS);
        self.counts.accounts_read += addresses.len();
        self.counts.largest_read = self.counts.largest_read.max(addresses.len());
        self.inner.accounts(addresses).await
    }
    async fn balance(&mut self, address: &Pubkey) -> Result<u64, ChainError> {
        self.inner.balance(address).await
    }
    async fn wait(&mut self) {
        self.inner.wait().await
    }
    async fn program_accounts(
        &mut self,
        program: &Pubkey,
        filters: &[(usize, Vec<u8>)],
    ) -> Result<Option<Vec<(Pubkey, Vec<u8>)>>, ChainError> {
        self.inner.program_accounts(program, filters).await
    }
}
