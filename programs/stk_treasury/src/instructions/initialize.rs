use super::validate_fee_split;
use crate::{
    errors::TreasuryError,
    events::TreasuryInitialized,
    state::{
        FeeSplit, OneTimeReceipt, Treasury, MAX_ACTIVE_RECEIPTS, MAX_DORMANCY_NOTICE_SECS,
        MAX_FIAT_DECIMALS, MIN_DORMANCY_NOTICE_SECS,
    },
};
use anchor_lang::prelude::*;
use anchor_spl::token_interface::{Mint, Token2022, TokenAccount};
use stk_common::seeds;
use stk_mint::state::MintConfig;

#[derive(AnchorSerialize, AnchorDeserialize, Clone, Debug)]
pub struct InitializeArgs {
    /// The distributor daemon's key.
    pub distributor: Pubkey,
    /// Where harvested fees go (destinations are checked when fees are split, so they may be
    /// created later by their programs).
    pub fee_split: FeeSplit,
    /// Length of the public dormancy notice (e.g. 90 days).
    pub dormancy_notice_secs: i64,
    /// Decimals of the fiat minor unit of budgets (2 for RUB kopecks).
    pub fiat_decimals: u8,
}

#[derive(Accounts)]
pub struct Initialize<'info> {
    /// Pays for the accounts and becomes the treasury admin; must be `stk_mint`'s admin, so
    /// nobody can front-run the deployment.
    #[account(mut)]
    pub admin: Signer<'info>,
    /// The treasury state; `init` makes a second initialization impossible.
    #[account(init, payer = admin, space = 8 + Treasury::INIT_SPACE, seeds = [seeds::TREASURY], bump)]
    pub treasury: Box<Account<'info, Treasury>>,
    /// `stk_mint`'s config (owner and seeds checked): the mint, its admin, and the
    /// distribution destination the vault must be.
    #[account(
        seeds = [seeds::MINT_CONFIG],
        bump = mint_config.bump,
        seeds::program = stk_mint::ID,
        constraint = mint_config.admin == admin.key() @ TreasuryError::NotMintAdmin,
        constraint = mint_config.distribution_destination == distribution_vault.key()
            @ TreasuryError::DistributionVaultMismatch,
    )]
    pub mint_config: Box<Account<'info, MintConfig>>,
    /// The STK mint recorded in the mint config.
    #[account(address = mint_config.mint)]
    pub mint: Box<InterfaceAccount<'info, Mint>>,
    /// CHECK: PDA used only as a signer: owner of the three vaults, withdraw-withheld authority.
    #[account(seeds = [seeds::TREASURY_AUTHORITY], bump)]
    pub treasury_authority: UncheckedAccount<'info>,
    /// CHECK: PDA used only as a signer, in `reintegrate`: the mint's permanent delegate.
    #[account(seeds = [seeds::PERMANENT_DELEGATE], bump)]
    pub permanent_delegate: UncheckedAccount<'info>,
    /// The distribution vault, created here: `stk_mint::mint_quarter` pays into it.
    #[account(
        init,
        payer = admin,
        seeds = [seeds::DISTRIBUTION_VAULT],
        bump,
        token::mint = mint,
        token::authority = treasury_authority,
        token::token_program = token_program,
    )]
    pub distribution_vault: Box<InterfaceAccount<'info, TokenAccount>>,
    /// The fee vault, created here: harvested fees land in it.
    #[account(
        init,
        payer = admin,
        seeds = [seeds::FEE_VAULT],
        bump,
        token::mint = mint,
        token::authority = treasury_authority,
        token::token_program = token_program,
    )]
    pub fee_vault: Box<InterfaceAccount<'info, TokenAccount>>,
    /// The fraud-hold escrow vault, created here: confirmed fraud holds move balances into it
    /// (`execute_fraud_hold`) until the council releases or forfeits them (`vote_fraud_hold`,
    /// the only instruction that signs for it).
    #[account(
        init,
        payer = admin,
        seeds = [seeds::HOLD_ESCROW],
        bump,
        token::mint = mint,
        token::authority = treasury_authority,
        token::token_program = token_program,
    )]
    pub hold_escrow: Box<InterfaceAccount<'info, TokenAccount>>,
    pub token_program: Program<'info, Token2022>,
    pub system_program: Program<'info, System>,
    /// CHECK: this program's ProgramData account (written only by the upgradeable loader);
    /// the handler requires `admin` to be its upgrade authority (`stk_common::deploy`), so
    /// nobody but the deployer can take the program over between deploy and initialize.
    pub program_data: UncheckedAccount<'info>,
}

/// Checks: the signer is this program's upgrade authority (`stk_common::deploy`);
/// signer is `stk_mint`'s admin; the mint config is `stk_mint`'s PDA and names the
/// distribution vault PDA as its distribution destination; the mint is the config's; fee split
/// bps sum ≤ 10,000; notice period within 1 day..5 years; fiat decimals ≤ 6; the distributor
/// is not the admin (`AdminIsDistributor`: the admin approves the distributor's plans); the
/// state and the three vault PDAs (distribution, fee, hold escrow) do not exist yet (Anchor
/// `init`); every vault is an STK account owned by the treasury authority PDA.
pub fn handler(ctx: Context<Initialize>, args: InitializeArgs) -> Result<()> {
    stk_common::deploy::require_upgrade_authority(
        &crate::ID,
        &ctx.accounts.program_data,
        ctx.accounts.admin.key,
        TreasuryError::NotUpgradeAuthority,
    )?;
    validate_fee_split(&args.fee_split)?;
    require_keys_neq!(
        args.distributor,
        ctx.accounts.admin.key(),
        TreasuryError::AdminIsDistributor
    );
    require!(
        (MIN_DORMANCY_NOTICE_SECS..=MAX_DORMANCY_NOTICE_SECS).contains(&args.dormancy_notice_secs),
        TreasuryError::DormancyNoticePeriod
    );
    require!(args.fiat_decimals <= MAX_FIAT_DECIMALS, TreasuryError::FiatDecimals);

    let accounts = ctx.accounts;
    accounts.treasury.set_inner(Treasury {
        admin: accounts.admin.key(),
        pending_admin: Pubkey::default(),
        distributor: args.distributor,
        pending_distributor: Pubkey::default(),
        mint: accounts.mint.key(),
        distribution_vault: accounts.distribution_vault.key(),
        fee_vault: accounts.fee_vault.key(),
        committed_total: 0,
        distributed_total: 0,
        open_epochs: 0,
        fee_split: args.fee_split,
        fees_harvested_total: 0,
        dormancy_notice_secs: args.dormancy_notice_secs,
        fiat_decimals: args.fiat_decimals,
        next_budget_quarter: 0,
        cumulative_backing: 0,
        receipts: [OneTimeReceipt::default(); MAX_ACTIVE_RECEIPTS],
        bump: ctx.bumps.treasury,
        authority_bump: ctx.bumps.treasury_authority,
        permanent_delegate_bump: ctx.bumps.permanent_delegate,
        distribution_vault_bump: ctx.bumps.distribution_vault,
        fee_vault_bump: ctx.bumps.fee_vault,
        recycled_total: 0,
    });
    stk_common::event::emit(&TreasuryInitialized {
        admin: accounts.admin.key(),
        distributor: args.distributor,
        mint: accounts.mint.key(),
        distribution_vault: accounts.distribution_vault.key(),
        fee_vault: accounts.fee_vault.key(),
        fee_split: args.fee_split,
        dormancy_notice_secs: args.dormancy_notice_secs,
        fiat_decimals: args.fiat_decimals,
    });
    Ok(())
}
