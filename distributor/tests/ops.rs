//! The operator commands (`distributor quote|fees|staking|fund|genesis`) on the embedded
//! ledger, through the same `Group::run` the CLI calls: each command sends, prints with
//! `--dry-run`, prints an unsigned transaction with `--sign-with external`, and explains a
//! refusal by the program's error name. Also the service's operator cranks.
mod common;

use anchor_lang::{prelude::Pubkey, AccountDeserialize};
use anchor_spl::token_interface::spl_token_2022;
use solana_signer::Signer;
use stk_common::{calendar::MonthId, schedule::ScheduleParams, seeds};
use stk_distributor::{
    chain::{embedded::EmbeddedBackend, ChainBackend},
    config::Config,
    init::{initialize_suite, SuiteParams},
    metrics::Metrics,
    ops::{
        cranks::OperatorCranks, fees::FeesCmd, fund::FundCmd, quote::QuoteCmd, staking::StakingCmd,
        Group, Mode, OpsError,
    },
    service::{tick, ServiceSettings, TickEvent},
};
use stk_harness::Ledger;

const YEAR: i64 = 31_557_600;

fn params(admin: Pubkey, schedule: ScheduleParams) -> SuiteParams {
    SuiteParams {
        decimals: 6,
        metadata_uri: "https://stk.example/stk.json".into(),
        transfer_fee_bps: 50,
        max_transfer_fee: 10_000_000,
        schedule,
        // Its own key: the treasury refuses admin == distributor (no payouts run here).
        distributor: Pubkey::new_unique(),
        staking_fee_bps: 4_000,
        startup_fund_fee_bps: 3_000,
        dormancy_notice_secs: 90 * 86_400,
        fiat_decimals: 2,
        council: vec![admin],
        council_threshold: 1,
        fund_lock_seconds: 3 * YEAR,
        staking_reward_rate: 0,
    }
}

/// A fresh ledger with the whole suite initialized by `distributor init`'s code; the ledger's
/// payer is the admin of everything.
async fn suite(tag: &str) -> (common::TestDb, EmbeddedBackend, ScheduleParams) {
    let db = common::TestDb::new(tag).await;
    let mut backend = EmbeddedBackend::new(Ledger::start().await);
    let admin = backend.payer().pubkey();
    let schedule = Config::default_config().schedule();
    initialize_suite(&mut backend, &db.pool, &params(admin, schedule)).await.unwrap();
    (db, backend, schedule)
}

async fn run(backend: &mut EmbeddedBackend, group: Group) -> Result<String, OpsError> {
    group.run(backend, &Mode::Send).await
}

async fn ok(backend: &mut EmbeddedBackend, group: Group) -> String {
    let text = run(backend, group.clone()).await.unwrap_or_else(|e| panic!("{group:?}: {e}"));
    assert!(text.contains("confirmed") || !group.signs(), "{group:?}: {text}");
    text
}

async fn anchor<T: AccountDeserialize>(backend: &mut EmbeddedBackend, address: &Pubkey) -> T {
    backend.ledger.anchor_account(address).await
}

/// Starts quarter `q`: warps to its start and mints it with the crank instruction.
async fn mint_quarter(backend: &mut EmbeddedBackend, schedule: &ScheduleParams, q: u16) {
    backend.ledger.warp_to_timestamp(schedule.quarter_start_ts(q).unwrap()).await;
    let admin = backend.payer().pubkey();
    let ix = stk_client::mint::mint_quarter(
        &admin,
        q,
        &seeds::find_fund_vault(),
        &seeds::find_distribution_vault(),
    );
    Ledger::ok(backend.ledger.send(&[ix], &[]).await);
}

fn decode_unsigned(text: &str, prefix: &str) -> solana_transaction::Transaction {
    let line = text.lines().find_map(|l| l.strip_prefix(prefix)).expect(prefix);
    let bytes = match prefix {
        "base58: " => bs58::decode(line).into_vec().unwrap(),
        _ => base64::Engine::decode(&base64::engine::general_purpose::STANDARD, line).unwrap(),
    };
    bincode::deserialize(&bytes).unwrap()
}

