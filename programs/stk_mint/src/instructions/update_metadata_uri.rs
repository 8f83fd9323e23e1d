use crate::{
    errors::MintError, events::MetadataUriUpdated, instructions::initialize::MAX_URI_LEN,
    state::MintConfig,
};
use anchor_lang::{prelude::*, system_program};
use anchor_spl::token_interface::{
    self as ti, spl_token_metadata_interface::state::Field, Token2022,
};
use stk_common::seeds;

#[derive(Accounts)]
pub struct UpdateMetadataUri<'info> {
    /// The config's admin; pays the rent of a longer URI.
    #[account(mut)]
    pub admin: Signer<'info>,
    #[account(seeds = [seeds::MINT_CONFIG], bump = config.bump, has_one = admin, has_one = mint)]
    pub config: Box<Account<'info, MintConfig>>,
    /// CHECK: the config's mint (has_one); Token-2022 validates it in the CPI.
    #[account(mut)]
    pub mint: UncheckedAccount<'info>,
    /// CHECK: PDA signer (metadata update authority), checked by its seeds.
    #[account(seeds = [seeds::MINT_AUTHORITY], bump = config.mint_authority_bump)]
    pub mint_authority: UncheckedAccount<'info>,
    pub token_program: Program<'info, Token2022>,
    pub system_program: Program<'info, System>,
}

/// Checks: signer is the config's admin; the mint is the config's; URI ≤ 200 bytes. Tops up
/// the mint's rent first when the new URI makes the metadata entry longer.
pub fn handler(ctx: Context<UpdateMetadataUri>, uri: String) -> Result<()> {
    require!(uri.len() <= MAX_URI_LEN, MintError::UriTooLong);
    let mint_info = ctx.accounts.mint.to_account_info();
    // Worst case growth: the whole new URI (the old one is at least empty).
    let needed = Rent::get()?.minimum_balance(mint_info.data_len() + uri.len());
    let shortfall = needed.saturating_sub(mint_info.lamports());
    if shortfall > 0 {
        system_program::transfer(
            CpiContext::new(
                system_program::ID,
                system_program::Transfer {
                    from: ctx.accounts.admin.to_account_info(),
                    to: mint_info.clone(),
                },
            ),
            shortfall,
        )?;
    }
    let signer: &[&[u8]] = &[seeds::MINT_AUTHORITY, &[ctx.accounts.config.mint_authority_bump]];
    ti::token_metadata_update_field(
        CpiContext::new_with_signer(
            Token2022::id(),
            ti::TokenMetadataUpdateField {
                program_id: ctx.accounts.token_program.to_account_info(),
                metadata: mint_info,
                update_authority: ctx.accounts.mint_authority.to_account_info(),
            },
            &[signer],
        ),
        Field::Uri,
        uri.clone(),
    )?;
    stk_common::event::emit(&MetadataUriUpdated { uri });
    Ok(())
}
