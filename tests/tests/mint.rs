//! `stk_mint` through the harness, with the real Token-2022 program underneath.
//! Every instruction's success path, and the attacks listed in programs/stk_mint/README.md.
use anchor_lang::{error::ErrorCode as AnchorError, prelude::Pubkey, AccountDeserialize};
use anchor_spl::token_interface::spl_token_2022::{
    self as t22,
    extension::{
        metadata_pointer::MetadataPointer, permanent_delegate::PermanentDelegate,
        transfer_fee::TransferFeeConfig, BaseStateWithExtensions, ExtensionType,
        StateWithExtensions,
    },
    state::Mint as MintState,
};
use anchor_spl::token_interface::spl_token_metadata_interface::state::TokenMetadata;
use solana_keypair::Keypair;
use solana_signer::Signer;
use stk_common::{calendar::MonthId, ids, schedule::ScheduleParams, seeds};
use stk_harness::{
    decode_events, stk::DEFAULT_URI, stk_client::mint as mint_ix, ExpectFailure, Ledger,
    StkMintSetup, StkMintSetupArgs,
};
use stk_mint::{errors::MintError, events, state::MintConfig};

async fn setup() -> (Ledger, StkMintSetup) {
    let mut ledger = Ledger::start().await;
    let stk = StkMintSetup::initialize(&mut ledger, StkMintSetupArgs::default()).await;
    (ledger, stk)
}

#[test]
fn program_ids_agree_with_the_shared_crate() {
    assert_eq!(stk_mint::ID, ids::STK_MINT);
    assert_eq!(stk_treasury::ID, ids::STK_TREASURY);
    assert_eq!(stk_vesting::ID, ids::STK_VESTING);
    assert_eq!(stk_staking::ID, ids::STK_STAKING);
    assert_eq!(stk_startup_fund::ID, ids::STK_STARTUP_FUND);
    // And with Anchor.toml, which `anchor keys sync` rewrites together with declare_id!.
    let anchor_toml = include_str!("../../Anchor.toml");
    for (name, id) in [
        ("stk_mint", ids::STK_MINT),
        ("stk_treasury", ids::STK_TREASURY),
        ("stk_vesting", ids::STK_VESTING),
        ("stk_staking", ids::STK_STAKING),
        ("stk_startup_fund", ids::STK_STARTUP_FUND),
    ] {
        assert!(anchor_toml.contains(&format!("{name} = \"{id}\"")), "{name} id in Anchor.toml");
    }
}

#[tokio::test]
async fn initialize_creates_the_token_wallets_can_display() {
    let (mut ledger, stk) = setup().await;
    let a = stk.addresses;
    assert_eq!(a.mint, seeds::find_stk_mint());

    let data = ledger.mint_data(&a.mint).await;
    let acc = ledger.account(&a.mint).await.unwrap();
    assert_eq!(acc.owner, t22::ID);
    let rent = ledger.ctx.banks_client.get_rent().await.unwrap();
    assert!(acc.lamports >= rent.minimum_balance(data.len()), "mint is rent-exempt");
    let mint = StateWithExtensions::<MintState>::unpack(&data).unwrap();
    assert_eq!(mint.base.decimals, 6);
    assert_eq!(mint.base.supply, 0);
    assert_eq!(mint.base.mint_authority, Some(a.mint_authority).into());
    assert_eq!(mint.base.freeze_authority, None.into());
    assert_eq!(
        mint.get_extension_types().unwrap(),
        vec![
            ExtensionType::MetadataPointer,
            ExtensionType::TransferFeeConfig,
            ExtensionType::PermanentDelegate,
            ExtensionType::TokenMetadata
        ]
    );
    let pointer = mint.get_extension::<MetadataPointer>().unwrap();
    assert_eq!(Option::<Pubkey>::from(pointer.metadata_address), Some(a.mint));
    let fee = mint.get_extension::<TransferFeeConfig>().unwrap();
    assert_eq!(
        Option::<Pubkey>::from(fee.withdraw_withheld_authority),
        Some(seeds::find_treasury_authority())
    );
    assert_eq!(u16::from(fee.newer_transfer_fee.transfer_fee_basis_points), 50);
    assert_eq!(u64::from(fee.newer_transfer_fee.maximum_fee), 10_000_000);
    let delegate = mint.get_extension::<PermanentDelegate>().unwrap();
    assert_eq!(Option::<Pubkey>::from(delegate.delegate), Some(seeds::find_permanent_delegate()));
    let metadata = mint.get_variable_len_extension::<TokenMetadata>().unwrap();
    assert_eq!(metadata.name, "SysTok");
    assert_eq!(metadata.symbol, "STK");
    assert_eq!(metadata.uri, DEFAULT_URI);
    assert_eq!(Option::<Pubkey>::from(metadata.update_authority), Some(a.mint_authority));

    let config: MintConfig = ledger.anchor_account(&a.config).await;
    assert_eq!(config.admin, ledger.payer());
    assert_eq!(config.mint, a.mint);
    assert_eq!(config.schedule, stk.schedule);
    assert_eq!(config.schedule.cap, 21_000_000_000_000);
    assert_eq!(config.genesis_destination, stk.genesis_destination);
    assert!(!config.genesis_minted);
    assert_eq!(config.quarters_minted, 0);
    assert_eq!(config.total_minted, 0);
}

