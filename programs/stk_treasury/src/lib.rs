//! Placeholder: this program's instructions land with its own issue. It exists now so that
//! the workspace, `Anchor.toml` and the test harness know its id from day one.
use anchor_lang::prelude::*;

declare_id!("5YRio3o1CWEJAtupk7DHKXRR8DiSCdRSLQXA75mw4b8R");

#[program]
pub mod stk_treasury {}
