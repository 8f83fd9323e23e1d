//! The treasury's payout plan (`programs/stk_treasury/PAYOUT_PLAN.md`) through the harness,
//! with the real Token-2022 program: a month opens only after it ended, the admin (never the
//! distributor) approves exactly the proposed plan, the hot distributor key pays nothing
//! outside it, and unusable recipients are skipped and recorded without blocking their batch.
use anchor_lang::{error::ErrorCode as AnchorError, prelude::Pubkey};
use anchor_spl::token_interface::spl_token_2022::{
    self as t22, extension::ExtensionType, state::AccountState,
};
use solana_instruction::AccountMeta;
use solana_keypair::Keypair;
use solana_signer::Signer;
use stk_common::{calendar::MonthId, payout_plan, seeds};
use stk_harness::{
    decode_events,
    stk_client::treasury as treasury_ix,
    treasury::{PayoutPlan, TreasurySetup, TreasurySetupArgs},
    ExpectFailure, Ledger, StkMintSetup, StkMintSetupArgs,
};
use stk_treasury::{
    errors::TreasuryError,
    events,
    state::{AuthorityRole, Epoch, EpochStatus, PlanPage, Treasury},
};

const HASH: [u8; 32] = [7; 32];

/// A treasury ready to pay the schedule's first month, and `n` recipients' STK accounts.
async fn payouts(n: usize) -> (Ledger, TreasurySetup, u32, Vec<Pubkey>) {
    let mut ledger = Ledger::start().await;
    let (t, m0) = TreasurySetup::for_payouts(&mut ledger).await;
    let recipients = t.create_recipients(&mut ledger, n).await.into_iter().map(|p| p.1).collect();
    (ledger, t, m0, recipients)
}

async fn epoch(ledger: &mut Ledger, month: u32) -> Epoch {
    ledger.anchor_account(&seeds::find_epoch(month)).await
}

/// What the vault must send so the recipient nets `net` (0.5% fee, max 10 STK, rounded up).
fn gross_for(net: u64) -> u64 {
    let fee = |gross: u64| std::cmp::min((gross * 50).div_ceil(10_000), 10_000_000);
    (net..).find(|g| g - fee(*g) >= net).unwrap()
}

#[tokio::test]
async fn the_admin_and_the_distributor_are_never_the_same_key() {
    let mut ledger = Ledger::start().await;
    let mint_args = StkMintSetupArgs {
        distribution: stk_harness::Destination::Existing(seeds::find_distribution_vault()),
        ..Default::default()
    };
    StkMintSetup::initialize(&mut ledger, mint_args).await;
    let admin = ledger.payer();
    let args = |distributor: Pubkey| stk_treasury::instructions::InitializeArgs {
        distributor,
        fee_split: stk_treasury::state::FeeSplit {
            staking_rewards_destination: Pubkey::new_unique(),
            startup_fund_destination: Pubkey::new_unique(),
            staking_rewards_bps: 0,
            startup_fund_bps: 0,
        },
        dormancy_notice_secs: 90 * 86_400,
        fiat_decimals: 2,
    };
    ledger
        .send(&[treasury_ix::initialize(&admin, args(admin))], &[])
        .await
        .expect_failure()
        .assert_code(TreasuryError::AdminIsDistributor);
    let distributor = ledger.funded_keypair(1_000_000_000).await;
    Ledger::ok(
        ledger.send(&[treasury_ix::initialize(&admin, args(distributor.pubkey()))], &[]).await,
    );

    // Rotating the distributor to the admin's key, or the admin to the distributor's, fails at
    // the acceptance (the proposal alone changes nothing).
    let ix = treasury_ix::propose_authority(&admin, AuthorityRole::Distributor, &admin);
    Ledger::ok(ledger.send(&[ix], &[]).await);
    let ix = treasury_ix::accept_authority(&admin, AuthorityRole::Distributor);
    ledger.send(&[ix], &[]).await.expect_failure().assert_code(TreasuryError::AdminIsDistributor);
    let ix = treasury_ix::propose_authority(&admin, AuthorityRole::Admin, &distributor.pubkey());
    Ledger::ok(ledger.send(&[ix], &[]).await);
    let ix = treasury_ix::accept_authority(&distributor.pubkey(), AuthorityRole::Admin);
    ledger
        .send(&[ix], &[&distributor])
        .await
        .expect_failure()
        .assert_code(TreasuryError::AdminIsDistributor);
    let state: Treasury = ledger.anchor_account(&seeds::find_treasury()).await;
    assert_eq!((state.admin, state.distributor), (admin, distributor.pubkey()));
}