#[tokio::test]
async fn initialize_refuses_a_second_run_and_bad_parameters() {
    let mut ledger = Ledger::start().await;
    let payer = ledger.payer();
    let good = StkMintSetupArgs::default();
    let try_init = |args: StkMintSetupArgs| mint_ix::initialize(&payer, args.initialize_args());

    let mut bad = good.clone();
    bad.decimals = 10;
    ledger.send(&[try_init(bad)], &[]).await.expect_failure().assert_code(MintError::Decimals);

    let mut bad = good.clone();
    bad.decimals = 9; // the cap in the schedule is still for 6 decimals
    ledger.send(&[try_init(bad)], &[]).await.expect_failure().assert_code(MintError::ScheduleCap);

    let mut bad = good.clone();
    bad.schedule.cap += 1;
    ledger.send(&[try_init(bad)], &[]).await.expect_failure().assert_code(MintError::ScheduleCap);

    let mut bad = good.clone();
    bad.transfer_fee_bps = 10_001;
    ledger
        .send(&[try_init(bad)], &[])
        .await
        .expect_failure()
        .assert_code(MintError::TransferFeeBps);

    let mut bad = good.clone();
    bad.uri = "x".repeat(201);
    ledger.send(&[try_init(bad)], &[]).await.expect_failure().assert_code(MintError::UriTooLong);

    let mut bad = good.clone();
    bad.schedule.num_quarters = 0;
    ledger
        .send(&[try_init(bad)], &[])
        .await
        .expect_failure()
        .assert_code(MintError::ScheduleNumQuarters);

    let mut bad = good.clone();
    bad.schedule.decay_num = 101;
    ledger
        .send(&[try_init(bad)], &[])
        .await
        .expect_failure()
        .assert_code(MintError::ScheduleDecayRatio);

    let mut bad = good.clone();
    bad.schedule.genesis_bps = 2_500;
    ledger
        .send(&[try_init(bad)], &[])
        .await
        .expect_failure()
        .assert_code(MintError::ScheduleGenesisShare);

    // Nothing was created by the refused attempts; the good one succeeds once.
    assert!(!ledger.account_exists(&seeds::find_mint_config()).await);
    Ledger::ok(ledger.send(&[try_init(good.clone())], &[]).await);
    let again = ledger.send(&[try_init(good)], &[]).await.expect_failure();
    // The system program refuses to create the existing config account.
    assert!(again.logs_contain("already in use"), "{again}");
}

#[tokio::test]
async fn genesis_is_minted_once_to_its_destination() {
    let (mut ledger, stk) = setup().await;
    let ok = Ledger::ok(stk.mint_genesis(&mut ledger).await);
    let genesis = stk.schedule.genesis_amount();
    assert_eq!(genesis, 2_100_000_000_000);
    assert_eq!(ledger.token_amount(&stk.genesis_destination).await, genesis);
    assert_eq!(ledger.mint_supply(&stk.addresses.mint).await, genesis);
    let ev: Vec<events::GenesisMinted> = decode_events(&ok.events);
    assert_eq!(ev.len(), 1);
    assert_eq!(ev[0].amount, genesis);
    assert_eq!(ev[0].destination, stk.genesis_destination);

    stk.mint_genesis(&mut ledger)
        .await
        .expect_failure()
        .assert_code(MintError::GenesisAlreadyMinted);
    assert_eq!(ledger.mint_supply(&stk.addresses.mint).await, genesis);
}

