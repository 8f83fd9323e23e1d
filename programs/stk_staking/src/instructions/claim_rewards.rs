// The glob brings the composite's generated client modules and bumps along with it.
use super::position_accounts::*;
use crate::{errors::StakingError, events::RewardsClaimed};
use anchor_lang::prelude::*;
use anchor_spl::token_interface::{Token2022, TokenAccount};

#[derive(Accounts)]
pub struct ClaimRewards<'info> {
    /// `owner`, `pool`, `position`, `mint` (see [`PositionAccounts`]).
    pub position: PositionAccounts<'info>,
    /// Where the rewards go: any token account of the mint the owner chooses.
    #[account(mut, token::mint = position.mint, token::token_program = token_program)]
    pub destination: Box<InterfaceAccount<'info, TokenAccount>>,
    /// The pool's reward vault.
    #[account(mut, address = position.pool.reward_vault @ StakingError::WrongVault)]
    pub reward_vault: Box<InterfaceAccount<'info, TokenAccount>>,
    pub token_program: Program<'info, Token2022>,
}

/// Checks: the position is the signer's; something is pending; the vault and mint are the
/// pool's; the vault holds the claim and its balance falls by exactly the claim (the
/// recipient bears the transfer fee). The pending amount is zeroed before the transfer, so a
/// second claim finds nothing.
pub fn handler(ctx: Context<ClaimRewards>) -> Result<()> {
    let accounts = ctx.accounts;
    let staker = &mut accounts.position;
    staker.settle(super::now()?)?;
    let pay = staker.position.rewards.take();
    require!(pay > 0, StakingError::NothingToClaim);
    require!(accounts.reward_vault.amount >= pay, StakingError::RewardVaultShort);
    staker.pool.rewards.pay(pay)?;
    staker.send_from_vault(
        &accounts.token_program,
        &mut accounts.reward_vault,
        &accounts.destination,
        pay,
    )?;

    let position = &mut staker.position;
    let pool = &mut staker.pool;
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
