//! JSON-RPC backend on `solana-client`'s nonblocking client: configurable commitment, retries
//! with exponential backoff for reads, errors that say whether the outcome is unknown
//! (transport) or known (the node refused), and the priority fee from configuration or from
//! the node's recent prioritization fees.
use super::{ChainBackend, ChainError, RecentBlockhash, SignatureStatus};
use crate::redact;
use anchor_lang::prelude::Pubkey;
use solana_client::{
    client_error::{ClientError, ClientErrorKind},
    nonblocking::rpc_client::RpcClient,
    rpc_config::RpcSendTransactionConfig,
};
use solana_commitment_config::CommitmentConfig;
use solana_keypair::Keypair;
use solana_signature::Signature;
use solana_transaction::versioned::VersionedTransaction;
use std::time::Duration;

/// How the compute-unit price of payout transactions is chosen.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize, serde::Serialize)]
#[serde(rename_all = "snake_case", tag = "mode")]
pub enum PriorityFee {
    /// A fixed price in micro-lamports per compute unit.
    Fixed { micro_lamports: u64 },
    /// A percentile of the node's recent prioritization fees for the accounts written, capped.
    Recent { percentile: u8, max_micro_lamports: u64 },
}

/// `Debug` shows the URL redacted.
#[derive(Clone)]
pub struct RpcSettings {
    pub url: String,
    pub commitment: CommitmentConfig,
    /// Reads are retried this many times on transport errors, with doubling delays.
    pub read_retries: u32,
    pub initial_backoff: Duration,
    /// How long `wait` sleeps between confirmation polls.
    pub poll_interval: Duration,
    pub request_timeout: Duration,
    pub skip_preflight: bool,
}

impl std::fmt::Debug for RpcSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RpcSettings")
            .field("url", &redact::url(&self.url))
            .field("commitment", &self.commitment)
            .field("read_retries", &self.read_retries)
            .field("initial_backoff", &self.initial_backoff)
            .field("poll_interval", &self.poll_interval)
            .field("request_timeout", &self.request_timeout)
            .field("skip_preflight", &self.skip_preflight)
            .finish()
    }
}

impl Default for RpcSettings {
    fn default() -> Self {
        RpcSettings {
            url: "http://127.0.0.1:8899".into(),
            commitment: CommitmentConfig::confirmed(),
            read_retries: 5,
            initial_backoff: Duration::from_millis(250),
            poll_interval: Duration::from_millis(500),
            request_timeout: Duration::from_secs(30),
            skip_preflight: false,
        }
    }
}

pub struct RpcBackend {
    client: RpcClient,
    payer: Keypair,
    settings: RpcSettings,
}

/// Sorts a client error into "outcome unknown" and "refused". The message has every URL
/// redacted ([`crate::redact::urls_in`]): HTTP errors quote the node's URL, API key included,
/// and these messages are logged and stored in Postgres.
pub fn classify(error: &ClientError) -> ChainError {
    match error.kind() {
        ClientErrorKind::Io(_) | ClientErrorKind::Reqwest(_) | ClientErrorKind::Middleware(_) => {
            ChainError::Transport(redact::urls_in(&describe(error)))
        }
        _ => ChainError::Rejected(redact::urls_in(&error.to_string())),
    }
}

/// The error with its RPC method and causes: the HTTP client's own message names only the URL
/// ("error sending request for url (…)"), not whether the connection was refused, reset or
/// timed out.
fn describe(error: &ClientError) -> String {
    let mut text = match error.request() {
        Some(method) => format!("{method}: {error}"),
        None => error.to_string(),
    };
    let mut cause = std::error::Error::source(error.kind());
    while let Some(inner) = cause {
        let part = inner.to_string();
        if !text.contains(&part) {
            text = format!("{text}: {part}");
        }
        cause = inner.source();
    }
    text
}

impl RpcBackend {
    pub fn new(payer: Keypair, settings: RpcSettings) -> Self {
        let client = RpcClient::new_with_timeout_and_commitment(
            settings.url.clone(),
            settings.request_timeout,
            settings.commitment,
        );
        RpcBackend { client, payer, settings }
    }

    pub fn client(&self) -> &RpcClient {
        &self.client
    }

    /// The node's URL, redacted for logs ([`crate::redact::url`]).
    pub fn redacted_url(&self) -> String {
        redact::url(&self.settings.url)
    }

    /// Runs a read with retries on transport errors.
    async fn read<T, F, Fut>(&self, what: &str, call: F) -> Result<T, ChainError>
    where
        F: Fn() -> Fut,
        Fut: std::future::Future<Output = Result<T, ClientError>>,
    {
        let mut delay = self.settings.initial_backoff;
        let mut attempt = 0;
        loop {
            match call().await {
                Ok(v) => return Ok(v),
                Err(e) => match classify(&e) {
                    ChainError::Transport(msg) if attempt < self.settings.read_retries => {
                        tracing::warn!(what, attempt, error = %msg, "RPC read failed; retrying");
                        tokio::time::sleep(delay).await;
                        delay = delay.saturating_mul(2);
                        attempt += 1;
                    }
                    other => return Err(other),
                },
            }
        }
    }