#[tokio::test]
async fn a_month_opens_only_once_it_has_ended_in_the_schedules_time_zone() {
    let mut ledger = Ledger::start().await;
    let t = TreasurySetup::initialize(&mut ledger, TreasurySetupArgs::default()).await;
    // The quarter is minted on its first day: none of its three months has ended.
    Ledger::ok(t.stk.mint_quarter(&mut ledger, 0, true).await);
    let schedule = t.stk.schedule;
    let m0 = schedule.start_month;
    for k in 0..3 {
        t.open_epoch(&mut ledger, m0 + k, 1, HASH, 1)
            .await
            .expect_failure()
            .assert_code(TreasuryError::MonthNotEnded);
    }
    // One second before local midnight of the next month: still running.
    let end = MonthId(m0 + 1).start_ts(schedule.utc_offset_secs);
    assert_ne!(end, MonthId(m0 + 1).start_ts(0), "the schedule's zone is not UTC");
    ledger.warp_to_timestamp(end - 1).await;
    t.open_epoch(&mut ledger, m0, 1, HASH, 1)
        .await
        .expect_failure()
        .assert_code(TreasuryError::MonthNotEnded);
    ledger.warp_to_timestamp(end).await;
    Ledger::ok(t.open_epoch(&mut ledger, m0, 1, HASH, 1).await);
    assert_eq!(epoch(&mut ledger, m0).await.status, EpochStatus::Proposed);
    // The next month is still running.
    t.open_epoch(&mut ledger, m0 + 1, 1, HASH, 1)
        .await
        .expect_failure()
        .assert_code(TreasuryError::MonthNotEnded);
}

/// A plan of `n` one-line batches over `recipients` (round robin): it spans two pages when
/// `n > 250`.
fn one_line_batches(month: u32, recipients: &[Pubkey], n: usize) -> PayoutPlan {
    let batches =
        (0..n).map(|i| vec![(recipients[i % recipients.len()], 1_000 + i as u64)]).collect();
    PayoutPlan::new(month, HASH, batches)
}

