//! # stk-distributor
//!
//! The off-chain half of STK (DESIGN §4): reads members and their activity from the Postgres
//! contract that Aisystant writes (`migrations/`), computes weekly ranks and the
//! rank-weighted monthly allocation of the emission, and writes a reproducible monthly report.
//! Payouts (part 2) execute a frozen report.
//!
//! * [`config`] — `stk.toml`, typed and validated; its hash goes into every report,
//! * [`rank`] — the pure weekly rank walk,
//! * [`allocation`] — daily credits and the largest-remainder split of the pool,
//! * [`report`] — the monthly run against Postgres, [`render`] — its JSON/CSV/HTML,
//! * [`seed`] — deterministic sample data, [`db`] — connection and migrations.
pub mod allocation;
pub mod config;
pub mod db;
pub mod rank;
pub mod render;
pub mod report;
pub mod seed;
pub mod wallet;