#[tokio::test]
async fn a_quarter_is_minted_once_only_after_it_starts() {
    let (mut ledger, stk) = setup().await;
    let start = stk.schedule.quarter_start_ts(0).unwrap();
    ledger.warp_to_timestamp(start - 1).await;
    stk.mint_quarter(&mut ledger, 0, false)
        .await
        .expect_failure()
        .assert_code(MintError::QuarterNotStarted);

    ledger.warp_to_timestamp(start).await;
    // Quarter 1 cannot jump the queue, even once its own start has passed.
    let q1_start = stk.schedule.quarter_start_ts(1).unwrap();
    ledger.warp_to_timestamp(q1_start).await;
    stk.mint_quarter(&mut ledger, 1, false)
        .await
        .expect_failure()
        .assert_code(MintError::QuarterOutOfOrder);

    let ok = Ledger::ok(stk.mint_quarter(&mut ledger, 0, false).await);
    let e0 = stk.schedule.quarter_emission(0).unwrap();
    let (fund, dist) = stk.schedule.split(e0);
    assert_eq!(fund, e0 / 10);
    assert_eq!(ledger.token_amount(&stk.startup_fund_destination).await, fund);
    assert_eq!(ledger.token_amount(&stk.distribution_destination).await, dist);
    let ev: Vec<events::QuarterMinted> = decode_events(&ok.events);
    assert_eq!(
        (ev[0].quarter, ev[0].emission, ev[0].startup_fund_amount, ev[0].distribution_amount),
        (0, e0, fund, dist)
    );

    stk.mint_quarter(&mut ledger, 0, false)
        .await
        .expect_failure()
        .assert_code(MintError::QuarterAlreadyMinted);
    // Quarter 2 has not started at quarter 1's start.
    Ledger::ok(stk.mint_quarter(&mut ledger, 1, false).await);
    stk.mint_quarter(&mut ledger, 2, false)
        .await
        .expect_failure()
        .assert_code(MintError::QuarterNotStarted);
    stk.mint_quarter(&mut ledger, 40, false)
        .await
        .expect_failure()
        .assert_code(MintError::QuarterOutOfRange);
    let config: MintConfig = ledger.anchor_account(&stk.addresses.config).await;
    assert_eq!(config.quarters_minted, 2);
    assert_eq!(config.total_minted, e0 + stk.schedule.quarter_emission(1).unwrap());
}

#[tokio::test]
async fn the_whole_schedule_mints_exactly_the_cap_and_nothing_more() {
    let (mut ledger, stk) = setup().await;
    Ledger::ok(stk.mint_genesis(&mut ledger).await);
    let last = stk.schedule.num_quarters - 1;
    ledger.warp_to_timestamp(stk.schedule.quarter_start_ts(last).unwrap()).await;
    let stranger = ledger.funded_keypair(1_000_000_000).await;
    for q in 0..=last {
        // Anyone may crank; a stranger cranks every other quarter.
        let ix = mint_ix::mint_quarter(
            &stranger.pubkey(),
            q,
            &stk.startup_fund_destination,
            &stk.distribution_destination,
        );
        if q % 2 == 0 {
            Ledger::ok(ledger.send_as(&stranger, &[ix], &[]).await);
        } else {
            Ledger::ok(stk.mint_quarter(&mut ledger, q, false).await);
        }
    }
    let cap = 21_000_000_000_000u64;
    assert_eq!(ledger.mint_supply(&stk.addresses.mint).await, cap);
    let held = ledger.token_amount(&stk.genesis_destination).await
        + ledger.token_amount(&stk.startup_fund_destination).await
        + ledger.token_amount(&stk.distribution_destination).await;
    assert_eq!(held, cap);
    let config: MintConfig = ledger.anchor_account(&stk.addresses.config).await;
    assert_eq!(config.total_minted, cap);
    // Past the schedule nothing mints, whoever asks and whenever.
    ledger.advance_seconds(400 * 86_400).await;
    stk.mint_quarter(&mut ledger, last + 1, false)
        .await
        .expect_failure()
        .assert_code(MintError::QuarterOutOfRange);
    stk.mint_quarter(&mut ledger, last, false)
        .await
        .expect_failure()
        .assert_code(MintError::QuarterAlreadyMinted);
    stk.mint_genesis(&mut ledger)
        .await
        .expect_failure()
        .assert_code(MintError::GenesisAlreadyMinted);
    assert_eq!(ledger.mint_supply(&stk.addresses.mint).await, cap);
}

