//! `stk_treasury` through the harness, with the real Token-2022 program underneath.
//! Every instruction's success path with balances checked after each CPI, and the attacks
//! listed in programs/stk_treasury/README.md.
use anchor_lang::{error::ErrorCode as AnchorError, prelude::Pubkey};
use solana_instruction::AccountMeta;
use solana_keypair::Keypair;
use solana_signer::Signer;
use stk_common::{calendar::MonthId, schedule::ScheduleParams, seeds};
use stk_harness::{
    decode_events,
    stk_client::treasury::{self as treasury_ix, MAX_RECIPIENTS_LEGACY},
    treasury::{PayoutPlan, TreasurySetup, TreasurySetupArgs},
    ExpectFailure, Ledger, StkMintSetup, StkMintSetupArgs,
};
use stk_treasury::{
    errors::TreasuryError,
    events,
    math::quote_price,
    state::{AuthorityRole, Epoch, EpochStatus, FeeSplit, QuarterQuote, Treasury},
};

const HASH: [u8; 32] = [7; 32];

async fn setup() -> (Ledger, TreasurySetup) {
    let mut ledger = Ledger::start().await;
    let t = TreasurySetup::initialize(&mut ledger, TreasurySetupArgs::default()).await;
    (ledger, t)
}

fn month(t: &TreasurySetup, k: u32) -> u32 {
    t.stk.schedule.start_month + k
}

/// The start of an epoch test: [`setup`] with quarter 0 minted (the distribution vault holds
/// its members' share), the clock past the first month, and `n` new wallets with STK accounts.
struct EpochSetup {
    ledger: Ledger,
    t: TreasurySetup,
    /// The schedule's first month, payable now.
    m0: u32,
    /// `(wallet, STK account)` of each new recipient.
    people: Vec<(Pubkey, Pubkey)>,
    /// Their STK accounts, in the same order.
    recipients: Vec<Pubkey>,
}

async fn epoch_setup(n: usize) -> EpochSetup {
    let (mut ledger, t) = setup().await;
    Ledger::ok(t.stk.mint_quarter(&mut ledger, 0, true).await);
    let m0 = month(&t, 0);
    t.warp_past_month(&mut ledger, m0).await;
    let people = t.create_recipients(&mut ledger, n).await;
    let recipients = people.iter().map(|p| p.1).collect();
    EpochSetup { ledger, t, m0, people, recipients }
}

/// Opens `month`'s epoch of 10,000 STK with a single-batch plan, approves it and pays it.
async fn pay_single_batch(
    ledger: &mut Ledger,
    t: &TreasurySetup,
    month: u32,
    recipients: &[Pubkey],
    amounts: Vec<u64>,
) {
    let lines = recipients.iter().copied().zip(amounts).collect();
    let plan = PayoutPlan::new(month, HASH, vec![lines]).with_total(10_000_000_000);
    t.pay_plan(ledger, &plan).await;
}

fn admin_of(ledger: &Ledger) -> Keypair {
    ledger.ctx.payer.insecure_clone()
}

async fn treasury_state(ledger: &mut Ledger) -> Treasury {
    ledger.anchor_account(&seeds::find_treasury()).await
}

/// What the vault must send so the recipient nets `net` (0.5% fee, max 10 STK, rounded up).
fn gross_for(net: u64) -> u64 {
    let schedule = |gross: u64| gross - std::cmp::min((gross * 50).div_ceil(10_000), 10_000_000);
    let mut gross = net;
    while schedule(gross) < net {
        gross += 1;
    }
    gross
}

#[tokio::test]
async fn initialize_wires_the_vaults_to_the_mint_and_the_treasury_authority() {
    let (mut ledger, t) = setup().await;
    let a = t.addresses;
    let state = treasury_state(&mut ledger).await;
    assert_eq!(state.admin, ledger.payer());
    assert_eq!(state.distributor, t.distributor.pubkey());
    assert_eq!(state.mint, t.mint());
    assert_eq!(state.distribution_vault, seeds::find_distribution_vault());
    assert_eq!(state.fee_vault, seeds::find_fee_vault());
    assert_eq!(state.fee_split, t.fee_split);
    assert_eq!(state.committed_total, 0);
    for vault in [a.distribution_vault, a.fee_vault, a.hold_escrow] {
        let v = ledger.token(&vault).await;
        assert_eq!((v.mint, v.owner, v.amount), (t.mint(), a.treasury_authority, 0));
    }
    assert_eq!(t.stk.distribution_destination, a.distribution_vault);

    // mint_quarter pays the members' share into the distribution vault.
    Ledger::ok(t.stk.mint_quarter(&mut ledger, 0, true).await);
    let (_, distributable) = t.stk.schedule.split(t.stk.schedule.quarter_emission(0).unwrap());
    assert_eq!(ledger.token_amount(&a.distribution_vault).await, distributable);

    // A second initialize fails: the state PDA exists.
    let args = stk_treasury::instructions::InitializeArgs {
        distributor: t.distributor.pubkey(),
        fee_split: t.fee_split,
        dormancy_notice_secs: 86_400,
        fiat_decimals: 2,
    };
    let again =
        ledger.send(&[treasury_ix::initialize(&ledger.payer(), args)], &[]).await.expect_failure();
    assert!(again.logs_contain("already in use"), "{again}");
}

