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
    suite_with_council(tag, &[], 1).await
}

/// [`suite`] with the admin and `council` on the startup fund's council, `threshold` of them.
async fn suite_with_council(
    tag: &str,
    council: &[Pubkey],
    threshold: u8,
) -> (common::TestDb, EmbeddedBackend, ScheduleParams) {
    let db = common::TestDb::new(tag).await;
    let mut backend = EmbeddedBackend::new(Ledger::start().await);
    let admin = backend.payer().pubkey();
    let schedule = Config::default_config().schedule();
    let mut p = params(admin, schedule);
    p.council.extend_from_slice(council);
    p.council_threshold = threshold;
    initialize_suite(&mut backend, &db.pool, &p).await.unwrap();
    (db, backend, schedule)
}

async fn run(backend: &mut EmbeddedBackend, group: Group) -> Result<String, OpsError> {
    group.run(backend, &Mode::Send).await
}

/// Sends `group` signed by the admin (the ledger's payer), after [`printed`] checked what
/// `--dry-run` and `--sign-with external` print for it in the same state.
async fn ok(backend: &mut EmbeddedBackend, group: Group) -> String {
    let admin = backend.payer().pubkey();
    let printed = printed(backend, admin, &Context::default(), &group).await;
    let text = run(backend, group.clone()).await.unwrap_or_else(|e| panic!("{group:?}: {e}"));
    assert!(text.contains("confirmed") || !group.signs(), "{group:?}: {text}");
    assert_eq!(sent(&text), printed, "{group:?}: sent what was printed\n{text}");
    text
}

/// Every account the ledger has seen (sysvars aside): owner, lamports and data — the payer's
/// lamports included, so a fee paid shows too.
async fn snapshot(backend: &mut EmbeddedBackend) -> Vec<(Pubkey, Pubkey, u64, Vec<u8>)> {
    let sysvars = anchor_lang::prelude::pubkey!("Sysvar1111111111111111111111111111111111111");
    let mut accounts = vec![];
    for address in backend.ledger.seen_accounts() {
        if let Some(a) = backend.ledger.account(&address).await {
            if a.owner != sysvars {
                accounts.push((address, a.owner, a.lamports, a.data));
            }
        }
    }
    accounts
}

/// One transaction as a command prints it: what it does, and each instruction's name and
/// accounts in order.
#[derive(Debug, Clone, PartialEq)]
struct PrintedTx {
    what: String,
    instructions: Vec<(String, Vec<Pubkey>)>,
}

/// The transactions in a command's output, each starting at a line beginning with `header`
/// (`ops::render`'s layout: "  instruction N: program.name (D data bytes)", then one line
/// per account: "    J <address> <role> <name>").
fn parse_printed(text: &str, header: &str) -> Vec<PrintedTx> {
    let mut txs: Vec<PrintedTx> = vec![];
    for line in text.lines() {
        if let Some(what) = line.strip_prefix(header) {
            txs.push(PrintedTx { what: what.to_string(), instructions: vec![] });
            continue;
        }
        let Some(tx) = txs.last_mut() else { continue };
        if let Some(rest) = line.strip_prefix("  instruction ") {
            let (_, named) = rest.split_once(": ").expect(line);
            let (name, _) = named.rsplit_once(" (").expect(line);
            tx.instructions.push((name.to_string(), vec![]));
        } else if let Some(rest) = line.strip_prefix("    ") {
            let mut words = rest.split_whitespace();
            let (Some(index), Some(address)) = (words.next(), words.next()) else { continue };
            let (Ok(index), Ok(address)) = (index.parse::<usize>(), address.parse::<Pubkey>())
            else {
                continue;
            };
            let ix = tx.instructions.last_mut().expect(line);
            assert_eq!(index, ix.1.len(), "accounts in order: {line}");
            ix.1.push(address);
        }
    }
    txs
}

/// How many transactions a command sent and saw confirmed ("…: confirmed, signature …").
fn sent(text: &str) -> usize {
    text.matches(": confirmed, signature ").count()
}

