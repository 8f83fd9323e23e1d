//! # stk_mint — the STK token and its emission schedule
//!
//! STK (SysTok) is a Token-2022 mint whose every unit comes from this program:
//!
//! * The mint is a PDA and its **mint authority is a PDA** of this program: no key can mint.
//! * The **hard cap** (21,000,000 STK) and the quarterly **emission schedule** are fixed at
//!   [`stk_mint::initialize`] and readable by anyone in [`state::MintConfig`]. The schedule is
//!   pure integer math shared with the treasury and the distributor
//!   ([`stk_common::schedule`]), so everybody computes the same `E_q`.
//! * Emission happens only through two cranks: [`stk_mint::mint_genesis`] (once, the genesis
//!   allocation for the members' initial sale) and [`stk_mint::mint_quarter`] (once per
//!   quarter, in order, after the quarter starts, split between the startup fund and the
//!   treasury's distribution vault). Both are permissionless: the destinations were fixed at
//!   initialization, so the only thing a caller chooses is *when*, and time is checked.
//! * The genesis destination must be `stk_vesting`'s sale vault PDA and the startup-fund
//!   destination `stk_startup_fund`'s vault PDA (checked in `initialize`; the treasury checks
//!   the distribution destination when it is initialized).
//! * The mint's creation survives lamports sent to its PDA in advance
//!   ([`stk_common::account::create_pda_account`]), so nobody can block `initialize`.
//! * The admin (metadata URI only) rotates in two steps: [`stk_mint::propose_admin`] and
//!   [`stk_mint::accept_admin`] ([`stk_common::authority`]).
//! * Wallets show the token properly: the mint carries the metadata-pointer and
//!   token-metadata extensions (name, symbol, URI of the logo JSON), a transfer-fee config
//!   whose withheld fees only the treasury may withdraw, and a permanent delegate owned by the
//!   treasury for its public, time-locked dormancy procedure.
//!
//! Invariants are listed in this program's README, each with the test that attacks it.
use anchor_lang::prelude::*;

pub mod errors;
pub mod events;
pub mod instructions;
pub mod state;

use instructions::*;

declare_id!("BSqbSQn4hSNC7MdY6homgEZZ6J35kWzXExCtxDW1XM2t");

#[cfg(not(feature = "no-entrypoint"))]
solana_security_txt::security_txt! {
    name: "STK stk_mint",
    project_url: "https://github.com/systok/stk",
    contacts: "email:security@systok.org",
    policy: "https://github.com/systok/stk/blob/main/SECURITY.md",
    source_code: "https://github.com/systok/stk"
}

#[program]
pub mod stk_mint {
    use super::*;

    /// Creates the STK mint (Token-2022 with metadata, transfer fee and permanent delegate)
    /// and stores the emission schedule and the three destinations.
    pub fn initialize(ctx: Context<Initialize>, args: InitializeArgs) -> Result<()> {
        instructions::initialize::handler(ctx, args)
    }

    /// Mints the genesis allocation to the genesis destination, once.
    pub fn mint_genesis(ctx: Context<MintGenesis>) -> Result<()> {
        instructions::mint_genesis::handler(ctx)
    }

    /// Mints quarter `quarter`'s emission, split between the startup fund and the treasury.
    pub fn mint_quarter(ctx: Context<MintQuarter>, quarter: u16) -> Result<()> {
        instructions::mint_quarter::handler(ctx, quarter)
    }

    /// Points the token metadata at a new URI (logo and description JSON). Admin only.
    pub fn update_metadata_uri(ctx: Context<UpdateMetadataUri>, uri: String) -> Result<()> {
        instructions::update_metadata_uri::handler(ctx, uri)
    }

    /// Admin: proposes `candidate` as the next admin (`Pubkey::default()` withdraws).
    pub fn propose_admin(ctx: Context<ProposeAdmin>, candidate: Pubkey) -> Result<()> {
        instructions::propose_admin::handler(ctx, candidate)
    }

    /// The proposed admin takes the role by signing.
    pub fn accept_admin(ctx: Context<AcceptAdmin>) -> Result<()> {
        instructions::accept_admin::handler(ctx)
    }
}