#[tokio::test]
async fn initialize_refuses_a_foreign_distribution_destination_a_stranger_and_bad_args() {
    // The mint's distribution destination is not the treasury vault.
    let mut ledger = Ledger::start().await;
    StkMintSetup::initialize(&mut ledger, StkMintSetupArgs::default()).await;
    let good = stk_treasury::instructions::InitializeArgs {
        distributor: Pubkey::new_unique(),
        fee_split: FeeSplit {
            staking_rewards_destination: Pubkey::new_unique(),
            startup_fund_destination: Pubkey::new_unique(),
            staking_rewards_bps: 5_000,
            startup_fund_bps: 5_000,
        },
        dormancy_notice_secs: 90 * 86_400,
        fiat_decimals: 2,
    };
    let payer = ledger.payer();
    ledger
        .send(&[treasury_ix::initialize(&payer, good.clone())], &[])
        .await
        .expect_failure()
        .assert_code(TreasuryError::DistributionVaultMismatch);

    // Properly wired mint: a stranger cannot initialize, bad arguments are refused.
    let mut ledger = Ledger::start().await;
    let mint_args = StkMintSetupArgs {
        distribution: stk_harness::Destination::Existing(seeds::find_distribution_vault()),
        ..Default::default()
    };
    StkMintSetup::initialize(&mut ledger, mint_args).await;
    let payer = ledger.payer();
    let stranger = ledger.funded_keypair(1_000_000_000).await;
    ledger
        .send(&[treasury_ix::initialize(&stranger.pubkey(), good.clone())], &[&stranger])
        .await
        .expect_failure()
        .assert_code(TreasuryError::NotMintAdmin);
    let mut bad = good.clone();
    bad.fee_split.startup_fund_bps = 5_001;
    ledger
        .send(&[treasury_ix::initialize(&payer, bad)], &[])
        .await
        .expect_failure()
        .assert_code(TreasuryError::FeeSplitBps);
    let mut bad = good.clone();
    bad.dormancy_notice_secs = 3_600;
    ledger
        .send(&[treasury_ix::initialize(&payer, bad)], &[])
        .await
        .expect_failure()
        .assert_code(TreasuryError::DormancyNoticePeriod);
    let mut bad = good.clone();
    bad.fiat_decimals = 7;
    ledger
        .send(&[treasury_ix::initialize(&payer, bad)], &[])
        .await
        .expect_failure()
        .assert_code(TreasuryError::FiatDecimals);
    // A fake mint config (not stk_mint's PDA) is refused by its seeds/owner.
    let mut ix = treasury_ix::initialize(&payer, good.clone());
    ix.accounts[2].pubkey = seeds::find_stk_mint();
    assert!(ledger.send(&[ix], &[]).await.is_err());
    assert!(!ledger.account_exists(&seeds::find_treasury()).await);
    Ledger::ok(ledger.send(&[treasury_ix::initialize(&payer, good)], &[]).await);
}

#[tokio::test]
async fn authorities_rotate_in_two_steps_and_only_the_admin_proposes() {
    let EpochSetup { mut ledger, t, .. } = epoch_setup(0).await;
    let admin = admin_of(&ledger);
    let mallory = ledger.funded_keypair(1_000_000_000).await;
    let new_distributor = ledger.funded_keypair(1_000_000_000).await;
    let new_admin = ledger.funded_keypair(1_000_000_000).await;

    // Only the admin proposes.
    let ix = treasury_ix::propose_authority(
        &mallory.pubkey(),
        AuthorityRole::Distributor,
        &mallory.pubkey(),
    );
    ledger.send(&[ix], &[&mallory]).await.expect_failure().assert_code(TreasuryError::NotAdmin);
    // Nothing to accept yet.
    let ix = treasury_ix::accept_authority(&mallory.pubkey(), AuthorityRole::Distributor);
    ledger
        .send(&[ix], &[&mallory])
        .await
        .expect_failure()
        .assert_code(TreasuryError::NotProposedAuthority);

    let ix = treasury_ix::propose_authority(
        &admin.pubkey(),
        AuthorityRole::Distributor,
        &new_distributor.pubkey(),
    );
    let ok = Ledger::ok(ledger.send(&[ix], &[]).await);
    assert_eq!(decode_events::<events::AuthorityProposed>(&ok.events).len(), 1);
    // The proposal alone changes nothing; a third party cannot accept it.
    assert_eq!(treasury_state(&mut ledger).await.distributor, t.distributor.pubkey());
    let ix = treasury_ix::accept_authority(&mallory.pubkey(), AuthorityRole::Distributor);
    ledger
        .send(&[ix], &[&mallory])
        .await
        .expect_failure()
        .assert_code(TreasuryError::NotProposedAuthority);
    // Accepting the other role with this proposal fails too.
    let ix = treasury_ix::accept_authority(&new_distributor.pubkey(), AuthorityRole::Admin);
    ledger
        .send(&[ix], &[&new_distributor])
        .await
        .expect_failure()
        .assert_code(TreasuryError::NotProposedAuthority);
    let ix = treasury_ix::accept_authority(&new_distributor.pubkey(), AuthorityRole::Distributor);
    Ledger::ok(ledger.send(&[ix], &[&new_distributor]).await);
    let state = treasury_state(&mut ledger).await;
    assert_eq!(state.distributor, new_distributor.pubkey());
    assert_eq!(state.pending_distributor, Pubkey::default());

    // The old distributor is out, the new one opens epochs.
    t.open_epoch(&mut ledger, month(&t, 0), 1, HASH, 1)
        .await
        .expect_failure()
        .assert_code(TreasuryError::NotDistributor);
    let ix = treasury_ix::open_epoch(&new_distributor.pubkey(), month(&t, 0), 1, HASH, 1, [0; 32]);
    Ledger::ok(ledger.send(&[ix], &[&new_distributor]).await);

    // Admin rotation.
    let ix =
        treasury_ix::propose_authority(&admin.pubkey(), AuthorityRole::Admin, &new_admin.pubkey());
    Ledger::ok(ledger.send(&[ix], &[]).await);
    let ix = treasury_ix::accept_authority(&new_admin.pubkey(), AuthorityRole::Admin);
    Ledger::ok(ledger.send(&[ix], &[&new_admin]).await);
    assert_eq!(treasury_state(&mut ledger).await.admin, new_admin.pubkey());
    let ix = treasury_ix::propose_authority(&admin.pubkey(), AuthorityRole::Admin, &admin.pubkey());
    ledger.send(&[ix], &[]).await.expect_failure().assert_code(TreasuryError::NotAdmin);
    // Replaying the accepted proposal fails: it was cleared.
    let ix = treasury_ix::accept_authority(&new_admin.pubkey(), AuthorityRole::Admin);
    ledger
        .send(&[ix], &[&new_admin])
        .await
        .expect_failure()
        .assert_code(TreasuryError::NotProposedAuthority);
}

