//! The embedded local ledger: the program-test bank of `stk-harness`, in this process, with all
//! five programs (native) and the real SPL programs. Used by the demo and the tests.
//!
//! It produces no blocks on its own, so "block height" is its slot, a blockhash is valid for
//! [`VALID_SLOTS`] slots after it was handed out, and [`ChainBackend::wait`] warps the slot
//! forward. Transactions are processed synchronously inside `send`; their outcome is kept for
//! `signature_status`, like a node's status cache.
//!
//! Like a node it can simulate each transaction before processing it ([`EmbeddedBackend::
//! with_preflight`]: a program's refusal is returned as [`ChainError::RefusedAtPreflight`] and
//! nothing lands), and it reports recent prioritization fees as configured
//! ([`EmbeddedBackend::with_priority_fees`]: there is no fee market in one process). Late
//! deliveries and injected refusals are [`super::faults`].
use super::{
    priority::PriorityFeePolicy, AccountSummary, ChainBackend, ChainError, RecentBlockhash,
    SignatureStatus,
};
use anchor_lang::prelude::{Clock, Pubkey};
use solana_keypair::Keypair;
use solana_signature::Signature;
use solana_transaction::versioned::VersionedTransaction;
use std::collections::HashMap;
use stk_harness::{Ledger, TxFailure};

/// How many slots a blockhash stays usable (mainnet: 150 blocks).
pub const VALID_SLOTS: u64 = 150;
/// How far one `wait` moves the slot.
pub const WAIT_SLOTS: u64 = 20;

pub struct EmbeddedBackend {
    pub ledger: Ledger,
    /// The distributor key: the ledger's payer unless [`EmbeddedBackend::with_payer`] names
    /// another (the treasury refuses an admin that is also the distributor, and the ledger's
    /// payer is the harness's admin).
    payer: Option<Keypair>,
    statuses: HashMap<Signature, SignatureStatus>,
    /// Simulate before processing, as a node does unless `skipPreflight`.
    preflight: bool,
    priority_fee: PriorityFeePolicy,
    /// What `getRecentPrioritizationFees` answers, whatever the accounts.
    recent_fees: Vec<u64>,
}

impl EmbeddedBackend {
    pub fn new(ledger: Ledger) -> Self {
        EmbeddedBackend {
            ledger,
            payer: None,
            statuses: HashMap::new(),
            preflight: false,
            priority_fee: PriorityFeePolicy::OFF,
            recent_fees: vec![],
        }
    }

    /// A backend that signs and pays with `payer` (funded by the caller).
    pub fn with_payer(ledger: Ledger, payer: Keypair) -> Self {
        EmbeddedBackend { payer: Some(payer), ..Self::new(ledger) }
    }

    /// Prices transactions by `policy`, the node reporting `recent` as the recent
    /// prioritization fees of any accounts.
    pub fn with_priority_fees(mut self, policy: PriorityFeePolicy, recent: Vec<u64>) -> Self {
        self.priority_fee = policy;
        self.recent_fees = recent;
        self
    }

    /// Simulates every transaction first, like a node's preflight: a transaction a program
    /// refuses is not processed (no fee, no status) and `send` returns the refusal.
    pub fn with_preflight(mut self, preflight: bool) -> Self {
        self.preflight = preflight;
        self
    }

    /// Signs and pays from now on with `payer` (`None`: the ledger's payer); returns the key
    /// it replaces. For tests of commands another key signs (a member, a council member).
    pub fn sign_as(&mut self, payer: Option<Keypair>) -> Option<Keypair> {
        std::mem::replace(&mut self.payer, payer)
    }

    /// The ledger back, e.g. to start a "new process" on the same chain.
    pub fn into_parts(self) -> (Ledger, Option<Keypair>) {
        (self.ledger, self.payer)
    }

    async fn slot(&mut self) -> Result<u64, ChainError> {
        let clock: Clock = self
            .ledger
            .ctx
            .banks_client
            .get_sysvar()
            .await
            .map_err(|e| ChainError::Transport(e.to_string()))?;
        Ok(clock.slot)
    }
}

