use crate::{
    errors::{schedule_err, MintError},
    events::StkInitialized,
    state::MintConfig,
};
use anchor_lang::prelude::*;
use anchor_spl::token_interface::{
    self as ti,
    spl_pod::optional_keys::OptionalNonZeroPubkey,
    spl_token_2022::{extension::ExtensionType, state::Mint as MintState},
    spl_token_metadata_interface::state::TokenMetadata,
    Token2022,
};
use stk_common::{schedule::ScheduleParams, seeds, TOKEN_NAME, TOKEN_SYMBOL};

pub const MAX_URI_LEN: usize = 200;
pub const MAX_DECIMALS: u8 = 9;
/// Token-2022's ceiling for transfer-fee basis points.
pub const MAX_TRANSFER_FEE_BPS: u16 = 10_000;

/// The fixed-size extensions of the STK mint. Token metadata, being variable-length, is
/// appended by Token-2022 itself when it is initialized.
pub const FIXED_MINT_EXTENSIONS: [ExtensionType; 3] = [
    ExtensionType::MetadataPointer,
    ExtensionType::TransferFeeConfig,
    ExtensionType::PermanentDelegate,
];

#[derive(AnchorSerialize, AnchorDeserialize, Clone, Debug)]
pub struct InitializeArgs {
    pub decimals: u8,
    /// URI of the metadata JSON (name, symbol, image) wallets display.
    pub uri: String,
    /// Transfer fee in basis points, and its maximum per transfer in base units.
    pub transfer_fee_bps: u16,
    pub max_transfer_fee: u64,
    pub schedule: ScheduleParams,
    /// Must be `stk_vesting`'s sale vault PDA (`seeds::find_sale_vault()`).
    pub genesis_destination: Pubkey,
    /// Must be `stk_startup_fund`'s vault PDA (`seeds::find_fund_vault()`).
    pub startup_fund_destination: Pubkey,
    /// The treasury's distribution vault; `stk_treasury::initialize` refuses a mint whose
    /// distribution destination is anything else (the treasury is initialized after the mint
    /// and reads this config, so the check lives there).
    pub distribution_destination: Pubkey,
}

#[derive(Accounts)]
pub struct Initialize<'info> {
    /// Pays for the accounts and becomes the config's admin (metadata URI only).
    #[account(mut)]
    pub admin: Signer<'info>,
    /// The program's state; `init` makes a second initialization impossible.
    #[account(init, payer = admin, space = 8 + MintConfig::INIT_SPACE, seeds = [seeds::MINT_CONFIG], bump)]
    pub config: Box<Account<'info, MintConfig>>,
    /// CHECK: the STK mint PDA, created here (`stk_common::account::create_pda_account`, which
    /// also copes with lamports sent to the address beforehand) and initialized by Token-2022,
    /// which refuses an already initialized mint.
    #[account(mut, seeds = [seeds::STK_MINT], bump)]
    pub mint: UncheckedAccount<'info>,
    /// CHECK: PDA used only as a signer: mint authority and metadata update authority.
    #[account(seeds = [seeds::MINT_AUTHORITY], bump)]
    pub mint_authority: UncheckedAccount<'info>,
    pub token_program: Program<'info, Token2022>,
    pub system_program: Program<'info, System>,
    /// CHECK: this program's ProgramData account (written only by the upgradeable loader);
    /// the handler requires `admin` to be its upgrade authority (`stk_common::deploy`), so
    /// nobody but the deployer can take the program over between deploy and initialize.
    pub program_data: UncheckedAccount<'info>,
}

/// Size of the token-metadata entry inside a Token-2022 mint: 2-byte type, 2-byte length, then
/// the borsh encoding (`TokenMetadata::tlv_size_of` counts an 8-byte discriminator more).
pub fn metadata_entry_len(metadata: &TokenMetadata) -> Result<usize> {
    let encoded = borsh::to_vec(metadata).map_err(|_| error!(MintError::UriTooLong))?;
    Ok(4 + encoded.len())
}