#[tokio::test]
async fn on_chain_quarters_equal_the_shared_schedule_for_other_parameters() {
    let mut ledger = Ledger::start().await;
    let args = StkMintSetupArgs {
        decimals: 9,
        schedule: ScheduleParams {
            start_month: MonthId::new(2026, 11).unwrap().0,
            utc_offset_secs: 0,
            months_per_quarter: 3,
            num_quarters: 7,
            decay_num: 7,
            decay_den: 9,
            genesis_bps: 500,
            startup_fund_bps: 1_234,
            cap: stk_common::cap_base_units(9).unwrap(),
        },
        ..StkMintSetupArgs::default()
    };
    let stk = StkMintSetup::initialize(&mut ledger, args).await;
    Ledger::ok(stk.mint_genesis(&mut ledger).await);
    let mut fund_total = 0;
    let mut dist_total = 0;
    for q in 0..7 {
        let ok = Ledger::ok(stk.mint_quarter(&mut ledger, q, true).await);
        let ev: Vec<events::QuarterMinted> = decode_events(&ok.events);
        assert_eq!(ev[0].emission, stk.schedule.quarter_emission(q).unwrap());
        fund_total += ev[0].startup_fund_amount;
        dist_total += ev[0].distribution_amount;
    }
    assert_eq!(ledger.token_amount(&stk.startup_fund_destination).await, fund_total);
    assert_eq!(ledger.token_amount(&stk.distribution_destination).await, dist_total);
    assert_eq!(ledger.mint_supply(&stk.addresses.mint).await, stk.schedule.cap);
}

#[tokio::test]
async fn wrong_destination_mint_pda_and_signer_are_refused() {
    let (mut ledger, stk) = setup().await;
    let a = stk.addresses;
    let payer = ledger.payer();
    ledger.warp_to_timestamp(stk.schedule.quarter_start_ts(0).unwrap()).await;

    // Another STK account (the attacker's own) as a destination.
    let attacker = Keypair::new();
    let attacker_ata = ledger.create_ata(&attacker.pubkey(), &a.mint).await;
    let ix = mint_ix::mint_quarter(&payer, 0, &attacker_ata, &stk.distribution_destination);
    ledger.send(&[ix], &[]).await.expect_failure().assert_code(MintError::WrongDestination);
    let ix = mint_ix::mint_quarter(&payer, 0, &stk.startup_fund_destination, &attacker_ata);
    ledger.send(&[ix], &[]).await.expect_failure().assert_code(MintError::WrongDestination);
    let ix = mint_ix::mint_genesis(&payer, &attacker_ata);
    ledger.send(&[ix], &[]).await.expect_failure().assert_code(MintError::WrongDestination);

    // A different Token-2022 mint passed as the STK mint.
    let fake_mint = ledger.create_foreign_mint(6).await;
    let mut ix = mint_ix::mint_quarter(
        &payer,
        0,
        &stk.startup_fund_destination,
        &stk.distribution_destination,
    );
    ix.accounts[2].pubkey = fake_mint;
    ledger
        .send(&[ix], &[])
        .await
        .expect_failure()
        .assert_code(AnchorError::ConstraintHasOne as u32);

    // A mint-authority account that is not the PDA.
    let mut ix = mint_ix::mint_quarter(
        &payer,
        0,
        &stk.startup_fund_destination,
        &stk.distribution_destination,
    );
    ix.accounts[3].pubkey = attacker.pubkey();
    ledger.send(&[ix], &[]).await.expect_failure().assert_code(AnchorError::ConstraintSeeds as u32);

    // A config account that is not the program's PDA (an empty system account).
    let mut ix = mint_ix::mint_quarter(
        &payer,
        0,
        &stk.startup_fund_destination,
        &stk.distribution_destination,
    );
    ix.accounts[1].pubkey = attacker.pubkey();
    ledger
        .send(&[ix], &[])
        .await
        .expect_failure()
        .assert_code(AnchorError::AccountNotInitialized as u32);

    // The metadata URI is the admin's alone.
    let mallory = ledger.funded_keypair(1_000_000_000).await;
    let ix = mint_ix::update_metadata_uri(&mallory.pubkey(), "https://evil.example/x.json".into());
    ledger
        .send_as(&mallory, &[ix], &[])
        .await
        .expect_failure()
        .assert_code(AnchorError::ConstraintHasOne as u32);

    // Nothing was minted by any of the attempts.
    assert_eq!(ledger.mint_supply(&a.mint).await, 0);
}

