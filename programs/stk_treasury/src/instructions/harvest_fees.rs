use super::authority_seeds;
use crate::{errors::TreasuryError, events::FeesHarvested, state::Treasury};
use anchor_lang::prelude::*;
use anchor_spl::{
    token_2022_extensions::transfer_fee::{
        withdraw_withheld_tokens_from_accounts, withdraw_withheld_tokens_from_mint,
        WithdrawWithheldTokensFromAccounts, WithdrawWithheldTokensFromMint,
    },
    token_interface::{Mint, Token2022, TokenAccount},
};
use stk_common::seeds;

#[derive(Accounts)]
pub struct HarvestFees<'info> {
    #[account(mut, seeds = [seeds::TREASURY], bump = treasury.bump, has_one = mint, has_one = fee_vault)]
    pub treasury: Box<Account<'info, Treasury>>,
    /// The STK mint recorded in the treasury (holds fees harvested to it by anyone).
    #[account(mut)]
    pub mint: Box<InterfaceAccount<'info, Mint>>,
    /// CHECK: PDA signer, the mint's withdraw-withheld authority, checked by its seeds.
    #[account(seeds = [seeds::TREASURY_AUTHORITY], bump = treasury.authority_bump)]
    pub treasury_authority: UncheckedAccount<'info>,
    /// The fee vault recorded in the treasury.
    #[account(mut)]
    pub fee_vault: Box<InterfaceAccount<'info, TokenAccount>>,
    pub token_program: Program<'info, Token2022>,
    // remaining accounts: STK token accounts whose withheld fees to sweep (writable).
}

/// Checks: permissionless (fees can only go to the recorded fee vault); mint and fee vault are
/// the treasury's; Token-2022 refuses sources of another mint. Sweeps the sources' withheld
/// fees, then the mint's, into the fee vault.
pub fn handler<'info>(ctx: Context<'info, HarvestFees<'info>>) -> Result<()> {
    let accounts = ctx.accounts;
    let sources = ctx.remaining_accounts.to_vec();
    let before = accounts.fee_vault.amount;
    let bump = [accounts.treasury.authority_bump];
    let seeds = authority_seeds(&bump);
    let signer: &[&[&[u8]]] = &[&seeds];
    let token_program = accounts.token_program.key();
    let source_count = sources.len() as u32;
    if !sources.is_empty() {
        withdraw_withheld_tokens_from_accounts(
            CpiContext::new_with_signer(
                token_program,
                WithdrawWithheldTokensFromAccounts {
                    token_program_id: accounts.token_program.to_account_info(),
                    mint: accounts.mint.to_account_info(),
                    destination: accounts.fee_vault.to_account_info(),
                    authority: accounts.treasury_authority.to_account_info(),
                },
                signer,
            ),
            sources,
        )?;
    }
    withdraw_withheld_tokens_from_mint(CpiContext::new_with_signer(
        token_program,
        WithdrawWithheldTokensFromMint {
            token_program_id: accounts.token_program.to_account_info(),
            mint: accounts.mint.to_account_info(),
            destination: accounts.fee_vault.to_account_info(),
            authority: accounts.treasury_authority.to_account_info(),
        },
        signer,
    ))?;
    accounts.fee_vault.reload()?;
    let amount = accounts.fee_vault.amount.checked_sub(before).ok_or(TreasuryError::Overflow)?;
    let treasury = &mut accounts.treasury;
    treasury.fees_harvested_total =
        treasury.fees_harvested_total.checked_add(amount).ok_or(TreasuryError::Overflow)?;
    stk_common::event::emit(&FeesHarvested {
        sources: source_count,
        amount,
        fee_vault_balance: accounts.fee_vault.amount,
    });
    Ok(())
}
