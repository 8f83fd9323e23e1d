use super::mint_capped;
use crate::{
    errors::{schedule_err, MintError},
    events::QuarterMinted,
    state::MintConfig,
};
use anchor_lang::prelude::*;
use anchor_spl::token_interface::{Mint, Token2022, TokenAccount};
use stk_common::seeds;

#[derive(Accounts)]
pub struct MintQuarter<'info> {
    /// Anyone may crank; amounts and destinations come from the config and the clock.
    pub cranker: Signer<'info>,
    #[account(mut, seeds = [seeds::MINT_CONFIG], bump = config.bump, has_one = mint)]
    pub config: Box<Account<'info, MintConfig>>,
    /// The STK mint recorded in the config.
    #[account(mut)]
    pub mint: Box<InterfaceAccount<'info, Mint>>,
    /// CHECK: PDA signer (mint authority), checked by its seeds.
    #[account(seeds = [seeds::MINT_AUTHORITY], bump = config.mint_authority_bump)]
    pub mint_authority: UncheckedAccount<'info>,
    /// The startup fund's vault recorded in the config.
    #[account(
        mut,
        address = config.startup_fund_destination @ MintError::WrongDestination,
        token::mint = mint,
        token::token_program = token_program,
    )]
    pub startup_fund_destination: Box<InterfaceAccount<'info, TokenAccount>>,
    /// The treasury's distribution vault recorded in the config.
    #[account(
        mut,
        address = config.distribution_destination @ MintError::WrongDestination,
        token::mint = mint,
        token::token_program = token_program,
    )]
    pub distribution_destination: Box<InterfaceAccount<'info, TokenAccount>>,
    pub token_program: Program<'info, Token2022>,
}

/// Checks: `quarter` is within the schedule, equals the next unminted quarter (so each quarter
/// is minted once and in order) and has started by the cluster clock; destinations are the
/// recorded STK token accounts; the cap holds for the counter and for the mint's supply.
pub fn handler(ctx: Context<MintQuarter>, quarter: u16) -> Result<()> {
    let accounts = ctx.accounts;
    let schedule = accounts.config.schedule;
    require!(quarter < schedule.num_quarters, MintError::QuarterOutOfRange);
    let next = accounts.config.quarters_minted;
    require!(quarter >= next, MintError::QuarterAlreadyMinted);
    require!(quarter == next, MintError::QuarterOutOfOrder);
    let starts_at = schedule.quarter_start_ts(quarter).map_err(schedule_err)?;
    require!(Clock::get()?.unix_timestamp >= starts_at, MintError::QuarterNotStarted);

    let emission = schedule.quarter_emission(quarter).map_err(schedule_err)?;
    let (startup_fund_amount, distribution_amount) = schedule.split(emission);
    let mint_authority = accounts.mint_authority.to_account_info();
    let token_program = accounts.token_program.to_account_info();
    mint_capped(
        &mut accounts.config,
        &accounts.mint,
        &mint_authority,
        &accounts.startup_fund_destination,
        &token_program,
        startup_fund_amount,
    )?;
    accounts.mint.reload()?;
    mint_capped(
        &mut accounts.config,
        &accounts.mint,
        &mint_authority,
        &accounts.distribution_destination,
        &token_program,
        distribution_amount,
    )?;
    accounts.config.quarters_minted = next.checked_add(1).ok_or(MintError::Overflow)?;
    stk_common::event::emit(&QuarterMinted {
        quarter,
        emission,
        startup_fund_amount,
        distribution_amount,
        total_minted: accounts.config.total_minted,
    });
    Ok(())
}