/// A failed simulation as a node reports it: a program's refusal with its code, or another
/// refusal (an unknown blockhash, insufficient funds for the fee).
pub fn preflight_refusal(error: solana_transaction_error::TransactionError) -> ChainError {
    use solana_transaction_error::TransactionError;
    let message = format!("Transaction simulation failed: {error}");
    match error {
        TransactionError::InstructionError(_, e) => ChainError::RefusedAtPreflight {
            error: message,
            custom_code: match e {
                solana_instruction::error::InstructionError::Custom(code) => Some(code),
                _ => None,
            },
        },
        _ => ChainError::Rejected(message),
    }
}

fn failure_status(failure: &TxFailure) -> SignatureStatus {
    SignatureStatus::Failed { error: failure.to_string(), custom_code: failure.custom_code() }
}

impl ChainBackend for EmbeddedBackend {
    fn payer(&self) -> &Keypair {
        self.payer.as_ref().unwrap_or(&self.ledger.ctx.payer)
    }

    /// The bank runs the real address-lookup-table program.
    fn supports_lookup_tables(&self) -> bool {
        true
    }

    async fn latest_blockhash(&mut self) -> Result<RecentBlockhash, ChainError> {
        // A fresh blockhash per transaction (so a re-signed transaction never repeats an old
        // signature). The bank registers one every simulated slot (64 ticks of 100 µs);
        // program-test's own helper polls every 200 ms, which would dominate large payouts.
        let client = &mut self.ledger.ctx.banks_client;
        let mut blockhash = client.get_latest_blockhash().await;
        for _ in 0..1_000 {
            match &blockhash {
                Ok(h) if *h != self.ledger.ctx.last_blockhash => break,
                Err(_) => break,
                Ok(_) => {}
            }
            tokio::time::sleep(std::time::Duration::from_millis(2)).await;
            blockhash = client.get_latest_blockhash().await;
        }
        let blockhash = blockhash.map_err(|e| ChainError::Transport(e.to_string()))?;
        self.ledger.ctx.last_blockhash = blockhash;
        let slot = self.slot().await?;
        Ok(RecentBlockhash { blockhash, last_valid_block_height: slot + VALID_SLOTS })
    }

    async fn block_height(&mut self) -> Result<u64, ChainError> {
        self.slot().await
    }

    fn priority_fee(&self) -> PriorityFeePolicy {
        self.priority_fee
    }

    async fn recent_prioritization_fees(
        &mut self,
        _accounts: &[Pubkey],
    ) -> Result<Vec<u64>, ChainError> {
        Ok(self.recent_fees.clone())
    }

    async fn send(&mut self, tx: &VersionedTransaction) -> Result<(), ChainError> {
        let signature = tx.signatures[0];
        if self.statuses.contains_key(&signature) {
            return Ok(()); // a node ignores a duplicate of a processed transaction
        }
        if self.preflight {
            let simulated = self
                .ledger
                .ctx
                .banks_client
                .simulate_transaction(tx.clone())
                .await
                .map_err(|e| ChainError::Transport(e.to_string()))?;
            match simulated.result {
                Some(Err(error)) => return Err(preflight_refusal(error)),
                Some(Ok(())) | None => {}
            }
        }
        let status = match self.ledger.send_versioned(tx.clone()).await {
            Ok(_) => SignatureStatus::Succeeded,
            // A cluster drops a transaction whose blockhash it no longer knows: it never lands
            // and has no status (a late delivery can meet this).
            Err(failure)
                if failure.error
                    == solana_transaction_error::TransactionError::BlockhashNotFound =>
            {
                return Ok(());
            }
            Err(failure) => failure_status(&failure),
        };
        self.statuses.insert(signature, status);
        Ok(())
    }

    async fn signature_status(
        &mut self,
        signature: &Signature,
    ) -> Result<SignatureStatus, ChainError> {
        Ok(self.statuses.get(signature).cloned().unwrap_or(SignatureStatus::Unknown))
    }

    async fn account_data(&mut self, address: &Pubkey) -> Result<Option<Vec<u8>>, ChainError> {
        Ok(self.ledger.account(address).await.map(|a| a.data))
    }

    async fn accounts(
        &mut self,
        addresses: &[Pubkey],
    ) -> Result<Vec<Option<AccountSummary>>, ChainError> {
        let mut out = Vec::with_capacity(addresses.len());
        for address in addresses {
            out.push(self.ledger.account(address).await.map(|a| AccountSummary {
                owner: a.owner,
                executable: a.executable,
                lamports: a.lamports,
                data: a.data,
            }));
        }
        Ok(out)
    }

