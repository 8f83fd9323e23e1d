use super::mint_capped;
use crate::{errors::MintError, events::GenesisMinted, state::MintConfig};
use anchor_lang::prelude::*;
use anchor_spl::token_interface::{Mint, Token2022, TokenAccount};
use stk_common::seeds;

#[derive(Accounts)]
pub struct MintGenesis<'info> {
    /// Anyone may crank; the destination and amount were fixed at initialization.
    pub cranker: Signer<'info>,
    #[account(mut, seeds = [seeds::MINT_CONFIG], bump = config.bump, has_one = mint)]
    pub config: Box<Account<'info, MintConfig>>,
    /// The STK mint recorded in the config.
    #[account(mut)]
    pub mint: Box<InterfaceAccount<'info, Mint>>,
    /// CHECK: PDA signer (mint authority), checked by its seeds.
    #[account(seeds = [seeds::MINT_AUTHORITY], bump = config.mint_authority_bump)]
    pub mint_authority: UncheckedAccount<'info>,
    /// The genesis destination recorded in the config, an STK token account.
    #[account(
        mut,
        address = config.genesis_destination @ MintError::WrongDestination,
        token::mint = mint,
        token::token_program = token_program,
    )]
    pub destination: Box<InterfaceAccount<'info, TokenAccount>>,
    pub token_program: Program<'info, Token2022>,
}

/// Checks: genesis not minted yet; config PDA and its mint; destination equals the recorded
/// genesis destination and is a token account of the STK mint; the cap holds.
pub fn handler(ctx: Context<MintGenesis>) -> Result<()> {
    let accounts = ctx.accounts;
    require!(!accounts.config.genesis_minted, MintError::GenesisAlreadyMinted);
    let amount = accounts.config.schedule.genesis_amount();
    mint_capped(
        &mut accounts.config,
        &accounts.mint,
        &accounts.mint_authority.to_account_info(),
        &accounts.destination,
        &accounts.token_program.to_account_info(),
        amount,
    )?;
    accounts.config.genesis_minted = true;
    stk_common::event::emit(&GenesisMinted {
        destination: accounts.destination.key(),
        amount,
        total_minted: accounts.config.total_minted,
    });
    Ok(())
}