#[tokio::test]
async fn the_admin_updates_the_metadata_uri() {
    let (mut ledger, stk) = setup().await;
    let new_uri = "https://stk.example/metadata/stk-v2-with-a-longer-name.json".to_string();
    let ok = Ledger::ok(
        ledger.send(&[mint_ix::update_metadata_uri(&ledger.payer(), new_uri.clone())], &[]).await,
    );
    let ev: Vec<events::MetadataUriUpdated> = decode_events(&ok.events);
    assert_eq!(ev[0].uri, new_uri);
    let data = ledger.mint_data(&stk.addresses.mint).await;
    let mint = StateWithExtensions::<MintState>::unpack(&data).unwrap();
    assert_eq!(mint.get_variable_len_extension::<TokenMetadata>().unwrap().uri, new_uri);
    let too_long = "y".repeat(201);
    ledger
        .send(&[mint_ix::update_metadata_uri(&ledger.payer(), too_long)], &[])
        .await
        .expect_failure()
        .assert_code(MintError::UriTooLong);
}

#[tokio::test]
async fn initialize_survives_lamports_sent_to_its_pdas_first() {
    // Anyone can send lamports to the mint's and the config's addresses before the deployer
    // initializes (the system program's create_account would then refuse the mint forever),
    // and to the vaults the other programs create for the mint's destinations.
    let mut ledger = Ledger::start().await;
    let a = mint_ix::addresses();
    let prefunded = [
        (a.mint, 1_000_000),       // below the mint's rent: initialize tops it up
        (a.config, 5_000_000_000), // above the config's rent: nothing to add
        (seeds::find_sale_vault(), 1_000_000),
        (seeds::find_fund_vault(), 1_000_000),
    ];
    for (address, lamports) in prefunded {
        ledger.airdrop(&address, lamports).await;
    }
    let stk = StkMintSetup::initialize(&mut ledger, StkMintSetupArgs::default()).await;

    // The mint is the genuine one: Token-2022, rent-exempt at its final size, every extension.
    let acc = ledger.account(&a.mint).await.unwrap();
    assert_eq!(acc.owner, t22::ID);
    let rent = ledger.ctx.banks_client.get_rent().await.unwrap();
    assert!(acc.lamports >= rent.minimum_balance(acc.data.len()), "mint is rent-exempt");
    let mint = StateWithExtensions::<MintState>::unpack(&acc.data).unwrap();
    assert_eq!((mint.base.decimals, mint.base.supply), (6, 0));
    assert_eq!(mint.base.mint_authority, Some(a.mint_authority).into());
    assert_eq!(mint.get_extension_types().unwrap().len(), 4);
    assert_eq!(mint.get_variable_len_extension::<TokenMetadata>().unwrap().symbol, "STK");
    let config: MintConfig = ledger.anchor_account(&a.config).await;
    assert_eq!((config.admin, config.mint), (ledger.payer(), a.mint));
    assert!(ledger.lamports(&a.config).await >= 5_000_000_000, "the gift stays in the config");

    // And it works: genesis to the sale vault, quarter 0 to the fund and distribution.
    Ledger::ok(stk.mint_genesis(&mut ledger).await);
    Ledger::ok(stk.mint_quarter(&mut ledger, 0, true).await);
    let (fund, dist) = stk.schedule.split(stk.schedule.quarter_emission(0).unwrap());
    assert_eq!(ledger.token_amount(&seeds::find_sale_vault()).await, 2_100_000_000_000);
    assert_eq!(ledger.token_amount(&seeds::find_fund_vault()).await, fund);
    assert_eq!(ledger.token_amount(&stk.distribution_destination).await, dist);
}

