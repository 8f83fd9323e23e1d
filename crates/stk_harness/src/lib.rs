//! # stk-harness — the suite on an in-process ledger
//!
//! Starts `solana-program-test` with the five STK programs as **native** processors and the
//! real SPL Token-2022, Associated Token Account and address-lookup-table programs (the ELF
//! binaries program-test ships, run by the SBF VM). Every program test, the cross-program
//! tests and the distributor's embedded-ledger backend go through [`Ledger`]; nothing else in
//! the workspace touches program-test plumbing.
//!
//! Two pieces of plumbing live here and nowhere else:
//! * [`native`] — the lifetime adapter between Anchor's `entry` and program-test's
//!   processor signature;
//! * [`stub_bridge`] — program-test installs its syscall stubs into `solana-sysvar` 4.x while
//!   Anchor (solana-v3 cohort) reads sysvars and performs CPIs through `solana-sysvar` 3.x.
//!   Without the bridge, `init` fails with `UnsupportedSysvar` and CPIs print
//!   "sol_invoke_signed() not available" and *return Ok*: mints and transfers silently do not
//!   happen. Tests therefore assert balances after every CPI.

pub mod admin;
pub mod alt;
pub mod events;
pub mod ledger;
pub mod native;
pub mod program_output;
pub mod staking;
pub mod startup_fund;
pub mod stk;
pub mod stub_bridge;
pub mod treasury;
pub mod vesting;

pub use events::{decode_events, EventLog};
pub use ledger::{ata, ExpectFailure, Ledger, TokenBalance, TxFailure, TxResult, TxSuccess};
pub use stk::{Destination, StkMintSetup, StkMintSetupArgs};
pub use stk_client;
