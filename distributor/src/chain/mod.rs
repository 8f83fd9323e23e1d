//! Chain backends behind one trait: the payout engine does not know whether it talks to a
//! cluster over JSON-RPC or to the embedded ledger in this process.
//!
//! The contract is deliberately small — latest blockhash with its last valid block height,
//! current block height, fire-and-forget send, signature status, account data — because the
//! engine's safety does not rest on the backend: it rests on the treasury's on-chain batch
//! bitmap (a paid batch can never be paid again) and on write-ahead records in Postgres.
use anchor_lang::prelude::Pubkey;
use solana_hash::Hash;
use solana_keypair::Keypair;
use solana_signature::Signature;
use solana_transaction::versioned::VersionedTransaction;

#[cfg(feature = "embedded")]
pub mod embedded;
pub mod faults;
pub mod priority;
pub mod recording;
pub mod rpc;

/// A blockhash and the last block height at which a transaction using it can land.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RecentBlockhash {
    pub blockhash: Hash,
    pub last_valid_block_height: u64,
}

/// What the chain says about a signature.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SignatureStatus {
    /// Not seen (yet, or ever).
    Unknown,
    /// Landed and succeeded at the backend's commitment.
    Succeeded,
    /// Landed and failed; the transaction error rendered, with the custom code if any.
    Failed { error: String, custom_code: Option<u32> },
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ChainError {
    /// The request may or may not have reached the chain (timeouts, connection resets), or the
    /// node is behind (its state is older than a read already made: `minContextSlot` not
    /// reached, node unhealthy). Retried; never a reason to give anything up.
    #[error("transport error (outcome unknown): {0}")]
    Transport(String),
    /// The node answered with an error (bad request, an expired blockhash at simulation, rate
    /// limit).
    #[error("node refused the request: {0}")]
    Rejected(String),
    /// The node simulated the transaction before forwarding it (preflight) and a program
    /// refused it: nothing was forwarded, so it cannot land; it would fail the same way
    /// on-chain. `custom_code` is the program's error code, if any.
    #[error("refused at preflight by a program: {error}")]
    RefusedAtPreflight { error: String, custom_code: Option<u32> },
}

/// What the engine needs to know about an account to decide whether it can receive a payout.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccountSummary {
    pub owner: Pubkey,
    pub executable: bool,
    pub lamports: u64,
    pub data: Vec<u8>,
}

/// The most accounts one `getMultipleAccounts` call may name.
pub const MAX_MULTIPLE_ACCOUNTS: usize = 100;

/// One chain connection, with the key that pays fees and signs as the distributor.
#[allow(async_fn_in_trait)]
pub trait ChainBackend {
    /// The fee payer, also the treasury's distributor authority.
    fn payer(&self) -> &Keypair;
    /// Whether the backend can create and use address lookup tables.
    fn supports_lookup_tables(&self) -> bool {
        false
    }
    /// How the transactions sent through this backend are priced ([`priority`]); off unless
    /// configured.
    fn priority_fee(&self) -> priority::PriorityFeePolicy {
        priority::PriorityFeePolicy::OFF
    }
    /// The node's recent prioritization fees (micro-lamports per compute unit, one per recent
    /// slot) for transactions writing any of `accounts` (`getRecentPrioritizationFees`, at
    /// most [`priority::MAX_FEE_ACCOUNTS`]); empty when the backend has none.
    async fn recent_prioritization_fees(
        &mut self,
        _accounts: &[Pubkey],
    ) -> Result<Vec<u64>, ChainError> {
        Ok(vec![])
    }
    async fn latest_blockhash(&mut self) -> Result<RecentBlockhash, ChainError>;
    async fn block_height(&mut self) -> Result<u64, ChainError>;
    /// Submits without waiting. `Ok` means handed over, not landed.
    async fn send(&mut self, tx: &VersionedTransaction) -> Result<(), ChainError>;
    async fn signature_status(
        &mut self,
        signature: &Signature,
    ) -> Result<SignatureStatus, ChainError>;
    async fn account_data(&mut self, address: &Pubkey) -> Result<Option<Vec<u8>>, ChainError>;
    /// Up to [`MAX_MULTIPLE_ACCOUNTS`] accounts in one read, in the order asked (`None`: no
    /// such account).
    async fn accounts(
        &mut self,
        addresses: &[Pubkey],
    ) -> Result<Vec<Option<AccountSummary>>, ChainError>;
    /// Lamports held by `address` (0 if it does not exist).
    async fn balance(&mut self, address: &Pubkey) -> Result<u64, ChainError>;
    /// Lets time pass while waiting for confirmations (a sleep on a cluster; the embedded
    /// ledger, which produces no blocks on its own, advances its slot instead).
    async fn wait(&mut self);
    /// Every account owned by `program` whose data holds each `(offset, bytes)` of `filters`
    /// (`getProgramAccounts` with memcmp filters), with its data; `None` when the backend
    /// cannot enumerate accounts. For the operator tools (fee harvest, pool statistics).
    async fn program_accounts(
        &mut self,
        _program: &Pubkey,
        _filters: &[(usize, Vec<u8>)],
    ) -> Result<Option<Vec<(Pubkey, Vec<u8>)>>, ChainError> {
        Ok(None)
    }
    /// The latest transaction naming `address` (`getSignaturesForAddress`, limit 1), for the
    /// operator's dormancy candidates.
    async fn last_seen(&mut self, _address: &Pubkey) -> Result<LastSeen, ChainError> {
        Ok(LastSeen::Unknown)
    }
}

/// When an address last appeared in a transaction (for dormancy: a wallet's owner is alive
/// while its wallet transacts).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LastSeen {
    /// The backend cannot tell.
    Unknown,
    /// No transaction ever named it (as far as the node keeps history).
    Never,
    /// Unix seconds of the latest transaction naming it.
    At(i64),
}

/// Whether `data` holds `bytes` at `offset` for every filter (a node's memcmp filters).
pub fn matches_filters(data: &[u8], filters: &[(usize, Vec<u8>)]) -> bool {
    filters.iter().all(|(offset, bytes)| {
        offset.checked_add(bytes.len()).and_then(|end| data.get(*offset..end))
            == Some(bytes.as_slice())
    })
}
