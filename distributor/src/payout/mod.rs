//! Exactly-once batched payouts of a frozen monthly report.
//!
//! 1. [`plan`] turns the report's payable allocations into deterministic batches sized to the
//!    transaction limits; [`store`] writes the plan to Postgres before anything is sent, and an
//!    opened epoch's plan is never recomputed.
//! 2. [`engine`] drives `open_epoch` → every `distribute_batch` → `close_epoch`. Each batch has
//!    a persisted state (planned → sent, with signature and last valid block height →
//!    confirmed). A signature is recorded *before* its transaction is sent, so a crash at any
//!    point leaves a record of everything that might have landed.
//! 3. On every (re)start the engine reconciles with the chain: the treasury's per-epoch bitmap
//!    says which batches are paid — whoever sent them — and the program refuses to pay a batch
//!    twice. A batch is re-sent only when its bit is clear and its last signature can no
//!    longer land (the blockhash's last valid block height has passed).
pub mod engine;
pub mod from_report;
pub mod onchain;
pub mod plan;
pub mod store;
