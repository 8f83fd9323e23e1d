use crate::{
    errors::StakingError,
    events::RewardsClaimed,
    state::{StakePosition, StakingPool},
};
use anchor_lang::prelude::*;
use anchor_spl::token_interface::{Mint, Token2022, TokenAccount};
use stk_common::seeds;

#[derive(Accounts)]
pub struct ClaimRewards<'info> {
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
    /// Where the rewards go: any token account of the mint the owner chooses.
    #[account(mut, token::mint = mint, token::token_program = token_program)]
    pub destination: Box<InterfaceAccount<'info, TokenAccount>>,
    /// The pool's reward vault.
    #[account(mut, address = pool.reward_vault @ StakingError::WrongVault)]
    pub reward_vault: Box<InterfaceAccount<'info, TokenAccount>>,
    pub token_program: Program<'info, Token2022>,
}

/// Checks: the position is the signer's; something is pending; the vault and mint are the
/// pool's; the vault holds the claim and its balance falls by exactly the claim (the
/// recipient bears the transfer fee). The pending amount is zeroed before the transfer, so a
/// second claim finds nothing.
pub fn handler(ctx: Context<ClaimRewards>) -> Result<()> {
    let accounts = ctx.accounts;
    let now = super::now()?;
    accounts.pool.rewards.accrue(now)?;
    accounts.position.sync(&mut accounts.pool.rewards, now)?;
    let pay = accounts.position.rewards.take();
    require!(pay > 0, StakingError::NothingToClaim);
    require!(accounts.reward_vault.amount >= pay, StakingError::RewardVaultShort);
    accounts.pool.rewards.pay(pay)?;

    let before = accounts.reward_vault.amount;
    super::with_pool_signer(&accounts.pool, |signer| {
        stk_common::token::transfer_signed(
            &accounts.token_program.to_account_info(),
            &accounts.reward_vault.to_account_info(),
            &accounts.mint.to_account_info(),
            &accounts.destination.to_account_info(),
            &accounts.pool.to_account_info(),
            signer,
            pay,
            accounts.mint.decimals,
        )
    })?;
    accounts.reward_vault.reload()?;
    require!(
        before.checked_sub(accounts.reward_vault.amount) == Some(pay),
        StakingError::TransferMismatch
    );

    let position = &mut accounts.position;
    let pool = &mut accounts.pool;
    position.total_claimed =
        position.total_claimed.checked_add(pay).ok_or(StakingError::Overflow)?;
    pool.total_claimed = pool.total_claimed.checked_add(pay).ok_or(StakingError::Overflow)?;
    stk_common::event::emit(&RewardsClaimed {
        owner: position.owner,
        amount: pay,
        total_claimed: position.total_claimed,
    });
    Ok(())
}