/// `--dry-run` and `--sign-with external --authority signer` for `group`, in the current
/// state: both print the same transactions (names and accounts); every external one decodes
/// from base58 and from base64 to the same unsigned transaction, paid and signed by `signer`
/// alone, whose instructions hold exactly the printed accounts; and neither changes anything
/// on the ledger. Returns the number of transactions printed (what a send must confirm).
async fn printed(
    backend: &mut EmbeddedBackend,
    signer: Pubkey,
    ctx: &Context,
    group: &Group,
) -> usize {
    if !group.signs() {
        return 0;
    }
    let before = snapshot(backend).await;
    let dry = group
        .run_with(backend, &Mode::DryRun { signer }, ctx)
        .await
        .unwrap_or_else(|e| panic!("{group:?} --dry-run: {e}"));
    let external = group
        .run_with(backend, &Mode::External { authority: signer }, ctx)
        .await
        .unwrap_or_else(|e| panic!("{group:?} --sign-with external: {e}"));
    assert!(snapshot(backend).await == before, "{group:?}: printing changed the ledger");

    let dry_txs = parse_printed(&dry, "dry run (nothing sent): ");
    let external_txs = parse_printed(&external, "unsigned transaction for an external signer: ");
    assert_eq!(dry_txs, external_txs, "{group:?}: the same transactions\n{dry}\n{external}");
    let base58: Vec<&str> = external.lines().filter_map(|l| l.strip_prefix("base58: ")).collect();
    let base64: Vec<&str> = external.lines().filter_map(|l| l.strip_prefix("base64: ")).collect();
    assert_eq!(
        (base58.len(), base64.len()),
        (external_txs.len(), external_txs.len()),
        "{external}"
    );
    for (i, printed) in external_txs.iter().enumerate() {
        assert!(!printed.instructions.is_empty(), "{external}");
        let wire = bs58::decode(base58[i]).into_vec().unwrap();
        let same =
            base64::Engine::decode(&base64::engine::general_purpose::STANDARD, base64[i]).unwrap();
        assert_eq!(wire, same, "base58 and base64 encode the same bytes");
        let tx: solana_transaction::Transaction = bincode::deserialize(&wire).unwrap();
        let keys = &tx.message.account_keys;
        assert_eq!(keys[0], signer, "{group:?}: the authority pays");
        assert_eq!(tx.message.header.num_required_signatures, 1, "{group:?}: it alone signs");
        assert!(tx.signatures.iter().all(|s| *s == Default::default()), "unsigned");
        assert_eq!(tx.message.instructions.len(), printed.instructions.len(), "{external}");
        for (ix, (name, accounts)) in tx.message.instructions.iter().zip(&printed.instructions) {
            let program = keys[ix.program_id_index as usize];
            let expected = match stk_distributor::ops::idl::program_name(&program) {
                Some(p) => name.starts_with(&format!("{p}.")),
                None => *name == format!("program {program}"),
            };
            assert!(expected, "{name} is not an instruction of {program}");
            let named: Vec<Pubkey> = ix.accounts.iter().map(|a| keys[*a as usize]).collect();
            assert_eq!(&named, accounts, "{group:?} {name}: the printed accounts");
        }
    }
    external_txs.len()
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
    let register = Group::Fund(FundCmd::RegisterProject { project: project.to_string(), returner });
    ok(&mut backend, register.clone()).await;
    // Registering it again is refused by the command, which says it is done.
    let again = run(&mut backend, register).await.unwrap_err();
    assert!(
        matches!(&again, OpsError::Usage(m) if m.contains(&format!("project {project} is already registered"))),
        "{again}"
    );
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

// ---- sale, dormancy, holds, authorities, and a first year (issue 16, second part) ----------

use solana_keypair::Keypair;
use stk_distributor::ops::{
    authority::{AuthorityCmd, Role},
    dormancy::DormancyCmd,
    holds::HoldCmd,
    sale::{AllowlistFile, SaleCmd},
    Context,
};

const STK: u64 = 1_000_000;
const SOL: u64 = 1_000_000_000;

fn ctx(db: &common::TestDb) -> Context {
    Context { db: Some(db.pool.clone()), config: Some(Config::default_config()) }
}

/// [`ok`] signed and paid by `key`, with Postgres and the configuration.
async fn ok_as(
    backend: &mut EmbeddedBackend,
    key: &Keypair,
    ctx: &Context,
    group: Group,
) -> String {
    let printed = printed(backend, key.pubkey(), ctx, &group).await;
    let text =
        run_as(backend, key, ctx, group.clone()).await.unwrap_or_else(|e| panic!("{group:?}: {e}"));
    assert_eq!(sent(&text), printed, "{group:?}: sent what was printed\n{text}");
    text
}

/// [`ok`] with Postgres and the configuration (the admin signs).
async fn ok_with(backend: &mut EmbeddedBackend, ctx: &Context, group: Group) -> String {
    let admin = backend.payer().pubkey();
    let printed = printed(backend, admin, ctx, &group).await;
    let text = group
        .run_with(backend, &Mode::Send, ctx)
        .await
        .unwrap_or_else(|e| panic!("{group:?}: {e}"));
    assert_eq!(sent(&text), printed, "{group:?}: sent what was printed\n{text}");
    text
}

/// Runs `group` signed and paid by `key` (a member, a council member, a candidate).
async fn run_as(
    backend: &mut EmbeddedBackend,
    key: &Keypair,
    ctx: &Context,
    group: Group,
) -> Result<String, OpsError> {
    backend.sign_as(Some(key.insecure_clone()));
    let result = group.run_with(backend, &Mode::Send, ctx).await;
    backend.sign_as(None);
    result
}

/// Asserts that the program refused the command with the error `name`.
#[track_caller]
fn refused(result: Result<String, OpsError>, name: &str) {
    match result {
        Err(OpsError::Refused { explained, .. }) => {
            assert!(explained.contains(name), "{explained}")
        }
        other => panic!("expected the program's {name}, got {other:?}"),
    }
}

/// Gives `owner` an STK ATA holding `amount`. Test-only: the balance is written into the
/// account (as tests/tests/dormancy.rs does); where a member's STK came from is not under test.
async fn stk_account(backend: &mut EmbeddedBackend, owner: &Pubkey, amount: u64) -> Pubkey {
    let ata = backend.ledger.create_ata(owner, &seeds::find_stk_mint()).await;
    let mut account = backend.ledger.account(&ata).await.unwrap();
    account.data[64..72].copy_from_slice(&amount.to_le_bytes());
    backend.ledger.install_account(&ata, &spl_token_2022::ID, &account.data);
    ata
}

/// A member's own STK transfer (not an operation; it withholds a transfer fee).
async fn member_transfer(
    backend: &mut EmbeddedBackend,
    owner: &Keypair,
    from: &Pubkey,
    to: &Pubkey,
    amount: u64,
) {
    let ix = spl_token_2022::instruction::transfer_checked(
        &spl_token_2022::ID,
        from,
        &seeds::find_stk_mint(),
        to,
        &owner.pubkey(),
        &[],
        amount,
        6,
    )
    .unwrap();
    Ledger::ok(backend.ledger.send(&[ix], &[owner]).await);
}

/// A stable-coin mint (6 decimals), the treasury's account of it, and `units` of it in the
/// buyer's account.
async fn payment_setup(
    backend: &mut EmbeddedBackend,
    buyer: &Pubkey,
    units: u64,
) -> (Pubkey, Pubkey, Pubkey) {
    let admin = backend.payer().pubkey();
    let mint = backend.ledger.create_foreign_mint(6).await;
    let destination = backend.ledger.create_ata(&seeds::find_treasury_authority(), &mint).await;
    let source = backend.ledger.create_ata(buyer, &mint).await;
    let ix = spl_token_2022::instruction::mint_to(
        &spl_token_2022::ID,
        &mint,
        &source,
        &admin,
        &[],
        units,
    )
    .unwrap();
    Ledger::ok(backend.ledger.send(&[ix], &[]).await);
    (mint, destination, source)
}

/// `sale open` at 0.5 payment units per STK for 30 days from now, the whole sale vault, the
/// configuration's vesting.
fn open_sale(allowlist: &std::path::Path, mint: &Pubkey, destination: &Pubkey) -> SaleCmd {
    SaleCmd::Open {
        allowlist: allowlist.to_path_buf(),
        payment_mint: mint.to_string(),
        payment_destination: destination.to_string(),
        price: "0.5".into(),
        start: None,
        days: 30,
        total: None,
        vesting_days: None,
        cliff_days: None,
        period_days: None,
    }
}

fn out_dir(tag: &str) -> std::path::PathBuf {
    std::env::temp_dir().join(format!("stk-ops-{tag}-{}", std::process::id()))
}

async fn grant_qualification(db: &common::TestDb, member: i64, name: &str, day: &str) {
    db.exec(&format!(
        "INSERT INTO qualification_grants (member_id, qualification, granted_at)
         VALUES ({member}, '{name}', '{day} 00:00:00+03')"
    ))
    .await;
}

#[tokio::test]
async fn the_sale_from_the_allowlist_to_close() {
    let (db, mut backend, schedule) = suite("ops_sale").await;
    let ctx = ctx(&db);
    let admin = backend.payer().pubkey();
    ok(&mut backend, Group::Genesis).await;

    // Postgres: two paying members with wallets (one a master), one not paying, one paying
    // without a wallet, one paying with a program address as wallet.
    let alice = backend.ledger.funded_keypair(10 * SOL).await;
    let bob = Keypair::new();
    db.member(1, "2027-01-01", Some("2027-12-31"), Some(&alice.pubkey().to_string())).await;
    db.member(2, "2027-01-01", Some("2027-12-31"), Some(&bob.pubkey().to_string())).await;
    grant_qualification(&db, 2, "master", "2027-01-10").await;
    db.member(3, "2027-01-01", None, Some(&Keypair::new().pubkey().to_string())).await;
    db.member(4, "2027-01-01", Some("2027-12-31"), None).await;
    db.member(5, "2027-01-01", Some("2027-12-31"), Some(&seeds::find_sale_vault().to_string()))
        .await;

    // The allowlist: files with proofs, the root printed; the same inputs, the same files.
    let out = out_dir("sale");
    let allowlist = SaleCmd::Allowlist { as_of: Some("2027-02-01".into()), out: out.clone() };
    let text = Group::Sale(allowlist.clone()).run_with(&mut backend, &Mode::Send, &ctx).await;
    let text = text.unwrap();
    let path = out.join("allowlist.json");
    let (file, list) = AllowlistFile::load(&path).unwrap();
    assert!(text.contains(&format!("root {}", file.root)), "{text}");
    let members: Vec<(i64, u64)> = file.members.iter().map(|m| (m.member_id, m.cap)).collect();
    assert_eq!(members, vec![(1, 1_000 * STK), (2, 5_000 * STK)]);
    let excluded: Vec<i64> = file.excluded.iter().map(|e| e.member_id).collect();
    assert_eq!(excluded, vec![4, 5], "member 3 does not pay: not even a candidate");
    let first = std::fs::read(&path).unwrap();
    Group::Sale(allowlist).run_with(&mut backend, &Mode::Send, &ctx).await.unwrap();
    assert_eq!(std::fs::read(&path).unwrap(), first, "deterministic");
    let csv = std::fs::read_to_string(out.join("allowlist.csv")).unwrap();
    assert!(csv.lines().nth(1).unwrap().starts_with(&format!("1,{},1000000000,", alice.pubkey())));

    // Open: dry run and external print the transaction naming the distribution vault as the
    // unsold destination; then the admin opens it.
    let (payment_mint, payment_destination, alice_payment) =
        payment_setup(&mut backend, &alice.pubkey(), 1_000 * STK).await;
    let open = open_sale(&path, &payment_mint, &payment_destination);
    let dry = Group::Sale(open.clone())
        .run_with(&mut backend, &Mode::DryRun { signer: admin }, &ctx)
        .await
        .unwrap();
    assert!(dry.contains("stk_vesting.open_sale"), "{dry}");
    let distribution_vault = seeds::find_distribution_vault().to_string();
    assert!(
        dry.lines().any(|l| l.contains(&distribution_vault) && l.contains("unsold_destination")),
        "{dry}"
    );
    let vault = Pubkey::new_unique();
    let external = Group::Sale(open.clone())
        .run_with(&mut backend, &Mode::External { authority: vault }, &ctx)
        .await
        .unwrap();
    assert_eq!(decode_unsigned(&external, "base64: ").message.account_keys[0], vault);
    assert!(!backend.ledger.account_exists(&seeds::find_sale()).await);
    ok_with(&mut backend, &ctx, Group::Sale(open.clone())).await;
    // The sale is a one-time event: opening it again is refused by the command, by name.
    let again = Group::Sale(open.clone()).run_with(&mut backend, &Mode::Send, &ctx).await;
    match again {
        Err(OpsError::Usage(m)) => assert!(m.contains("the sale was already opened"), "{m}"),
        other => panic!("expected the sale to be refused as opened, got {other:?}"),
    }
    let sale: stk_vesting::state::Sale = anchor(&mut backend, &seeds::find_sale()).await;
    assert_eq!(sale.allowlist_root, list.root());
    assert_eq!(sale.unsold_destination, seeds::find_distribution_vault());
    assert_eq!(sale.total, schedule.genesis_amount());
    assert_eq!((sale.price.num, sale.price.den), (500_000, STK));
    assert_eq!(sale.vesting.duration_seconds, 365 * 86_400);

    // Alice buys with her proof: above her cap is refused by the program; 100 STK land in a
    // grant and she pays 50 units.
    let buy = |amount: &str, grant: Pubkey| {
        Group::Sale(SaleCmd::Buy {
            allowlist: path.clone(),
            amount: amount.into(),
            from: None,
            grant_id: Some(grant.to_string()),
        })
    };
    refused(
        run_as(&mut backend, &alice, &ctx, buy("1000.000001", Pubkey::new_unique())).await,
        "CapExceeded",
    );
    let grant_id = Pubkey::new_unique();
    ok_as(&mut backend, &alice, &ctx, buy("100", grant_id)).await;
    let member: stk_vesting::state::SaleMember =
        anchor(&mut backend, &stk_client::vesting::sale_member(&alice.pubkey())).await;
    assert_eq!(member.purchased, 100 * STK);
    let grant_vault = stk_client::vesting::grant_addresses(&grant_id).vault;
    assert!(backend.ledger.token_amount(&grant_vault).await >= 100 * STK);
    assert_eq!(backend.ledger.token_amount(&payment_destination).await, 50 * STK);
    assert_eq!(backend.ledger.token_amount(&alice_payment).await, 950 * STK);
    // Someone not on the list is told so before anything is sent.
    let carol = backend.ledger.funded_keypair(SOL).await;
    let err = run_as(&mut backend, &carol, &ctx, buy("1", Pubkey::new_unique())).await;
    assert!(err.unwrap_err().to_string().contains("is not on the allowlist"));

    // Status lists what each member bought.
    let status = Group::Sale(SaleCmd::Status { allowlist: Some(path.clone()) })
        .run_with(&mut backend, &Mode::Send, &ctx)
        .await
        .unwrap();
    assert!(status.contains("state              open"), "{status}");
    assert!(
        status.lines().any(|l| l.contains(&alice.pubkey().to_string()) && l.contains(" 100 of ")),
        "{status}"
    );

    // Closing before the end is refused; after it, the unsold rest goes to the distribution
    // vault (less the transfer fee withheld there).
    refused(run(&mut backend, Group::Sale(SaleCmd::Close)).await, "SaleStillOpen");
    backend.ledger.advance_seconds(31 * 86_400).await;
    let dist = seeds::find_distribution_vault();
    let before = backend.ledger.token(&dist).await;
    let unsold = backend.ledger.token_amount(&seeds::find_sale_vault()).await;
    ok(&mut backend, Group::Sale(SaleCmd::Close)).await;
    let after = backend.ledger.token(&dist).await;
    assert_eq!((after.amount - before.amount) + (after.withheld - before.withheld), unsold);
    assert_eq!(backend.ledger.token_amount(&seeds::find_sale_vault()).await, 0);
    let sale: stk_vesting::state::Sale = anchor(&mut backend, &seeds::find_sale()).await;
    assert!(sale.closed);
    let again = run(&mut backend, Group::Sale(SaleCmd::Close)).await.unwrap();
    assert!(again.contains("already closed"), "{again}");
    std::fs::remove_dir_all(&out).ok();
    db.drop_db().await;
}

#[tokio::test]
async fn dormancy_candidates_notices_and_reintegration() {
    let (db, mut backend, _) = suite("ops_dormancy").await;
    let ctx = ctx(&db);
    ok(&mut backend, Group::Genesis).await;
    // Four members' wallets hold STK; their accounts are created now (the ledger starts
    // before the schedule), then two and a half years pass.
    let keys: Vec<Keypair> = (0..4).map(|_| Keypair::new()).collect();
    let mut atas = vec![];
    for (i, key) in keys.iter().enumerate() {
        let id = i as i64 + 1;
        db.member(id, "2027-01-01", Some("2027-03-31"), Some(&key.pubkey().to_string())).await;
        db.event(id, "lesson_completed", "self_development", "2027-02-01", &format!("e{id}")).await;
        let amount = if i == 3 { 0 } else { 500 * STK };
        atas.push(stk_account(&mut backend, &key.pubkey(), amount).await);
    }
    let now = MonthId::new(2029, 6).unwrap().start_ts(10_800);
    backend.ledger.warp_to_timestamp(now).await;
    // Member 2 is active in Postgres; member 3's wallet transacts on-chain; member 4 holds
    // nothing. Only member 1 is a candidate.
    db.event(2, "lesson_completed", "self_development", "2029-05-20", "recent").await;
    backend.ledger.airdrop(&keys[2].pubkey(), SOL).await;
    let text = Group::Dormancy(DormancyCmd::Candidates { inactive_days: None })
        .run_with(&mut backend, &Mode::Send, &ctx)
        .await
        .unwrap();
    assert!(text.starts_with("1 candidates"), "{text}");
    assert!(text.contains(&atas[0].to_string()) && text.contains("500 STK"), "{text}");
    let (_, list) =
        stk_distributor::ops::dormancy::candidates(&mut backend, &ctx, None).await.unwrap();
    assert_eq!(list.len(), 1);
    assert_eq!(
        (list[0].member_id, list[0].token_account, list[0].balance),
        (1, atas[0], 500 * STK)
    );

    // Flag members 1 and 2 (the operator overrules the list for 2); a flagged account is no
    // longer a candidate.
    let flag = DormancyCmd::Flag {
        token_accounts: vec![atas[0].to_string(), atas[1].to_string()],
        reason_code: None,
    };
    let admin = backend.payer().pubkey();
    let dry = Group::Dormancy(flag.clone())
        .run_with(&mut backend, &Mode::DryRun { signer: admin }, &ctx)
        .await
        .unwrap();
    assert_eq!(dry.matches("stk_treasury.flag_dormant").count(), 2, "{dry}");
    ok_with(&mut backend, &ctx, Group::Dormancy(flag)).await;
    let notice: stk_treasury::state::DormancyNotice =
        anchor(&mut backend, &seeds::find_dormancy_notice(&atas[0])).await;
    assert_eq!((notice.reason_code, notice.flagged_balance), (1, 500 * STK));
    let ends = notice.notice_ends_at - 90 * 86_400;
    assert!((now..now + 600).contains(&ends), "flagged at {ends}, the clock was at {now}");
    let (_, list) =
        stk_distributor::ops::dormancy::candidates(&mut backend, &ctx, None).await.unwrap();
    assert!(list.is_empty(), "{list:?}");

    // The public list, with deadlines, also as CSV.
    let csv = out_dir("notices.csv");
    let notices =
        run(&mut backend, Group::Dormancy(DormancyCmd::Notices { csv: Some(csv.clone()) }))
            .await
            .unwrap();
    assert!(notices.starts_with("2 notices"), "{notices}");
    let deadline = stk_distributor::ops::fund::utc(notice.notice_ends_at);
    assert!(notices.contains(&format!("deadline {deadline}  pending")), "{notices}");
    assert_eq!(notices.matches("  pending").count(), 2, "{notices}");
    let rows = std::fs::read_to_string(&csv).unwrap();
    assert!(rows.contains(&format!("{},{},{}", atas[0], keys[0].pubkey(), 500 * STK)), "{rows}");
    std::fs::remove_file(&csv).ok();

    // Before the deadline nothing is due. Member 2 spends meanwhile (alive: the notice dies).
    let due =
        run(&mut backend, Group::Dormancy(DormancyCmd::Reintegrate { token_accounts: vec![] }))
            .await
            .unwrap();
    assert!(due.contains("no notice is due"), "{due}");
    backend.ledger.airdrop(&keys[1].pubkey(), SOL).await;
    member_transfer(&mut backend, &keys[1], &atas[1], &atas[2], 10 * STK).await;
    backend.ledger.advance_seconds(90 * 86_400).await;
    let dist = seeds::find_distribution_vault();
    let before = backend.ledger.token(&dist).await;
    let text =
        ok(&mut backend, Group::Dormancy(DormancyCmd::Reintegrate { token_accounts: vec![] }))
            .await;
    assert!(text.contains("reintegrate 500 STK") && text.contains("void the notice"), "{text}");
    assert_eq!(backend.ledger.token_amount(&atas[0]).await, 0);
    let after = backend.ledger.token(&dist).await;
    assert_eq!((after.amount - before.amount) + (after.withheld - before.withheld), 500 * STK);
    let n0: stk_treasury::state::DormancyNotice =
        anchor(&mut backend, &seeds::find_dormancy_notice(&atas[0])).await;
    let n1: stk_treasury::state::DormancyNotice =
        anchor(&mut backend, &seeds::find_dormancy_notice(&atas[1])).await;
    assert_eq!(n0.status, stk_treasury::state::NoticeStatus::Reintegrated);
    assert_eq!(n1.status, stk_treasury::state::NoticeStatus::Voided);

    // A reintegrated notice closes at once; a voided one only after the cooldown.
    let close = |a: &Pubkey| Group::Dormancy(DormancyCmd::Close { token_account: a.to_string() });
    ok(&mut backend, close(&atas[0])).await;
    assert!(!backend.ledger.account_exists(&seeds::find_dormancy_notice(&atas[0])).await);
    refused(run(&mut backend, close(&atas[1])).await, "NoticeCooldown");
    db.drop_db().await;
}

#[tokio::test]
async fn fraud_holds_through_the_council() {
    let council: Vec<Keypair> = (0..2).map(|_| Keypair::new()).collect();
    let keys: Vec<Pubkey> = council.iter().map(|k| k.pubkey()).collect();
    let (db, mut backend, _) = suite_with_council("ops_holds", &keys, 2).await;
    let ctx = ctx(&db);
    for k in &council {
        backend.ledger.airdrop(&k.pubkey(), SOL).await;
    }
    ok(&mut backend, Group::Genesis).await;
    let (fraudster, honest) = (Keypair::new(), Keypair::new());
    let bad = stk_account(&mut backend, &fraudster.pubkey(), 1_000 * STK).await;
    let good = stk_account(&mut backend, &honest.pubkey(), 1_000 * STK).await;
    let reason = out_dir("reason.txt");
    std::fs::write(&reason, b"report #17: stolen keys").unwrap();
    let place = |account: &Pubkey| {
        Group::Hold(HoldCmd::Place {
            token_account: account.to_string(),
            amount: "400".into(),
            reason_code: 2,
            reason_file: reason.clone(),
        })
    };
    ok(&mut backend, place(&bad)).await;
    ok(&mut backend, place(&good)).await;
    let hold: stk_treasury::state::FraudHold =
        anchor(&mut backend, &seeds::find_fraud_hold(&bad)).await;
    use sha2::Digest;
    assert_eq!(
        hold.reason_hash,
        <[u8; 32]>::from(sha2::Sha256::digest(b"report #17: stolen keys"))
    );
    assert_eq!(hold.amount, 400 * STK);

    // The admin cannot confirm its own hold; two council members do.
    let confirm = |a: &Pubkey| Group::Hold(HoldCmd::Confirm { token_account: a.to_string() });
    refused(run(&mut backend, confirm(&bad)).await, "AdminCannotConfirm");
    for member in &council {
        ok_as(&mut backend, member, &ctx, confirm(&bad)).await;
        ok_as(&mut backend, member, &ctx, confirm(&good)).await;
    }
    // Executing waits for the time lock; then the escrow vault is created and filled.
    let execute = |a: &Pubkey| Group::Hold(HoldCmd::Execute { token_account: a.to_string() });
    refused(run(&mut backend, execute(&bad)).await, "HoldLocked");
    backend.ledger.advance_seconds(90 * 86_400).await;
    ok(&mut backend, execute(&bad)).await;
    ok(&mut backend, execute(&good)).await;
    assert_eq!(backend.ledger.token_amount(&bad).await, 600 * STK);
    let escrow = seeds::find_hold_escrow();
    let escrowed = backend.ledger.token_amount(&escrow).await;
    assert!(escrowed > 790 * STK, "{escrowed}");

    // The council forfeits one (to the distribution vault) and releases the other to its
    // holder's account.
    let dist = seeds::find_distribution_vault();
    let dist_before = backend.ledger.token_amount(&dist).await;
    for member in &council {
        let forfeit = Group::Hold(HoldCmd::Forfeit { token_account: bad.to_string() });
        ok_as(&mut backend, member, &ctx, forfeit).await;
        let release =
            Group::Hold(HoldCmd::Release { token_account: good.to_string(), holder_account: None });
        ok_as(&mut backend, member, &ctx, release).await;
    }
    assert!(backend.ledger.token_amount(&dist).await > dist_before);
    assert!(backend.ledger.token_amount(&good).await > 990 * STK);
    assert_eq!(backend.ledger.token_amount(&escrow).await, 0);
    let list = run(&mut backend, Group::Hold(HoldCmd::List)).await.unwrap();
    assert!(
        list.starts_with("2 holds") && list.contains("forfeited") && list.contains("released"),
        "{list}"
    );
    ok(&mut backend, Group::Hold(HoldCmd::Close { token_account: bad.to_string() })).await;
    assert!(!backend.ledger.account_exists(&seeds::find_fraud_hold(&bad)).await);
    std::fs::remove_file(&reason).ok();
    db.drop_db().await;
}

#[tokio::test]
async fn every_authority_rotates_in_two_steps() {
    let member = Keypair::new();
    let (db, mut backend, _) = suite_with_council("ops_authority", &[member.pubkey()], 1).await;
    let ctx = ctx(&db);
    let admin = backend.payer().pubkey();
    let successor = backend.ledger.funded_keypair(SOL).await;
    let hot = backend.ledger.funded_keypair(SOL).await;
    let propose = |role: Role, candidate: &Pubkey| {
        Group::Authority(AuthorityCmd::Propose { role, candidate: candidate.to_string() })
    };
    let accept = |role: Role| Group::Authority(AuthorityCmd::Accept { role });

    // A multisig proposal prints the unsigned transaction; a stranger cannot accept.
    let external = propose(Role::Treasury, &successor.pubkey())
        .run(&mut backend, &Mode::External { authority: admin })
        .await
        .unwrap();
    assert!(external.contains("stk_treasury.propose_authority"), "{external}");
    let err = run_as(&mut backend, &hot, &ctx, accept(Role::Mint)).await.unwrap_err();
    assert!(err.to_string().contains("is not the proposed mint admin"), "{err}");

    // The distributor key first (the treasury admin proposes it), then every admin.
    ok(&mut backend, propose(Role::Distributor, &hot.pubkey())).await;
    ok_as(&mut backend, &hot, &ctx, accept(Role::Distributor)).await;
    for role in [Role::Mint, Role::Vesting, Role::Staking, Role::Treasury] {
        ok(&mut backend, propose(role, &successor.pubkey())).await;
        ok_as(&mut backend, &successor, &ctx, accept(role)).await;
    }
    let holders = stk_distributor::ops::authority::holders(&mut backend).await.unwrap();
    for (role, holder, pending) in holders {
        let want = if role == Role::Distributor { hot.pubkey() } else { successor.pubkey() };
        assert_eq!((holder, pending), (want, Pubkey::default()), "{role:?}");
    }
    // The old admin can no longer propose.
    let err = run(&mut backend, propose(Role::Mint, &admin)).await.unwrap_err();
    assert!(err.to_string().contains("is proposed by"), "{err}");

    // The startup fund's council: proposed (threshold 1: proposing approves), executed.
    // The successor is now the treasury admin, who may not confirm fraud holds: a council
    // of the member and the successor at threshold 2 could never confirm one, and is refused
    // before anything is signed.
    let council = |members: &[Pubkey]| {
        Group::Authority(AuthorityCmd::Council {
            members: members.iter().map(|m| m.to_string()).collect(),
            threshold: 2,
        })
    };
    let third = Keypair::new().pubkey();
    let stuck = run(&mut backend, council(&[member.pubkey(), successor.pubkey()])).await;
    match stuck {
        Err(OpsError::Usage(m)) => assert!(
            m.contains("leaves 1 member(s) who may confirm fraud holds")
                && m.contains(&successor.pubkey().to_string()),
            "{m}"
        ),
        other => panic!("expected the council to be refused, got {other:?}"),
    }
    assert!(!backend.ledger.account_exists(&seeds::find_proposal(0)).await, "nothing proposed");
    ok(&mut backend, council(&[member.pubkey(), successor.pubkey(), third])).await;
    ok(&mut backend, Group::Fund(FundCmd::Execute { proposal: 0, salt: None })).await;
    let fund: stk_startup_fund::state::Fund = anchor(&mut backend, &seeds::find_fund()).await;
    assert_eq!(fund.members(), &[member.pubkey(), successor.pubkey(), third]);
    assert_eq!(fund.threshold, 2);
    let show = run(&mut backend, Group::Authority(AuthorityCmd::Show)).await.unwrap();
    assert!(show.contains(&format!("distributor key  {}", hot.pubkey())), "{show}");
    assert!(show.contains("fund council     2 of 3"), "{show}");
    db.drop_db().await;
}

/// A first year of operation, driven only through the distributor's commands and the
/// service's crank functions: four quarters minted and their fund deposits recorded, a
/// quote recorded and published each quarter, members' transfers' fees harvested and split
/// each quarter, the members' sale (allowlist, open, a purchase with a proof, close), and a
/// dormancy notice that ends in reintegration.
#[tokio::test]
async fn a_first_year_of_operation() {
    use stk_distributor::{ops::cranks, payout::engine::EngineSettings, service};
    let (db, mut backend, schedule) = suite("ops_year").await;
    let ctx = ctx(&db);
    let mint = seeds::find_stk_mint();
    let engine = EngineSettings::default();
    let day = std::time::Duration::from_secs(86_400);

    // Members: a paying buyer; a sleeper who pays nothing and never shows up again; two
    // traders whose transfers withhold fees (test-only balances, see `stk_account`).
    let buyer = backend.ledger.funded_keypair(10 * SOL).await;
    let sleeper = Keypair::new();
    db.member(1, "2027-01-01", Some("2027-12-31"), Some(&buyer.pubkey().to_string())).await;
    db.member(2, "2027-01-01", None, Some(&sleeper.pubkey().to_string())).await;
    let sleeper_ata = stk_account(&mut backend, &sleeper.pubkey(), 300 * STK).await;
    let trader = Keypair::new();
    let trader_ata = stk_account(&mut backend, &trader.pubkey(), 100_000 * STK).await;
    let peer_ata = backend.ledger.create_ata(&Pubkey::new_unique(), &mint).await;
    let (payment_mint, payment_destination, _) =
        payment_setup(&mut backend, &buyer.pubkey(), 1_000 * STK).await;
    let out = out_dir("year");
    let allowlist = out.join("allowlist.json");
    let grant_id = Pubkey::new_unique();

    let mut fund_shares = 0;
    for q in 0..4u16 {
        let now = schedule.quarter_start_ts(q).unwrap() + 3_600;
        backend.ledger.warp_to_timestamp(now).await;
        // The service's first step, then the fund's deposit locks from the quarter's start.
        let (genesis, minted) = service::crank(&mut backend, &db.pool, &engine, now).await.unwrap();
        assert_eq!((genesis, minted), (q == 0, vec![q]));
        assert!(cranks::record_deposits(&mut backend).await.unwrap());
        fund_shares += schedule.split(schedule.quarter_emission(q).unwrap()).0;

        // The quarter's quote.
        let budget =
            QuoteCmd::Budget { quarter: None, budget: "500000".into(), backing_bps: 5_000 };
        ok(&mut backend, Group::Quote(budget)).await;
        ok(&mut backend, Group::Quote(QuoteCmd::Publish { quarter: q })).await;

        // Members trade; the fee crank harvests and splits (this key is the treasury admin).
        member_transfer(&mut backend, &trader, &trader_ata, &peer_ata, 1_000 * STK).await;
        let fees = cranks::fees_if_due(&mut backend, &db.pool, day, now).await.unwrap().unwrap();
        assert!(fees.withheld >= 5 * STK && fees.split, "{fees:?}");

        match q {
            0 => {
                // The members' sale opens with the allowlist; the buyer buys with the proof.
                let text = Group::Sale(SaleCmd::Allowlist {
                    as_of: Some("2027-01-15".into()),
                    out: out.clone(),
                })
                .run_with(&mut backend, &Mode::Send, &ctx)
                .await
                .unwrap();
                assert!(text.contains("1 members, 0 excluded"), "{text}");
                let open = open_sale(&allowlist, &payment_mint, &payment_destination);
                ok_with(&mut backend, &ctx, Group::Sale(open)).await;
                let buy = Group::Sale(SaleCmd::Buy {
                    allowlist: allowlist.clone(),
                    amount: "400".into(),
                    from: None,
                    grant_id: Some(grant_id.to_string()),
                });
                ok_as(&mut backend, &buyer, &ctx, buy).await;
            }
            1 => {
                ok(&mut backend, Group::Sale(SaleCmd::Close)).await;
            }
            3 => {
                // The sleeper's wallet is the one candidate after 180 days; flagged.
                let (_, list) =
                    stk_distributor::ops::dormancy::candidates(&mut backend, &ctx, Some(180))
                        .await
                        .unwrap();
                let found: Vec<Pubkey> = list.iter().map(|c| c.token_account).collect();
                assert_eq!(found, vec![sleeper_ata]);
                let flag = DormancyCmd::Flag {
                    token_accounts: vec![sleeper_ata.to_string()],
                    reason_code: None,
                };
                ok_with(&mut backend, &ctx, Group::Dormancy(flag)).await;
                let notices =
                    run(&mut backend, Group::Dormancy(DormancyCmd::Notices { csv: None }))
                        .await
                        .unwrap();
                assert!(notices.starts_with("1 notices") && notices.contains("pending"));
            }
            _ => {}
        }
    }
    // The notice ends within the year; the sleeper never answered.
    backend.ledger.advance_seconds(90 * 86_400).await;
    let text =
        ok(&mut backend, Group::Dormancy(DormancyCmd::Reintegrate { token_accounts: vec![] }))
            .await;
    assert!(text.contains("reintegrate 300 STK"), "{text}");

    // The service's quote capture; the report of the year's last quarter shows the quotes,
    // read from Postgres in its snapshot, so recomputing gives the same bytes.
    use stk_distributor::ops::quote::capture;
    assert_eq!(capture(&mut backend, &db.pool).await.unwrap(), 4);
    assert_eq!(capture(&mut backend, &db.pool).await.unwrap(), 0, "captured once");
    let config = Config::default_config();
    let month = MonthId::new(2027, 10).unwrap();
    let first = stk_distributor::report::run(&db.pool, &config, month, None).await.unwrap();
    let quarters: Vec<u16> = first.report.quotes.iter().map(|q| q.quarter).collect();
    assert_eq!(quarters, vec![0, 1, 2, 3]);
    let q3: stk_treasury::state::QuarterQuote =
        anchor(&mut backend, &seeds::find_quarter_quote(3)).await;
    assert_eq!(first.report.quotes[3].price, q3.price);
    let html = stk_distributor::render::html(&first.report, &first.sha256, &config);
    let html = String::from_utf8(html).unwrap();
    assert!(html.contains("<h2>Directive quote</h2>"), "the report page shows the quotes");
    assert!(html.contains(&stk_common::fixed::format_price(q3.price)));
    let again = stk_distributor::report::run(&db.pool, &config, month, None).await.unwrap();
    assert_eq!(again.sha256, first.sha256, "reproducible");

    // The year's state.
    let config: stk_mint::state::MintConfig =
        anchor(&mut backend, &seeds::find_mint_config()).await;
    assert!(config.genesis_minted);
    assert_eq!(config.quarters_minted, 4);
    let history = run(&mut backend, Group::Quote(QuoteCmd::History)).await.unwrap();
    assert_eq!(history.lines().count(), 5, "{history}");
    assert_eq!(history.matches("unpublished").count(), 0, "{history}");
    let treasury: stk_treasury::state::Treasury =
        anchor(&mut backend, &seeds::find_treasury()).await;
    assert_eq!(treasury.next_budget_quarter, 4);
    assert!(treasury.fees_harvested_total >= 4 * 5 * STK);
    assert_eq!(backend.ledger.token_amount(&seeds::find_fee_vault()).await, 0);
    assert_eq!(backend.ledger.token(&peer_ata).await.withheld, 0);
    let fund: stk_startup_fund::state::Fund = anchor(&mut backend, &seeds::find_fund()).await;
    assert!(fund.total_deposited > fund_shares, "the quarters' shares and the fee splits");
    assert_eq!(fund.total_deposited, backend.ledger.token_amount(&fund.vault).await);
    let pool: stk_staking::state::StakingPool =
        anchor(&mut backend, &seeds::find_staking_pool(&mint)).await;
    assert!(pool.total_funded > 0);
    let sale: stk_vesting::state::Sale = anchor(&mut backend, &seeds::find_sale()).await;
    assert!(sale.closed);
    assert_eq!(backend.ledger.token_amount(&seeds::find_sale_vault()).await, 0);
    let grant_vault = stk_client::vesting::grant_addresses(&grant_id).vault;
    assert!(backend.ledger.token_amount(&grant_vault).await >= 400 * STK);
    assert_eq!(backend.ledger.token_amount(&payment_destination).await, 200 * STK);
    assert_eq!(backend.ledger.token_amount(&sleeper_ata).await, 0);
    let notice: stk_treasury::state::DormancyNotice =
        anchor(&mut backend, &seeds::find_dormancy_notice(&sleeper_ata)).await;
    assert_eq!(notice.status, stk_treasury::state::NoticeStatus::Reintegrated);
    std::fs::remove_dir_all(&out).ok();
    db.drop_db().await;
}

// ---- the leaves no test above reaches, and the attacks on each command (issue 16) ----------

/// The treasury admin may not confirm fraud holds, so proposing the role to a council member
/// whose fellows cannot reach the threshold without them is refused before signing (nothing
/// is proposed); a key outside the council is proposed.
#[tokio::test]
async fn the_treasury_is_not_handed_to_a_council_member_the_holds_need() {
    let member = Keypair::new();
    let (db, mut backend, _) =
        suite_with_council("ops_treasury_to_council", &[member.pubkey()], 2).await;
    let propose = |candidate: &Pubkey| {
        Group::Authority(AuthorityCmd::Propose {
            role: Role::Treasury,
            candidate: candidate.to_string(),
        })
    };
    let pending = |holders: Vec<(Role, Pubkey, Pubkey)>| {
        holders.into_iter().find(|(r, ..)| *r == Role::Treasury).map(|(_, _, p)| p).unwrap()
    };
    match run(&mut backend, propose(&member.pubkey())).await {
        Err(OpsError::Usage(m)) => assert!(
            m.contains("leaves 1 member(s) who may confirm fraud holds")
                && m.contains("authority council"),
            "{m}"
        ),
        other => panic!("expected the proposal to be refused, got {other:?}"),
    }
    let holders = stk_distributor::ops::authority::holders(&mut backend).await.unwrap();
    assert_eq!(pending(holders), Pubkey::default(), "nothing was proposed");
    let outsider = Keypair::new().pubkey();
    ok(&mut backend, propose(&outsider)).await;
    let holders = stk_distributor::ops::authority::holders(&mut backend).await.unwrap();
    assert_eq!(pending(holders), outsider);
    db.drop_db().await;
}

/// `fund approve`: the second council member of a 2-of-2 council is a multisig, so the
/// command prints the unsigned approval; signed apart and sent, it lands, and the proposal
/// executes. The proposer approving twice, a stranger, and an approval after the execution
/// are refused by the program's error names; executing short of the threshold too.
#[tokio::test]
async fn a_council_member_approves_through_a_multisig() {
    let member = Keypair::new();
    let (db, mut backend, _) = suite_with_council("ops_approve", &[member.pubkey()], 2).await;
    let ctx = ctx(&db);
    let admin = backend.payer().pubkey();
    let newcomer = Keypair::new().pubkey();
    let members = vec![admin.to_string(), member.pubkey().to_string(), newcomer.to_string()];
    ok(&mut backend, Group::Authority(AuthorityCmd::Council { members, threshold: 2 })).await;
    let proposal = seeds::find_proposal(0);
    let approvals = |p: &stk_startup_fund::state::Proposal| p.approvals.count_ones();
    let p: stk_startup_fund::state::Proposal = anchor(&mut backend, &proposal).await;
    assert_eq!(approvals(&p), 1, "proposing approves");

    let execute = Group::Fund(FundCmd::Execute { proposal: 0, salt: None });
    refused(run(&mut backend, execute.clone()).await, "ThresholdNotMet");
    let approve = Group::Fund(FundCmd::Approve { proposal: 0 });
    refused(run(&mut backend, approve.clone()).await, "AlreadyApproved");
    let stranger = backend.ledger.funded_keypair(SOL).await;
    refused(run_as(&mut backend, &stranger, &ctx, approve.clone()).await, "NotCouncilMember");

    // The member's vault: printed (dry run and external agree, nothing moves), then signed
    // by the member's key alone and sent as printed.
    assert_eq!(printed(&mut backend, member.pubkey(), &ctx, &approve).await, 1);
    let text = approve
        .run_with(&mut backend, &Mode::External { authority: member.pubkey() }, &ctx)
        .await
        .unwrap();
    assert!(text.contains("stk_startup_fund.approve"), "{text}");
    let mut tx = decode_unsigned(&text, "base58: ");
    let p: stk_startup_fund::state::Proposal = anchor(&mut backend, &proposal).await;
    assert_eq!(approvals(&p), 1, "printing approved nothing");
    backend.ledger.airdrop(&member.pubkey(), SOL).await;
    let blockhash = tx.message.recent_blockhash;
    tx.try_sign(&[&member], blockhash).unwrap();
    Ledger::ok(backend.ledger.send_versioned(tx.into()).await);
    let p: stk_startup_fund::state::Proposal = anchor(&mut backend, &proposal).await;
    assert_eq!(approvals(&p), 2);

    ok(&mut backend, execute).await;
    let fund: stk_startup_fund::state::Fund = anchor(&mut backend, &seeds::find_fund()).await;
    assert_eq!(fund.members(), &[admin, member.pubkey(), newcomer]);
    assert_eq!(fund.threshold, 2);
    refused(run_as(&mut backend, &member, &ctx, approve).await, "NotPending");
    let status = run(&mut backend, Group::Fund(FundCmd::Status)).await.unwrap();
    assert!(status.contains("#0 executed, 2 approvals: change the council to 3"), "{status}");
    db.drop_db().await;
}

/// `hold withdraw`: the treasury admin withdraws a hold before anything moved; nobody else
/// may; a withdrawn hold can be neither withdrawn again nor confirmed; a second hold on the
/// same account is refused before anything is signed until the finished one is closed.
#[tokio::test]
async fn a_hold_is_withdrawn_by_the_admin_alone() {
    let member = Keypair::new();
    let (db, mut backend, _) = suite_with_council("ops_withdraw", &[member.pubkey()], 1).await;
    let ctx = ctx(&db);
    backend.ledger.airdrop(&member.pubkey(), SOL).await;
    let holder = Keypair::new();
    let account = stk_account(&mut backend, &holder.pubkey(), 1_000 * STK).await;
    let reason = out_dir("withdraw-reason.txt");
    std::fs::write(&reason, b"report #21: a mistaken report").unwrap();
    let place = Group::Hold(HoldCmd::Place {
        token_account: account.to_string(),
        amount: "250".into(),
        reason_code: 2,
        reason_file: reason.clone(),
    });
    ok(&mut backend, place.clone()).await;
    let hold_address = seeds::find_fraud_hold(&account);
    let hold: stk_treasury::state::FraudHold = anchor(&mut backend, &hold_address).await;
    assert_eq!((hold.amount, hold.status), (250 * STK, stk_treasury::state::HoldStatus::Placed));

    // Placing again: refused by the command, naming the hold, with nothing sent.
    let before = snapshot(&mut backend).await;
    let again = run(&mut backend, place.clone()).await.unwrap_err();
    assert!(
        matches!(&again, OpsError::Usage(m) if m.contains(&format!("{account} already has a fraud hold (placed)"))),
        "{again}"
    );
    assert!(snapshot(&mut backend).await == before, "nothing sent");

    let withdraw = Group::Hold(HoldCmd::Withdraw { token_account: account.to_string() });
    refused(run_as(&mut backend, &member, &ctx, withdraw.clone()).await, "NotAdmin");
    let text = ok(&mut backend, withdraw.clone()).await;
    assert!(text.contains(&format!("hold on {account}: withdrawn")), "{text}");
    let hold: stk_treasury::state::FraudHold = anchor(&mut backend, &hold_address).await;
    assert_eq!(hold.status, stk_treasury::state::HoldStatus::Withdrawn);
    assert_eq!(backend.ledger.token_amount(&account).await, 1_000 * STK, "nothing moved");
    refused(run(&mut backend, withdraw).await, "HoldWrongStatus");
    let confirm = Group::Hold(HoldCmd::Confirm { token_account: account.to_string() });
    refused(run_as(&mut backend, &member, &ctx, confirm).await, "HoldWrongStatus");
    let list = run(&mut backend, Group::Hold(HoldCmd::List)).await.unwrap();
    assert!(list.starts_with("1 holds") && list.contains("withdrawn"), "{list}");

    // Closed, the account may be held again.
    ok(&mut backend, Group::Hold(HoldCmd::Close { token_account: account.to_string() })).await;
    assert!(!backend.ledger.account_exists(&hold_address).await);
    ok(&mut backend, place).await;
    let hold: stk_treasury::state::FraudHold = anchor(&mut backend, &hold_address).await;
    assert_eq!(hold.status, stk_treasury::state::HoldStatus::Placed);
    std::fs::remove_file(&reason).ok();
    db.drop_db().await;
}

/// `dormancy void`, and flagging: only the treasury admin flags (a stranger gets the
/// program's NotAdmin); a second `flag` of a flagged account is refused before anything is
/// signed, naming the notice; `void` of an account that did not change is refused by name;
/// once its owner spends, anyone voids it, the balance stays, and nothing is due afterwards.
#[tokio::test]
async fn a_changed_account_is_voided_by_anyone_and_flagged_once() {
    let (db, mut backend, _) = suite("ops_void").await;
    let ctx = ctx(&db);
    let sleeper = Keypair::new();
    let account = stk_account(&mut backend, &sleeper.pubkey(), 500 * STK).await;
    let peer = backend.ledger.create_ata(&Pubkey::new_unique(), &seeds::find_stk_mint()).await;
    let stranger = backend.ledger.funded_keypair(SOL).await;
    let flag = Group::Dormancy(DormancyCmd::Flag {
        token_accounts: vec![account.to_string()],
        reason_code: Some(7),
    });
    refused(run_as(&mut backend, &stranger, &ctx, flag.clone()).await, "NotAdmin");
    let notice_address = seeds::find_dormancy_notice(&account);
    assert!(!backend.ledger.account_exists(&notice_address).await);
    ok_with(&mut backend, &ctx, flag.clone()).await;
    let notice: stk_treasury::state::DormancyNotice = anchor(&mut backend, &notice_address).await;
    assert_eq!((notice.reason_code, notice.flagged_balance), (7, 500 * STK));

    let before = snapshot(&mut backend).await;
    let again = flag.run_with(&mut backend, &Mode::Send, &ctx).await.unwrap_err();
    let deadline = stk_distributor::ops::fund::utc(notice.notice_ends_at);
    assert!(
        matches!(&again, OpsError::Usage(m) if m.contains(&format!("{account} already has a dormancy notice (pending")) && m.contains(&deadline) && m.contains("dormancy close")),
        "{again}"
    );
    assert!(snapshot(&mut backend).await == before, "nothing sent");

    let void = Group::Dormancy(DormancyCmd::Void { token_account: account.to_string() });
    refused(run_as(&mut backend, &stranger, &ctx, void.clone()).await, "NoticeAccountUnchanged");
    member_transfer(&mut backend, &sleeper, &account, &peer, 10 * STK).await;
    ok_as(&mut backend, &stranger, &ctx, void.clone()).await;
    let notice: stk_treasury::state::DormancyNotice = anchor(&mut backend, &notice_address).await;
    assert_eq!(notice.status, stk_treasury::state::NoticeStatus::Voided);
    assert_eq!(backend.ledger.token_amount(&account).await, 490 * STK, "voiding moves nothing");
    refused(run_as(&mut backend, &stranger, &ctx, void).await, "NoticeNotPending");

    backend.ledger.advance_seconds(91 * 86_400).await;
    let named =
        Group::Dormancy(DormancyCmd::Reintegrate { token_accounts: vec![account.to_string()] });
    let text = run(&mut backend, named).await.unwrap();
    assert!(
        text.contains(&format!("{account}: voided")) && text.contains("no notice is due"),
        "{text}"
    );
    assert_eq!(backend.ledger.token_amount(&account).await, 490 * STK);
    db.drop_db().await;
}

/// A key that is not the admin's, on each admin command, gets the program's error by name
/// (Anchor's own account checks included); nothing changes.
#[tokio::test]
async fn the_wrong_key_is_refused_by_name_on_every_admin_command() {
    let (db, mut backend, schedule) = suite("ops_wrong_key").await;
    let ctx = ctx(&db);
    ok(&mut backend, Group::Genesis).await;
    mint_quarter(&mut backend, &schedule, 0).await;
    let stranger = backend.ledger.funded_keypair(SOL).await;
    let candidate = Keypair::new().pubkey().to_string();
    let cases = [
        (
            Group::Quote(QuoteCmd::Budget { quarter: None, budget: "1".into(), backing_bps: 1 }),
            "NotAdmin",
        ),
        (Group::Quote(QuoteCmd::Receipt { amount: "1".into(), quarters: 1 }), "NotAdmin"),
        (Group::Fees(FeesCmd::Split), "NotAdmin"),
        (Group::Staking(StakingCmd::Rate { rate: 5 }), "ConstraintHasOne"),
        (
            Group::Fund(FundCmd::RegisterProject {
                project: Pubkey::new_unique().to_string(),
                returner: stranger.pubkey().to_string(),
            }),
            "NotCouncilMember",
        ),
        (
            Group::Authority(AuthorityCmd::Council {
                members: vec![candidate.clone()],
                threshold: 1,
            }),
            "NotCouncilMember",
        ),
    ];
    for (group, name) in cases {
        // The stranger pays the failed transaction's fee; nothing else that existed changes.
        let mut before = snapshot(&mut backend).await;
        before.retain(|(a, ..)| *a != stranger.pubkey());
        refused(run_as(&mut backend, &stranger, &ctx, group.clone()).await, name);
        let mut after = snapshot(&mut backend).await;
        after.retain(|(a, ..)| before.iter().any(|(b, ..)| b == a));
        assert!(after == before, "{group:?}: a refused command changed something");
    }
    // The rotations: the current holder alone proposes; refused before signing, by the
    // command, which names who may.
    for role in [Role::Mint, Role::Treasury, Role::Vesting, Role::Staking, Role::Distributor] {
        let propose =
            Group::Authority(AuthorityCmd::Propose { role, candidate: candidate.clone() });
        let err = run_as(&mut backend, &stranger, &ctx, propose).await.unwrap_err();
        assert!(err.to_string().contains("is proposed by"), "{role:?}: {err}");
    }
    let pool: stk_staking::state::StakingPool =
        anchor(&mut backend, &seeds::find_staking_pool(&seeds::find_stk_mint())).await;
    assert_eq!(pool.rewards.reward_rate, 0);
    db.drop_db().await;
}

// ---- the CLI itself: every leaf, its help, the coverage table, its errors -------------------

/// Runs the real `distributor` binary with `args`, without the environment's keys or URLs.
fn cli(args: &[&str]) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_distributor"))
        .args(args)
        .env_remove("STK_KEYPAIR")
        .env_remove("STK_RPC_URL")
        .env_remove("STK_CONFIG")
        .output()
        .expect("run distributor")
}