#[tokio::test]
async fn open_epoch_is_capped_by_the_cumulative_allowance_and_the_minted_quarters() {
    let (mut ledger, t) = setup().await;
    let schedule = t.stk.schedule;
    let allowance = |k: u32| schedule.month_allowance(MonthId(schedule.start_month + k)).unwrap();
    let m0 = month(&t, 0);

    // Before quarter 0 is minted nothing can be committed.
    t.open_epoch(&mut ledger, m0, 1, HASH, 1)
        .await
        .expect_failure()
        .assert_code(TreasuryError::QuarterNotMinted);
    Ledger::ok(t.stk.mint_quarter(&mut ledger, 0, true).await);
    // Minted, but the month is still running: its report is not final.
    t.open_epoch(&mut ledger, m0, 1, HASH, 1)
        .await
        .expect_failure()
        .assert_code(TreasuryError::MonthNotEnded);
    t.warp_past_month(&mut ledger, m0).await;
    // Quarter 1's months stay closed until quarter 1 is minted.
    t.open_epoch(&mut ledger, month(&t, 3), 1, HASH, 1)
        .await
        .expect_failure()
        .assert_code(TreasuryError::QuarterNotMinted);
    t.open_epoch(&mut ledger, m0 - 1, 1, HASH, 1)
        .await
        .expect_failure()
        .assert_code(TreasuryError::MonthOutsideSchedule);
    t.open_epoch(&mut ledger, m0 + 120, 1, HASH, 1)
        .await
        .expect_failure()
        .assert_code(TreasuryError::MonthOutsideSchedule);
    t.open_epoch(&mut ledger, m0, 1, HASH, 0)
        .await
        .expect_failure()
        .assert_code(TreasuryError::BatchCount);
    t.open_epoch(&mut ledger, m0, 1, HASH, 4097)
        .await
        .expect_failure()
        .assert_code(TreasuryError::BatchCount);
    t.open_epoch(&mut ledger, m0, 0, HASH, 1)
        .await
        .expect_failure()
        .assert_code(TreasuryError::ZeroTotal);
    t.open_epoch(&mut ledger, m0, allowance(0) + 1, HASH, 1)
        .await
        .expect_failure()
        .assert_code(TreasuryError::AllowanceExceeded);
    t.open_epoch(&mut ledger, m0, u64::MAX, HASH, 1)
        .await
        .expect_failure()
        .assert_code(TreasuryError::AllowanceExceeded);
    // A stranger cannot open an epoch.
    let mallory = ledger.funded_keypair(1_000_000_000).await;
    let ix = treasury_ix::open_epoch(&mallory.pubkey(), m0, 1, HASH, 1, [0; 32]);
    ledger
        .send(&[ix], &[&mallory])
        .await
        .expect_failure()
        .assert_code(TreasuryError::NotDistributor);

    // Exactly the allowance is accepted, once.
    let ok = Ledger::ok(t.open_epoch(&mut ledger, m0, allowance(0), HASH, 4096).await);
    let ev = decode_events::<events::EpochOpened>(&ok.events);
    assert_eq!((ev[0].total, ev[0].cumulative_allowance), (allowance(0), allowance(0)));
    let epoch: Epoch = ledger.anchor_account(&seeds::find_epoch(m0)).await;
    assert_eq!(
        (epoch.month, epoch.total, epoch.batch_count, epoch.report_hash),
        (m0, allowance(0), 4096, HASH)
    );
    assert!(t.open_epoch(&mut ledger, m0, 1, HASH, 1).await.is_err(), "a month opens once");

    // Month 1 gets its own allowance, not a unit more (once it has ended).
    t.warp_past_month(&mut ledger, month(&t, 1)).await;
    t.open_epoch(&mut ledger, month(&t, 1), allowance(1) + 1, HASH, 1)
        .await
        .expect_failure()
        .assert_code(TreasuryError::AllowanceExceeded);
    Ledger::ok(t.open_epoch(&mut ledger, month(&t, 1), allowance(1) - 5, HASH, 1).await);
    assert_eq!(treasury_state(&mut ledger).await.committed_total, allowance(0) + allowance(1) - 5);

    // Aborting month 0 (nothing paid) returns its total to the pool: month 2 may use it,
    // plus month 1's 5 unused units, and nothing more.
    let admin = admin_of(&ledger);
    let ok = Ledger::ok(t.close_epoch(&mut ledger, &admin, m0).await);
    let closed = decode_events::<events::EpochClosed>(&ok.events);
    assert_eq!((closed[0].released, closed[0].aborted), (allowance(0), true));
    let carry = allowance(0) + 5 + allowance(2);
    t.warp_past_month(&mut ledger, month(&t, 2)).await;
    t.open_epoch(&mut ledger, month(&t, 2), carry + 1, HASH, 1)
        .await
        .expect_failure()
        .assert_code(TreasuryError::AllowanceExceeded);
    Ledger::ok(t.open_epoch(&mut ledger, month(&t, 2), carry, HASH, 1).await);
    let state = treasury_state(&mut ledger).await;
    assert_eq!(
        state.committed_total,
        schedule.cumulative_allowance_through(MonthId(month(&t, 2))).unwrap()
    );
    assert_eq!(state.open_epochs, 2);
}