#[tokio::test]
async fn genesis_and_quote_commands_send_print_and_explain_refusals() {
    let (db, mut backend, schedule) = suite("ops_quote").await;
    let admin = backend.payer().pubkey();

    // Genesis, once.
    ok(&mut backend, Group::Genesis).await;
    let sale_vault = seeds::find_sale_vault();
    assert_eq!(backend.ledger.token_amount(&sale_vault).await, schedule.genesis_amount());
    let again = run(&mut backend, Group::Genesis).await.unwrap();
    assert!(again.contains("already minted"), "{again}");
    mint_quarter(&mut backend, &schedule, 0).await;

    // A dry run prints the transaction with named accounts and changes nothing.
    let budget = QuoteCmd::Budget { quarter: None, budget: "150000.50".into(), backing_bps: 5_000 };
    let dry = Group::Quote(budget.clone())
        .run(&mut backend, &Mode::DryRun { signer: admin })
        .await
        .unwrap();
    assert!(dry.contains("dry run") && dry.contains("stk_treasury.record_quarter_budget"), "{dry}");
    assert!(
        dry.contains(&seeds::find_quarter_quote(0).to_string()) && dry.contains("quarter_quote")
    );
    assert!(!backend.ledger.account_exists(&seeds::find_quarter_quote(0)).await);

    // For a multisig: the unsigned transaction, base58 and base64, signed by the authority.
    let vault = Pubkey::new_unique();
    let external = Group::Quote(budget.clone())
        .run(&mut backend, &Mode::External { authority: vault })
        .await
        .unwrap();
    for prefix in ["base58: ", "base64: "] {
        let tx = decode_unsigned(&external, prefix);
        assert_eq!(tx.message.account_keys[0], vault, "the authority pays and signs");
        assert_eq!(tx.message.header.num_required_signatures, 1);
        assert!(tx.signatures.iter().all(|s| *s == Default::default()), "unsigned");
        assert_eq!(tx.message.instructions.len(), 1);
    }
    assert!(!backend.ledger.account_exists(&seeds::find_quarter_quote(0)).await);

    // Record the budget (fiat with the treasury's 2 decimals), a receipt, publish.
    ok(&mut backend, Group::Quote(budget)).await;
    let quote: stk_treasury::state::QuarterQuote =
        anchor(&mut backend, &seeds::find_quarter_quote(0)).await;
    assert_eq!((quote.budget, quote.backing_bps, quote.backing), (15_000_050, 5_000, 7_500_025));
    let early = run(
        &mut backend,
        Group::Quote(QuoteCmd::Budget { quarter: Some(3), budget: "1".into(), backing_bps: 0 }),
    )
    .await
    .unwrap_err();
    assert!(early.to_string().contains("the next is 1"), "{early}");
    let bad =
        run(&mut backend, Group::Quote(QuoteCmd::Receipt { amount: "10.001".into(), quarters: 4 }))
            .await
            .unwrap_err();
    assert!(bad.to_string().contains("more than 2 decimal places"), "{bad}");
    ok(&mut backend, Group::Quote(QuoteCmd::Receipt { amount: "1000".into(), quarters: 4 })).await;
    let published = ok(&mut backend, Group::Quote(QuoteCmd::Publish { quarter: 0 })).await;
    assert!(published.contains("price"), "{published}");

    // Publishing twice is refused by the program, and the error says why by name.
    let twice =
        run(&mut backend, Group::Quote(QuoteCmd::Publish { quarter: 0 })).await.unwrap_err();
    match &twice {
        OpsError::Refused { explained, .. } => {
            assert!(explained.contains("QuoteAlreadyPublished"), "{twice}")
        }
        other => panic!("expected a refusal, got {other}"),
    }

    // The history table: one published quarter with its price and STK issued.
    let history = run(&mut backend, Group::Quote(QuoteCmd::History)).await.unwrap();
    let quote: stk_treasury::state::QuarterQuote =
        anchor(&mut backend, &seeds::find_quarter_quote(0)).await;
    assert!(quote.published && quote.price > 0);
    let rows: Vec<&str> = history.lines().skip(1).collect();
    assert_eq!(rows.len(), 1, "{history}");
    assert!(rows[0].contains(&stk_common::fixed::format_price(quote.price)), "{history}");
    assert!(rows[0].contains("150000.5"), "{history}");
    db.drop_db().await;
}