    /// The compute-unit price for transactions writing `accounts`.
    pub async fn priority_fee(
        &self,
        fee: PriorityFee,
        accounts: &[Pubkey],
    ) -> Result<u64, ChainError> {
        match fee {
            PriorityFee::Fixed { micro_lamports } => Ok(micro_lamports),
            PriorityFee::Recent { percentile, max_micro_lamports } => {
                let mut fees: Vec<u64> = self
                    .read("getRecentPrioritizationFees", || {
                        self.client.get_recent_prioritization_fees(accounts)
                    })
                    .await?
                    .into_iter()
                    .map(|f| f.prioritization_fee)
                    .collect();
                Ok(percentile_of(&mut fees, percentile).min(max_micro_lamports))
            }
        }
    }
}

/// The `percentile`-th value (nearest rank) of `values`, 0 when empty.
pub fn percentile_of(values: &mut [u64], percentile: u8) -> u64 {
    if values.is_empty() {
        return 0;
    }
    values.sort_unstable();
    let rank = (percentile.min(100) as usize * values.len()).div_ceil(100).max(1);
    values[rank - 1]
}

impl ChainBackend for RpcBackend {
    fn payer(&self) -> &Keypair {
        &self.payer
    }

    fn supports_lookup_tables(&self) -> bool {
        true
    }

    async fn latest_blockhash(&mut self) -> Result<RecentBlockhash, ChainError> {
        let commitment = self.settings.commitment;
        let (blockhash, last_valid_block_height) = self
            .read("getLatestBlockhash", || {
                self.client.get_latest_blockhash_with_commitment(commitment)
            })
            .await?;
        Ok(RecentBlockhash { blockhash, last_valid_block_height })
    }

    async fn block_height(&mut self) -> Result<u64, ChainError> {
        let commitment = self.settings.commitment;
        self.read("getBlockHeight", || self.client.get_block_height_with_commitment(commitment))
            .await
    }

    async fn send(&mut self, tx: &VersionedTransaction) -> Result<(), ChainError> {
        let config = RpcSendTransactionConfig {
            skip_preflight: self.settings.skip_preflight,
            preflight_commitment: Some(self.settings.commitment.commitment),
            // The engine re-signs on expiry; the node's own rebroadcast is fine meanwhile.
            max_retries: None,
            ..RpcSendTransactionConfig::default()
        };
        self.client
            .send_transaction_with_config(tx, config)
            .await
            .map(|_| ())
            .map_err(|e| classify(&e))
    }

    async fn signature_status(
        &mut self,
        signature: &Signature,
    ) -> Result<SignatureStatus, ChainError> {
        let statuses = self
            .read("getSignatureStatuses", || {
                self.client.get_signature_statuses(std::slice::from_ref(signature))
            })
            .await?;
        Ok(match statuses.value.into_iter().next().flatten() {
            None => SignatureStatus::Unknown,
            Some(status) if !status.satisfies_commitment(self.settings.commitment) => {
                SignatureStatus::Unknown
            }
            Some(status) => match status.err {
                None => SignatureStatus::Succeeded,
                Some(err) => {
                    let custom_code = match &err {
                        solana_transaction_error::TransactionError::InstructionError(
                            _,
                            solana_instruction::error::InstructionError::Custom(code),
                        ) => Some(*code),
                        _ => None,
                    };
                    SignatureStatus::Failed { error: format!("{err:?}"), custom_code }
                }
            },
        })
    }

    async fn account_data(&mut self, address: &Pubkey) -> Result<Option<Vec<u8>>, ChainError> {
        let commitment = self.settings.commitment;
        // Not `get_account_with_commitment`: it turns every error, transport ones included,
        // into a `ForUser` message, which would read as "refused" and never be retried.
        let response = self
            .read("getMultipleAccounts", || {
                let addresses = std::slice::from_ref(address);
                self.client.get_multiple_accounts_with_commitment(addresses, commitment)
            })
            .await?;
        Ok(response.value.into_iter().next().flatten().map(|a| a.data))
    }

    async fn accounts(
        &mut self,
        addresses: &[Pubkey],
    ) -> Result<Vec<Option<super::AccountSummary>>, ChainError> {
        let commitment = self.settings.commitment;
        let mut out = Vec::with_capacity(addresses.len());
        for chunk in addresses.chunks(super::MAX_MULTIPLE_ACCOUNTS) {
            let response = self
                .read("getMultipleAccounts", || {
                    self.client.get_multiple_accounts_with_commitment(chunk, commitment)
                })
                .await?;
            out.extend(response.value.into_iter().map(|a| {
                a.map(|a| super::AccountSummary {
                    owner: a.owner,
                    executable: a.executable,
                    lamports: a.lamports,
                    data: a.data,
                })
            }));
        }
        Ok(out)
    }

