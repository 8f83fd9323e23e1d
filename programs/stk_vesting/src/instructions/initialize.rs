use crate::{errors::VestingError, events::VestingInitialized, state::VestingConfig};
use anchor_lang::prelude::*;
use anchor_spl::token_interface::{Mint, Token2022, TokenAccount};
use stk_common::{ids, seeds};

#[derive(Accounts)]
pub struct Initialize<'info> {
    /// Pays for the accounts and becomes the admin (may open the sale).
    #[account(mut)]
    pub admin: Signer<'info>,
    /// The program's state; `init` makes a second initialization impossible.
    #[account(init, payer = admin, space = 8 + VestingConfig::INIT_SPACE, seeds = [seeds::VESTING_CONFIG], bump)]
    pub config: Box<Account<'info, VestingConfig>>,
    /// The STK mint: the `stk_mint` program's mint PDA, nothing else.
    #[account(
        seeds = [seeds::STK_MINT],
        bump,
        seeds::program = ids::STK_MINT,
        mint::token_program = token_program,
    )]
    pub mint: Box<InterfaceAccount<'info, Mint>>,
    /// CHECK: PDA used only as a signer: owner of every vault of this program.
    #[account(seeds = [seeds::VESTING_AUTHORITY], bump)]
    pub vesting_authority: UncheckedAccount<'info>,
    /// The sale vault, created here; `stk_mint::mint_genesis` mints the genesis allocation
    /// into it.
    #[account(
        init,
        payer = admin,
        seeds = [seeds::SALE_VAULT],
        bump,
        token::mint = mint,
        token::authority = vesting_authority,
        token::token_program = token_program,
    )]
    pub sale_vault: Box<InterfaceAccount<'info, TokenAccount>>,
    pub token_program: Program<'info, Token2022>,
    pub system_program: Program<'info, System>,
    /// CHECK: this program's ProgramData account (written only by the upgradeable loader);
    /// the handler requires `admin` to be its upgrade authority (`stk_common::deploy`), so
    /// nobody but the deployer can take the program over between deploy and initialize.
    pub program_data: UncheckedAccount<'info>,
}

/// Checks: the signer is this program's upgrade authority (`stk_common::deploy`);
/// the config and sale vault do not exist yet (`init`); the mint is the STK mint PDA
/// of `stk_mint` under Token-2022.
pub fn handler(ctx: Context<Initialize>) -> Result<()> {
    stk_common::deploy::require_upgrade_authority(
        &crate::ID,
        &ctx.accounts.program_data,
        ctx.accounts.admin.key,
        VestingError::NotUpgradeAuthority,
    )?;
    let config = &mut ctx.accounts.config;
    config.set_inner(VestingConfig {
        admin: ctx.accounts.admin.key(),
        mint: ctx.accounts.mint.key(),
        sale_vault: ctx.accounts.sale_vault.key(),
        bump: ctx.bumps.config,
        authority_bump: ctx.bumps.vesting_authority,
        pending_admin: Pubkey::default(),
    });
    stk_common::event::emit(&VestingInitialized {
        admin: config.admin,
        mint: config.mint,
        sale_vault: config.sale_vault,
    });
    Ok(())
}
