use super::authority_seeds;
use crate::{errors::TreasuryError, events::FeesSplit, math, state::Treasury};
use anchor_lang::prelude::*;
use anchor_spl::token_interface::{Mint, Token2022, TokenAccount};
use stk_common::{seeds, token};

#[derive(Accounts)]
pub struct SplitFees<'info> {
    pub admin: Signer<'info>,
    #[account(
        seeds = [seeds::TREASURY],
        bump = treasury.bump,
        has_one = admin @ TreasuryError::NotAdmin,
        has_one = mint,
        has_one = fee_vault,
        has_one = distribution_vault,
    )]
    pub treasury: Box<Account<'info, Treasury>>,
    pub mint: Box<InterfaceAccount<'info, Mint>>,
    /// CHECK: PDA signer, owner of the fee vault, checked by its seeds.
    #[account(seeds = [seeds::TREASURY_AUTHORITY], bump = treasury.authority_bump)]
    pub treasury_authority: UncheckedAccount<'info>,
    /// The fee vault recorded in the treasury; split in full.
    #[account(mut)]
    pub fee_vault: Box<InterfaceAccount<'info, TokenAccount>>,
    /// The distribution vault recorded in the treasury; receives the rest.
    #[account(mut)]
    pub distribution_vault: Box<InterfaceAccount<'info, TokenAccount>>,
    /// The configured staking-rewards destination, an STK token account.
    #[account(
        mut,
        address = treasury.fee_split.staking_rewards_destination,
        token::mint = mint,
        token::token_program = token_program,
    )]
    pub staking_rewards_destination: Box<InterfaceAccount<'info, TokenAccount>>,
    /// The configured startup-fund destination, an STK token account.
    #[account(
        mut,
        address = treasury.fee_split.startup_fund_destination,
        token::mint = mint,
        token::token_program = token_program,
    )]
    pub startup_fund_destination: Box<InterfaceAccount<'info, TokenAccount>>,
    pub token_program: Program<'info, Token2022>,
}

/// Checks: signer is the admin; vaults and mint are the treasury's; destinations are the
/// configured STK token accounts. The shares round down and the distribution vault takes the
/// rest, so the fee vault empties exactly. (Each transfer withholds the usual fee at its
/// destination; it comes back with the next harvest.)
pub fn handler(ctx: Context<SplitFees>) -> Result<()> {
    let accounts = ctx.accounts;
    let split = accounts.treasury.fee_split;
    let (staking, startup, rest) = math::split_fees(
        accounts.fee_vault.amount,
        split.staking_rewards_bps,
        split.startup_fund_bps,
    )
    .ok_or(TreasuryError::FeeSplitBps)?;
    let bump = [accounts.treasury.authority_bump];
    let signer = authority_seeds(&bump);
    let token_program = accounts.token_program.to_account_info();
    let mint = accounts.mint.to_account_info();
    let from = accounts.fee_vault.to_account_info();
    let authority = accounts.treasury_authority.to_account_info();
    for (to, amount) in [
        (accounts.staking_rewards_destination.to_account_info(), staking),
        (accounts.startup_fund_destination.to_account_info(), startup),
        (accounts.distribution_vault.to_account_info(), rest),
    ] {
        if amount > 0 {
            token::transfer_signed(
                &token_program,
                &from,
                &mint,
                &to,
                &authority,
                &signer,
                amount,
                accounts.mint.decimals,
            )?;
        }
    }
    stk_common::event::emit(&FeesSplit {
        staking_rewards: staking,
        startup_fund: startup,
        distribution_vault: rest,
    });
    Ok(())
}
