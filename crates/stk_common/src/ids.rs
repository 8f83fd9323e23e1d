//! Program ids of the suite. `anchor keys sync` rewrites `declare_id!` in each program and
//! `Anchor.toml`; after it, update these constants too (the harness test
//! `program_ids_agree` fails until they match).
use anchor_lang::prelude::{pubkey, Pubkey};

pub const STK_MINT: Pubkey = pubkey!("BSqbSQn4hSNC7MdY6homgEZZ6J35kWzXExCtxDW1XM2t");
pub const STK_TREASURY: Pubkey = pubkey!("5YRio3o1CWEJAtupk7DHKXRR8DiSCdRSLQXA75mw4b8R");
pub const STK_VESTING: Pubkey = pubkey!("7fJJkXPcNsSK8P5kCe5DfiCNk6xH27ZFJV4Gu5QsZ8M9");
pub const STK_STAKING: Pubkey = pubkey!("5riDREWnh2LBAZ5BtPbt9txTuANHSyXEYBzptuaNBBY6");
pub const STK_STARTUP_FUND: Pubkey = pubkey!("FeUN4chRo7zwBpi5a8mhuRQUKqTML13z6Rgvb2q3PX5y");

/// The five programs, in the order `distributor init` initializes them.
pub const ALL: [Pubkey; 5] = [STK_MINT, STK_VESTING, STK_STARTUP_FUND, STK_STAKING, STK_TREASURY];
