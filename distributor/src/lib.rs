//! # stk-distributor
//!
//! The off-chain half of STK (DESIGN §4): reads members and their activity from the Postgres
//! contract that Aisystant writes (`migrations/`), computes weekly ranks and the
//! rank-weighted monthly allocation of the emission, and writes a reproducible monthly report.
//! Payouts execute a frozen report, exactly once.
//!
//! * [`config`] — `stk.toml`, typed and validated; its hash goes into every report,
//! * [`rank`] — the pure weekly rank walk,
//! * [`allocation`] — daily credits and the largest-remainder split of the pool,
//! * [`report`] — the monthly run against Postgres, [`render`] — its JSON/CSV/HTML,
//! * [`seed`] — deterministic sample data, [`db`] — connection and migrations,
//! * [`payout`] — exactly-once batched payouts of a frozen report over a [`chain`] backend
//!   (JSON-RPC or the embedded ledger), [`schedule_clock`] — when a month's payout is due,
//! * [`keypair`] — the distributor's key file, [`metrics`] — health and Prometheus endpoint,
//!   [`progress`] — a payout's progress for the operator (bar or log lines), [`redact`] —
//!   endpoint URLs without their API keys, for logs and errors.
//! * [`ops`] — the operator commands (quote, fees, staking, fund, genesis) and the service's
//!   cranks, [`metadata`] — the token metadata JSON wallets read, checked before `init`.
//! * [`serve`] — the members' app (`app/`) and its JSON API: wallet linking (Sign-In-With-
//!   Solana style), a member's month and the proof of their payout line.
pub mod allocation;
pub mod chain;
pub mod config;
pub mod db;
pub mod init;
pub mod keypair;
pub mod locks;
pub mod metadata;
pub mod metrics;
pub mod ops;
pub mod payout;
pub mod progress;
pub mod rank;
pub mod redact;
pub mod render;
pub mod report;
pub mod schedule_clock;
pub mod seed;
pub mod serve;
pub mod service;
pub mod wallet;