/// Checks: the signer is this program's upgrade authority (`stk_common::deploy`);
/// the schedule validates (every bound, sums to the cap, non-increasing); the cap is
/// exactly 21,000,000 STK at `decimals`; decimals ≤ 9; fee bps ≤ 10,000; URI ≤ 200 bytes;
/// the genesis destination is `stk_vesting`'s sale vault PDA and the startup-fund destination
/// `stk_startup_fund`'s vault PDA (the cranks are permissionless, so these addresses are the
/// only thing standing between the emission and whoever initializes); the config and mint
/// PDAs are not initialized yet (Anchor `init`; the mint's creation tolerates lamports sent to
/// its address in advance, and Token-2022 refuses to initialize a mint twice).
pub fn handler(ctx: Context<Initialize>, args: InitializeArgs) -> Result<()> {
    stk_common::deploy::require_upgrade_authority(
        &crate::ID,
        &ctx.accounts.program_data,
        ctx.accounts.admin.key,
        MintError::NotUpgradeAuthority,
    )?;
    require!(args.decimals <= MAX_DECIMALS, MintError::Decimals);
    require!(args.transfer_fee_bps <= MAX_TRANSFER_FEE_BPS, MintError::TransferFeeBps);
    require!(args.uri.len() <= MAX_URI_LEN, MintError::UriTooLong);
    args.schedule.validate().map_err(schedule_err)?;
    require!(
        Some(args.schedule.cap) == stk_common::cap_base_units(args.decimals),
        MintError::ScheduleCap
    );
    require_keys_eq!(
        args.genesis_destination,
        seeds::find_sale_vault(),
        MintError::GenesisDestinationNotSaleVault
    );
    require_keys_eq!(
        args.startup_fund_destination,
        seeds::find_fund_vault(),
        MintError::StartupFundDestinationNotFundVault
    );

    let mint_key = ctx.accounts.mint.key();
    let authority_key = ctx.accounts.mint_authority.key();
    // The treasury's PDAs: it alone withdraws withheld fees and acts as permanent delegate.
    let treasury_authority = seeds::find_treasury_authority();
    let permanent_delegate = seeds::find_permanent_delegate();
    let token_program = ctx.accounts.token_program.to_account_info();
    let mint_info = ctx.accounts.mint.to_account_info();

    // Create the account at the size of the fixed extensions (InitializeMint2 rejects trailing
    // bytes) but fund the final size, since the metadata CPI grows it and rent must hold then.
    let fixed_len = ExtensionType::try_calculate_account_len::<MintState>(&FIXED_MINT_EXTENSIONS)?;
    let metadata = TokenMetadata {
        update_authority: OptionalNonZeroPubkey::try_from(Some(authority_key))?,
        mint: mint_key,
        name: TOKEN_NAME.to_string(),
        symbol: TOKEN_SYMBOL.to_string(),
        uri: args.uri.clone(),
        additional_metadata: vec![],
    };
    let final_len = fixed_len + metadata_entry_len(&metadata)?;
    let mint_signer: &[&[u8]] = &[seeds::STK_MINT, &[ctx.bumps.mint]];
    stk_common::account::create_pda_account(
        &ctx.accounts.admin.to_account_info(),
        &mint_info,
        mint_signer,
        Rent::get()?.minimum_balance(final_len),
        fixed_len as u64,
        &Token2022::id(),
    )?;

    // Every extension must be initialized before the mint itself.
    ti::metadata_pointer_initialize(
        CpiContext::new(
            Token2022::id(),
            ti::MetadataPointerInitialize {
                token_program_id: token_program.clone(),
                mint: mint_info.clone(),
            },
        ),
        Some(authority_key),
        Some(mint_key),
    )?;
    ti::transfer_fee_initialize(
        CpiContext::new(
            Token2022::id(),
            ti::TransferFeeInitialize {
                token_program_id: token_program.clone(),
                mint: mint_info.clone(),
            },
        ),
        Some(&treasury_authority),
        Some(&treasury_authority),
        args.transfer_fee_bps,
        args.max_transfer_fee,
    )?;
    ti::permanent_delegate_initialize(
        CpiContext::new(
            Token2022::id(),
            ti::PermanentDelegateInitialize {
                token_program_id: token_program.clone(),
                mint: mint_info.clone(),
            },
        ),
        &permanent_delegate,
    )?;
    ti::initialize_mint2(
        CpiContext::new(Token2022::id(), ti::InitializeMint2 { mint: mint_info.clone() }),
        args.decimals,
        &authority_key,
        None,
    )?;
    // Metadata needs the mint authority's signature, so it comes after InitializeMint2.
    let authority_signer: &[&[u8]] = &[seeds::MINT_AUTHORITY, &[ctx.bumps.mint_authority]];
    ti::token_metadata_initialize(
        CpiContext::new_with_signer(
            Token2022::id(),
            ti::TokenMetadataInitialize {
                program_id: token_program,
                metadata: mint_info.clone(),
                update_authority: ctx.accounts.mint_authority.to_account_info(),
                mint_authority: ctx.accounts.mint_authority.to_account_info(),
                mint: mint_info,
            },
            &[authority_signer],
        ),
        metadata.name,
        metadata.symbol,
        metadata.uri,
    )?;

    let config = &mut ctx.accounts.config;
    config.set_inner(MintConfig {
        admin: ctx.accounts.admin.key(),
        mint: mint_key,
        decimals: args.decimals,
        schedule: args.schedule,
        genesis_destination: args.genesis_destination,
        startup_fund_destination: args.startup_fund_destination,
        distribution_destination: args.distribution_destination,
        genesis_minted: false,
        quarters_minted: 0,
        total_minted: 0,
        bump: ctx.bumps.config,
        mint_bump: ctx.bumps.mint,
        mint_authority_bump: ctx.bumps.mint_authority,
        pending_admin: Pubkey::default(),
    });
    stk_common::event::emit(&StkInitialized {
        mint: mint_key,
        admin: config.admin,
        decimals: args.decimals,
        schedule: args.schedule,
        transfer_fee_bps: args.transfer_fee_bps,
        max_transfer_fee: args.max_transfer_fee,
        genesis_destination: args.genesis_destination,
        startup_fund_destination: args.startup_fund_destination,
        distribution_destination: args.distribution_destination,
    });
    Ok(())
}
