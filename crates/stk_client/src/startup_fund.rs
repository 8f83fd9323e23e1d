//! `stk_startup_fund` instructions.
use crate::{anchor_ix, Instruction, TOKEN_2022};
use anchor_lang::prelude::Pubkey;
use stk_common::seeds;
use stk_startup_fund::{accounts, instruction, instructions::InitializeArgs};

/// The fixed addresses of the fund.
#[derive(Debug, Clone, Copy)]
pub struct FundAddresses {
    pub fund: Pubkey,
    pub fund_authority: Pubkey,
    pub vault: Pubkey,
    pub mint: Pubkey,
}

pub fn addresses() -> FundAddresses {
    FundAddresses {
        fund: seeds::find_fund(),
        fund_authority: seeds::find_fund_authority(),
        vault: seeds::find_fund_vault(),
        mint: seeds::find_stk_mint(),
    }
}

pub fn initialize(payer: &Pubkey, args: InitializeArgs) -> Instruction {
    let a = addresses();
    anchor_ix(
        stk_startup_fund::ID,
        accounts::Initialize {
            payer: *payer,
            fund: a.fund,
            fund_authority: a.fund_authority,
            mint: a.mint,
            vault: a.vault,
            token_program: TOKEN_2022,
            system_program: anchor_lang::system_program::ID,
            program_data: stk_common::deploy::program_data_address(&stk_startup_fund::ID),
        },
        instruction::Initialize { args },
    )
}

/// The permissionless crank (no signer besides the fee payer).
pub fn record_deposits() -> Instruction {
    let a = addresses();
    anchor_ix(
        stk_startup_fund::ID,
        accounts::RecordDeposits { fund: a.fund, vault: a.vault },
        instruction::RecordDeposits {},
    )
}

pub fn register_project(member: &Pubkey, project_id: &Pubkey) -> Instruction {
    anchor_ix(
        stk_startup_fund::ID,
        accounts::RegisterProject {
            member: *member,
            fund: addresses().fund,
            project: seeds::find_project(project_id),
            system_program: anchor_lang::system_program::ID,
        },
        instruction::RegisterProject { project_id: *project_id },
    )
}

/// `proposal_id` must be the fund's current `next_proposal_id`.
pub fn propose_investment(
    proposer: &Pubkey,
    proposal_id: u64,
    project_id: &Pubkey,
    recipient: &Pubkey,
    amount: u64,
) -> Instruction {
    let a = addresses();
    anchor_ix(
        stk_startup_fund::ID,
        accounts::ProposeInvestment {
            proposer: *proposer,
            fund: a.fund,
            project: seeds::find_project(project_id),
            mint: a.mint,
            recipient: *recipient,
            proposal: seeds::find_proposal(proposal_id),
            token_program: TOKEN_2022,
            system_program: anchor_lang::system_program::ID,
        },
        instruction::ProposeInvestment { amount },
    )
}

/// `proposal_id` must be the fund's current `next_proposal_id`.
pub fn propose_council_change(
    proposer: &Pubkey,
    proposal_id: u64,
    members: Vec<Pubkey>,
    threshold: u8,
) -> Instruction {
    anchor_ix(
        stk_startup_fund::ID,
        accounts::ProposeCouncilChange {
            proposer: *proposer,
            fund: addresses().fund,
            proposal: seeds::find_proposal(proposal_id),
            system_program: anchor_lang::system_program::ID,
        },
        instruction::ProposeCouncilChange { members, threshold },
    )
}

pub fn approve(member: &Pubkey, proposal_id: u64) -> Instruction {
    anchor_ix(
        stk_startup_fund::ID,
        accounts::Approve {
            member: *member,
            fund: addresses().fund,
            proposal: seeds::find_proposal(proposal_id),
        },
        instruction::Approve {},
    )
}

pub fn cancel(signer: &Pubkey, proposal_id: u64) -> Instruction {
    anchor_ix(
        stk_startup_fund::ID,
        accounts::Cancel {
            signer: *signer,
            fund: addresses().fund,
            proposal: seeds::find_proposal(proposal_id),
        },
        instruction::Cancel {},
    )
}

pub fn execute_investment(
    executor: &Pubkey,
    proposal_id: u64,
    project_id: &Pubkey,
    recipient: &Pubkey,
) -> Instruction {
    let a = addresses();
    anchor_ix(
        stk_startup_fund::ID,
        accounts::ExecuteInvestment {
            executor: *executor,
            fund: a.fund,
            proposal: seeds::find_proposal(proposal_id),
            project: seeds::find_project(project_id),
            fund_authority: a.fund_authority,
            mint: a.mint,
            vault: a.vault,
            recipient: *recipient,
            token_program: TOKEN_2022,
        },
        instruction::ExecuteInvestment {},
    )
}

pub fn execute_council_change(executor: &Pubkey, proposal_id: u64) -> Instruction {
    anchor_ix(
        stk_startup_fund::ID,
        accounts::ExecuteCouncilChange {
            executor: *executor,
            fund: addresses().fund,
            proposal: seeds::find_proposal(proposal_id),
        },
        instruction::ExecuteCouncilChange {},
    )
}

pub fn record_return(
    returner: &Pubkey,
    project_id: &Pubkey,
    source: &Pubkey,
    amount: u64,
) -> Instruction {
    let a = addresses();
    anchor_ix(
        stk_startup_fund::ID,
        accounts::RecordReturn {
            returner: *returner,
            fund: a.fund,
            project: seeds::find_project(project_id),
            mint: a.mint,
            vault: a.vault,
            source: *source,
            token_program: TOKEN_2022,
        },
        instruction::RecordReturn { amount },
    )
}
