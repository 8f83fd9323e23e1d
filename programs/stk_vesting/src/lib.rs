//! # stk_vesting — grants, and the members' initial sale
//!
//! Two things vest here:
//!
//! * **Grants** ([`stk_vesting::create_grant`]): anyone (a wallet, or another program such as
//!   `stk_startup_fund` signing for its PDA) locks STK for a beneficiary with a start, a
//!   cliff, an end and an unlock period ([`curve`], pure math). Each grant has its own PDA
//!   vault owned by the vesting authority PDA, so grants can never spend each other's tokens.
//!   The grant's PDA is seeded by a caller-chosen id, not by the beneficiary, because the
//!   beneficiary can hand the grant to a new wallet ([`stk_vesting::transfer_beneficiary`],
//!   lost-key recovery). The beneficiary claims what has unlocked; a revocable grant's
//!   creator may revoke it: vesting freezes, the vested part stays claimable, the rest goes
//!   back.
//! * **The initial sale** ([`stk_vesting::open_sale`], [`stk_vesting::purchase`],
//!   [`stk_vesting::close_sale`]): the genesis allocation that `stk_mint::mint_genesis` mints
//!   into the sale vault is sold to allowlisted members (a Merkle root of `(wallet, cap)`,
//!   [`stk_common::merkle`]) at a rational price in a stable coin, within a window; each
//!   purchase becomes a non-revocable grant vesting from the purchase instant. Per-member caps
//!   and the sale's total hold across purchases; closing returns the unsold rest to a
//!   destination fixed when the sale opened.
//!
//! The admin (who opens the sale) rotates in two steps: [`stk_vesting::propose_admin`], then
//! the candidate's [`stk_vesting::accept_admin`] ([`stk_common::authority`]). A member's
//! `SaleMember` record is created even if someone sent lamports to its address first
//! ([`stk_common::account::create_pda_account`]).
//!
//! Transfer fees (Token-2022): a grant's total is what arrived in its vault; a claim sends
//! the unlocked amount from the vault and the beneficiary bears the fee; a purchase grosses
//! the sale vault's transfer up so the buyer's grant holds at least what was paid for.
//!
//! Invariants are listed in this program's README, each with the test that attacks it.
use anchor_lang::prelude::*;

pub mod curve;
pub mod errors;
pub mod events;
pub mod instructions;
pub mod state;

use instructions::*;

declare_id!("7fJJkXPcNsSK8P5kCe5DfiCNk6xH27ZFJV4Gu5QsZ8M9");

#[cfg(not(feature = "no-entrypoint"))]
solana_security_txt::security_txt! {
    name: "STK stk_vesting",
    project_url: "https://github.com/systok/stk",
    contacts: "email:security@systok.org",
    policy: "https://github.com/systok/stk/blob/main/SECURITY.md",
    source_code: "https://github.com/systok/stk"
}

#[program]
pub mod stk_vesting {
    use super::*;

    /// Creates the config and the sale vault (which receives the genesis allocation).
    pub fn initialize(ctx: Context<Initialize>) -> Result<()> {
        instructions::initialize::handler(ctx)
    }

    /// Locks `args.amount` STK from the creator's account in a new grant for a beneficiary.
    pub fn create_grant(ctx: Context<CreateGrant>, args: CreateGrantArgs) -> Result<()> {
        instructions::create_grant::handler(ctx, args)
    }

    /// Sends the beneficiary what has unlocked and was not claimed yet.
    pub fn claim(ctx: Context<Claim>) -> Result<()> {
        instructions::claim::handler(ctx)
    }

    /// Freezes a revocable grant: the vested part stays claimable, the rest goes back.
    pub fn revoke(ctx: Context<Revoke>) -> Result<()> {
        instructions::revoke::handler(ctx)
    }

    /// Hands the grant to a new wallet (lost-key recovery by the current beneficiary).
    pub fn transfer_beneficiary(
        ctx: Context<TransferBeneficiary>,
        new_beneficiary: Pubkey,
    ) -> Result<()> {
        instructions::transfer_beneficiary::handler(ctx, new_beneficiary)
    }

    /// Opens the members' initial sale. Admin only, once.
    pub fn open_sale(ctx: Context<OpenSale>, args: OpenSaleArgs) -> Result<()> {
        instructions::open_sale::handler(ctx, args)
    }

    /// Buys `args.amount` STK as a vesting grant, proving the buyer's cap on the allowlist.
    pub fn purchase(ctx: Context<Purchase>, args: PurchaseArgs) -> Result<()> {
        instructions::purchase::handler(ctx, args)
    }

    /// Returns the unsold rest of an ended (or sold-out) sale to its fixed destination.
    pub fn close_sale(ctx: Context<CloseSale>) -> Result<()> {
        instructions::close_sale::handler(ctx)
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