#[tokio::test]
async fn only_the_admin_approves_and_only_the_exact_proposed_plan() {
    let (mut ledger, t, m0, recipients) = payouts(3).await;
    let plan = one_line_batches(m0, &recipients, 260);
    assert_eq!(payout_plan::page_count(plan.batch_count()), 2);
    let d = t.distributor.pubkey();
    Ledger::ok(t.propose(&mut ledger, &plan).await);

    // Writing roots: the distributor only, within the plan and one page, never a zero root.
    let mallory = ledger.funded_keypair(1_000_000_000).await;
    let ix = treasury_ix::write_plan_roots(&mallory.pubkey(), m0, 0, vec![[1; 32]]);
    ledger
        .send(&[ix], &[&mallory])
        .await
        .expect_failure()
        .assert_code(TreasuryError::NotDistributor);
    for (first, count) in [(0u16, 0usize), (259, 2), (240, 20)] {
        let ix = treasury_ix::write_plan_roots(&d, m0, first, vec![[1; 32]; count]);
        ledger
            .send(&[ix], &[&t.distributor])
            .await
            .expect_failure()
            .assert_code(TreasuryError::PlanRootsRange);
    }
    let ix = treasury_ix::write_plan_roots(&d, m0, 3, vec![[1; 32], [0; 32]]);
    ledger
        .send(&[ix], &[&t.distributor])
        .await
        .expect_failure()
        .assert_code(TreasuryError::ZeroRoot);

    // Pages not written yet: they do not exist, approval fails.
    t.approve(&mut ledger, &plan)
        .await
        .expect_failure()
        .assert_code(AnchorError::AccountOwnedByWrongProgram as u32);

    // The roots of another content for batch 5 (a stranger instead of the planned member):
    // the pages no longer hash to the proposed plan, so the admin's approval fails.
    Ledger::ok(t.write_roots(&mut ledger, &plan).await);
    // Written but not approved: nothing is payable.
    t.pay_batch(&mut ledger, &plan, 0)
        .await
        .expect_failure()
        .assert_code(TreasuryError::EpochNotApproved);
    let mut forged = plan.clone();
    forged.batches[5] = vec![(ledger.create_ata(&mallory.pubkey(), &t.mint()).await, 1_005)];
    forged.roots[5] = payout_plan::batch_root(m0, 5, &forged.batches[5]);
    let ix = treasury_ix::write_plan_roots(&d, m0, 5, vec![forged.roots[5]]);
    Ledger::ok(ledger.send(&[ix], &[&t.distributor]).await);
    t.approve(&mut ledger, &plan)
        .await
        .expect_failure()
        .assert_code(TreasuryError::PlanRootsMismatch);
    // The forged plan's own hash is not the proposed one.
    forged.rehash();
    t.approve(&mut ledger, &forged)
        .await
        .expect_failure()
        .assert_code(TreasuryError::PlanHashMismatch);
    let ix = treasury_ix::write_plan_roots(&d, m0, 5, vec![plan.roots[5]]);
    Ledger::ok(ledger.send(&[ix], &[&t.distributor]).await);

    // The distributor cannot approve its own plan.
    let ix = treasury_ix::approve_epoch(&d, m0, plan.plan_hash, plan.batch_count());
    ledger
        .send(&[ix], &[&t.distributor])
        .await
        .expect_failure()
        .assert_code(TreasuryError::NotAdmin);
    // A missing page, an extra page, pages out of order, another month's page, not a page.
    let approve = || treasury_ix::approve_epoch(&t.admin, m0, plan.plan_hash, plan.batch_count());
    let mut missing = approve();
    missing.accounts.pop();
    let mut extra = approve();
    extra.accounts.push(AccountMeta::new_readonly(seeds::find_plan_page(m0, 0), false));
    let mut swapped = approve();
    let n = swapped.accounts.len();
    swapped.accounts.swap(n - 1, n - 2);
    for ix in [missing, extra, swapped] {
        ledger.send(&[ix], &[]).await.expect_failure().assert_code(TreasuryError::PlanPages);
    }
    let m1 = m0 + 1;
    t.warp_past_month(&mut ledger, m1).await;
    let other = one_line_batches(m1, &recipients, 3);
    Ledger::ok(t.propose(&mut ledger, &other).await);
    Ledger::ok(t.write_roots(&mut ledger, &other).await);
    let mut foreign = approve();
    foreign.accounts[n - 2].pubkey = seeds::find_plan_page(m1, 0);
    ledger.send(&[foreign], &[]).await.expect_failure().assert_code(TreasuryError::PlanPages);
    let mut not_a_page = approve();
    not_a_page.accounts[n - 1].pubkey = seeds::find_epoch(m0);
    ledger
        .send(&[not_a_page], &[])
        .await
        .expect_failure()
        .assert_code(AnchorError::AccountDiscriminatorMismatch as u32);

    // The exact plan, by the admin.
    let ok = Ledger::ok(t.approve(&mut ledger, &plan).await);
    let ev = decode_events::<events::EpochApproved>(&ok.events);
    assert_eq!((ev[0].plan_hash, ev[0].approved_by), (plan.plan_hash, t.admin));
    let e = epoch(&mut ledger, m0).await;
    assert_eq!(
        (e.status, e.approved_by, e.plan_hash),
        (EpochStatus::Open, t.admin, plan.plan_hash)
    );
    assert!(e.approved_at > 0);
    // Approved: the roots are frozen and a second approval is refused.
    let ix = treasury_ix::write_plan_roots(&d, m0, 5, vec![forged.roots[5]]);
    ledger
        .send(&[ix], &[&t.distributor])
        .await
        .expect_failure()
        .assert_code(TreasuryError::EpochNotProposed);
    t.approve(&mut ledger, &plan)
        .await
        .expect_failure()
        .assert_code(TreasuryError::EpochNotProposed);
    Ledger::ok(t.pay_batch(&mut ledger, &plan, 5).await);
    let stranger = forged.recipients(5);
    t.distribute_batch(&mut ledger, m0, 6, &stranger, vec![1_006])
        .await
        .expect_failure()
        .assert_code(TreasuryError::PlanMismatch);

    // A batch of page 1 proves against page 1, not page 0.
    let mut wrong_page =
        treasury_ix::distribute_batch(&d, m0, 255, &plan.recipients(255), plan.amounts(255));
    wrong_page.accounts[7].pubkey = seeds::find_plan_page(m0, 0);
    ledger
        .send(&[wrong_page], &[&t.distributor])
        .await
        .expect_failure()
        .assert_code(TreasuryError::WrongPlanPage);
    let before = ledger.token_amount(&plan.recipients(255)[0]).await;
    Ledger::ok(t.pay_batch(&mut ledger, &plan, 255).await);
    assert_eq!(ledger.token_amount(&plan.recipients(255)[0]).await, before + plan.amounts(255)[0]);

    // The admin may abort a proposed epoch (here month 1's, never approved).
    let admin = ledger.ctx.payer.insecure_clone();
    let ok = Ledger::ok(t.close_epoch(&mut ledger, &admin, m1).await);
    let ev = decode_events::<events::EpochClosed>(&ok.events);
    assert_eq!((ev[0].released, ev[0].aborted), (other.total, true));
}