#[tokio::test]
async fn distribute_batch_pays_exact_amounts_once_and_refuses_every_attack() {
    let EpochSetup { mut ledger, t, m0, people, recipients } = epoch_setup(4).await;
    let vault = t.addresses.distribution_vault;
    let total = 10_000_000_000; // 10,000 STK
    let amounts = vec![1_000_000_000, 2_500_000_000, 3_000_000, 1];
    // The approved plan: batch 0 pays the four, batch 1 pays the first of them 7 more.
    let batch0 = recipients.iter().copied().zip(amounts.clone()).collect();
    let plan = PayoutPlan::new(m0, HASH, vec![batch0, vec![(recipients[0], 7)]]).with_total(total);
    t.open_approved(&mut ledger, &plan).await;
    let vault_before = ledger.token_amount(&vault).await;
    let d = t.distributor.pubkey();

    // Wrong signer.
    let mallory = ledger.funded_keypair(1_000_000_000).await;
    let ix = treasury_ix::distribute_batch(&mallory.pubkey(), m0, 0, &recipients, amounts.clone());
    ledger
        .send(&[ix], &[&mallory])
        .await
        .expect_failure()
        .assert_code(TreasuryError::NotDistributor);
    // Batch index beyond batch_count.
    t.distribute_batch(&mut ledger, m0, 2, &recipients, amounts.clone())
        .await
        .expect_failure()
        .assert_code(TreasuryError::BatchIndexOutOfRange);
    // Amounts and recipients differ; empty batch.
    t.distribute_batch(&mut ledger, m0, 0, &recipients[..3], amounts.clone())
        .await
        .expect_failure()
        .assert_code(TreasuryError::RecipientCount);
    t.distribute_batch(&mut ledger, m0, 0, &[], vec![])
        .await
        .expect_failure()
        .assert_code(TreasuryError::RecipientCount);
    // Zero amount; overflowing amounts; a batch above the epoch total.
    t.distribute_batch(&mut ledger, m0, 0, &recipients[..2], vec![1, 0])
        .await
        .expect_failure()
        .assert_code(TreasuryError::ZeroAmount);
    t.distribute_batch(&mut ledger, m0, 0, &recipients[..2], vec![u64::MAX, 1])
        .await
        .expect_failure()
        .assert_code(TreasuryError::Overflow);
    t.distribute_batch(&mut ledger, m0, 0, &recipients[..2], vec![total, 1])
        .await
        .expect_failure()
        .assert_code(TreasuryError::EpochTotalExceeded);
    // The treasury's own vaults are never recipients.
    for bad in [vault, t.addresses.fee_vault] {
        t.distribute_batch(&mut ledger, m0, 0, &[recipients[0], bad], vec![1, 1])
            .await
            .expect_failure()
            .assert_code(TreasuryError::InvalidRecipient);
    }
    // A read-only recipient.
    let mut ix = treasury_ix::distribute_batch(&d, m0, 0, &recipients[..1], vec![1]);
    let last = ix.accounts.len() - 1;
    ix.accounts[last] = AccountMeta::new_readonly(recipients[0], false);
    ledger
        .send(&[ix], &[&t.distributor])
        .await
        .expect_failure()
        .assert_code(TreasuryError::InvalidRecipient);
    // Another month's epoch account, a fake vault, a fake authority, a fake mint.
    t.warp_past_month(&mut ledger, month(&t, 1)).await;
    Ledger::ok(t.open_epoch(&mut ledger, month(&t, 1), 1_000, HASH, 1).await);
    let mut ix = treasury_ix::distribute_batch(&d, m0, 0, &recipients, amounts.clone());
    ix.accounts[2].pubkey = seeds::find_epoch(month(&t, 1));
    ledger
        .send(&[ix], &[&t.distributor])
        .await
        .expect_failure()
        .assert_code(AnchorError::ConstraintSeeds as u32);
    let mut ix = treasury_ix::distribute_batch(&d, m0, 0, &recipients, amounts.clone());
    ix.accounts[4].pubkey = recipients[3];
    ledger
        .send(&[ix], &[&t.distributor])
        .await
        .expect_failure()
        .assert_code(AnchorError::ConstraintHasOne as u32);
    let mut ix = treasury_ix::distribute_batch(&d, m0, 0, &recipients, amounts.clone());
    ix.accounts[3].pubkey = people[1].0;
    ledger
        .send(&[ix], &[&t.distributor])
        .await
        .expect_failure()
        .assert_code(AnchorError::ConstraintSeeds as u32);
    let other_mint = ledger.create_foreign_mint(6).await;
    let mut ix = treasury_ix::distribute_batch(&d, m0, 0, &recipients, amounts.clone());
    ix.accounts[5].pubkey = other_mint;
    ledger
        .send(&[ix], &[&t.distributor])
        .await
        .expect_failure()
        .assert_code(AnchorError::ConstraintHasOne as u32);
    // Nothing moved so far.
    assert_eq!(ledger.token_amount(&vault).await, vault_before);

    // The real batch: every recipient nets exactly its amount.
    let ok = Ledger::ok(t.pay_batch(&mut ledger, &plan, 0).await);
    let mut gross_total = 0;
    for (r, a) in recipients.iter().zip(&amounts) {
        let b = ledger.token(r).await;
        assert_eq!(b.amount, *a);
        assert_eq!(b.withheld, gross_for(*a) - a);
        gross_total += gross_for(*a);
    }
    assert_eq!(ledger.token_amount(&vault).await, vault_before - gross_total);
    let ev = decode_events::<events::BatchDistributed>(&ok.events);
    assert_eq!((ev[0].net, ev[0].gross, ev[0].recipients), (amounts.iter().sum(), gross_total, 4));
    assert_eq!((ev[0].recipients_skipped, ev[0].skipped), (0, 0));

    // Replaying the batch is refused and moves nothing.
    t.pay_batch(&mut ledger, &plan, 0)
        .await
        .expect_failure()
        .assert_code(TreasuryError::BatchAlreadyPaid);
    t.distribute_batch(&mut ledger, m0, 0, &recipients[..1], vec![1])
        .await
        .expect_failure()
        .assert_code(TreasuryError::BatchAlreadyPaid);
    assert_eq!(ledger.token_amount(&vault).await, vault_before - gross_total);

    // The distributor cannot close early; strangers cannot close; the admin could.
    t.close_epoch(&mut ledger, &t.distributor, m0)
        .await
        .expect_failure()
        .assert_code(TreasuryError::BatchesRemaining);
    t.close_epoch(&mut ledger, &mallory, m0)
        .await
        .expect_failure()
        .assert_code(TreasuryError::NotAuthorized);
    let paid: u64 = amounts.iter().sum();
    Ledger::ok(t.pay_batch(&mut ledger, &plan, 1).await);
    let ok = Ledger::ok(t.close_epoch(&mut ledger, &t.distributor, m0).await);
    let ev = decode_events::<events::EpochClosed>(&ok.events);
    assert_eq!(
        (ev[0].paid, ev[0].released, ev[0].aborted, ev[0].batches_paid),
        (paid + 7, total - paid - 7, false, 2)
    );
    assert_eq!((ev[0].report_hash, ev[0].plan_hash), (HASH, plan.plan_hash));
    let epoch: Epoch = ledger.anchor_account(&seeds::find_epoch(m0)).await;
    assert_eq!(epoch.status, EpochStatus::Closed);
    // Closed: no more payouts, no second close.
    t.close_epoch(&mut ledger, &t.distributor, m0)
        .await
        .expect_failure()
        .assert_code(TreasuryError::EpochClosed);
    t.pay_batch(&mut ledger, &plan, 1)
        .await
        .expect_failure()
        .assert_code(TreasuryError::EpochClosed);
    let state = treasury_state(&mut ledger).await;
    assert_eq!(state.distributed_total, paid + 7);
    assert_eq!(state.committed_total, paid + 7 + 1_000);
}

