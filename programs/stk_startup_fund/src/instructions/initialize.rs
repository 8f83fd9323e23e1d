use crate::{
    council,
    errors::FundError,
    events::FundInitialized,
    state::{Fund, MAX_LOCK_PERIOD, MIN_LOCK_PERIOD},
    tranches::{self, TrancheBook},
};
use anchor_lang::prelude::*;
use anchor_spl::token_interface::{Mint, Token2022, TokenAccount};
use stk_common::{ids, seeds};

#[derive(AnchorSerialize, AnchorDeserialize, Clone, Debug)]
pub struct InitializeArgs {
    /// Council keys, 1..=10 distinct.
    pub council: Vec<Pubkey>,
    /// Approvals needed (M of N).
    pub threshold: u8,
    /// Seconds each deposit stays locked, 3–5 years.
    pub lock_period: i64,
}

#[derive(Accounts)]
pub struct Initialize<'info> {
    /// Pays for the fund state and the vault. Holds no rights afterwards.
    #[account(mut)]
    pub payer: Signer<'info>,
    /// The fund's state; `init` makes a second initialization impossible.
    #[account(init, payer = payer, space = 8 + Fund::INIT_SPACE, seeds = [seeds::FUND], bump)]
    pub fund: Box<Account<'info, Fund>>,
    /// CHECK: PDA used only as the vault's owner and transfer signer.
    #[account(seeds = [seeds::FUND_AUTHORITY], bump)]
    pub fund_authority: UncheckedAccount<'info>,
    /// The STK mint: the `stk_mint` program's mint PDA, no other.
    #[account(seeds = [seeds::STK_MINT], bump, seeds::program = ids::STK_MINT)]
    pub mint: Box<InterfaceAccount<'info, Mint>>,
    /// The fund's vault, created here: an STK token account owned by the fund authority.
    #[account(
        init,
        payer = payer,
        seeds = [seeds::FUND_VAULT],
        bump,
        token::mint = mint,
        token::authority = fund_authority,
        token::token_program = token_program,
    )]
    pub vault: Box<InterfaceAccount<'info, TokenAccount>>,
    pub token_program: Program<'info, Token2022>,
    pub system_program: Program<'info, System>,
    /// CHECK: this program's ProgramData account (written only by the upgradeable loader);
    /// the handler requires `payer` to be its upgrade authority (`stk_common::deploy`), so
    /// nobody but the deployer can take the program over between deploy and initialize.
    pub program_data: UncheckedAccount<'info>,
}

/// Checks: the signer is this program's upgrade authority (`stk_common::deploy`);
/// council of 1..=10 distinct non-default keys; 1 <= threshold <= N; lock period
/// within 3–5 years; the mint is the STK mint PDA; fund and vault PDAs do not exist yet.
pub fn handler(ctx: Context<Initialize>, args: InitializeArgs) -> Result<()> {
    stk_common::deploy::require_upgrade_authority(
        &crate::ID,
        &ctx.accounts.program_data,
        ctx.accounts.payer.key,
        FundError::NotUpgradeAuthority,
    )?;
    council::validate(&args.council, args.threshold).map_err(FundError::from)?;
    require!(
        (MIN_LOCK_PERIOD..=MAX_LOCK_PERIOD).contains(&args.lock_period),
        FundError::LockPeriod
    );
    let tranche_granularity =
        tranches::granularity(args.lock_period).ok_or(FundError::LockPeriod)?;
    // Field by field rather than `set_inner`: the state is ~1 KB and SBF stack frames are 4 KB.
    let fund = &mut ctx.accounts.fund;
    fund.mint = ctx.accounts.mint.key();
    fund.vault = ctx.accounts.vault.key();
    fund.council = council::to_array(&args.council);
    fund.council_len = args.council.len() as u8;
    fund.threshold = args.threshold;
    fund.council_epoch = 0;
    fund.lock_period = args.lock_period;
    fund.tranche_granularity = tranche_granularity;
    fund.tranches = TrancheBook::default();
    fund.total_deposited = 0;
    fund.total_returned = 0;
    fund.total_invested = 0;
    fund.next_proposal_id = 0;
    fund.bump = ctx.bumps.fund;
    fund.authority_bump = ctx.bumps.fund_authority;
    fund.vault_bump = ctx.bumps.vault;
    stk_common::event::emit(&FundInitialized {
        mint: fund.mint,
        vault: fund.vault,
        council: args.council,
        threshold: args.threshold,
        lock_period: args.lock_period,
        tranche_granularity,
    });
    Ok(())
}