    async fn balance(&mut self, address: &Pubkey) -> Result<u64, ChainError> {
        let commitment = self.settings.commitment;
        let response = self
            .read("getBalance", || self.client.get_balance_with_commitment(address, commitment))
            .await?;
        Ok(response.value)
    }

    async fn wait(&mut self) {
        tokio::time::sleep(self.settings.poll_interval).await;
    }

    /// `getSignaturesForAddress` with limit 1: the newest transaction naming `address`. A
    /// transaction without a block time counts as now (never a false "inactive").
    async fn last_seen(&mut self, address: &Pubkey) -> Result<super::LastSeen, ChainError> {
        use solana_client::rpc_client::GetConfirmedSignaturesForAddress2Config;
        let config = || GetConfirmedSignaturesForAddress2Config {
            limit: Some(1),
            commitment: Some(self.settings.commitment),
            ..Default::default()
        };
        let found = self
            .read("getSignaturesForAddress", || {
                self.client.get_signatures_for_address_with_config(address, config())
            })
            .await?;
        Ok(match found.first() {
            None => super::LastSeen::Never,
            Some(tx) => super::LastSeen::At(tx.block_time.unwrap_or(i64::MAX)),
        })
    }

    /// `getProgramAccounts` with memcmp filters, base64 encoded.
    async fn program_accounts(
        &mut self,
        program: &Pubkey,
        filters: &[(usize, Vec<u8>)],
    ) -> Result<Option<Vec<(Pubkey, Vec<u8>)>>, ChainError> {
        use solana_client::{
            rpc_config::{RpcAccountInfoConfig, RpcProgramAccountsConfig, UiAccountEncoding},
            rpc_filter::{Memcmp, RpcFilterType},
        };
        let filters = filters
            .iter()
            .map(|(offset, bytes)| {
                RpcFilterType::Memcmp(Memcmp::new_raw_bytes(*offset, bytes.clone()))
            })
            .collect();
        let config = RpcProgramAccountsConfig {
            filters: Some(filters),
            account_config: RpcAccountInfoConfig {
                encoding: Some(UiAccountEncoding::Base64),
                commitment: Some(self.settings.commitment),
                ..RpcAccountInfoConfig::default()
            },
            ..RpcProgramAccountsConfig::default()
        };
        let accounts = self
            .read("getProgramAccounts", || {
                self.client.get_program_ui_accounts_with_config(program, config.clone())
            })
            .await?;
        let mut found = Vec::with_capacity(accounts.len());
        for (address, ui) in accounts {
            let account = ui.to_account().ok_or_else(|| {
                ChainError::Rejected(format!("getProgramAccounts: {address} is not base64 data"))
            })?;
            found.push((address, account.data));
        }
        Ok(Some(found))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A node that refuses connections: the transport error quotes the URL it called, and
    /// the classified error (logged, stored in Postgres) must not carry the key in it.
    #[tokio::test]
    async fn transport_errors_do_not_carry_the_api_key() {
        let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = closed.local_addr().unwrap().port();
        drop(closed);
        let url = format!("http://127.0.0.1:{port}/v2/PATHSECRET?api-key=QUERYSECRET");
        let settings = RpcSettings {
            url: url.clone(),
            read_retries: 0,
            request_timeout: Duration::from_secs(5),
            ..RpcSettings::default()
        };
        let debug = format!("{settings:?}");
        assert!(!debug.contains("SECRET"), "{debug}");
        let mut backend = RpcBackend::new(Keypair::new(), settings);
        assert_eq!(backend.redacted_url(), format!("http://127.0.0.1:{port}/…"));
        let raw = backend.client().get_block_height().await.unwrap_err();
        assert!(raw.to_string().contains("SECRET"), "the client quotes the URL: {raw}");
        let error = backend.block_height().await.unwrap_err();
        let text = error.to_string();
        assert!(matches!(error, ChainError::Transport(_)), "{text}");
        assert!(!text.contains("SECRET"), "{text}");
        assert!(text.contains(&format!("127.0.0.1:{port}")), "{text}");
    }

    #[test]
    fn percentile_uses_nearest_rank() {
        assert_eq!(percentile_of(&mut [], 75), 0);
        assert_eq!(percentile_of(&mut [5], 0), 5);
        assert_eq!(percentile_of(&mut [40, 10, 30, 20], 50), 20);
        assert_eq!(percentile_of(&mut [40, 10, 30, 20], 75), 30);
        assert_eq!(percentile_of(&mut [40, 10, 30, 20], 100), 40);
    }
}
