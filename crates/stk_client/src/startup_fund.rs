//! `stk_startup_fund` instructions.
use crate::{anchor_ix, vesting, Instruction, TOKEN_2022};
use anchor_lang::prelude::Pubkey;
use stk_common::seeds;
use stk_startup_fund::{accounts, instruction, instructions::InitializeArgs};
use stk_vesting::curve::VestingSchedule;

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

/// `returner` is the only key that may later record the project's returns.
pub fn register_project(member: &Pubkey, project_id: &Pubkey, returner: &Pubkey) -> Instruction {
    anchor_ix(
        stk_startup_fund::ID,
        accounts::RegisterProject {
            member: *member,
            fund: addresses().fund,
            project: seeds::find_project(project_id),
            system_program: anchor_lang::system_program::ID,
        },
        instruction::RegisterProject { project_id: *project_id, returner: *returner },
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

/// `proposal_id` must be the fund's current `next_proposal_id`. `beneficiary` is the wallet
/// that will claim the grant (not a token account).
pub fn propose_investment_grant(
    proposer: &Pubkey,
    proposal_id: u64,
    project_id: &Pubkey,
    beneficiary: &Pubkey,
    amount: u64,
    schedule: VestingSchedule,
) -> Instruction {
    anchor_ix(
        stk_startup_fund::ID,
        accounts::ProposeInvestmentGrant {
            proposer: *proposer,
            fund: addresses().fund,
            project: seeds::find_project(project_id),
            beneficiary: *beneficiary,
            proposal: seeds::find_proposal(proposal_id),
            system_program: anchor_lang::system_program::ID,
        },
        instruction::ProposeInvestmentGrant { amount, schedule },
    )
}

/// The `stk_vesting` grant id of investment-grant proposal `proposal_id` executed with `salt`
/// (recorded in the proposal's `grant_id` once executed); its addresses are
/// [`vesting::grant_addresses`], its beneficiary claims with [`vesting::claim`].
pub fn grant_id(proposal_id: u64, salt: u64) -> Pubkey {
    stk_startup_fund::state::grant_id(&seeds::find_proposal(proposal_id), salt)
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

/// The accounts both investment executes share, after the executor.
fn investment_execution(proposal_id: u64, project_id: &Pubkey) -> accounts::InvestmentExecution {
    let a = addresses();
    accounts::InvestmentExecution {
        fund: a.fund,
        proposal: seeds::find_proposal(proposal_id),
        project: seeds::find_project(project_id),
        fund_authority: a.fund_authority,
        mint: a.mint,
        vault: a.vault,
    }
}

pub fn execute_investment(
    executor: &Pubkey,
    proposal_id: u64,
    project_id: &Pubkey,
    recipient: &Pubkey,
) -> Instruction {
    anchor_ix(
        stk_startup_fund::ID,
        accounts::ExecuteInvestment {
            executor: *executor,
            investment: investment_execution(proposal_id, project_id),
            recipient: *recipient,
            token_program: TOKEN_2022,
        },
        instruction::ExecuteInvestment {},
    )
}

/// Executes investment-grant proposal `proposal_id`, creating the grant
/// [`grant_id`]`(proposal_id, salt)`; `executor` pays its rent. Pick a fresh random `salt` per
/// attempt (see `stk_startup_fund::state::grant_id`).
pub fn execute_investment_grant(
    executor: &Pubkey,
    proposal_id: u64,
    project_id: &Pubkey,
    salt: u64,
) -> Instruction {
    let v = vesting::addresses();
    let g = vesting::grant_addresses(&grant_id(proposal_id, salt));
    anchor_ix(
        stk_startup_fund::ID,
        accounts::ExecuteInvestmentGrant {
            executor: *executor,
            investment: investment_execution(proposal_id, project_id),
            vesting_config: v.config,
            grant: g.grant,
            grant_vault: g.vault,
            vesting_authority: v.vesting_authority,
            vesting_program: stk_vesting::ID,
            token_program: TOKEN_2022,
            system_program: anchor_lang::system_program::ID,
        },
        instruction::ExecuteInvestmentGrant { salt },
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
