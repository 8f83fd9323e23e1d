use crate::{
    errors::StakingError,
    state::{StakePosition, StakingPool},
};
use anchor_lang::prelude::*;
use anchor_spl::token_interface::{Mint, Token2022, TokenAccount};
use stk_common::seeds;

/// The signer's position in the pool of `mint`: the first four accounts of `stake`, `unstake`
/// and `claim_rewards`, in this order (`owner`, `pool`, `position`, `mint`). Each of those
/// instructions nests it as its first field, so their account lists are unchanged.
#[derive(Accounts)]
pub struct PositionAccounts<'info> {
    /// The position's owner (for `stake`, the authority of `owner_token`).
    pub owner: Signer<'info>,
    #[account(mut, seeds = [seeds::STAKING_POOL, mint.key().as_ref()], bump = pool.bump, has_one = mint)]
    pub pool: Box<Account<'info, StakingPool>>,
    /// The signer's position in this pool (open it first with `open_position`).
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
}

impl<'info> PositionAccounts<'info> {
    /// Accrues the pool up to `now`, then settles the position ([`StakingPool::settle`]).
    pub(crate) fn settle(&mut self, now: i64) -> Result<()> {
        self.pool.settle(&mut self.position, now)?;
        Ok(())
    }

    /// Sends `amount` from one of the pool's vaults to `destination`, signed by the pool, and
    /// checks that the vault's balance fell by exactly `amount` (the recipient bears the
    /// transfer fee; a CPI that silently did nothing must not pass).
    pub(crate) fn send_from_vault(
        &self,
        token_program: &Program<'info, Token2022>,
        vault: &mut InterfaceAccount<'info, TokenAccount>,
        destination: &InterfaceAccount<'info, TokenAccount>,
        amount: u64,
    ) -> Result<()> {
        let before = vault.amount;
        super::with_pool_signer(&self.pool, |signer| {
            stk_common::token::transfer_signed(
                &token_program.to_account_info(),
                &vault.to_account_info(),
                &self.mint.to_account_info(),
                &destination.to_account_info(),
                &self.pool.to_account_info(),
                signer,
                amount,
                self.mint.decimals,
            )
        })?;
        vault.reload()?;
        require!(
            stk_common::token::sent_exactly(before, vault.amount, amount),
            StakingError::TransferMismatch
        );
        Ok(())
    }
}
