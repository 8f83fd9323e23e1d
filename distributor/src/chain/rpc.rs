//! JSON-RPC backend on `solana-client`'s nonblocking client: configurable commitment, retries
//! with exponential backoff for reads, errors that say whether the outcome is unknown
//! (transport, or a node that is behind) or known (the node refused, or a program refused at
//! preflight), the priority-fee policy with the node's recent prioritization fees, and
//! account reads that never go back in time: every `getMultipleAccounts` asks for
//! `minContextSlot` = the newest slot an earlier read returned, so a node behind that one
//! (a load-balanced pool) answers "not reached" — retried as a transport error — instead of
//! older state.
use super::{
    priority::PriorityFeePolicy, ChainBackend, ChainError, RecentBlockhash, SignatureStatus,
};
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
    /// The compute-unit price of every transaction sent ([`PriorityFeePolicy`]; off by
    /// default, the CLI sets `[payout.priority_fee]`).
    pub priority_fee: PriorityFeePolicy,
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
            .field("priority_fee", &self.priority_fee)
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
            priority_fee: PriorityFeePolicy::OFF,
        }
    }
}

pub struct RpcBackend {
    client: RpcClient,
    payer: Keypair,
    settings: RpcSettings,
    /// The newest slot an account read returned: later reads require at least it.
    context_slot: u64,
}

/// JSON-RPC errors of a node that is behind: the state asked for is not there yet
/// (`minContextSlot` not reached) or the node is unhealthy. Outcome unknown, retried.
pub const NODE_BEHIND_CODES: [i64; 2] = [
    solana_client::rpc_custom_error::JSON_RPC_SERVER_ERROR_MIN_CONTEXT_SLOT_NOT_REACHED,
    solana_client::rpc_custom_error::JSON_RPC_SERVER_ERROR_NODE_UNHEALTHY,
];