#[tokio::test]
async fn fund_fees_and_staking_commands_over_three_years() {
    let (db, mut backend, schedule) = suite("ops_fund").await;
    let admin = backend.payer().pubkey();
    let mint = seeds::find_stk_mint();
    mint_quarter(&mut backend, &schedule, 0).await;

    // The quarter's deposit is recorded as a tranche locked for the fund's lock period.
    ok(&mut backend, Group::Fund(FundCmd::RecordDeposits)).await;
    let fund: stk_startup_fund::state::Fund = anchor(&mut backend, &seeds::find_fund()).await;
    let (fund_share, _) = schedule.split(schedule.quarter_emission(0).unwrap());
    assert_eq!(fund.total_deposited, fund_share);
    let status = run(&mut backend, Group::Fund(FundCmd::Status)).await.unwrap();
    assert!(status.contains("locked tranches    1") && status.contains("(locked)"), "{status}");
    assert!(status.contains(&format!(
        "unlocks {}",
        stk_distributor::ops::fund::utc(fund.tranches.pending()[0].unlock_ts)
    )));

    // The council registers a project and proposes an investment into the admin's account
    // (which then funds staking); executing before the unlock is refused by name.
    let project = Pubkey::new_unique();
    let admin_ata = backend.ledger.create_ata(&admin, &mint).await;
    // The signer registers itself as the project's returner (it records the return below).
    let returner = backend.payer().pubkey().to_string();
    ok(
        &mut backend,
        Group::Fund(FundCmd::RegisterProject { project: project.to_string(), returner }),
    )
    .await;
    let propose = FundCmd::Propose {
        project: project.to_string(),
        recipient: admin_ata.to_string(),
        amount: "50000".into(),
    };
    ok(&mut backend, Group::Fund(propose)).await;
    let early = run(&mut backend, Group::Fund(FundCmd::Execute { proposal: 0, salt: None })).await;
    match early {
        Err(OpsError::Refused { explained, .. }) => {
            assert!(explained.contains("InsufficientUnlocked"), "{explained}")
        }
        other => panic!("expected InsufficientUnlocked, got {other:?}"),
    }
    backend.ledger.advance_seconds(3 * YEAR + 86_400).await;
    ok(&mut backend, Group::Fund(FundCmd::Execute { proposal: 0, salt: None })).await;
    assert_eq!(backend.ledger.token_amount(&admin_ata).await, 50_000_000_000);

    // A grant: proposed, executed; the grant exists and holds the amount.
    // A wallet on the curve (the fund refuses off-curve beneficiaries: they could never claim).
    let beneficiary = solana_keypair::Keypair::new().pubkey();
    let grant = FundCmd::ProposeGrant {
        project: project.to_string(),
        beneficiary: beneficiary.to_string(),
        amount: "1000".into(),
        start: None,
        cliff_days: 30,
        duration_days: 360,
        period_days: 30,
    };
    ok(&mut backend, Group::Fund(grant)).await;
    ok(&mut backend, Group::Fund(FundCmd::Execute { proposal: 1, salt: Some(7) })).await;
    let grant_id = stk_client::startup_fund::grant_id(1, 7);
    let grant_vault = stk_client::vesting::grant_addresses(&grant_id).vault;
    assert_eq!(backend.ledger.token_amount(&grant_vault).await, 1_000_000_000);

    // A return from the project, and the status lists both proposals as executed.
    ok(
        &mut backend,
        Group::Fund(FundCmd::RecordReturn {
            project: project.to_string(),
            amount: "10".into(),
            from: None,
        }),
    )
    .await;
    let fund: stk_startup_fund::state::Fund = anchor(&mut backend, &seeds::find_fund()).await;
    assert!(fund.total_returned > 0);
    let status = run(&mut backend, Group::Fund(FundCmd::Status)).await.unwrap();
    assert_eq!(status.matches(" executed,").count(), 2, "{status}");

    // Transfers withhold fees in the recipients' accounts; the harvest finds every such
    // account, sweeps them all into the fee vault, and leaves none withheld.
    let mut members = vec![];
    for _ in 0..3 {
        let member = Pubkey::new_unique();
        let ata = backend.ledger.create_ata(&member, &mint).await;
        let ix = spl_token_2022::instruction::transfer_checked(
            &spl_token_2022::ID,
            &admin_ata,
            &mint,
            &ata,
            &admin,
            &[],
            1_000_000_000,
            6,
        )
        .unwrap();
        Ledger::ok(backend.ledger.send(&[ix], &[]).await);
        members.push(ata);
    }
    let mut withheld = 0;
    for ata in &members {
        let w = backend.ledger.token(ata).await.withheld;
        assert!(w > 0);
        withheld += w;
    }
    let fee_vault = seeds::find_fee_vault();
    let vault_before = backend.ledger.token_amount(&fee_vault).await;
    let text = ok(&mut backend, Group::Fees(FeesCmd::Harvest)).await;
    assert!(text.contains("accounts hold"), "{text}");
    for ata in &members {
        assert_eq!(backend.ledger.token(ata).await.withheld, 0, "harvested {ata}");
    }
    assert!(backend.ledger.token_amount(&fee_vault).await >= vault_before + withheld);
    let nothing = run(&mut backend, Group::Fees(FeesCmd::Harvest)).await.unwrap();
    assert!(nothing.contains("nothing to harvest"), "{nothing}");

    // The split empties the fee vault; crediting books the staking share as funding.
    ok(&mut backend, Group::Fees(FeesCmd::Split)).await;
    assert_eq!(backend.ledger.token_amount(&fee_vault).await, 0);
    ok(&mut backend, Group::Staking(StakingCmd::Credit)).await;
    let pool_address = seeds::find_staking_pool(&mint);
    let pool: stk_staking::state::StakingPool = anchor(&mut backend, &pool_address).await;
    assert!(pool.total_funded > 0);

    // Staking: fund from the admin's account, set a rate, and the summary's runway follows.
    ok(&mut backend, Group::Staking(StakingCmd::Fund { amount: "864".into(), from: None })).await;
    ok(&mut backend, Group::Staking(StakingCmd::Rate { rate: 1_000 })).await;
    let pool: stk_staking::state::StakingPool = anchor(&mut backend, &pool_address).await;
    assert_eq!(pool.rewards.reward_rate, 1_000);
    let show = run(&mut backend, Group::Staking(StakingCmd::Show)).await.unwrap();
    let days = pool.rewards.unreleased / 1_000 / 86_400;
    assert!(show.contains(&format!("runway             {days} days")), "{show}");
    assert!(show.contains("stakers            0"), "{show}");
    db.drop_db().await;
}