#[tokio::test]
async fn the_hot_key_pays_nothing_outside_the_approved_plan_and_each_batch_once() {
    let (mut ledger, t, m0, r) = payouts(4).await;
    let plan = PayoutPlan::new(
        m0,
        HASH,
        vec![vec![(r[0], 100_000), (r[1], 200_000), (r[2], 300_000)], vec![(r[3], 400_000)]],
    );
    let mallory = ledger.funded_keypair(1_000_000_000).await;
    let mallory_account = ledger.create_ata(&mallory.pubkey(), &t.mint()).await;

    // The distributor proposes a plan paying itself; the admin approves only the report's
    // plan hash, which the proposal does not carry.
    let mut own = plan.clone();
    own.batches[0][0].0 = mallory_account;
    own.roots[0] = payout_plan::batch_root(m0, 0, &own.batches[0]);
    own.rehash();
    Ledger::ok(t.propose(&mut ledger, &own).await);
    Ledger::ok(t.write_roots(&mut ledger, &own).await);
    t.approve(&mut ledger, &plan)
        .await
        .expect_failure()
        .assert_code(TreasuryError::PlanHashMismatch);
    t.pay_batch(&mut ledger, &own, 0)
        .await
        .expect_failure()
        .assert_code(TreasuryError::EpochNotApproved);
    let admin = ledger.ctx.payer.insecure_clone();
    Ledger::ok(t.close_epoch(&mut ledger, &admin, m0).await);

    // Next month, the report's plan, approved.
    let m1 = m0 + 1;
    t.warp_past_month(&mut ledger, m1).await;
    let plan = PayoutPlan::new(m1, HASH, plan.batches.clone());
    t.open_approved(&mut ledger, &plan).await;
    let vault = t.addresses.distribution_vault;
    let vault_before = ledger.token_amount(&vault).await;

    let attacks: Vec<(&str, u16, Vec<Pubkey>, Vec<u64>)> = vec![
        ("an account not in the plan", 0, vec![r[0], r[1], r[3]], vec![100_000, 200_000, 300_000]),
        ("the distributor's own account", 0, vec![mallory_account, r[1], r[2]], plan.amounts(0)),
        ("a wrong amount", 0, plan.recipients(0), vec![100_001, 200_000, 300_000]),
        ("reordered recipients", 0, vec![r[1], r[0], r[2]], vec![200_000, 100_000, 300_000]),
        ("recipients and amounts swapped", 0, vec![r[1], r[0], r[2]], plan.amounts(0)),
        ("a line dropped", 0, plan.recipients(0)[..2].to_vec(), plan.amounts(0)[..2].to_vec()),
        ("batch 1's content under index 0", 0, plan.recipients(1), plan.amounts(1)),
        ("batch 0's content under index 1", 1, plan.recipients(0), plan.amounts(0)),
    ];
    for (what, batch, recipients, amounts) in attacks {
        let failure =
            t.distribute_batch(&mut ledger, m1, batch, &recipients, amounts).await.expect_failure();
        assert_eq!(
            failure.custom_code(),
            Some(u32::from(TreasuryError::PlanMismatch)),
            "{what}: {failure}"
        );
    }
    // A recipient account twice in one batch.
    t.distribute_batch(&mut ledger, m1, 0, &[r[0], r[0], r[2]], plan.amounts(0))
        .await
        .expect_failure()
        .assert_code(TreasuryError::DuplicateRecipient);
    assert_eq!(ledger.token_amount(&vault).await, vault_before);

    // The planned batches pay exactly, once each.
    for b in 0..2 {
        Ledger::ok(t.pay_batch(&mut ledger, &plan, b).await);
    }
    for (account, amount) in plan.batches.iter().flatten() {
        assert_eq!(ledger.token_amount(account).await, *amount);
    }
    assert_eq!(ledger.token_amount(&mallory_account).await, 0);
    let gross: u64 = plan.batches.iter().flatten().map(|(_, a)| gross_for(*a)).sum();
    assert_eq!(ledger.token_amount(&vault).await, vault_before - gross);
    for b in 0..2 {
        t.pay_batch(&mut ledger, &plan, b)
            .await
            .expect_failure()
            .assert_code(TreasuryError::BatchAlreadyPaid);
    }
    let ok = Ledger::ok(t.close_epoch(&mut ledger, &t.distributor, m1).await);
    let ev = decode_events::<events::EpochClosed>(&ok.events);
    assert_eq!((ev[0].paid, ev[0].released, ev[0].aborted), (plan.total, 0, false));
}

