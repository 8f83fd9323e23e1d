//! `stk_staking` instructions.
use crate::{anchor_ix, Instruction, TOKEN_2022};
use anchor_lang::prelude::Pubkey;
use stk_common::seeds;
use stk_staking::{accounts, instruction, instructions::InitializePoolArgs};

/// The addresses of the staking pool of `mint`.
#[derive(Debug, Clone, Copy)]
pub struct PoolAddresses {
    pub mint: Pubkey,
    pub pool: Pubkey,
    pub stake_vault: Pubkey,
    pub reward_vault: Pubkey,
}

impl PoolAddresses {
    /// The position of `owner` in this pool.
    pub fn position(&self, owner: &Pubkey) -> Pubkey {
        seeds::find_stake_position(&self.pool, owner)
    }

    /// The first four accounts of `stake`, `unstake` and `claim_rewards` for `owner`.
    pub fn position_accounts(&self, owner: &Pubkey) -> accounts::PositionAccounts {
        accounts::PositionAccounts {
            owner: *owner,
            pool: self.pool,
            position: self.position(owner),
            mint: self.mint,
        }
    }
}

pub fn addresses(mint: &Pubkey) -> PoolAddresses {
    let pool = seeds::find_staking_pool(mint);
    PoolAddresses {
        mint: *mint,
        pool,
        stake_vault: seeds::find_stake_vault(&pool),
        reward_vault: seeds::find_reward_vault(&pool),
    }
}

pub fn initialize_pool(admin: &Pubkey, mint: &Pubkey, args: InitializePoolArgs) -> Instruction {
    let a = addresses(mint);
    anchor_ix(
        stk_staking::ID,
        accounts::InitializePool {
            admin: *admin,
            mint: a.mint,
            pool: a.pool,
            stake_vault: a.stake_vault,
            reward_vault: a.reward_vault,
            token_program: TOKEN_2022,
            system_program: anchor_lang::system_program::ID,
            program_data: stk_common::deploy::program_data_address(&stk_staking::ID),
        },
        instruction::InitializePool { args },
    )
}

pub fn fund_rewards(
    funder: &Pubkey,
    mint: &Pubkey,
    funder_token: &Pubkey,
    amount: u64,
) -> Instruction {
    let a = addresses(mint);
    anchor_ix(
        stk_staking::ID,
        accounts::FundRewards {
            funder: *funder,
            pool: a.pool,
            mint: a.mint,
            funder_token: *funder_token,
            reward_vault: a.reward_vault,
            token_program: TOKEN_2022,
        },
        instruction::FundRewards { amount },
    )
}

pub fn set_reward_rate(admin: &Pubkey, mint: &Pubkey, reward_rate: u64) -> Instruction {
    let a = addresses(mint);
    anchor_ix(
        stk_staking::ID,
        accounts::SetRewardRate { admin: *admin, pool: a.pool },
        instruction::SetRewardRate { reward_rate },
    )
}

pub fn open_position(owner: &Pubkey, mint: &Pubkey) -> Instruction {
    let a = addresses(mint);
    anchor_ix(
        stk_staking::ID,
        accounts::OpenPosition {
            owner: *owner,
            pool: a.pool,
            position: a.position(owner),
            system_program: anchor_lang::system_program::ID,
        },
        instruction::OpenPosition {},
    )
}

pub fn stake(
    owner: &Pubkey,
    mint: &Pubkey,
    owner_token: &Pubkey,
    amount: u64,
    lock_option: u8,
) -> Instruction {
    let a = addresses(mint);
    anchor_ix(
        stk_staking::ID,
        accounts::Stake {
            position: a.position_accounts(owner),
            owner_token: *owner_token,
            stake_vault: a.stake_vault,
            token_program: TOKEN_2022,
        },
        instruction::Stake { amount, lock_option },
    )
}

pub fn unstake(owner: &Pubkey, mint: &Pubkey, destination: &Pubkey, amount: u64) -> Instruction {
    let a = addresses(mint);
    anchor_ix(
        stk_staking::ID,
        accounts::Unstake {
            position: a.position_accounts(owner),
            destination: *destination,
            stake_vault: a.stake_vault,
            token_program: TOKEN_2022,
        },
        instruction::Unstake { amount },
    )
}

pub fn claim_rewards(owner: &Pubkey, mint: &Pubkey, destination: &Pubkey) -> Instruction {
    let a = addresses(mint);
    anchor_ix(
        stk_staking::ID,
        accounts::ClaimRewards {
            position: a.position_accounts(owner),
            destination: *destination,
            reward_vault: a.reward_vault,
            token_program: TOKEN_2022,
        },
        instruction::ClaimRewards {},
    )
}

/// Permissionless: brings `owner`'s position up to date.
pub fn refresh_position(mint: &Pubkey, owner: &Pubkey) -> Instruction {
    let a = addresses(mint);
    anchor_ix(
        stk_staking::ID,
        accounts::RefreshPosition { pool: a.pool, position: a.position(owner) },
        instruction::RefreshPosition {},
    )
}

/// Permissionless: books tokens transferred straight into the reward vault as funding.
pub fn credit_reward_deposits(mint: &Pubkey) -> Instruction {
    let a = addresses(mint);
    anchor_ix(
        stk_staking::ID,
        accounts::CreditRewardDeposits { pool: a.pool, reward_vault: a.reward_vault },
        instruction::CreditRewardDeposits {},
    )
}

/// The pool's admin proposes `candidate` as its successor (`Pubkey::default()` withdraws).
pub fn propose_admin(admin: &Pubkey, mint: &Pubkey, candidate: &Pubkey) -> Instruction {
    anchor_ix(
        stk_staking::ID,
        accounts::ProposeAdmin { admin: *admin, pool: addresses(mint).pool },
        instruction::ProposeAdmin { candidate: *candidate },
    )
}

/// The proposed admin takes the pool's admin role.
pub fn accept_admin(candidate: &Pubkey, mint: &Pubkey) -> Instruction {
    anchor_ix(
        stk_staking::ID,
        accounts::AcceptAdmin { candidate: *candidate, pool: addresses(mint).pool },
        instruction::AcceptAdmin {},
    )
}
