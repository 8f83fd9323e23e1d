//! Exactly-once batched payouts of a frozen monthly report.
//!
//! 1. [`plan`] turns the report's payable allocations into deterministic batches sized to the
//!    transaction limits; [`store`] writes the plan to Postgres before anything is sent, and an
//!    opened epoch's plan is never recomputed.
//! 2. [`engine`] drives `open_epoch` → every `distribute_batch` → `close_epoch`. Each batch has
//!    a persisted state (planned → sent, with signature and last valid block height →
//!    confirmed). A signature is recorded *before* its transaction is sent, so a crash at any
//!    point leaves a record of everything that might have landed.
//!    Plans of the `lookup_table` form first create and extend the month's address lookup
//!    tables ([`lookup`]); their addresses and in-flight transactions are recorded first too.
//! 3. On every (re)start the engine reconciles with the chain: the treasury's per-epoch bitmap
//!    says which batches are paid — whoever sent them — and the program refuses to pay a batch
//!    twice. A batch is re-sent only when its bit is clear and its last signature can no
//!    longer land (the blockhash's last valid block height has passed).
pub mod engine;
pub mod from_report;
pub mod limits;
pub mod lookup;
pub mod onchain;
pub mod plan;
pub mod store;

/// The rent payer of the recipients' token accounts: the CLI/env flag, else the configuration's
/// `payout.rent_payer_keypair`, else none (the distributor key pays). The file passes the same
/// permission check as the distributor key; only its public key is ever logged.
pub fn load_rent_payer(
    config: &crate::config::PayoutConfig,
    flag: Option<&std::path::Path>,
) -> Result<Option<engine::RentPayer>, crate::keypair::KeypairError> {
    let path = flag
        .map(std::path::PathBuf::from)
        .or_else(|| config.rent_payer_keypair.as_deref().map(std::path::PathBuf::from));
    let Some(path) = path else { return Ok(None) };
    let keypair = crate::keypair::load(&path)?;
    tracing::info!(rent_payer = %solana_signer::Signer::pubkey(&keypair), "token-account rent paid by a separate key");
    Ok(Some(engine::RentPayer(std::sync::Arc::new(keypair))))
}
