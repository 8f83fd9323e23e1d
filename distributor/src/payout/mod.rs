//! Exactly-once batched payouts of an approved, frozen monthly report, bound on-chain to the
//! plan the admin approved (`programs/stk_treasury/PAYOUT_PLAN.md`).
//!
//! 1. [`approved`]: every computed report's canonical JSON is stored under its SHA-256; the
//!    operator approves one hash by name. [`from_report`] checks the recipients on-chain
//!    ([`recipients`]: ordinary wallets, usable token accounts; unusable ones stay pending with
//!    the reason) and, in one Postgres transaction under the report's lock, freezes the report
//!    and saves the [`plan`] built from the approved document: batches, batch roots and the
//!    plan hash ([`store`]). A plan is never recomputed; months are frozen in order.
//! 2. [`engine`] (one per month at a time: [`lock`]) drives: token accounts and lookup tables
//!    ([`lookup`], the plan page of each batch included) → `open_epoch` with the plan hash
//!    (status Proposed) → `write_plan_roots` (idempotent) → the admin's `approve_epoch`
//!    ([`admin`]: `distributor approve-epoch`; the engine signs it only with an approver key
//!    in the embedded demo and tests) → every `distribute_batch` (plan hash and batch root
//!    re-checked before each send) → `close_epoch` → [`carry`]: recipients the epoch did not
//!    pay (skipped on-chain, or in batches of an aborted epoch) become pending again, once.
//!    Each batch has a persisted state (planned → sent, with signature and last valid block
//!    height → confirmed); every signature is recorded *before* its transaction is sent.
//! 3. On every (re)start the engine reconciles with the chain: the treasury's per-epoch bitmap
//!    says which batches are paid — whoever sent them — and the program refuses to pay a batch
//!    twice or to pay anything not in the approved plan. A batch is re-sent only when its bit
//!    is clear and its last signature can no longer land. Only failures on-chain count toward
//!    giving a batch up; transport errors and expiries end a run, never the month.
pub mod admin;
pub mod approved;
pub mod carry;
pub mod engine;
pub mod from_report;
pub mod limits;
pub mod lock;
pub mod lookup;
pub mod onchain;
pub mod plan;
pub mod recipients;
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