/// Sorts a client error into "outcome unknown" and "refused". The message has every URL
/// redacted ([`crate::redact::urls_in`]): HTTP errors quote the node's URL, API key included,
/// and these messages are logged and stored in Postgres.
pub fn classify(error: &ClientError) -> ChainError {
    use solana_client::rpc_request::RpcError;
    use solana_transaction_error::TransactionError;
    match error.kind() {
        ClientErrorKind::Io(_) | ClientErrorKind::Reqwest(_) | ClientErrorKind::Middleware(_) => {
            ChainError::Transport(redact::urls_in(&describe(error)))
        }
        ClientErrorKind::RpcError(RpcError::RpcResponseError { code, .. })
            if NODE_BEHIND_CODES.contains(code) =>
        {
            ChainError::Transport(redact::urls_in(&describe(error)))
        }
        kind => match kind.get_transaction_error() {
            Some(TransactionError::InstructionError(_, instruction_error)) => {
                let custom_code = match instruction_error {
                    solana_instruction::error::InstructionError::Custom(code) => Some(code),
                    _ => None,
                };
                ChainError::RefusedAtPreflight {
                    error: redact::urls_in(&error.to_string()),
                    custom_code,
                }
            }
            _ => ChainError::Rejected(redact::urls_in(&error.to_string())),
        },
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
        RpcBackend { client, payer, settings, context_slot: 0 }
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
}

impl ChainBackend for RpcBackend {
    fn payer(&self) -> &Keypair {
        &self.payer
    }

    fn supports_lookup_tables(&self) -> bool {
        true
    }

    fn priority_fee(&self) -> PriorityFeePolicy {
        self.settings.priority_fee
    }

    async fn recent_prioritization_fees(
        &mut self,
        accounts: &[Pubkey],
    ) -> Result<Vec<u64>, ChainError> {
        let accounts = &accounts[..accounts.len().min(super::priority::MAX_FEE_ACCOUNTS)];
        let fees = self
            .read("getRecentPrioritizationFees", || {
                self.client.get_recent_prioritization_fees(accounts)
            })
            .await?;
        Ok(fees.into_iter().map(|f| f.prioritization_fee).collect())
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
        let mut accounts = self.accounts(std::slice::from_ref(address)).await?;
        Ok(accounts.pop().flatten().map(|a| a.data))
    }

    /// `getMultipleAccounts` per [`super::MAX_MULTIPLE_ACCOUNTS`] addresses, base64, with
    /// `minContextSlot` = the newest slot read so far. Not `get_account_with_commitment`: it
    /// turns every error, transport ones included, into a `ForUser` message, which would read
    /// as "refused" and never be retried.
    async fn accounts(
        &mut self,
        addresses: &[Pubkey],
    ) -> Result<Vec<Option<super::AccountSummary>>, ChainError> {
        use solana_client::rpc_config::{RpcAccountInfoConfig, UiAccountEncoding};
        let mut out = Vec::with_capacity(addresses.len());
        for chunk in addresses.chunks(super::MAX_MULTIPLE_ACCOUNTS) {
            let config = RpcAccountInfoConfig {
                encoding: Some(UiAccountEncoding::Base64),
                commitment: Some(self.settings.commitment),
                min_context_slot: (self.context_slot > 0).then_some(self.context_slot),
                data_slice: None,
            };
            let response = self
                .read("getMultipleAccounts", || {
                    self.client.get_multiple_ui_accounts_with_config(chunk, config.clone())
                })
                .await?;
            self.context_slot = self.context_slot.max(response.context.slot);
            if response.value.len() != chunk.len() {
                return Err(ChainError::Rejected(format!(
                    "getMultipleAccounts: {} accounts asked, {} answered",
                    chunk.len(),
                    response.value.len()
                )));
            }
            for (address, ui) in chunk.iter().zip(response.value) {
                let Some(ui) = ui else {
                    out.push(None);
                    continue;
                };
                let a = ui.to_account().ok_or_else(|| {
                    ChainError::Rejected(format!(
                        "getMultipleAccounts: {address} is not base64 data"
                    ))
                })?;
                out.push(Some(super::AccountSummary {
                    owner: a.owner,
                    executable: a.executable,
                    lamports: a.lamports,
                    data: a.data,
                }));
            }
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

    /// A JSON-RPC node on a local port answering each request with the next scripted body
    /// (one connection per request); returns its URL and the requests' bodies as they come.
    async fn scripted_node(
        replies: Vec<String>,
    ) -> (String, std::sync::Arc<std::sync::Mutex<Vec<String>>>) {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let seen = std::sync::Arc::new(std::sync::Mutex::new(vec![]));
        let log = seen.clone();
        tokio::spawn(async move {
            for reply in replies {
                let (mut socket, _) = listener.accept().await.unwrap();
                let mut request = vec![];
                let mut buf = [0u8; 4096];
                let body = loop {
                    let n = socket.read(&mut buf).await.unwrap();
                    request.extend_from_slice(&buf[..n]);
                    let text = String::from_utf8_lossy(&request).to_string();
                    if let Some((head, body)) = text.split_once("\r\n\r\n") {
                        let length = head
                            .lines()
                            .find_map(|l| {
                                let (k, v) = l.split_once(':')?;
                                k.eq_ignore_ascii_case("content-length")
                                    .then(|| v.trim().parse::<usize>().ok())?
                            })
                            .unwrap_or(0);
                        if body.len() >= length {
                            break body.to_string();
                        }
                    }
                };
                log.lock().unwrap().push(body);
                let response = format!(
                    "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{reply}",
                    reply.len()
                );
                socket.write_all(response.as_bytes()).await.unwrap();
                socket.shutdown().await.ok();
            }
        });
        (url, seen)
    }

    /// Issue 18.11: every account read asks for the newest slot an earlier read returned
    /// (`minContextSlot`); a node behind it ("not reached") is a transport error, retried, and
    /// the read then succeeds; a node that stays behind ends the read as a transport error
    /// (outcome unknown), never as a refusal.
    #[tokio::test]
    async fn reads_never_go_back_in_time_and_a_node_behind_is_retried() {
        let accounts = |slot: u64| {
            format!(
                r#"{{"jsonrpc":"2.0","id":1,"result":{{"context":{{"slot":{slot}}},"value":[null]}}}}"#
            )
        };
        let behind = r#"{"jsonrpc":"2.0","id":1,"error":{"code":-32016,"message":"Minimum context slot has not been reached","data":{"contextSlot":480}}}"#.to_string();
        let replies = vec![accounts(500), behind.clone(), accounts(501), behind.clone(), behind];
        let (url, seen) = scripted_node(replies).await;
        let settings = RpcSettings {
            url,
            read_retries: 1,
            initial_backoff: Duration::from_millis(1),
            request_timeout: Duration::from_secs(5),
            ..RpcSettings::default()
        };
        let mut backend = RpcBackend::new(Keypair::new(), settings);
        let address = Pubkey::new_unique();
        assert_eq!(backend.account_data(&address).await.unwrap(), None);
        // Behind once: retried, and the retry asks for the same slot.
        assert_eq!(backend.accounts(&[address]).await.unwrap(), vec![None]);
        // Behind on every try: a transport error, not a refusal.
        match backend.accounts(&[address]).await {
            Err(ChainError::Transport(message)) => assert!(message.contains("-32016"), "{message}"),
            other => panic!("expected a transport error, got {other:?}"),
        }
        let bodies = seen.lock().unwrap().clone();
        assert_eq!(bodies.len(), 5);
        assert!(bodies.iter().all(|b| b.contains("getMultipleAccounts")));
        // The first read has no earlier slot: the field is absent or null, never a number.
        assert!(
            !bodies[0].contains("minContextSlot") || bodies[0].contains(r#""minContextSlot":null"#),
            "{}",
            bodies[0]
        );
        assert!(bodies[1].contains(r#""minContextSlot":500"#), "{}", bodies[1]);
        assert!(bodies[2].contains(r#""minContextSlot":500"#), "{}", bodies[2]);
        assert!(bodies[3].contains(r#""minContextSlot":501"#), "{}", bodies[3]);
    }

    /// A program's refusal at preflight is told apart from other refusals, with its code.
    #[test]
    fn preflight_program_refusals_carry_their_code() {
        use solana_client::{
            rpc_request::{RpcError, RpcResponseErrorData},
            rpc_response::RpcSimulateTransactionResult,
        };
        let simulation = |err: solana_transaction_error::TransactionError| {
            let result: RpcSimulateTransactionResult =
                serde_json::from_value(serde_json::json!({ "err": err, "logs": [] })).unwrap();
            ClientError::from(RpcError::RpcResponseError {
                code: -32002,
                message: "Transaction simulation failed".into(),
                data: RpcResponseErrorData::SendTransactionPreflightFailure(result),
            })
        };
        let refused = simulation(solana_transaction_error::TransactionError::InstructionError(
            1,
            solana_instruction::error::InstructionError::Custom(6003),
        ));
        match classify(&refused) {
            ChainError::RefusedAtPreflight { custom_code, error } => {
                assert_eq!(custom_code, Some(6003));
                assert!(error.contains("simulation failed"), "{error}");
            }
            other => panic!("{other:?}"),
        }
        let stale = simulation(solana_transaction_error::TransactionError::BlockhashNotFound);
        assert!(matches!(classify(&stale), ChainError::Rejected(_)));
        let unhealthy = ClientError::from(RpcError::RpcResponseError {
            code: -32005,
            message: "Node is behind by 42 slots".into(),
            data: RpcResponseErrorData::NodeUnhealthy { num_slots_behind: Some(42) },
        });
        assert!(matches!(classify(&unhealthy), ChainError::Transport(_)));
    }
}
