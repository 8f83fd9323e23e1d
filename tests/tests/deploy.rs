//! Nobody but the deployer can initialize a program (`stk_common::deploy`).
//!
//! Every `initialize` creates its program's singleton state at a fixed PDA, so its first
//! caller would own the program. The harness gives each program the ProgramData account that
//! `anchor deploy` leaves behind, naming the deployer (the context payer) as upgrade authority.
//! These tests move that authority away from an otherwise valid caller, make the program
//! immutable, or hand in forged ProgramData accounts; only the genuine authority passes.
use anchor_lang::prelude::Pubkey;
use solana_instruction::AccountMeta;
use solana_keypair::Keypair;
use solana_signer::Signer;
use stk_common::{deploy, ids, seeds};
use stk_harness::{
    stk_client::{
        mint as mint_ix, staking as staking_ix, startup_fund as fund_ix, treasury as treasury_ix,
        vesting as vesting_ix,
    },
    Destination, ExpectFailure, Ledger, StkMintSetup, StkMintSetupArgs,
};

/// The mint arguments every program below accepts (its destinations are their PDA vaults).
fn mint_args() -> StkMintSetupArgs {
    StkMintSetupArgs {
        startup_fund: Destination::Existing(seeds::find_fund_vault()),
        distribution: Destination::Existing(seeds::find_distribution_vault()),
        ..StkMintSetupArgs::default()
    }
}

/// Replaces the `program_data` account of an `initialize` instruction (always its last).
fn with_program_data(
    mut ix: solana_instruction::Instruction,
    address: Pubkey,
) -> solana_instruction::Instruction {
    let last = ix.accounts.last_mut().expect("initialize has accounts");
    assert_eq!(last.pubkey, deploy::program_data_address(&ix.program_id), "last account");
    *last = AccountMeta::new_readonly(address, false);
    ix
}

#[tokio::test]
async fn stk_mint_initialize_requires_the_genuine_upgrade_authority() {
    let mut ledger = Ledger::start().await;
    let deployer = ledger.payer();
    let args = mint_args().initialize_args();
    let ix = || mint_ix::initialize(&deployer, args.clone());

    // The deployer handed the upgrade authority to someone else: the deployer is refused.
    let successor = Keypair::new();
    ledger.set_upgrade_authority(&ids::STK_MINT, Some(&successor.pubkey()));
    ledger
        .send(&[ix()], &[])
        .await
        .expect_failure()
        .assert_code(stk_mint::errors::MintError::NotUpgradeAuthority);

    // An immutable program cannot be initialized by anyone.
    ledger.set_upgrade_authority(&ids::STK_MINT, None);
    ledger
        .send(&[ix()], &[])
        .await
        .expect_failure()
        .assert_code(stk_mint::errors::MintError::NotUpgradeAuthority);
    ledger.set_upgrade_authority(&ids::STK_MINT, Some(&deployer));

    // Forged ProgramData: another program's (the deployer is its authority too) ...
    let other = with_program_data(ix(), deploy::program_data_address(&ids::STK_TREASURY));
    ledger
        .send(&[other], &[])
        .await
        .expect_failure()
        .assert_code(stk_mint::errors::MintError::NotUpgradeAuthority);
    // ... and a look-alike at the right address, not owned by the loader.
    let forged = deploy::program_data_address(&ids::STK_MINT);
    let genuine = ledger.account(&forged).await.expect("ProgramData installed");
    ledger.install_account(&forged, &deployer, &genuine.data);
    ledger
        .send(&[ix()], &[])
        .await
        .expect_failure()
        .assert_code(stk_mint::errors::MintError::NotUpgradeAuthority);
    assert!(ledger.account(&seeds::find_mint_config()).await.is_none(), "nothing was created");

    // The genuine account and authority: initialized.
    ledger.set_upgrade_authority(&ids::STK_MINT, Some(&deployer));
    Ledger::ok(ledger.send(&[ix()], &[]).await);
    assert!(ledger.account(&seeds::find_mint_config()).await.is_some());
}

#[tokio::test]
async fn every_other_initialize_requires_its_programs_upgrade_authority() {
    let mut ledger = Ledger::start().await;
    // The mint only: the vesting and fund vaults are for the attempts below to create.
    let stk = StkMintSetup::initialize_mint_only(&mut ledger, mint_args()).await;
    let deployer = ledger.payer();
    let mint = stk.addresses.mint;
    let council = Keypair::new();
    let attempts: Vec<(Pubkey, solana_instruction::Instruction, u32)> = vec![
        (
            ids::STK_TREASURY,
            treasury_ix::initialize(
                &deployer,
                stk_treasury::instructions::InitializeArgs {
                    distributor: Keypair::new().pubkey(),
                    fee_split: stk_treasury::state::FeeSplit {
                        staking_rewards_destination: Keypair::new().pubkey(),
                        startup_fund_destination: seeds::find_fund_vault(),
                        staking_rewards_bps: 4_000,
                        startup_fund_bps: 3_000,
                    },
                    dormancy_notice_secs: 90 * 86_400,
                    fiat_decimals: 2,
                },
            ),
            stk_treasury::errors::TreasuryError::NotUpgradeAuthority.into(),
        ),
        (
            ids::STK_VESTING,
            vesting_ix::initialize(&deployer),
            stk_vesting::errors::VestingError::NotUpgradeAuthority.into(),
        ),
        (
            ids::STK_STAKING,
            staking_ix::initialize_pool(
                &deployer,
                &mint,
                stk_staking::instructions::initialize_pool::InitializePoolArgs {
                    reward_rate: 1,
                    lock_options: stk_staking::state::default_lock_options(),
                },
            ),
            stk_staking::errors::StakingError::NotUpgradeAuthority.into(),
        ),
        (
            ids::STK_STARTUP_FUND,
            fund_ix::initialize(
                &deployer,
                stk_startup_fund::instructions::InitializeArgs {
                    council: vec![council.pubkey()],
                    threshold: 1,
                    lock_period: stk_startup_fund::state::MIN_LOCK_PERIOD,
                },
            ),
            stk_startup_fund::errors::FundError::NotUpgradeAuthority.into(),
        ),
    ];
    for (program, ix, refused) in attempts {
        // The same, otherwise valid, instruction: refused while another key holds the
        // program's upgrade authority, accepted once the deployer holds it again.
        ledger.set_upgrade_authority(&program, Some(&Keypair::new().pubkey()));
        let failure = ledger.send(std::slice::from_ref(&ix), &[]).await.expect_failure();
        assert_eq!(failure.custom_code(), Some(refused), "{program}: {failure}");
        ledger.set_upgrade_authority(&program, Some(&deployer));
        if let Err(failure) = ledger.send(&[ix], &[]).await {
            panic!("{program}: the deployer is refused: {failure}");
        }
    }
}
