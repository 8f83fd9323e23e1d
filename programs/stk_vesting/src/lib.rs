//! Placeholder: this program's instructions land with its own issue. It exists now so that
//! the workspace, `Anchor.toml` and the test harness know its id from day one.
use anchor_lang::prelude::*;

declare_id!("7fJJkXPcNsSK8P5kCe5DfiCNk6xH27ZFJV4Gu5QsZ8M9");

#[program]
pub mod stk_vesting {}