#[tokio::test]
async fn a_full_epoch_of_600_recipients_pays_every_balance_exactly() {
    let EpochSetup { mut ledger, t, m0, recipients, .. } = epoch_setup(600).await;
    let vault = t.addresses.distribution_vault;
    // Varied allocations, including ones whose fee hits the 10 STK maximum.
    let amounts: Vec<u64> = (0..600u64)
        .map(|i| match i % 5 {
            0 => 1 + i,
            1 => 123_456_789 + i * 1_001,
            2 if i % 25 == 2 => 2_000_000_000 + i, // 2,000 STK: fee capped at 10 STK
            2 => 700_000_000 + i,
            _ => 50_000 * (i + 1),
        })
        .collect();
    let total: u64 = amounts.iter().sum();
    let lines: Vec<(Pubkey, u64)> = recipients.iter().copied().zip(amounts.clone()).collect();
    let plan = PayoutPlan::chunked(m0, HASH, &lines, MAX_RECIPIENTS_LEGACY);
    t.open_approved(&mut ledger, &plan).await;
    let vault_before = ledger.token_amount(&vault).await;
    let mut gross_total = 0u64;
    for b in 0..plan.batch_count() {
        let ok = Ledger::ok(t.pay_batch(&mut ledger, &plan, b).await);
        let ev = decode_events::<events::BatchDistributed>(&ok.events);
        gross_total += ev[0].gross;
    }
    let expected_gross: u64 = amounts.iter().map(|a| gross_for(*a)).sum();
    assert_eq!(gross_total, expected_gross);
    for (r, a) in recipients.iter().zip(&amounts) {
        let b = ledger.token(r).await;
        assert_eq!(b.amount, *a, "recipient {r}");
        assert_eq!(b.withheld, gross_for(*a) - a);
    }
    assert_eq!(ledger.token_amount(&vault).await, vault_before - expected_gross);
    let ok = Ledger::ok(t.close_epoch(&mut ledger, &t.distributor, m0).await);
    let ev = decode_events::<events::EpochClosed>(&ok.events);
    assert_eq!(
        (ev[0].paid, ev[0].gross_paid, ev[0].recipients_paid, ev[0].released),
        (total, expected_gross, 600, 0)
    );
    let state = treasury_state(&mut ledger).await;
    assert_eq!(
        (state.distributed_total, state.committed_total, state.open_epochs),
        (total, total, 0)
    );
}