/// The subcommands listed under "Commands:" in a help text (`help` aside).
fn subcommands(help: &str) -> Vec<String> {
    let mut names = vec![];
    let mut listing = false;
    for line in help.lines() {
        if line == "Commands:" {
            listing = true;
        } else if listing && line.is_empty() {
            break;
        } else if listing {
            let Some(rest) = line.strip_prefix("  ") else { continue };
            if rest.starts_with(' ') {
                continue; // a wrapped description
            }
            let name = rest.split_whitespace().next().unwrap_or_default();
            if name != "help" {
                names.push(name.to_string());
            }
        }
    }
    names
}

/// Every leaf below `path`, each with its `--help` text (which must succeed).
fn leaves(path: Vec<String>, out: &mut Vec<(String, String)>) {
    let mut args: Vec<&str> = path.iter().map(String::as_str).collect();
    args.push("--help");
    let output = cli(&args);
    let help = String::from_utf8_lossy(&output.stdout).to_string();
    assert!(output.status.success(), "distributor {args:?}: {output:?}");
    assert!(help.contains("Usage: distributor"), "distributor {args:?}: {help}");
    let below = subcommands(&help);
    if below.is_empty() {
        out.push((path.join(" "), help));
    }
    for name in below {
        let mut next = path.clone();
        next.push(name);
        leaves(next, out);
    }
}

