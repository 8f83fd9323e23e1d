// The glob brings the composite's generated client modules and bumps along with it.
use super::position_accounts::*;
use crate::{errors::StakingError, events::Unstaked};
use anchor_lang::prelude::*;
use anchor_spl::token_interface::{Token2022, TokenAccount};

#[derive(Accounts)]
pub struct Unstake<'info> {
    /// `owner`, `pool`, `position`, `mint` (see [`PositionAccounts`]).
    pub position: PositionAccounts<'info>,
    /// Where the tokens go: any token account of the mint the owner chooses.
    #[account(mut, token::mint = position.mint, token::token_program = token_program)]
    pub destination: Box<InterfaceAccount<'info, TokenAccount>>,
    /// The pool's stake vault.
    #[account(mut, address = position.pool.stake_vault @ StakingError::WrongVault)]
    pub stake_vault: Box<InterfaceAccount<'info, TokenAccount>>,
    pub token_program: Program<'info, Token2022>,
}

/// Checks: amount > 0 and ≤ the position's amount; the position is the signer's; its lock has
/// ended by the cluster clock; the vault and mint are the pool's; the vault's balance falls by
/// exactly `amount` (the recipient bears the transfer fee).
pub fn handler(ctx: Context<Unstake>, amount: u64) -> Result<()> {
    require!(amount > 0, StakingError::ZeroAmount);
    let accounts = ctx.accounts;
    let staker = &mut accounts.position;
    let now = super::now()?;
    require!(now >= staker.position.lock_end_ts, StakingError::LockNotEnded);
    require!(amount <= staker.position.amount, StakingError::InsufficientStake);
    staker.settle(now)?;
    staker.send_from_vault(
        &accounts.token_program,
        &mut accounts.stake_vault,
        &accounts.destination,
        amount,
    )?;

    let position = &mut staker.position;
    let pool = &mut staker.pool;
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