#[tokio::test]
async fn the_service_cranks_genesis_deposits_and_fees() {
    let (db, mut backend, schedule) = suite("ops_service").await;
    let config = Config::default_config();
    let settings = ServiceSettings {
        report_dir: None,
        cranks: OperatorCranks::all(Some(std::time::Duration::from_secs(86_400))),
        ..ServiceSettings::default()
    };
    let metrics = Metrics::default();
    let t = MonthId::new(2027, 1).unwrap().start_ts(schedule.utc_offset_secs) + 3_600;
    backend.ledger.warp_to_timestamp(t).await;
    let events = tick(&mut backend, &db.pool, &config, &settings, &metrics, t).await.unwrap();
    assert_eq!(
        events[..4],
        [
            TickEvent::GenesisMinted,
            TickEvent::QuarterMinted(0),
            TickEvent::DepositsRecorded,
            TickEvent::FeesHarvested { accounts: 0, withheld: 0, split: false },
        ],
        "{events:?}"
    );
    let fund: stk_startup_fund::state::Fund = anchor(&mut backend, &seeds::find_fund()).await;
    let pending = fund.tranches.pending();
    assert_eq!(pending.len(), 1);
    assert!(pending[0].unlock_ts >= t + 3 * YEAR, "locked from the quarter's crank");

    // Within the interval the fee crank waits (its last run is in Postgres); a day later it
    // runs again.
    let events =
        tick(&mut backend, &db.pool, &config, &settings, &metrics, t + 3_600).await.unwrap();
    assert!(!events.iter().any(|e| matches!(e, TickEvent::FeesHarvested { .. })), "{events:?}");
    let events =
        tick(&mut backend, &db.pool, &config, &settings, &metrics, t + 86_400).await.unwrap();
    assert!(events.iter().any(|e| matches!(e, TickEvent::FeesHarvested { .. })), "{events:?}");
    db.drop_db().await;
}