const SIGNING_GROUPS: [&str; 9] =
    ["quote", "fees", "staking", "fund", "genesis", "sale", "dormancy", "hold", "authority"];

/// Every leaf of `distributor --help` answers `--help`; each leaf of the operator groups
/// offers the signing options (`--keypair`, `--dry-run`, `--sign-with`, `--authority`); and
/// distributor/README.md's coverage table has one row per leaf — no more, no fewer — whose
/// test keys each name a test function that exists.
#[test]
fn every_leaf_answers_help_and_is_a_row_of_the_coverage_table() {
    let mut found = vec![];
    leaves(vec![], &mut found);
    assert!(found.len() >= 50, "{:?}", found.iter().map(|(l, _)| l).collect::<Vec<_>>());
    for (leaf, help) in &found {
        let group = leaf.split(' ').next().unwrap();
        if SIGNING_GROUPS.contains(&group) {
            for option in ["--keypair", "--dry-run", "--sign-with", "--authority", "--rpc-url"] {
                assert!(help.contains(option), "distributor {leaf} --help lacks {option}:\n{help}");
            }
        }
    }

    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let readme = std::fs::read_to_string(root.join("README.md")).unwrap();
    let section = readme
        .split("\n## Operator commands: the test of each leaf")
        .nth(1)
        .expect("the coverage section in distributor/README.md");
    let section = section.split("\n## ").next().unwrap();
    // The legend: "- **K** `file::test_name`": each test exists in that file.
    let mut legend = std::collections::BTreeMap::new();
    for line in section.lines().filter(|l| l.starts_with("- **")) {
        let key = line[4..].split("**").next().unwrap().to_string();
        let cited = line.split('`').nth(1).expect(line);
        let (file, test) = cited.split_once("::").expect(line);
        let path = ["tests", "../crates/stk_localnet/tests", "../scripts", "../scripts/lib"]
            .iter()
            .map(|d| root.join(d).join(file))
            .find(|p| p.exists())
            .unwrap_or_else(|| panic!("{file} (cited in the legend) does not exist"));
        let source = std::fs::read_to_string(path).unwrap();
        let defined = source.contains(&format!("fn {test}(")) // Rust
            || source.contains(&format!("\n{test}() {{")); // a shell function
        assert!(defined, "{file} has no test {test}");
        legend.insert(key, cited.to_string());
    }
    // The rows: "| `leaf` | keys | keys | keys | keys |".
    let mut rows = vec![];
    for line in section.lines().filter(|l| l.starts_with("| `")) {
        let cells: Vec<&str> = line.split('|').map(str::trim).collect();
        let leaf = cells[1].trim_matches('`').to_string();
        for cell in &cells[2..] {
            for word in cell.split([' ', ',']).filter(|w| !w.is_empty()) {
                let key = word.trim_matches(['*', '(', ')', ':']);
                if key.chars().all(|c| c.is_ascii_uppercase()) && !key.is_empty() {
                    assert!(legend.contains_key(key), "row {leaf}: key {key} is not in the legend");
                }
            }
        }
        rows.push(leaf);
    }
    let mut leaves: Vec<String> = found.into_iter().map(|(l, _)| l).collect();
    leaves.sort();
    rows.sort();
    assert_eq!(rows, leaves, "one row per leaf of `distributor --help`");
}

