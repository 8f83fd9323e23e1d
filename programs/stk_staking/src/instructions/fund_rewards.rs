use crate::{errors::StakingError, events::RewardsFunded, state::StakingPool};
use anchor_lang::prelude::*;
use anchor_spl::token_interface::{Mint, Token2022, TokenAccount};
use stk_common::seeds;

#[derive(Accounts)]
pub struct FundRewards<'info> {
    /// Anyone may add rewards (the treasury's fee split, a donor).
    pub funder: Signer<'info>,
    #[account(mut, seeds = [seeds::STAKING_POOL, mint.key().as_ref()], bump = pool.bump, has_one = mint)]
    pub pool: Box<Account<'info, StakingPool>>,
    /// The pool's mint.
    pub mint: Box<InterfaceAccount<'info, Mint>>,
    /// The funder's token account of the mint (Token-2022 checks the funder's authority).
    #[account(mut, token::mint = mint, token::token_program = token_program)]
    pub funder_token: Box<InterfaceAccount<'info, TokenAccount>>,
    /// The pool's reward vault.
    #[account(mut, address = pool.reward_vault @ StakingError::WrongVault)]
    pub reward_vault: Box<InterfaceAccount<'info, TokenAccount>>,
    pub token_program: Program<'info, Token2022>,
}

/// Checks: amount > 0; pool PDA of the mint; the reward vault is the pool's. Accrues first
/// (so new funds do not pay for a period when the reserve was empty), then credits exactly
/// what the vault's balance grew by — the transfer fee is the funder's.
pub fn handler(ctx: Context<FundRewards>, amount: u64) -> Result<()> {
    require!(amount > 0, StakingError::ZeroAmount);
    let accounts = ctx.accounts;
    accounts.pool.rewards.accrue(super::now()?)?;
    let before = accounts.reward_vault.amount;
    stk_common::token::transfer_by_owner(
        &accounts.token_program.to_account_info(),
        &accounts.funder_token.to_account_info(),
        &accounts.mint.to_account_info(),
        &accounts.reward_vault.to_account_info(),
        &accounts.funder.to_account_info(),
        amount,
        accounts.mint.decimals,
    )?;
    accounts.reward_vault.reload()?;
    let received =
        accounts.reward_vault.amount.checked_sub(before).ok_or(StakingError::Overflow)?;
    require!(received > 0, StakingError::NothingArrived);
    let pool = &mut accounts.pool;
    pool.rewards.fund(received)?;
    pool.total_funded = pool.total_funded.checked_add(received).ok_or(StakingError::Overflow)?;
    stk_common::event::emit(&RewardsFunded {
        funder: accounts.funder.key(),
        requested: amount,
        received,
        unreleased: pool.rewards.unreleased,
    });
    Ok(())
}
