//! # stk_startup_fund — the members' startup fund
//!
//! A share of every quarterly emission (and of the treasury's fee split) funds the members'
//! startups. This program holds it and lets a council invest it, slowly and jointly:
//!
//! * **Deposits are locked.** The fund's vault (a PDA token account, the `stk_mint`
//!   startup-fund destination) receives tokens by plain mints and transfers the program does
//!   not see. The permissionless crank [`stk_startup_fund::record_deposits`] records whatever
//!   the vault holds beyond the fund's books as a new tranche locked for the configured
//!   3–5 years. The unlocked balance is always *derived* (Σ unlocked tranches − invested),
//!   never stored, and the tranche book is bounded (see [`tranches`]).
//! * **A council decides.** Up to 10 keys with an M-of-N threshold. A member proposes an
//!   investment (project, recipient, amount, optionally a vesting schedule); members approve
//!   once each; when approvals reach the threshold a member executes it, paying from
//!   unlocked funds only. Proposals can be cancelled by their proposer or by the threshold.
//!   Changing the council is itself a proposal with the same threshold, and it starts a new
//!   council epoch that invalidates every pending proposal (old approvals never count for a
//!   new council).
//! * **Returns come back.** A startup returns tokens through
//!   [`stk_startup_fund::record_return`], signed by the key the council registered for the
//!   project ([`stk_startup_fund::register_project`]); the fund tracks them per project and
//!   they are spendable at once (they were unlocked money when invested), which is why nobody
//!   else may record them.
//!
//! An investment is paid either directly to the project's STK account
//! ([`stk_startup_fund::execute_investment`]) or, when proposed with a vesting schedule, as a
//! non-revocable `stk_vesting` grant to the beneficiary's wallet
//! ([`stk_startup_fund::propose_investment_grant`],
//! [`stk_startup_fund::execute_investment_grant`], a CPI into `stk_vesting::create_grant`
//! signed by the fund authority PDA); a grant's beneficiary must be a wallet on the ed25519
//! curve. Invariants are listed in the README, each with its test.
use anchor_lang::prelude::*;

pub mod council;
pub mod errors;
pub mod events;
pub mod instructions;
pub mod state;
pub mod tranches;

use instructions::*;

declare_id!("FeUN4chRo7zwBpi5a8mhuRQUKqTML13z6Rgvb2q3PX5y");

#[cfg(not(feature = "no-entrypoint"))]
solana_security_txt::security_txt! {
    name: "STK stk_startup_fund",
    project_url: "https://github.com/systok/stk",
    contacts: "email:security@systok.org",
    policy: "https://github.com/systok/stk/blob/main/SECURITY.md",
    source_code: "https://github.com/systok/stk"
}

#[program]
pub mod stk_startup_fund {
    use super::*;

    /// Creates the fund state and its vault, with the council, threshold and lock period.
    pub fn initialize(ctx: Context<Initialize>, args: InitializeArgs) -> Result<()> {
        instructions::initialize::handler(ctx, args)
    }

    /// Records tokens that arrived in the vault since the last record as a locked tranche.
    pub fn record_deposits(ctx: Context<RecordDeposits>) -> Result<()> {
        instructions::record_deposits::handler(ctx)
    }

    /// Registers a startup project the fund can invest in, and the one key that may record
    /// its returns (council member).
    pub fn register_project(
        ctx: Context<RegisterProject>,
        project_id: Pubkey,
        returner: Pubkey,
    ) -> Result<()> {
        instructions::register_project::handler(ctx, project_id, returner)
    }

    /// Proposes paying `amount` to a project's recipient (council member; counts as approval).
    pub fn propose_investment(ctx: Context<ProposeInvestment>, amount: u64) -> Result<()> {
        instructions::propose_investment::handler(ctx, amount)
    }

    /// Proposes paying `amount` to a project as a non-revocable `stk_vesting` grant to the
    /// wallet `beneficiary` on `schedule` (council member; counts as approval).
    pub fn propose_investment_grant(
        ctx: Context<ProposeInvestmentGrant>,
        amount: u64,
        schedule: stk_vesting::curve::VestingSchedule,
    ) -> Result<()> {
        instructions::propose_investment_grant::handler(ctx, amount, schedule)
    }

    /// Proposes a new council and threshold (council member; counts as approval).
    pub fn propose_council_change(
        ctx: Context<ProposeCouncilChange>,
        members: Vec<Pubkey>,
        threshold: u8,
    ) -> Result<()> {
        instructions::propose_council_change::handler(ctx, members, threshold)
    }

    /// Approves a pending proposal of the current council epoch (council member, once).
    pub fn approve(ctx: Context<Approve>) -> Result<()> {
        instructions::approve::handler(ctx)
    }

    /// Cancels a pending proposal: at once by its proposer, or by threshold votes.
    pub fn cancel(ctx: Context<Cancel>) -> Result<()> {
        instructions::cancel::handler(ctx)
    }

    /// Pays an approved investment from unlocked funds (council member).
    pub fn execute_investment(ctx: Context<ExecuteInvestment>) -> Result<()> {
        instructions::execute_investment::handler(ctx)
    }

    /// Pays an approved investment grant from unlocked funds by CPI into
    /// `stk_vesting::create_grant` (council member; grant id from the proposal and `salt`).
    pub fn execute_investment_grant(ctx: Context<ExecuteInvestmentGrant>, salt: u64) -> Result<()> {
        instructions::execute_investment_grant::handler(ctx, salt)
    }

    /// Applies an approved council change and starts a new council epoch (council member).
    pub fn execute_council_change(ctx: Context<ExecuteCouncilChange>) -> Result<()> {
        instructions::execute_council_change::handler(ctx)
    }

    /// Takes `amount` back from a startup into the vault, tracked per project.
    pub fn record_return(ctx: Context<RecordReturn>, amount: u64) -> Result<()> {
        instructions::record_return::handler(ctx, amount)
    }
}