    async fn balance(&mut self, address: &Pubkey) -> Result<u64, ChainError> {
        Ok(self.ledger.lamports(address).await)
    }

    async fn wait(&mut self) {
        if let Ok(slot) = self.slot().await {
            let _ = self.ledger.ctx.warp_to_slot(slot + WAIT_SLOTS);
        }
    }

    /// The ledger remembers when each address was last named by a processed transaction.
    async fn last_seen(&mut self, address: &Pubkey) -> Result<super::LastSeen, ChainError> {
        Ok(match self.ledger.last_named(address) {
            Some(at) => super::LastSeen::At(at),
            None => super::LastSeen::Never,
        })
    }

    /// The bank cannot be scanned through program-test; every account beyond genesis was
    /// named by a transaction, which the ledger remembers, so those are checked instead.
    async fn program_accounts(
        &mut self,
        program: &Pubkey,
        filters: &[(usize, Vec<u8>)],
    ) -> Result<Option<Vec<(Pubkey, Vec<u8>)>>, ChainError> {
        let mut found = vec![];
        for address in self.ledger.seen_accounts() {
            let Some(account) = self.ledger.account(&address).await else { continue };
            if account.owner == *program && super::matches_filters(&account.data, filters) {
                found.push((address, account.data));
            }
        }
        Ok(Some(found))
    }
}

/// One embedded ledger shared by several engines in this process (tests of engines racing for
/// the same month). Every call takes the ledger for its duration only, so two engines'
/// transactions interleave as two processes' would on a cluster.
#[derive(Clone)]
pub struct SharedBackend {
    inner: std::sync::Arc<tokio::sync::Mutex<EmbeddedBackend>>,
    payer: std::sync::Arc<Keypair>,
    priority_fee: PriorityFeePolicy,
}

impl SharedBackend {
    pub fn new(backend: EmbeddedBackend) -> Self {
        let payer = std::sync::Arc::new(backend.payer().insecure_clone());
        let priority_fee = backend.priority_fee;
        SharedBackend {
            inner: std::sync::Arc::new(tokio::sync::Mutex::new(backend)),
            payer,
            priority_fee,
        }
    }

    /// The shared backend, for checks after the race.
    pub fn lock(
        &self,
    ) -> impl std::future::Future<Output = tokio::sync::MutexGuard<'_, EmbeddedBackend>> {
        self.inner.lock()
    }
}

impl ChainBackend for SharedBackend {
    fn payer(&self) -> &Keypair {
        &self.payer
    }
    fn supports_lookup_tables(&self) -> bool {
        true
    }
    fn priority_fee(&self) -> PriorityFeePolicy {
        self.priority_fee
    }
    async fn recent_prioritization_fees(
        &mut self,
        accounts: &[Pubkey],
    ) -> Result<Vec<u64>, ChainError> {
        self.inner.lock().await.recent_prioritization_fees(accounts).await
    }
    async fn latest_blockhash(&mut self) -> Result<RecentBlockhash, ChainError> {
        self.inner.lock().await.latest_blockhash().await
    }
    async fn block_height(&mut self) -> Result<u64, ChainError> {
        self.inner.lock().await.block_height().await
    }
    async fn send(&mut self, tx: &VersionedTransaction) -> Result<(), ChainError> {
        self.inner.lock().await.send(tx).await
    }
    async fn signature_status(
        &mut self,
        signature: &Signature,
    ) -> Result<SignatureStatus, ChainError> {
        self.inner.lock().await.signature_status(signature).await
    }
    async fn account_data(&mut self, address: &Pubkey) -> Result<Option<Vec<u8>>, ChainError> {
        self.inner.lock().await.account_data(address).await
    }
    async fn accounts(
        &mut self,
        addresses: &[Pubkey],
    ) -> Result<Vec<Option<AccountSummary>>, ChainError> {
        self.inner.lock().await.accounts(addresses).await
    }
    async fn balance(&mut self, address: &Pubkey) -> Result<u64, ChainError> {
        self.inner.lock().await.balance(address).await
    }
    async fn wait(&mut self) {
        self.inner.lock().await.wait().await;
        // Let the other engine run between two waits, as a sleeping process would.
        tokio::task::yield_now().await;
    }
}
