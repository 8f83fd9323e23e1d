// The glob brings the composite's generated client modules and bumps along with it.
use super::position_accounts::*;
use crate::{errors::StakingError, events::Staked};
use anchor_lang::prelude::*;
use anchor_spl::token_interface::{Token2022, TokenAccount};

#[derive(Accounts)]
pub struct Stake<'info> {
    /// `owner`, `pool`, `position`, `mint` (see [`PositionAccounts`]).
    pub position: PositionAccounts<'info>,
    /// The owner's token account the stake comes from.
    #[account(mut, token::mint = position.mint, token::token_program = token_program)]
    pub owner_token: Box<InterfaceAccount<'info, TokenAccount>>,
    /// The pool's stake vault.
    #[account(mut, address = position.pool.stake_vault @ StakingError::WrongVault)]
    pub stake_vault: Box<InterfaceAccount<'info, TokenAccount>>,
    pub token_program: Program<'info, Token2022>,
}

/// Checks: amount > 0; `lock_option` is in the pool's table; the position is the signer's
/// (PDA and `has_one`); the vault and mint are the pool's; while the position is still
/// locked, the new option's multiplier is not lower than the current one.
///
/// Top-up rule: the whole position takes the chosen option's multiplier and is locked until
/// `max(current lock end, now + option duration)`. The position is credited with what
/// arrived in the vault (the transfer fee is the staker's).
pub fn handler(ctx: Context<Stake>, amount: u64, lock_option: u8) -> Result<()> {
    require!(amount > 0, StakingError::ZeroAmount);
    let accounts = ctx.accounts;
    let staker = &mut accounts.position;
    let option = staker.pool.lock_option(lock_option).ok_or(StakingError::LockOptionOutOfRange)?;
    let now = super::now()?;
    staker.settle(now)?;
    if now < staker.position.lock_end_ts {
        require!(
            option.multiplier_bps >= staker.position.multiplier_bps,
            StakingError::LockDowngrade
        );
    }

    let before = accounts.stake_vault.amount;
    stk_common::token::transfer_by_owner(
        &accounts.token_program.to_account_info(),
        &accounts.owner_token.to_account_info(),
        &staker.mint.to_account_info(),
        &accounts.stake_vault.to_account_info(),
        &staker.owner.to_account_info(),
        amount,
        staker.mint.decimals,
    )?;
    accounts.stake_vault.reload()?;
    let received = accounts.stake_vault.amount.checked_sub(before).ok_or(StakingError::Overflow)?;
    require!(received > 0, StakingError::NothingArrived);

    let duration = i64::try_from(option.duration_seconds).map_err(|_| StakingError::Overflow)?;
    let lock_until = now.checked_add(duration).ok_or(StakingError::Overflow)?;
    let position = &mut staker.position;
    let pool = &mut staker.pool;
    position.amount = position.amount.checked_add(received).ok_or(StakingError::Overflow)?;
    position.multiplier_bps = option.multiplier_bps;
    position.lock_option = lock_option;
    position.lock_end_ts = position.lock_end_ts.max(lock_until);
    position.set_weight(&mut pool.rewards)?;
    pool.total_staked = pool.total_staked.checked_add(received).ok_or(StakingError::Overflow)?;
    stk_common::event::emit(&Staked {
        owner: position.owner,
        requested: amount,
        received,
        amount: position.amount,
        weight: position.weight,
        lock_option,
        lock_end_ts: position.lock_end_ts,
    });
    Ok(())
}