/// Signing options that are missing or malformed are refused with a message that says what
/// to give, before anything reaches a node (the RPC URL here answers nothing); an unreachable
/// node is an error, never a panic.
#[test]
fn the_cli_explains_missing_or_bad_signing_options() {
    let nowhere = "http://127.0.0.1:9";
    let vault = Pubkey::new_unique().to_string();
    let dir = out_dir("cli-keys");
    std::fs::create_dir_all(&dir).unwrap();
    let loose = dir.join("loose.json");
    std::fs::write(&loose, format!("{:?}", Keypair::new().to_bytes().to_vec())).unwrap();
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&loose, std::fs::Permissions::from_mode(0o644)).unwrap();
    }
    let loose = loose.to_str().unwrap();
    let cases: [(&[&str], &str); 6] = [
        (&["quote", "publish", "--quarter", "0"], "give --keypair FILE to sign and send"),
        (
            &["hold", "withdraw", "--token-account", vault.as_str(), "--sign-with", "external"],
            "--sign-with external needs --authority PUBKEY",
        ),
        (
            &["staking", "rate", "--rate", "1", "--dry-run"],
            "--dry-run needs --keypair FILE or --authority PUBKEY",
        ),
        (
            &["genesis", "--dry-run", "--authority", "not-a-key"],
            "--authority \"not-a-key\" is not a public key",
        ),
        (&["fees", "split", "--keypair", "/nonexistent/admin.json"], "/nonexistent/admin.json"),
        (
            &["fund", "approve", "--proposal", "0", "--keypair", loose],
            "readable by group or others",
        ),
    ];
    for (args, message) in cases {
        let mut all = args.to_vec();
        all.extend(["--rpc-url", nowhere]);
        let output = cli(&all);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(!output.status.success(), "distributor {all:?} succeeded");
        assert!(stderr.contains(message), "distributor {all:?}: {stderr}");
        assert!(!stderr.contains("panicked"), "distributor {all:?}: {stderr}");
    }
    // `check-config`: the built-in configuration is valid, and its hash is the library's.
    let output = cli(&["check-config"]);
    let stdout = String::from_utf8_lossy(&output.stdout);
    let hash = Config::default_config().sha256();
    assert!(output.status.success(), "{output:?}");
    assert_eq!(stdout.trim(), format!("configuration valid; sha256 {hash}"));
    // A well-formed dry run against a node that is not there: an error naming the transport.
    let output =
        cli(&["genesis", "--dry-run", "--authority", vault.as_str(), "--rpc-url", nowhere]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success() && !stderr.contains("panicked"), "{stderr}");
    assert!(stderr.starts_with("Error: "), "{stderr}");
    std::fs::remove_dir_all(&dir).ok();
}
