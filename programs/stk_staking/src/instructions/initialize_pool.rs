use crate::{
    errors::StakingError,
    events::PoolInitialized,
    rewards::RewardStream,
    state::{lock_options_valid, LockOption, StakingPool, MAX_LOCK_OPTIONS},
};
use anchor_lang::prelude::*;
use anchor_spl::token_interface::{Mint, Token2022, TokenAccount};
use stk_common::seeds;

#[derive(AnchorSerialize, AnchorDeserialize, Clone, Debug)]
pub struct InitializePoolArgs {
    /// Reward base units streamed per second (shared by weight).
    pub reward_rate: u64,
    /// The lock table (see `state::lock_options_valid`); `state::default_lock_options()` is
    /// none / 3 / 6 / 12 months.
    pub lock_options: Vec<LockOption>,
}

#[derive(Accounts)]
pub struct InitializePool<'info> {
    /// Pays for the accounts and becomes the pool's admin (reward rate only).
    #[account(mut)]
    pub admin: Signer<'info>,
    /// The mint staked and paid as reward (STK), a Token-2022 mint.
    #[account(mint::token_program = token_program)]
    pub mint: Box<InterfaceAccount<'info, Mint>>,
    /// The pool of this mint; `init` makes a second pool for the same mint impossible.
    #[account(
        init,
        payer = admin,
        space = 8 + StakingPool::INIT_SPACE,
        seeds = [seeds::STAKING_POOL, mint.key().as_ref()],
        bump
    )]
    pub pool: Box<Account<'info, StakingPool>>,
    /// The stake vault: a token account of `mint` owned by the pool.
    #[account(
        init,
        payer = admin,
        seeds = [seeds::STAKE_VAULT, pool.key().as_ref()],
        bump,
        token::mint = mint,
        token::authority = pool,
        token::token_program = token_program,
    )]
    pub stake_vault: Box<InterfaceAccount<'info, TokenAccount>>,
    /// The reward vault: a token account of `mint` owned by the pool.
    #[account(
        init,
        payer = admin,
        seeds = [seeds::REWARD_VAULT, pool.key().as_ref()],
        bump,
        token::mint = mint,
        token::authority = pool,
        token::token_program = token_program,
    )]
    pub reward_vault: Box<InterfaceAccount<'info, TokenAccount>>,
    pub token_program: Program<'info, Token2022>,
    pub system_program: Program<'info, System>,
    /// CHECK: this program's ProgramData account (written only by the upgradeable loader);
    /// the handler requires `admin` to be its upgrade authority (`stk_common::deploy`), so
    /// nobody but the deployer can take the program over between deploy and initialize.
    pub program_data: UncheckedAccount<'info>,
}

/// Checks: the signer is this program's upgrade authority (`stk_common::deploy`);
/// the lock table is valid (1..=8 rows, ordered, bounded multipliers and durations);
/// the mint belongs to Token-2022; the pool and vault PDAs do not exist yet (Anchor `init`).
pub fn handler(ctx: Context<InitializePool>, args: InitializePoolArgs) -> Result<()> {
    stk_common::deploy::require_upgrade_authority(
        &crate::ID,
        &ctx.accounts.program_data,
        ctx.accounts.admin.key,
        StakingError::NotUpgradeAuthority,
    )?;
    require!(lock_options_valid(&args.lock_options), StakingError::InvalidLockOptions);
    let mut table = [LockOption::default(); MAX_LOCK_OPTIONS];
    table[..args.lock_options.len()].copy_from_slice(&args.lock_options);
    let now = super::now()?;
    let pool = &mut ctx.accounts.pool;
    pool.set_inner(StakingPool {
        admin: ctx.accounts.admin.key(),
        mint: ctx.accounts.mint.key(),
        stake_vault: ctx.accounts.stake_vault.key(),
        reward_vault: ctx.accounts.reward_vault.key(),
        rewards: RewardStream {
            reward_rate: args.reward_rate,
            last_update_ts: now,
            ..Default::default()
        },
        total_staked: 0,
        total_funded: 0,
        total_claimed: 0,
        lock_option_count: args.lock_options.len() as u8,
        lock_options: table,
        bump: ctx.bumps.pool,
        pending_admin: Pubkey::default(),
    });
    stk_common::event::emit(&PoolInitialized {
        pool: pool.key(),
        mint: pool.mint,
        admin: pool.admin,
        reward_rate: args.reward_rate,
        lock_options: args.lock_options,
    });
    Ok(())
}
