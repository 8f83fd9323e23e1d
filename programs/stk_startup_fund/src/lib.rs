//! Placeholder: this program's instructions land with its own issue. It exists now so that
//! the workspace, `Anchor.toml` and the test harness know its id from day one.
use anchor_lang::prelude::*;

declare_id!("FeUN4chRo7zwBpi5a8mhuRQUKqTML13z6Rgvb2q3PX5y");

#[program]
pub mod stk_startup_fund {}
