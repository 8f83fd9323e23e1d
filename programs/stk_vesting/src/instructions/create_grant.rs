use crate::{
    curve::VestingSchedule,
    errors::{curve_err, VestingError},
    events::GrantCreated,
    state::{Grant, GrantTerms, VestingConfig},
};
use anchor_lang::prelude::*;
use anchor_spl::token_interface::{Mint, Token2022, TokenAccount};
use stk_common::seeds;

#[derive(AnchorSerialize, AnchorDeserialize, Clone, Debug)]
pub struct CreateGrantArgs {
    /// Seed of the grant PDA; any unused 32 bytes (a fresh pubkey, or a hash the caller can
    /// re-derive).
    pub grant_id: Pubkey,
    pub beneficiary: Pubkey,
    /// STK base units to take from `source`; the grant's total is what arrives after the
    /// transfer fee.
    pub amount: u64,
    pub schedule: VestingSchedule,
    /// Whether the creator may later revoke the unvested part.
    pub revocable: bool,
}

/// Accounts, in order (also the CPI order for callers such as `stk_startup_fund`):
/// `payer`, `creator`, `config`, `mint`, `source`, `grant`, `vault`, `vesting_authority`,
/// `token_program`, `system_program`.
#[derive(Accounts)]
#[instruction(args: CreateGrantArgs)]
pub struct CreateGrant<'info> {
    /// Pays the rent of the grant and its vault (may be the creator, or a separate wallet
    /// when the creator is a PDA without lamports).
    #[account(mut)]
    pub payer: Signer<'info>,
    /// Owner of `source`; becomes the grant's authority (may revoke if revocable). A program
    /// may sign for its PDA through `invoke_signed`.
    pub creator: Signer<'info>,
    #[account(seeds = [seeds::VESTING_CONFIG], bump = config.bump, has_one = mint)]
    pub config: Box<Account<'info, VestingConfig>>,
    /// The STK mint (the config's).
    pub mint: Box<InterfaceAccount<'info, Mint>>,
    /// STK token account the grant is funded from, owned by `creator`.
    #[account(
        mut,
        token::mint = mint,
        token::authority = creator,
        token::token_program = token_program,
    )]
    pub source: Box<InterfaceAccount<'info, TokenAccount>>,
    /// The grant; `init` makes a grant id single-use.
    #[account(
        init,
        payer = payer,
        space = 8 + Grant::INIT_SPACE,
        seeds = [seeds::GRANT, args.grant_id.as_ref()],
        bump,
    )]
    pub grant: Box<Account<'info, Grant>>,
    /// The grant's own vault, owned by the vesting authority.
    #[account(
        init,
        payer = payer,
        seeds = [seeds::GRANT_VAULT, grant.key().as_ref()],
        bump,
        token::mint = mint,
        token::authority = vesting_authority,
        token::token_program = token_program,
    )]
    pub vault: Box<InterfaceAccount<'info, TokenAccount>>,
    /// CHECK: PDA, owner of the vault; checked by its seeds.
    #[account(seeds = [seeds::VESTING_AUTHORITY], bump = config.authority_bump)]
    pub vesting_authority: UncheckedAccount<'info>,
    pub token_program: Program<'info, Token2022>,
    pub system_program: Program<'info, System>,
}

/// Checks: amount > 0; beneficiary is not the default key; the schedule validates; source is
/// an STK account owned by the signing creator; the grant id is unused (`init`); the grant's
/// total is what the vault actually received (> 0).
pub fn handler(ctx: Context<CreateGrant>, args: CreateGrantArgs) -> Result<()> {
    require!(args.amount > 0, VestingError::ZeroAmount);
    require!(args.beneficiary != Pubkey::default(), VestingError::InvalidBeneficiary);
    args.schedule.validate().map_err(curve_err)?;

    let accounts = ctx.accounts;
    stk_common::token::transfer_by_owner(
        &accounts.token_program.to_account_info(),
        &accounts.source.to_account_info(),
        &accounts.mint.to_account_info(),
        &accounts.vault.to_account_info(),
        &accounts.creator.to_account_info(),
        args.amount,
        accounts.mint.decimals,
    )?;
    // The vault is new and empty: the grant holds whatever arrived after the transfer fee.
    let terms = GrantTerms {
        grant_id: args.grant_id,
        authority: accounts.creator.key(),
        beneficiary: args.beneficiary,
        schedule: args.schedule,
        revocable: args.revocable,
    };
    let mint = accounts.mint.key();
    let bumps = (ctx.bumps.grant, ctx.bumps.vault);
    // Any amount that arrived will do (`book_grant` refuses zero).
    let total = super::book_grant(&mut accounts.grant, &mut accounts.vault, mint, terms, 0, bumps)?;
    let grant_key = accounts.grant.key();
    stk_common::event::emit(&GrantCreated {
        grant: grant_key,
        grant_id: args.grant_id,
        authority: accounts.creator.key(),
        beneficiary: args.beneficiary,
        sent: args.amount,
        total,
        schedule: args.schedule,
        revocable: args.revocable,
    });
    Ok(())
}
