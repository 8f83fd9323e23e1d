//! `stk_mint` instructions.
use crate::{anchor_ix, Instruction, TOKEN_2022};
use anchor_lang::prelude::Pubkey;
use stk_common::seeds;
use stk_mint::{accounts, instruction, instructions::InitializeArgs};

/// The addresses `stk_mint` uses.
#[derive(Debug, Clone, Copy)]
pub struct MintAddresses {
    pub config: Pubkey,
    pub mint: Pubkey,
    pub mint_authority: Pubkey,
}

pub fn addresses() -> MintAddresses {
    MintAddresses {
        config: seeds::find_mint_config(),
        mint: seeds::find_stk_mint(),
        mint_authority: seeds::find_mint_authority(),
    }
}

pub fn initialize(admin: &Pubkey, args: InitializeArgs) -> Instruction {
    let a = addresses();
    anchor_ix(
        stk_mint::ID,
        accounts::Initialize {
            admin: *admin,
            config: a.config,
            mint: a.mint,
            mint_authority: a.mint_authority,
            token_program: TOKEN_2022,
            system_program: anchor_lang::system_program::ID,
            program_data: stk_common::deploy::program_data_address(&stk_mint::ID),
        },
        instruction::Initialize { args },
    )
}

pub fn mint_genesis(cranker: &Pubkey, destination: &Pubkey) -> Instruction {
    let a = addresses();
    anchor_ix(
        stk_mint::ID,
        accounts::MintGenesis {
            cranker: *cranker,
            config: a.config,
            mint: a.mint,
            mint_authority: a.mint_authority,
            destination: *destination,
            token_program: TOKEN_2022,
        },
        instruction::MintGenesis {},
    )
}

pub fn mint_quarter(
    cranker: &Pubkey,
    quarter: u16,
    startup_fund_destination: &Pubkey,
    distribution_destination: &Pubkey,
) -> Instruction {
    let a = addresses();
    anchor_ix(
        stk_mint::ID,
        accounts::MintQuarter {
            cranker: *cranker,
            config: a.config,
            mint: a.mint,
            mint_authority: a.mint_authority,
            startup_fund_destination: *startup_fund_destination,
            distribution_destination: *distribution_destination,
            token_program: TOKEN_2022,
        },
        instruction::MintQuarter { quarter },
    )
}

pub fn update_metadata_uri(admin: &Pubkey, uri: String) -> Instruction {
    let a = addresses();
    anchor_ix(
        stk_mint::ID,
        accounts::UpdateMetadataUri {
            admin: *admin,
            config: a.config,
            mint: a.mint,
            mint_authority: a.mint_authority,
            token_program: TOKEN_2022,
            system_program: anchor_lang::system_program::ID,
        },
        instruction::UpdateMetadataUri { uri },
    )
}

/// The admin proposes `candidate` as its successor (`Pubkey::default()` withdraws).
pub fn propose_admin(admin: &Pubkey, candidate: &Pubkey) -> Instruction {
    anchor_ix(
        stk_mint::ID,
        accounts::ProposeAdmin { admin: *admin, config: addresses().config },
        instruction::ProposeAdmin { candidate: *candidate },
    )
}

/// The proposed admin takes the role.
pub fn accept_admin(candidate: &Pubkey) -> Instruction {
    anchor_ix(
        stk_mint::ID,
        accounts::AcceptAdmin { candidate: *candidate, config: addresses().config },
        instruction::AcceptAdmin {},
    )
}
