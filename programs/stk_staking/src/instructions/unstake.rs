use crate::{
    errors::StakingError,
    events::Unstaked,
    state::{StakePosition, StakingPool},
};
use anchor_lang::prelude::*;
use anchor_spl::token_interface::{Mint, Token2022, TokenAccount};
use stk_common::seeds;

#[derive(Accounts)]
pub struct Unstake<'info> {
    /// The position's owner.
    pub owner: Signer<'info>,
    #[account(mut, seeds = [seeds::STAKING_POOL, mint.key().as_ref()], bump = pool.bump, has_one = mint)]
    pub pool: Box<Account<'info, StakingPool>>,
    /// The signer's position in this pool.
    #[account(
        mut,
        seeds = [seeds::STAKE_POSITION, pool.key().as_ref(), owner.key().as_ref()],
        bump = position.bump,
        has_one = owner,
        has_one = pool,
    )]
    pub position: Box<Account<'info, StakePosition>>,
    /// The pool's mint.
    pub mint: Box<InterfaceAccount<'info, Mint>>,
    /// Where the tokens go: any token account of the mint the owner chooses.
    #[account(mut, token::mint = mint, token::token_program = token_program)]
    pub destination: Box<InterfaceAccount<'info, TokenAccount>>,
    /// The pool's stake vault.
    #[account(mut, address = pool.stake_vault @ StakingError::WrongVault)]
    pub stake_vault: Box<InterfaceAccount<'info, TokenAccount>>,
    pub token_program: Program<'info, Token2022>,
}

/// Checks: amount > 0 and ≤ the position's amount; the position is the signer's; its lock has
/// ended by the cluster clock; the vault and mint are the pool's; the vault's balance falls by
/// exactly `amount` (the recipient bears the transfer fee).
pub fn handler(ctx: Context<Unstake>, amount: u64) -> Result<()> {
    require!(amount > 0, StakingError::ZeroAmount);
    let accounts = ctx.accounts;
    let now = super::now()?;
    require!(now >= accounts.position.lock_end_ts, StakingError::LockNotEnded);
    require!(amount <= accounts.position.amount, StakingError::InsufficientStake);
    accounts.pool.rewards.accrue(now)?;
    accounts.position.sync(&mut accounts.pool.rewards, now)?;

    let before = accounts.stake_vault.amount;
    super::with_pool_signer(&accounts.pool, |signer| {
        stk_common::token::transfer_signed(
            &accounts.token_program.to_account_info(),
            &accounts.stake_vault.to_account_info(),
            &accounts.mint.to_account_info(),
            &accounts.destination.to_account_info(),
            &accounts.pool.to_account_info(),
            signer,
            amount,
            accounts.mint.decimals,
        )
    })?;
    accounts.stake_vault.reload()?;
    require!(
        before.checked_sub(accounts.stake_vault.amount) == Some(amount),
        StakingError::TransferMismatch
    );

    let position = &mut accounts.position;
    let pool = &mut accounts.pool;
    position.amount -= amount; // checked above
    position.set_weight(&mut pool.rewards)?;
    pool.total_staked = pool.total_staked.checked_sub(amount).ok_or(StakingError::Overflow)?;
    stk_common::event::emit(&Unstaked {
        owner: position.owner,
        amount,
        remaining: position.amount,
        weight: position.weight,
    });
    Ok(())
}