/// An STK account of a new wallet whose owner `owner` signs.
async fn stk_account_of(ledger: &mut Ledger, t: &TreasurySetup) -> (Keypair, Pubkey) {
    let owner = ledger.funded_keypair(100_000_000).await;
    let account = ledger.create_ata(&owner.pubkey(), &t.mint()).await;
    (owner, account)
}

#[tokio::test]
async fn unusable_recipients_are_skipped_and_recorded_while_the_rest_are_paid_exactly() {
    let (mut ledger, t, m0, good) = payouts(2).await;
    let payer = ledger.payer();

    // Closed: the owner closes its (empty) account.
    let (owner, closed) = stk_account_of(&mut ledger, &t).await;
    let ix =
        t22::instruction::close_account(&t22::ID, &closed, &payer, &owner.pubkey(), &[]).unwrap();
    Ledger::ok(ledger.send(&[ix], &[&owner]).await);
    assert!(!ledger.account_exists(&closed).await);
    // Memo required: the real Token-2022 extension, turned on by the owner.
    let (owner, memo) = stk_account_of(&mut ledger, &t).await;
    let realloc = t22::instruction::reallocate(
        &t22::ID,
        &memo,
        &payer,
        &owner.pubkey(),
        &[],
        &[ExtensionType::MemoTransfer],
    )
    .unwrap();
    let enable = t22::extension::memo_transfer::instruction::enable_required_transfer_memos(
        &t22::ID,
        &memo,
        &owner.pubkey(),
        &[],
    )
    .unwrap();
    Ledger::ok(ledger.send(&[realloc, enable], &[&owner]).await);
    // Another mint's account.
    let foreign_mint = ledger.create_foreign_mint(6).await;
    let wrong_mint = ledger.create_ata(&Pubkey::new_unique(), &foreign_mint).await;
    // Frozen: the STK mint has no freeze authority, so write the state Token-2022 would.
    let (_, frozen) = stk_account_of(&mut ledger, &t).await;
    let mut data = ledger.account(&frozen).await.unwrap().data;
    const STATE_OFFSET: usize = 108; // mint 32 + owner 32 + amount 8 + delegate 36
    assert_eq!(data[STATE_OFFSET], AccountState::Initialized as u8);
    data[STATE_OFFSET] = AccountState::Frozen as u8;
    ledger.install_account(&frozen, &t22::ID, &data);
    // Not a token account at all: the STK mint.
    let not_account = t.mint();

    let lines = vec![
        (good[0], 1_000_000),
        (closed, 2_000_000),
        (memo, 3_000_000),
        (wrong_mint, 4_000_000),
        (frozen, 5_000_000),
        (good[1], 6_000_000),
        (not_account, 7_000_000),
    ];
    let plan = PayoutPlan::new(m0, HASH, vec![lines.clone()]).with_total(100_000_000);
    t.open_approved(&mut ledger, &plan).await;
    let vault = t.addresses.distribution_vault;
    let vault_before = ledger.token_amount(&vault).await;
    let ok = Ledger::ok(t.pay_batch(&mut ledger, &plan, 0).await);

    // The usable recipients are paid exactly, nobody else received anything.
    assert_eq!(ledger.token_amount(&good[0]).await, 1_000_000);
    assert_eq!(ledger.token_amount(&good[1]).await, 6_000_000);
    for account in [memo, frozen, wrong_mint] {
        assert_eq!(ledger.token_amount(&account).await, 0);
    }
    assert!(!ledger.account_exists(&closed).await);
    let gross = gross_for(1_000_000) + gross_for(6_000_000);
    assert_eq!(ledger.token_amount(&vault).await, vault_before - gross);

    // Each skip is an event with its reason and a bit in the page's mask.
    let skipped = decode_events::<events::RecipientSkipped>(&ok.events);
    let seen: Vec<(u8, Pubkey, u64, u8)> =
        skipped.iter().map(|e| (e.position, e.token_account, e.amount, e.reason)).collect();
    use payout_plan::SkipReason::*;
    let expected = vec![
        (1, closed, 2_000_000, NotToken2022.code()),
        (2, memo, 3_000_000, MemoRequired.code()),
        (3, wrong_mint, 4_000_000, WrongMint.code()),
        (4, frozen, 5_000_000, Frozen.code()),
        (6, not_account, 7_000_000, NotTokenAccount.code()),
    ];
    assert_eq!(seen, expected);
    let page: PlanPage = ledger.anchor_account(&seeds::find_plan_page(m0, 0)).await;
    assert_eq!(page.skipped_masks[0], 0b101_1110);
    let batch = decode_events::<events::BatchDistributed>(&ok.events);
    assert_eq!((batch[0].recipients, batch[0].net, batch[0].gross), (2, 7_000_000, gross));
    assert_eq!((batch[0].recipients_skipped, batch[0].skipped), (5, 21_000_000));

    // The epoch's totals stay exact: paid + skipped; the batch is done and cannot replay.
    let e = epoch(&mut ledger, m0).await;
    assert_eq!(
        (e.paid, e.skipped, e.recipients_paid, e.recipients_skipped),
        (7_000_000, 21_000_000, 2, 5)
    );
    assert_eq!(e.gross_paid, gross);
    t.pay_batch(&mut ledger, &plan, 0)
        .await
        .expect_failure()
        .assert_code(TreasuryError::BatchAlreadyPaid);

    // Closing releases everything not paid, the skipped lines included (owed again later).
    let ix = treasury_ix::close_plan_page(&t.distributor.pubkey(), m0, 0);
    ledger
        .send(&[ix], &[&t.distributor])
        .await
        .expect_failure()
        .assert_code(TreasuryError::EpochNotClosed);
    let ok = Ledger::ok(t.close_epoch(&mut ledger, &t.distributor, m0).await);
    let ev = decode_events::<events::EpochClosed>(&ok.events);
    assert_eq!(
        (ev[0].paid, ev[0].skipped, ev[0].released, ev[0].aborted),
        (7_000_000, 21_000_000, 100_000_000 - 7_000_000, false)
    );
    let state: Treasury = ledger.anchor_account(&seeds::find_treasury()).await;
    assert_eq!((state.distributed_total, state.committed_total), (7_000_000, 7_000_000));

    // Only the distributor reclaims the page's rent, once the epoch is closed.
    let page_address = seeds::find_plan_page(m0, 0);
    let stranger = ledger.funded_keypair(1_000_000_000).await;
    let ix = treasury_ix::close_plan_page(&stranger.pubkey(), m0, 0);
    ledger
        .send(&[ix], &[&stranger])
        .await
        .expect_failure()
        .assert_code(TreasuryError::NotDistributor);
    let rent = ledger.lamports(&page_address).await;
    let before = ledger.lamports(&t.distributor.pubkey()).await;
    let ix = treasury_ix::close_plan_page(&t.distributor.pubkey(), m0, 0);
    Ledger::ok(ledger.send(&[ix], &[&t.distributor]).await);
    assert!(!ledger.account_exists(&page_address).await);
    assert_eq!(ledger.lamports(&t.distributor.pubkey()).await, before + rent);
}

