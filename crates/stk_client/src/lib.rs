//! # stk-client
//!
//! Builders for every instruction of the suite, one module per program, so the harness, the
//! tests and the distributor build transactions the same way. Addresses come from
//! [`stk_common::seeds`]; nothing here talks to a cluster.
use anchor_lang::prelude::Pubkey;
use anchor_spl::token_interface::spl_token_2022;
use spl_associated_token_account_interface::address::get_associated_token_address_with_program_id;

pub mod mint;
pub mod staking;
pub mod startup_fund;
pub mod treasury;
pub mod vesting;

pub use anchor_lang::solana_program::instruction::{AccountMeta, Instruction};

/// The Token-2022 program id (the STK mint lives there).
pub const TOKEN_2022: Pubkey = spl_token_2022::ID;

/// The Token-2022 associated token account of `owner` for `mint`.
pub fn ata(owner: &Pubkey, mint: &Pubkey) -> Pubkey {
    get_associated_token_address_with_program_id(owner, mint, &TOKEN_2022)
}

/// Builds an Anchor instruction from its accounts struct and its data struct.
pub fn anchor_ix(
    program_id: Pubkey,
    accounts: impl anchor_lang::ToAccountMetas,
    data: impl anchor_lang::InstructionData,
) -> Instruction {
    Instruction { program_id, accounts: accounts.to_account_metas(None), data: data.data() }
}