#[tokio::test]
async fn fees_are_harvested_into_the_fee_vault_and_split_by_the_admin() {
    let EpochSetup { mut ledger, t, m0, people, recipients } = epoch_setup(3).await;
    let a = t.addresses;
    let amounts = vec![1_000_000_000, 3_000_000_000, 77_777_777];
    pay_single_batch(&mut ledger, &t, m0, &recipients, amounts.clone()).await;
    let withheld: u64 = amounts.iter().map(|x| gross_for(*x) - x).sum();
    assert!(withheld > 0);

    // Permissionless harvest (a stranger pays); the fees land in the fee vault only.
    let stranger = ledger.funded_keypair(1_000_000_000).await;
    let ok =
        Ledger::ok(ledger.send_as(&stranger, &[treasury_ix::harvest_fees(&recipients)], &[]).await);
    assert_eq!(ledger.token_amount(&a.fee_vault).await, withheld);
    for r in &recipients {
        assert_eq!(ledger.token(r).await.withheld, 0);
    }
    let ev = decode_events::<events::FeesHarvested>(&ok.events);
    assert_eq!((ev[0].amount, ev[0].sources), (withheld, 3));
    assert_eq!(treasury_state(&mut ledger).await.fees_harvested_total, withheld);
    // A foreign vault as destination, or a source of another mint, is refused.
    let mut ix = treasury_ix::harvest_fees(&recipients);
    ix.accounts[3].pubkey = recipients[0];
    ledger
        .send(&[ix], &[])
        .await
        .expect_failure()
        .assert_code(AnchorError::ConstraintHasOne as u32);
    let other_mint = ledger.create_foreign_mint(6).await;
    let foreign_account = ledger.create_ata(&people[0].0, &other_mint).await;
    // Token-2022 skips sources of another mint: nothing moves.
    let ok = Ledger::ok(ledger.send(&[treasury_ix::harvest_fees(&[foreign_account])], &[]).await);
    assert_eq!(decode_events::<events::FeesHarvested>(&ok.events)[0].amount, 0);
    assert_eq!(ledger.token_amount(&a.fee_vault).await, withheld);

    // Only the admin splits; bad splits are refused; destinations are the configured ones.
    let ix = treasury_ix::split_fees(&stranger.pubkey(), &t.fee_split);
    ledger.send(&[ix], &[&stranger]).await.expect_failure().assert_code(TreasuryError::NotAdmin);
    let mut redirected = t.fee_split;
    redirected.staking_rewards_destination = recipients[0];
    let ix = treasury_ix::split_fees(&t.admin, &redirected);
    ledger
        .send(&[ix], &[])
        .await
        .expect_failure()
        .assert_code(AnchorError::ConstraintAddress as u32);
    let mut too_much = t.fee_split;
    too_much.staking_rewards_bps = 8_000;
    let ix = treasury_ix::set_fee_split(&t.admin, too_much);
    ledger.send(&[ix], &[]).await.expect_failure().assert_code(TreasuryError::FeeSplitBps);
    let ix = treasury_ix::set_fee_split(&stranger.pubkey(), t.fee_split);
    ledger.send(&[ix], &[&stranger]).await.expect_failure().assert_code(TreasuryError::NotAdmin);

    let staking = t.fee_split.staking_rewards_destination;
    let startup = t.fee_split.startup_fund_destination;
    let before = (
        ledger.token_amount(&staking).await,
        ledger.token_amount(&startup).await,
        ledger.token_amount(&a.distribution_vault).await,
    );
    let ok = Ledger::ok(ledger.send(&[treasury_ix::split_fees(&t.admin, &t.fee_split)], &[]).await);
    let to_staking = withheld * 4_000 / 10_000;
    let to_startup = withheld * 3_000 / 10_000;
    let rest = withheld - to_staking - to_startup;
    // Each leg withholds the circulation fee at its destination (harvested again later).
    let net = |x: u64| x - std::cmp::min((x * 50).div_ceil(10_000), 10_000_000);
    assert_eq!(ledger.token_amount(&a.fee_vault).await, 0);
    assert_eq!(ledger.token_amount(&staking).await, before.0 + net(to_staking));
    assert_eq!(ledger.token_amount(&startup).await, before.1 + net(to_startup));
    assert_eq!(ledger.token_amount(&a.distribution_vault).await, before.2 + net(rest));
    let ev = decode_events::<events::FeesSplit>(&ok.events);
    assert_eq!(
        (ev[0].staking_rewards, ev[0].startup_fund, ev[0].distribution_vault),
        (to_staking, to_startup, rest)
    );

    // The admin can repoint the split.
    let mut new_split = t.fee_split;
    new_split.staking_rewards_bps = 10_000;
    new_split.startup_fund_bps = 0;
    Ledger::ok(ledger.send(&[treasury_ix::set_fee_split(&t.admin, new_split)], &[]).await);
    assert_eq!(treasury_state(&mut ledger).await.fee_split, new_split);
}

