use crate::state::Treasury;
use anchor_lang::prelude::*;
use anchor_spl::token_interface::{Mint, Token2022, TokenAccount};
use stk_common::seeds;

#[derive(Accounts)]
pub struct CreateHoldEscrow<'info> {
    /// Anyone; pays the escrow vault's rent.
    #[account(mut)]
    pub payer: Signer<'info>,
    #[account(seeds = [seeds::TREASURY], bump = treasury.bump, has_one = mint)]
    pub treasury: Box<Account<'info, Treasury>>,
    pub mint: Box<InterfaceAccount<'info, Mint>>,
    /// CHECK: PDA, owner of the escrow vault (as of the other vaults), checked by its seeds.
    #[account(seeds = [seeds::TREASURY_AUTHORITY], bump = treasury.authority_bump)]
    pub treasury_authority: UncheckedAccount<'info>,
    /// The escrow vault, created here once: confirmed fraud holds move their amount here.
    #[account(
        init,
        payer = payer,
        seeds = [seeds::HOLD_ESCROW],
        bump,
        token::mint = mint,
        token::authority = treasury_authority,
        token::token_program = token_program,
    )]
    pub hold_escrow: Box<InterfaceAccount<'info, TokenAccount>>,
    pub token_program: Program<'info, Token2022>,
    pub system_program: Program<'info, System>,
}

/// Checks: permissionless and once (`init`); the vault is an STK account owned by the treasury
/// authority PDA, so only `vote_fraud_hold` (signed by that PDA) moves tokens out of it.
pub fn handler(_ctx: Context<CreateHoldEscrow>) -> Result<()> {
    Ok(())
}
