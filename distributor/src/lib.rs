//! The STK distributor as a library: chain backends and the exactly-once payout engine.
pub mod chain;
pub mod keypair;
pub mod metrics;
pub mod payout;
pub mod schedule_clock;