#[tokio::test]
async fn the_directive_quote_reproduces_the_worked_example() {
    // A flat 42-quarter schedule without genesis: exactly 500,000 STK per quarter, so three
    // quarters issue the design's 500k + 1,000k = 1,500k STK.
    let mut ledger = Ledger::start().await;
    let mut schedule = ScheduleParams::default_for(MonthId::new(2027, 1).unwrap(), 6);
    schedule.num_quarters = 42;
    schedule.decay_num = 1;
    schedule.decay_den = 1;
    schedule.genesis_bps = 0;
    let args = TreasurySetupArgs {
        mint: StkMintSetupArgs { schedule, ..Default::default() },
        ..Default::default()
    };
    let t = TreasurySetup::initialize(&mut ledger, args).await;
    let admin = t.admin;
    let kopecks = |rub: u64| rub * 100;

    // Guards first.
    let stranger = ledger.funded_keypair(1_000_000_000).await;
    let ix = treasury_ix::record_quarter_budget(&stranger.pubkey(), 0, 1, 5_000);
    ledger.send(&[ix], &[&stranger]).await.expect_failure().assert_code(TreasuryError::NotAdmin);
    let ix = treasury_ix::record_quarter_budget(&admin, 1, 1, 5_000);
    ledger.send(&[ix], &[]).await.expect_failure().assert_code(TreasuryError::QuarterOutOfOrder);
    let ix = treasury_ix::record_quarter_budget(&admin, 0, 1, 10_001);
    ledger.send(&[ix], &[]).await.expect_failure().assert_code(TreasuryError::BackingBps);
    let ix = treasury_ix::record_one_time_receipt(&admin, 1, 0);
    ledger.send(&[ix], &[]).await.expect_failure().assert_code(TreasuryError::SpreadQuarters);
    let ix = treasury_ix::record_one_time_receipt(&stranger.pubkey(), 1, 1);
    ledger.send(&[ix], &[&stranger]).await.expect_failure().assert_code(TreasuryError::NotAdmin);

    // Quarter 0: 1,000k RUB of revenue, half backs the token; 500k STK issued -> 1.00.
    Ledger::ok(
        ledger
            .send(&[treasury_ix::record_quarter_budget(&admin, 0, kopecks(1_000_000), 5_000)], &[])
            .await,
    );
    // Published before the quarter's crank: the schedule, not the mint's counter, says how
    // much STK quarter 0 issues (see also `the_quote_divides_by_what_the_schedule_issued_through_the_quarter`).
    Ledger::ok(ledger.send(&[treasury_ix::publish_quote(&admin, 0)], &[]).await);
    Ledger::ok(t.stk.mint_quarter(&mut ledger, 0, true).await);
    let q0: QuarterQuote = ledger.anchor_account(&seeds::find_quarter_quote(0)).await;
    assert_eq!(
        (q0.backing, q0.price, q0.tokens_issued),
        (kopecks(500_000), 1_000_000_000, 500_000_000_000)
    );
    ledger
        .send(&[treasury_ix::publish_quote(&admin, 0)], &[])
        .await
        .expect_failure()
        .assert_code(TreasuryError::QuoteAlreadyPublished);
    let ix = treasury_ix::publish_quote(&stranger.pubkey(), 0);
    ledger.send(&[ix], &[&stranger]).await.expect_failure().assert_code(TreasuryError::NotAdmin);

    // An investor pays 1,000k RUB once, spread over the next 4 quarters (250k each).
    Ledger::ok(
        ledger
            .send(&[treasury_ix::record_one_time_receipt(&admin, kopecks(1_000_000), 4)], &[])
            .await,
    );
    // Quarter 1: 1,000k revenue -> 500k backing + 250k of the receipt; 1,000k STK issued.
    Ledger::ok(
        ledger
            .send(&[treasury_ix::record_quarter_budget(&admin, 1, kopecks(1_000_000), 5_000)], &[])
            .await,
    );
    Ledger::ok(t.stk.mint_quarter(&mut ledger, 1, true).await);
    Ledger::ok(ledger.send(&[treasury_ix::publish_quote(&admin, 1)], &[]).await);
    let q1: QuarterQuote = ledger.anchor_account(&seeds::find_quarter_quote(1)).await;
    assert_eq!(q1.receipts_recognized, kopecks(250_000));
    assert_eq!(q1.cumulative_backing, kopecks(1_250_000));
    assert_eq!(q1.price, 1_250_000_000);

    // Quarter 2 — the worked example: 333k RUB/month -> 999k/2 = 499.5k backing this quarter,
    // plus 1,500k from earlier quarters (incl. the receipt's 2 × 250k) = 1,999.5k RUB over
    // 500k + 1,000k = 1,500k STK -> ≈ 1.333 RUB per STK.
    let ok = Ledger::ok(
        ledger
            .send(
                &[treasury_ix::record_quarter_budget(&admin, 2, kopecks(333_000 * 3), 5_000)],
                &[],
            )
            .await,
    );
    let ev = decode_events::<events::QuarterBudgetRecorded>(&ok.events);
    assert_eq!((ev[0].backing, ev[0].receipts_recognized), (kopecks(499_500), kopecks(250_000)));
    Ledger::ok(t.stk.mint_quarter(&mut ledger, 2, true).await);
    let ok = Ledger::ok(ledger.send(&[treasury_ix::publish_quote(&admin, 2)], &[]).await);
    let q2: QuarterQuote = ledger.anchor_account(&seeds::find_quarter_quote(2)).await;
    assert_eq!(q2.cumulative_backing, kopecks(1_999_500));
    assert_eq!(q2.tokens_issued, 1_500_000_000_000);
    assert_eq!(q2.price, 1_333_000_000);
    assert_eq!(q2.price, quote_price(kopecks(1_999_500), 2, 1_500_000_000_000, 6).unwrap());
    assert_eq!(stk_common::fixed::format_price(q2.price), "1.333000000");
    let ev = decode_events::<events::QuotePublished>(&ok.events);
    assert_eq!((ev[0].quarter, ev[0].price), (2, 1_333_000_000));
    // The history stays: quarters 0 and 1 are unchanged.
    let q0_again: QuarterQuote = ledger.anchor_account(&seeds::find_quarter_quote(0)).await;
    assert_eq!(q0_again.price, 1_000_000_000);
    // The receipt is still being recognized (quarters 3 and 4).
    let state = treasury_state(&mut ledger).await;
    assert_eq!(state.receipts.iter().filter(|r| r.quarters > 0).count(), 1);
    assert_eq!(state.next_budget_quarter, 3);
}