#[tokio::test]
async fn a_distributor_rotation_while_proposed_changes_nothing_the_admin_approves() {
    // The plan is proposed and its roots written by the old distributor key; the admin rotates
    // the distributor before approving. From the acceptance on only the new key writes (the
    // old one is refused with `NotDistributor`), and whatever the new key writes, the admin's
    // approval still covers exactly the roots that hash to the epoch's plan hash: a rewritten
    // root is refused at approval (`PlanRootsMismatch`), a hash of the rewritten plan is not the
    // epoch's (`PlanHashMismatch`), and the approved pages hold the proposed roots.
    let (mut ledger, mut t, m0, recipients) = payouts(4).await;
    let lines: Vec<(Pubkey, u64)> = recipients.iter().map(|r| (*r, 1_000_000)).collect();
    let plan = PayoutPlan::chunked(m0, HASH, &lines, 2);
    Ledger::ok(t.propose(&mut ledger, &plan).await);
    Ledger::ok(t.write_roots(&mut ledger, &plan).await);

    let admin = ledger.payer();
    let new = ledger.funded_keypair(1_000_000_000).await;
    let ix = treasury_ix::propose_authority(&admin, AuthorityRole::Distributor, &new.pubkey());
    Ledger::ok(ledger.send(&[ix], &[]).await);
    // Proposed but not accepted: the old key still writes, the candidate cannot.
    let write = |signer: &Keypair, roots: Vec<[u8; 32]>| {
        treasury_ix::write_plan_roots(&signer.pubkey(), m0, 0, roots)
    };
    let ix = write(&new, vec![plan.roots[0]]);
    ledger.send(&[ix], &[&new]).await.expect_failure().assert_code(TreasuryError::NotDistributor);
    let ix = treasury_ix::accept_authority(&new.pubkey(), AuthorityRole::Distributor);
    Ledger::ok(ledger.send(&[ix], &[&new]).await);
    let old = std::mem::replace(&mut t.distributor, new.insecure_clone());

    // The old key is out, even for the epoch it proposed.
    let forged_batch = vec![(recipients[0], 4_000_000)];
    let forged_root = payout_plan::batch_root(m0, 0, &forged_batch);
    let ix = write(&old, vec![forged_root]);
    ledger.send(&[ix], &[&old]).await.expect_failure().assert_code(TreasuryError::NotDistributor);

    // The new key may rewrite while Proposed, but the admin's approval does not follow it.
    Ledger::ok(ledger.send(&[write(&new, vec![forged_root])], &[&new]).await);
    t.approve(&mut ledger, &plan)
        .await
        .expect_failure()
        .assert_code(TreasuryError::PlanRootsMismatch);
    let mut forged = plan.clone();
    forged.batches[0] = forged_batch.clone();
    forged.roots[0] = forged_root;
    forged.rehash();
    t.approve(&mut ledger, &forged)
        .await
        .expect_failure()
        .assert_code(TreasuryError::PlanHashMismatch);
    assert_eq!(epoch(&mut ledger, m0).await.status, EpochStatus::Proposed);
    // Nothing is payable while unapproved, the forged content least of all.
    t.distribute_batch(&mut ledger, m0, 0, &[recipients[0]], vec![4_000_000])
        .await
        .expect_failure()
        .assert_code(TreasuryError::EpochNotApproved);

    // Written back, the proposed plan is approved, and the pages hold exactly its roots.
    Ledger::ok(ledger.send(&[write(&new, vec![plan.roots[0]])], &[&new]).await);
    Ledger::ok(t.approve(&mut ledger, &plan).await);
    let page: PlanPage = ledger.anchor_account(&seeds::find_plan_page(m0, 0)).await;
    assert_eq!(&page.roots[..plan.roots.len()], &plan.roots[..]);
    assert_eq!(epoch(&mut ledger, m0).await.plan_hash, plan.plan_hash);
    // Approved roots are frozen for both keys; the new key pays the plan, the old one cannot.
    let ix = write(&old, vec![forged_root]);
    ledger.send(&[ix], &[&old]).await.expect_failure().assert_code(TreasuryError::NotDistributor);
    let ix = write(&new, vec![forged_root]);
    ledger.send(&[ix], &[&new]).await.expect_failure().assert_code(TreasuryError::EpochNotProposed);
    let ix =
        treasury_ix::distribute_batch(&old.pubkey(), m0, 0, &plan.recipients(0), plan.amounts(0));
    ledger.send(&[ix], &[&old]).await.expect_failure().assert_code(TreasuryError::NotDistributor);
    for batch in 0..plan.batch_count() {
        Ledger::ok(t.pay_batch(&mut ledger, &plan, batch).await);
    }
    for (recipient, amount) in &lines {
        assert_eq!(ledger.token_amount(recipient).await, *amount);
    }
}
