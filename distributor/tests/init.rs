//! `distributor init` on the embedded ledger: the whole suite in the right order, idempotent,
//! and wired so the cranks pay into the programs' own vaults.
mod common;

use solana_signer::Signer;
use stk_common::{calendar::MonthId, schedule::ScheduleParams, seeds};
use stk_distributor::{
    chain::{embedded::EmbeddedBackend, ChainBackend},
    init::{initialize_suite, SuiteParams},
};
use stk_harness::Ledger;

#[tokio::test]
async fn init_wires_the_suite_once_and_the_cranks_pay_into_its_vaults() {
    let db = common::TestDb::new("init").await;
    let mut backend = EmbeddedBackend::new(Ledger::start().await);
    let admin = backend.payer().pubkey();
    let schedule = ScheduleParams::default_for(MonthId::new(2027, 1).unwrap(), 6);
    let params = SuiteParams {
        decimals: 6,
        metadata_uri: "https://stk.example/metadata/stk.json".into(),
        transfer_fee_bps: 50,
        max_transfer_fee: 10_000_000,
        schedule,
        // The treasury refuses an admin that is also the distributor.
        distributor: solana_keypair::Keypair::new().pubkey(),
        staking_fee_bps: 4_000,
        startup_fund_fee_bps: 3_000,
        dormancy_notice_secs: 90 * 86_400,
        fiat_decimals: 2,
        council: vec![admin],
        council_threshold: 1,
        fund_lock_seconds: 3 * 365 * 86_400 + 86_400,
        staking_reward_rate: 0,
    };
    let first = initialize_suite(&mut backend, &db.pool, &params).await.unwrap();
    assert_eq!(
        first.initialized_now,
        vec!["stk_mint", "stk_vesting", "stk_startup_fund", "stk_staking", "stk_treasury"]
    );
    let again = initialize_suite(&mut backend, &db.pool, &params).await.unwrap();
    assert!(again.initialized_now.is_empty(), "idempotent: {:?}", again.initialized_now);
    assert_eq!(first.entries, again.entries);
    // The deploy key alone on the council is also the treasury admin, who may not confirm
    // fraud holds: init says what to do about it.
    assert_eq!(first.notes.len(), 1, "{:?}", first.notes);
    assert!(
        first.notes[0].contains("leaves 0 member(s) who may confirm fraud holds")
            && first.notes[0].contains("authority council"),
        "{:?}",
        first.notes
    );

    // The cranks pay into the vaults init created.
    let ledger = &mut backend.ledger;
    let ix = stk_client::mint::mint_genesis(&admin, &seeds::find_sale_vault());
    Ledger::ok(ledger.send(&[ix], &[]).await);
    assert_eq!(ledger.token_amount(&seeds::find_sale_vault()).await, schedule.genesis_amount());
    ledger.warp_to_timestamp(schedule.quarter_start_ts(0).unwrap()).await;
    let ix = stk_client::mint::mint_quarter(
        &admin,
        0,
        &seeds::find_fund_vault(),
        &seeds::find_distribution_vault(),
    );
    Ledger::ok(ledger.send(&[ix], &[]).await);
    let (fund, members) = schedule.split(schedule.quarter_emission(0).unwrap());
    assert_eq!(ledger.token_amount(&seeds::find_fund_vault()).await, fund);
    assert_eq!(ledger.token_amount(&seeds::find_distribution_vault()).await, members);
    db.drop_db().await;
}