#[tokio::test]
async fn the_documented_batch_sizes_fit_one_transaction_and_pay_exactly() {
    use stk_harness::{alt, stk_client::treasury::MAX_RECIPIENTS_WITH_LOOKUP_TABLE};
    let n_table = MAX_RECIPIENTS_WITH_LOOKUP_TABLE;
    let EpochSetup { mut ledger, t, m0, recipients, .. } = epoch_setup(n_table + 1).await;
    let d = t.distributor.pubkey();
    let amounts = |n: usize| (0..n as u64).map(|i| 10_000 + i).collect::<Vec<_>>();
    let lines = |n: usize| recipients[..n].iter().copied().zip(amounts(n)).collect::<Vec<_>>();
    // The plan: batch 0 the legacy maximum, batch 1 the lookup-table maximum.
    let plan = PayoutPlan::new(m0, HASH, vec![lines(MAX_RECIPIENTS_LEGACY), lines(n_table)])
        .with_total(1_000_000_000);
    t.open_approved(&mut ledger, &plan).await;
    let blockhash = ledger.ctx.get_new_latest_blockhash().await.unwrap();

    // Legacy: MAX_RECIPIENTS_LEGACY fits the packet, one more does not.
    let legacy = |n: usize| {
        let ix = treasury_ix::distribute_batch(&d, m0, 0, &recipients[..n], amounts(n));
        alt::legacy_transaction(&t.distributor, &[ix], &[], blockhash)
    };
    assert!(alt::fits(&legacy(MAX_RECIPIENTS_LEGACY)));
    assert!(alt::wire_size(&legacy(MAX_RECIPIENTS_LEGACY + 1)) > alt::PACKET_DATA_SIZE);
    Ledger::ok(ledger.send_versioned(legacy(MAX_RECIPIENTS_LEGACY)).await);

    // v0 + lookup table: MAX_RECIPIENTS_WITH_LOOKUP_TABLE fits; one more exceeds 64 locks and
    // the bank refuses it.
    let mut addresses = treasury_ix::distribute_batch_fixed_accounts(m0, 1);
    addresses.extend(recipients.iter().copied());
    let table = alt::create_lookup_table(&mut ledger, &addresses).await;
    let blockhash = ledger.ctx.get_new_latest_blockhash().await.unwrap();
    let with_table = |n: usize| {
        let ixs = [
            treasury_ix::batch_compute_unit_limit(n),
            treasury_ix::distribute_batch(&d, m0, 1, &recipients[..n], amounts(n)),
        ];
        alt::v0_transaction(&t.distributor, &ixs, &[], std::slice::from_ref(&table), blockhash)
    };
    assert!(alt::fits(&with_table(n_table)));
    assert!(alt::account_locks(&with_table(n_table + 1)) > alt::MAX_TX_ACCOUNT_LOCKS);
    assert!(ledger.send_versioned(with_table(n_table + 1)).await.is_err());
    Ledger::ok(ledger.send_versioned(with_table(n_table)).await);
    for (i, r) in recipients[..n_table].iter().enumerate() {
        let legacy_part = if i < MAX_RECIPIENTS_LEGACY { 10_000 + i as u64 } else { 0 };
        assert_eq!(ledger.token_amount(r).await, legacy_part + 10_000 + i as u64);
    }
    assert_eq!(ledger.token_amount(&recipients[n_table]).await, 0);
}