#[tokio::test]
async fn initialize_refuses_destinations_other_than_the_vesting_and_fund_vaults() {
    use stk_harness::Destination;
    let mut ledger = Ledger::start().await;
    let payer = ledger.payer();
    let good = StkMintSetupArgs::default();
    let try_init = |args: &StkMintSetupArgs| mint_ix::initialize(&payer, args.initialize_args());
    let sale_vault = Destination::Existing(seeds::find_sale_vault());
    let fund_vault = Destination::Existing(seeds::find_fund_vault());
    let cases = [
        // The PDAs' owners' ATAs (what the destinations once defaulted to), the other
        // program's vault, an attacker's key.
        (
            StkMintSetupArgs {
                genesis: Destination::AtaOf(seeds::find_vesting_authority()),
                ..good.clone()
            },
            MintError::GenesisDestinationNotSaleVault,
        ),
        (
            StkMintSetupArgs { genesis: fund_vault, ..good.clone() },
            MintError::GenesisDestinationNotSaleVault,
        ),
        (
            StkMintSetupArgs { genesis: Destination::AtaOf(Pubkey::new_unique()), ..good.clone() },
            MintError::GenesisDestinationNotSaleVault,
        ),
        (
            StkMintSetupArgs {
                startup_fund: Destination::AtaOf(seeds::find_fund_authority()),
                ..good.clone()
            },
            MintError::StartupFundDestinationNotFundVault,
        ),
        (
            StkMintSetupArgs { startup_fund: sale_vault, ..good.clone() },
            MintError::StartupFundDestinationNotFundVault,
        ),
        (
            StkMintSetupArgs {
                startup_fund: Destination::Existing(Pubkey::new_unique()),
                ..good.clone()
            },
            MintError::StartupFundDestinationNotFundVault,
        ),
    ];
    for (args, error) in &cases {
        ledger.send(&[try_init(args)], &[]).await.expect_failure().assert_code(*error);
    }
    assert!(!ledger.account_exists(&seeds::find_mint_config()).await, "nothing was created");
    let ok = Ledger::ok(ledger.send(&[try_init(&good)], &[]).await);
    let ev: Vec<events::StkInitialized> = decode_events(&ok.events);
    assert_eq!(ev[0].genesis_destination, seeds::find_sale_vault());
    assert_eq!(ev[0].startup_fund_destination, seeds::find_fund_vault());
}

#[tokio::test]
async fn the_admin_rotates_in_two_steps() {
    let (mut ledger, stk) = setup().await;
    let roles = |data: &[u8]| {
        let c = MintConfig::try_deserialize(&mut &data[..]).unwrap();
        (c.admin, c.pending_admin)
    };
    let rotation = stk_harness::admin::AdminRotation {
        propose: &|admin, candidate| mint_ix::propose_admin(admin, candidate),
        accept: &|candidate| mint_ix::accept_admin(candidate),
        state: stk.addresses.config,
        roles: &roles,
        not_admin: MintError::NotAdmin.into(),
        not_proposed: MintError::NotProposedAdmin.into(),
    };
    let new = rotation.run(&mut ledger).await;
    // The role's own power moved too: the URI is the new admin's, no longer the old one's.
    let uri = "https://stk.example/metadata/rotated.json".to_string();
    ledger
        .send(&[mint_ix::update_metadata_uri(&ledger.payer(), uri.clone())], &[])
        .await
        .expect_failure()
        .assert_code(AnchorError::ConstraintHasOne as u32);
    let ix = mint_ix::update_metadata_uri(&new.pubkey(), uri);
    Ledger::ok(ledger.send_as(&new, &[ix], &[]).await);
}
