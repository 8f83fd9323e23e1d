//! `stk_vesting` through the harness, over the real STK Token-2022 mint (with its 0.5%
//! transfer fee). Every instruction's success path and the attacks listed in
//! programs/stk_vesting/README.md; balances are asserted after every CPI.
use anchor_lang::{error::ErrorCode as AnchorError, prelude::Pubkey};
use proptest::{
    strategy::{Strategy, ValueTree},
    test_runner::TestRunner,
};
use solana_keypair::Keypair;
use solana_signer::Signer;
use stk_common::{calendar::MonthId, merkle, seeds};
use stk_harness::{
    decode_events,
    stk_client::{
        self,
        vesting::{self as vix, Allowlist, GrantAddresses, PaymentAccounts},
        Instruction,
    },
    vesting::{create_payment_mint, payment_account, VestingSetup, SPL_TOKEN},
    ExpectFailure, Ledger,
};
use stk_treasury::{
    errors::TreasuryError,
    events::SurplusRecycled,
    state::{Epoch, Treasury},
};
use stk_vesting::{
    curve::VestingSchedule,
    errors::VestingError,
    events,
    instructions::{CreateGrantArgs, OpenSaleArgs, PurchaseArgs},
    state::{Grant, Sale, SaleMember, SalePrice, SaleVesting, VestingConfig},
};

const STK: u64 = 1_000_000; // 6 decimals
const DAY: i64 = 86_400;
const SOL: u64 = 1_000_000_000;

async fn setup() -> (Ledger, VestingSetup) {
    let mut ledger = Ledger::start().await;
    let v = VestingSetup::initialize(&mut ledger).await;
    (ledger, v)
}

/// Replaces every occurrence of account `old` in `ix` with `new` (to forge account lists).
fn swap(mut ix: Instruction, old: &Pubkey, new: &Pubkey) -> Instruction {
    let mut hit = false;
    for meta in ix.accounts.iter_mut().filter(|m| &m.pubkey == old) {
        meta.pubkey = *new;
        hit = true;
    }
    assert!(hit, "account {old} not in the instruction");
    ix
}

/// Start now, 90-day cliff, 360 days, 30-day steps.
async fn year_schedule(ledger: &mut Ledger) -> VestingSchedule {
    let now = ledger.now().await;
    VestingSchedule { start: now, cliff: now + 90 * DAY, end: now + 360 * DAY, period: 30 * DAY }
}

/// A grant funded by the setup's funder wallet. Returns the grant id and addresses.
async fn funder_grant(
    ledger: &mut Ledger,
    v: &VestingSetup,
    beneficiary: &Pubkey,
    amount: u64,
    schedule: VestingSchedule,
    revocable: bool,
) -> (Pubkey, GrantAddresses) {
    let grant_id = Pubkey::new_unique();
    let args = CreateGrantArgs { grant_id, beneficiary: *beneficiary, amount, schedule, revocable };
    let funder_before = ledger.token_amount(&v.funder_ata).await;
    let ix = vix::create_grant(&ledger.payer(), &v.funder.pubkey(), &v.funder_ata, args);
    let ok = Ledger::ok(ledger.send(&[ix], &[&v.funder]).await);
    let g = vix::grant_addresses(&grant_id);
    let fee = v.stk_fee(ledger, amount).await;
    assert_eq!(ledger.token_amount(&v.funder_ata).await, funder_before - amount);
    assert_eq!(ledger.token_amount(&g.vault).await, amount - fee);
    let created = decode_events::<events::GrantCreated>(&ok.events);
    assert_eq!(created.len(), 1);
    assert_eq!(created[0].total, amount - fee);
    (grant_id, g)
}

/// Claims as `beneficiary` and checks the vault paid exactly what was claimable and the
/// beneficiary's ATA received it minus the transfer fee. Returns the amount claimed.
async fn claim_ok(
    ledger: &mut Ledger,
    v: &VestingSetup,
    beneficiary: &Keypair,
    grant_id: &Pubkey,
) -> u64 {
    let g = vix::grant_addresses(grant_id);
    let grant: Grant = ledger.anchor_account(&g.grant).await;
    let now = ledger.now().await;
    let expected = grant.claimable(now);
    let dest = stk_client::ata(&beneficiary.pubkey(), &v.addresses.mint);
    let dest_before =
        if ledger.account_exists(&dest).await { ledger.token_amount(&dest).await } else { 0 };
    let vault_before = ledger.token_amount(&g.vault).await;
    let ix = vix::claim(&ledger.payer(), &beneficiary.pubkey(), grant_id);
    let ok = Ledger::ok(ledger.send(&[ix], &[beneficiary]).await);
    let fee = v.stk_fee(ledger, expected).await;
    assert_eq!(ledger.token_amount(&g.vault).await, vault_before - expected);
    assert_eq!(ledger.token_amount(&dest).await, dest_before + expected - fee);
    let after: Grant = ledger.anchor_account(&g.grant).await;
    assert_eq!(after.claimed, grant.claimed + expected);
    assert!(after.claimed <= after.vested(now), "never above the curve");
    let claimed = decode_events::<events::Claimed>(&ok.events);
    assert_eq!((claimed[0].amount, claimed[0].fee), (expected, fee));
    expected
}

async fn claim_fails(ledger: &mut Ledger, beneficiary: &Keypair, grant_id: &Pubkey, code: u32) {
    let ix = vix::claim(&ledger.payer(), &beneficiary.pubkey(), grant_id);
    ledger.send(&[ix], &[beneficiary]).await.expect_failure().assert_code(code);
}

#[tokio::test]
async fn initialize_creates_the_sale_vault_that_receives_genesis() {
    let (mut ledger, v) = setup().await;
    let a = v.addresses;
    let config: VestingConfig = ledger.anchor_account(&a.config).await;
    assert_eq!(config.admin, ledger.payer());
    assert_eq!(config.mint, seeds::find_stk_mint());
    assert_eq!(config.sale_vault, seeds::find_sale_vault());
    let vault = ledger.token(&a.sale_vault).await;
    assert_eq!(vault.owner, seeds::find_vesting_authority());
    assert_eq!(vault.mint, a.mint);
    assert_eq!(vault.amount, v.genesis_amount);
    // A second initialize is refused (the config and vault exist).
    let again = vix::initialize(&ledger.payer());
    assert!(ledger.send(&[again], &[]).await.is_err());
}

#[tokio::test]
async fn initialize_refuses_a_mint_other_than_stk() {
    let mut ledger = Ledger::start().await;
    stk_harness::StkMintSetup::initialize_mint_only(&mut ledger, Default::default()).await;
    let other = create_payment_mint(&mut ledger, &stk_client::TOKEN_2022, 6).await;
    let ix = swap(vix::initialize(&ledger.payer()), &seeds::find_stk_mint(), &other);
    ledger.send(&[ix], &[]).await.expect_failure().assert_code(AnchorError::ConstraintSeeds as u32);
}

#[tokio::test]
async fn create_grant_locks_what_arrived_and_checks_its_inputs() {
    let (mut ledger, v) = setup().await;
    let alice = Pubkey::new_unique();
    let schedule = year_schedule(&mut ledger).await;
    let (grant_id, g) = funder_grant(&mut ledger, &v, &alice, 1_000 * STK, schedule, true).await;
    let grant: Grant = ledger.anchor_account(&g.grant).await;
    let fee = v.stk_fee(&mut ledger, 1_000 * STK).await;
    assert!(fee > 0, "the STK mint charges a transfer fee");
    assert_eq!(grant.total, 1_000 * STK - fee);
    assert_eq!(
        (grant.grant_id, grant.authority, grant.beneficiary, grant.vault),
        (grant_id, v.funder.pubkey(), alice, g.vault)
    );
    assert_eq!(grant.schedule, schedule);
    assert!(grant.revocable);
    assert_eq!(ledger.token(&g.vault).await.owner, seeds::find_vesting_authority());

    let payer = ledger.payer();
    let args = |amount, schedule| CreateGrantArgs {
        grant_id: Pubkey::new_unique(),
        beneficiary: alice,
        amount,
        schedule,
        revocable: false,
    };
    let by_funder = |args| vix::create_grant(&payer, &v.funder.pubkey(), &v.funder_ata, args);
    let before = ledger.token_amount(&v.funder_ata).await;

    // Reusing a grant id.
    let mut reuse = args(STK, schedule);
    reuse.grant_id = grant_id;
    assert!(ledger.send(&[by_funder(reuse)], &[&v.funder]).await.is_err());
    // Zero amount, default beneficiary, bad schedules.
    let fail = |r: stk_harness::TxResult, code: VestingError| r.expect_failure().assert_code(code);
    fail(
        ledger.send(&[by_funder(args(0, schedule))], &[&v.funder]).await,
        VestingError::ZeroAmount,
    );
    let mut nobody = args(STK, schedule);
    nobody.beneficiary = Pubkey::default();
    fail(ledger.send(&[by_funder(nobody)], &[&v.funder]).await, VestingError::InvalidBeneficiary);
    let backwards = VestingSchedule { end: schedule.start, ..schedule };
    fail(
        ledger.send(&[by_funder(args(STK, backwards))], &[&v.funder]).await,
        VestingError::ScheduleBounds,
    );
    let late_cliff = VestingSchedule { cliff: schedule.end + 1, ..schedule };
    fail(
        ledger.send(&[by_funder(args(STK, late_cliff))], &[&v.funder]).await,
        VestingError::ScheduleBounds,
    );
    let no_period = VestingSchedule { period: 0, ..schedule };
    fail(
        ledger.send(&[by_funder(args(STK, no_period))], &[&v.funder]).await,
        VestingError::SchedulePeriod,
    );
    // More than the source holds: Token-2022 refuses, nothing moves.
    assert!(ledger.send(&[by_funder(args(before + 1, schedule))], &[&v.funder]).await.is_err());

    // Wrong signer: a stranger signs as creator of the funder's account.
    let stranger = ledger.funded_keypair(SOL).await;
    let ix = vix::create_grant(&payer, &stranger.pubkey(), &v.funder_ata, args(STK, schedule));
    ledger
        .send(&[ix], &[&stranger])
        .await
        .expect_failure()
        .assert_code(AnchorError::ConstraintTokenOwner as u32);
    // Wrong PDA: a vault address that is not the grant's vault PDA.
    let forged = args(STK, schedule);
    let real_vault = vix::grant_addresses(&forged.grant_id).vault;
    let ix = swap(by_funder(forged), &real_vault, &Pubkey::new_unique());
    ledger
        .send(&[ix], &[&v.funder])
        .await
        .expect_failure()
        .assert_code(AnchorError::ConstraintSeeds as u32);
    // Wrong PDA: another vesting authority.
    let ix =
        swap(by_funder(args(STK, schedule)), &v.addresses.vesting_authority, &stranger.pubkey());
    ledger
        .send(&[ix], &[&v.funder])
        .await
        .expect_failure()
        .assert_code(AnchorError::ConstraintSeeds as u32);
    // Wrong mint: a look-alike Token-2022 mint and an account of it.
    let fake = create_payment_mint(&mut ledger, &stk_client::TOKEN_2022, 6).await;
    let fake_source =
        payment_account(&mut ledger, &stk_client::TOKEN_2022, &fake, &v.funder.pubkey(), 10 * STK)
            .await;
    let ix = swap(
        swap(by_funder(args(STK, schedule)), &v.addresses.mint, &fake),
        &v.funder_ata,
        &fake_source,
    );
    ledger
        .send(&[ix], &[&v.funder])
        .await
        .expect_failure()
        .assert_code(AnchorError::ConstraintHasOne as u32);
    assert_eq!(ledger.token_amount(&v.funder_ata).await, before, "no failed attempt moved STK");

    // Any wallet may create a grant from its own STK.
    let carol = ledger.funded_keypair(SOL).await;
    let carol_ata = v.fund_stk(&mut ledger, &carol.pubkey(), 100 * STK).await;
    let held = ledger.token_amount(&carol_ata).await;
    let own = args(held, schedule);
    let own_id = own.grant_id;
    Ledger::ok(
        ledger
            .send(&[vix::create_grant(&payer, &carol.pubkey(), &carol_ata, own)], &[&carol])
            .await,
    );
    assert_eq!(ledger.token_amount(&carol_ata).await, 0);
    let fee = v.stk_fee(&mut ledger, held).await;
    assert_eq!(ledger.token_amount(&vix::grant_addresses(&own_id).vault).await, held - fee);
}

#[tokio::test]
async fn claims_follow_the_cliff_and_the_periods() {
    let (mut ledger, v) = setup().await;
    let alice = ledger.funded_keypair(SOL).await;
    let schedule = year_schedule(&mut ledger).await;
    let (id, g) =
        funder_grant(&mut ledger, &v, &alice.pubkey(), 1_200 * STK, schedule, false).await;
    let total = ledger.anchor_account::<Grant>(&g.grant).await.total;
    let nothing: u32 = VestingError::NothingToClaim.into();

    claim_fails(&mut ledger, &alice, &id, nothing).await;
    ledger.warp_to_timestamp(schedule.cliff - 1).await;
    claim_fails(&mut ledger, &alice, &id, nothing).await;
    assert!(!ledger.account_exists(&stk_client::ata(&alice.pubkey(), &v.addresses.mint)).await);

    // At the cliff three of twelve months unlock at once; the claim creates alice's ATA.
    ledger.warp_to_timestamp(schedule.cliff).await;
    assert_eq!(claim_ok(&mut ledger, &v, &alice, &id).await, total * 3 / 12);
    // Inside a period nothing more.
    ledger.warp_to_timestamp(schedule.cliff + 30 * DAY - 1).await;
    claim_fails(&mut ledger, &alice, &id, nothing).await;
    // Each period adds one twelfth (rounded down on the running total).
    ledger.warp_to_timestamp(schedule.cliff + 30 * DAY).await;
    assert_eq!(claim_ok(&mut ledger, &v, &alice, &id).await, total * 4 / 12 - total * 3 / 12);
    // Skipping periods accumulates.
    ledger.warp_to_timestamp(schedule.cliff + 150 * DAY + 5).await;
    assert_eq!(claim_ok(&mut ledger, &v, &alice, &id).await, total * 8 / 12 - total * 4 / 12);
    // At the end, exactly the rest; the vault is empty and nothing more can be claimed.
    ledger.warp_to_timestamp(schedule.end).await;
    claim_ok(&mut ledger, &v, &alice, &id).await;
    let grant: Grant = ledger.anchor_account(&g.grant).await;
    assert_eq!(grant.claimed, total);
    assert_eq!(ledger.token_amount(&g.vault).await, 0);
    ledger.advance_seconds(400 * DAY).await;
    claim_fails(&mut ledger, &alice, &id, nothing).await;
}

#[tokio::test]
async fn double_claim_in_the_same_slot_pays_once() {
    let (mut ledger, v) = setup().await;
    let alice = ledger.funded_keypair(SOL).await;
    let schedule = year_schedule(&mut ledger).await;
    let (id, g) = funder_grant(&mut ledger, &v, &alice.pubkey(), 600 * STK, schedule, false).await;
    ledger.warp_to_timestamp(schedule.cliff).await;
    let vault_before = ledger.token_amount(&g.vault).await;

    // Two claims in one transaction: the second finds nothing and the whole transaction fails.
    let ix = vix::claim(&ledger.payer(), &alice.pubkey(), &id);
    ledger
        .send(&[ix.clone(), ix], &[&alice])
        .await
        .expect_failure()
        .assert_code(VestingError::NothingToClaim);
    assert_eq!(ledger.token_amount(&g.vault).await, vault_before);

    // One claim, then the same claim again at the same clock instant.
    let first = claim_ok(&mut ledger, &v, &alice, &id).await;
    assert!(first > 0);
    let vault_after = ledger.token_amount(&g.vault).await;
    claim_fails(&mut ledger, &alice, &id, VestingError::NothingToClaim.into()).await;
    assert_eq!(ledger.token_amount(&g.vault).await, vault_after);
}

#[tokio::test]
async fn strangers_cannot_claim_redirect_or_take_over_a_grant() {
    let (mut ledger, v) = setup().await;
    let alice = ledger.funded_keypair(SOL).await;
    let mallory = ledger.funded_keypair(SOL).await;
    let schedule = year_schedule(&mut ledger).await;
    let (id, g) = funder_grant(&mut ledger, &v, &alice.pubkey(), 600 * STK, schedule, true).await;
    let (other_id, other) =
        funder_grant(&mut ledger, &v, &mallory.pubkey(), 600 * STK, schedule, false).await;
    ledger.warp_to_timestamp(schedule.end).await;
    let payer = ledger.payer();
    let vault_before = ledger.token_amount(&g.vault).await;

    // Wrong signer: mallory claims alice's grant.
    claim_fails(&mut ledger, &mallory, &id, VestingError::NotBeneficiary.into()).await;
    // Wrong destination: alice signs but the tokens would go to mallory's account.
    let mallory_ata = ledger.create_ata(&mallory.pubkey(), &v.addresses.mint).await;
    let alice_ata = stk_client::ata(&alice.pubkey(), &v.addresses.mint);
    let ix = swap(vix::claim(&payer, &alice.pubkey(), &id), &alice_ata, &mallory_ata);
    ledger
        .send(&[ix], &[&alice])
        .await
        .expect_failure()
        .assert_code(VestingError::WrongDestination);
    // Wrong vault: mallory's own grant paired with alice's vault.
    let ix = swap(vix::claim(&payer, &mallory.pubkey(), &other_id), &other.vault, &g.vault);
    ledger
        .send(&[ix], &[&mallory])
        .await
        .expect_failure()
        .assert_code(AnchorError::ConstraintHasOne as u32);
    // Wrong PDA: a forged vesting authority.
    let ix = swap(
        vix::claim(&payer, &alice.pubkey(), &id),
        &v.addresses.vesting_authority,
        &mallory.pubkey(),
    );
    ledger
        .send(&[ix], &[&alice])
        .await
        .expect_failure()
        .assert_code(AnchorError::ConstraintSeeds as u32);
    // Mallory can neither take the grant over nor revoke it.
    let ix = vix::transfer_beneficiary(&mallory.pubkey(), &id, &mallory.pubkey());
    ledger
        .send(&[ix], &[&mallory])
        .await
        .expect_failure()
        .assert_code(VestingError::NotBeneficiary);
    let ix = vix::revoke(&mallory.pubkey(), &id, &mallory_ata);
    ledger
        .send(&[ix], &[&mallory])
        .await
        .expect_failure()
        .assert_code(VestingError::NotGrantAuthority);
    assert_eq!(ledger.token_amount(&g.vault).await, vault_before);
    assert_eq!(ledger.token_amount(&mallory_ata).await, 0);

    // Alice herself still claims everything.
    claim_ok(&mut ledger, &v, &alice, &id).await;
    assert_eq!(ledger.token_amount(&g.vault).await, 0);
}

#[tokio::test]
async fn revoke_before_the_cliff_returns_everything() {
    let (mut ledger, v) = setup().await;
    let alice = ledger.funded_keypair(SOL).await;
    let schedule = year_schedule(&mut ledger).await;
    let (id, g) = funder_grant(&mut ledger, &v, &alice.pubkey(), 900 * STK, schedule, true).await;
    let total = ledger.anchor_account::<Grant>(&g.grant).await.total;
    ledger.warp_to_timestamp(schedule.cliff - 1).await;

    let funder_before = ledger.token_amount(&v.funder_ata).await;
    let ix = vix::revoke(&v.funder.pubkey(), &id, &v.funder_ata);
    let ok = Ledger::ok(ledger.send(&[ix], &[&v.funder]).await);
    let fee = v.stk_fee(&mut ledger, total).await;
    assert_eq!(ledger.token_amount(&g.vault).await, 0);
    assert_eq!(ledger.token_amount(&v.funder_ata).await, funder_before + total - fee);
    let revoked = decode_events::<events::GrantRevoked>(&ok.events);
    assert_eq!((revoked[0].vested, revoked[0].returned), (0, total));

    // Vesting is frozen: even after the end there is nothing to claim.
    ledger.warp_to_timestamp(schedule.end + DAY).await;
    claim_fails(&mut ledger, &alice, &id, VestingError::NothingToClaim.into()).await;
    let ix = vix::revoke(&v.funder.pubkey(), &id, &v.funder_ata);
    ledger
        .send(&[ix], &[&v.funder])
        .await
        .expect_failure()
        .assert_code(VestingError::AlreadyRevoked);
}

#[tokio::test]
async fn revoke_after_the_cliff_keeps_the_vested_part_claimable() {
    let (mut ledger, v) = setup().await;
    let alice = ledger.funded_keypair(SOL).await;
    let schedule = year_schedule(&mut ledger).await;
    let (id, g) = funder_grant(&mut ledger, &v, &alice.pubkey(), 1_200 * STK, schedule, true).await;
    let (fixed_id, _) =
        funder_grant(&mut ledger, &v, &alice.pubkey(), 100 * STK, schedule, false).await;
    let total = ledger.anchor_account::<Grant>(&g.grant).await.total;

    // Alice claims at the cliff (3/12), then the grant is revoked at 5/12.
    ledger.warp_to_timestamp(schedule.cliff).await;
    claim_ok(&mut ledger, &v, &alice, &id).await;
    ledger.warp_to_timestamp(schedule.cliff + 60 * DAY + 10).await;
    let vested = total * 5 / 12;
    let refund = ledger.create_ata(&Pubkey::new_unique(), &v.addresses.mint).await;
    let vault_before = ledger.token_amount(&g.vault).await;
    let ix = vix::revoke(&v.funder.pubkey(), &id, &refund);
    Ledger::ok(ledger.send(&[ix], &[&v.funder]).await);
    let fee = v.stk_fee(&mut ledger, total - vested).await;
    assert_eq!(ledger.token_amount(&refund).await, total - vested - fee);
    assert_eq!(ledger.token_amount(&g.vault).await, vault_before - (total - vested));
    let grant: Grant = ledger.anchor_account(&g.grant).await;
    assert_eq!((grant.returned, grant.vested(i64::MAX)), (total - vested, vested));

    // The vested but unclaimed part (months 4 and 5) stays claimable, and no more, ever.
    ledger.warp_to_timestamp(schedule.end + DAY).await;
    assert_eq!(claim_ok(&mut ledger, &v, &alice, &id).await, vested - total * 3 / 12);
    assert_eq!(ledger.token_amount(&g.vault).await, 0);
    claim_fails(&mut ledger, &alice, &id, VestingError::NothingToClaim.into()).await;

    // A non-revocable grant cannot be revoked, even by its creator.
    let ix = vix::revoke(&v.funder.pubkey(), &fixed_id, &v.funder_ata);
    ledger.send(&[ix], &[&v.funder]).await.expect_failure().assert_code(VestingError::NotRevocable);
}

#[tokio::test]
async fn transfer_beneficiary_hands_future_claims_to_the_new_wallet() {
    let (mut ledger, v) = setup().await;
    let alice = ledger.funded_keypair(SOL).await;
    let alice_new = ledger.funded_keypair(SOL).await;
    let schedule = year_schedule(&mut ledger).await;
    let (id, g) =
        funder_grant(&mut ledger, &v, &alice.pubkey(), 1_200 * STK, schedule, false).await;
    ledger.warp_to_timestamp(schedule.cliff).await;
    let first = claim_ok(&mut ledger, &v, &alice, &id).await;

    let ix = vix::transfer_beneficiary(&alice.pubkey(), &id, &Pubkey::default());
    ledger
        .send(&[ix], &[&alice])
        .await
        .expect_failure()
        .assert_code(VestingError::InvalidBeneficiary);
    let ix = vix::transfer_beneficiary(&alice.pubkey(), &id, &alice_new.pubkey());
    let ok = Ledger::ok(ledger.send(&[ix], &[&alice]).await);
    let moved = decode_events::<events::BeneficiaryTransferred>(&ok.events);
    assert_eq!(
        (moved[0].old_beneficiary, moved[0].new_beneficiary),
        (alice.pubkey(), alice_new.pubkey())
    );
    let grant: Grant = ledger.anchor_account(&g.grant).await;
    assert_eq!((grant.beneficiary, grant.claimed), (alice_new.pubkey(), first));

    ledger.warp_to_timestamp(schedule.end).await;
    claim_fails(&mut ledger, &alice, &id, VestingError::NotBeneficiary.into()).await;
    let rest = claim_ok(&mut ledger, &v, &alice_new, &id).await;
    assert_eq!(first + rest, grant.total);
}

/// Property test on the ledger: for random totals and random claim instants (sampled by
/// proptest from a fixed seed), every claim pays exactly `curve(now) − claimed`, the claimed
/// sum never exceeds the curve, and after the end the claims add up to the total.
#[tokio::test]
async fn claims_at_random_instants_sum_to_the_total() {
    let (mut ledger, v) = setup().await;
    let mut runner = TestRunner::deterministic();
    let cases =
        (1u64..5_000 * STK, 0i64..=120, 1i64..=24, proptest::collection::vec(0i64..=400, 1..12));
    for case in 0..4 {
        let (amount, cliff_days, periods, mut offsets) =
            cases.new_tree(&mut runner).expect("sample").current();
        offsets.sort();
        let alice = ledger.funded_keypair(SOL).await;
        let now = ledger.now().await;
        let duration = 360 * DAY;
        let schedule = VestingSchedule {
            start: now,
            cliff: now + cliff_days * DAY,
            end: now + duration,
            period: duration / periods,
        };
        let (id, g) = funder_grant(&mut ledger, &v, &alice.pubkey(), amount, schedule, false).await;
        let total = ledger.anchor_account::<Grant>(&g.grant).await.total;
        let mut claimed = 0;
        for day in offsets {
            let t = schedule.start + day * DAY + 1;
            if t > ledger.now().await {
                ledger.warp_to_timestamp(t).await;
            }
            let t = ledger.now().await;
            let curve = schedule.vested(total, t);
            if curve > claimed {
                claimed += claim_ok(&mut ledger, &v, &alice, &id).await;
            } else {
                claim_fails(&mut ledger, &alice, &id, VestingError::NothingToClaim.into()).await;
            }
            assert_eq!(claimed, curve, "case {case}: claimed all that unlocked");
        }
        if ledger.now().await < schedule.end {
            ledger.warp_to_timestamp(schedule.end).await;
        }
        if claimed < total {
            claimed += claim_ok(&mut ledger, &v, &alice, &id).await;
        }
        assert_eq!(claimed, total, "case {case}");
        assert_eq!(ledger.token_amount(&g.vault).await, 0, "case {case}");
    }
}

// ---- the initial sale -----------------------------------------------------------------------

/// 1.5 payment base units per STK base unit (1.5 USDC per STK with 6 decimals on both sides).
const PRICE: SalePrice = SalePrice { num: 3, den: 2 };
const SALE_TOTAL: u64 = 1_200 * STK;
const PAYMENT_FUNDS: u64 = 10_000 * STK;

struct SaleFixture {
    payment_mint: Pubkey,
    payment_program: Pubkey,
    payment_destination: Pubkey,
    allowlist: Allowlist,
    args: OpenSaleArgs,
    alice: Keypair,
    bob: Keypair,
    carol: Keypair,
    mallory: Keypair,
}

impl SaleFixture {
    fn payment(&self, buyer: &Pubkey) -> PaymentAccounts {
        PaymentAccounts {
            mint: self.payment_mint,
            source: self.payment_source(buyer),
            destination: self.payment_destination,
            token_program: self.payment_program,
        }
    }
    fn payment_source(&self, buyer: &Pubkey) -> Pubkey {
        spl_associated_token_account_address(buyer, &self.payment_mint, &self.payment_program)
    }
    /// A purchase by `buyer` with its own allowlist cap and proof.
    fn purchase(&self, buyer: &Pubkey, amount: u64) -> (Instruction, Pubkey) {
        let (cap, proof) = self.allowlist.proof(buyer).unwrap_or((amount, vec![]));
        self.purchase_with(buyer, amount, cap, proof)
    }
    fn purchase_with(
        &self,
        buyer: &Pubkey,
        amount: u64,
        cap: u64,
        proof: Vec<[u8; 32]>,
    ) -> (Instruction, Pubkey) {
        let grant_id = Pubkey::new_unique();
        let args = PurchaseArgs { amount, cap, proof, grant_id };
        (vix::purchase(buyer, self.payment(buyer), args), grant_id)
    }
}

fn spl_associated_token_account_address(owner: &Pubkey, mint: &Pubkey, program: &Pubkey) -> Pubkey {
    Pubkey::find_program_address(
        &[owner.as_ref(), program.as_ref(), mint.as_ref()],
        &anchor_spl::associated_token::ID,
    )
    .0
}

/// Allowlist alice (1,000 STK), bob (500) and carol (300) from a CSV, fund them (and the
/// unlisted mallory) with the payment mint, and return the `open_sale` arguments (not sent).
async fn sale_fixture(ledger: &mut Ledger, payment_program: Pubkey) -> SaleFixture {
    let payment_mint = create_payment_mint(ledger, &payment_program, 6).await;
    let treasury = Pubkey::new_unique();
    let payment_destination =
        payment_account(ledger, &payment_program, &payment_mint, &treasury, 0).await;
    let alice = ledger.funded_keypair(SOL).await;
    let bob = ledger.funded_keypair(SOL).await;
    let carol = ledger.funded_keypair(SOL).await;
    let mallory = ledger.funded_keypair(SOL).await;
    for buyer in [&alice, &bob, &carol, &mallory] {
        payment_account(ledger, &payment_program, &payment_mint, &buyer.pubkey(), PAYMENT_FUNDS)
            .await;
    }
    let csv = format!(
        "wallet,cap\n{},{}\n{},{}\n# carol joined late\n{},{}\n",
        alice.pubkey(),
        1_000 * STK,
        bob.pubkey(),
        500 * STK,
        carol.pubkey(),
        300 * STK
    );
    let allowlist = Allowlist::from_csv(&csv).expect("allowlist");
    let start = ledger.now().await + 3_600;
    let args = OpenSaleArgs {
        price: PRICE,
        start,
        end: start + 7 * DAY,
        allowlist_root: allowlist.root(),
        total: SALE_TOTAL,
        vesting: SaleVesting {
            cliff_seconds: 90 * DAY,
            duration_seconds: 365 * DAY,
            period_seconds: 30 * DAY,
        },
    };
    SaleFixture {
        payment_mint,
        payment_program,
        payment_destination,
        allowlist,
        args,
        alice,
        bob,
        carol,
        mallory,
    }
}

fn open_sale_ix(admin: &Pubkey, fx: &SaleFixture, args: OpenSaleArgs) -> Instruction {
    vix::open_sale(admin, &fx.payment_mint, &fx.payment_destination, args)
}

/// Vesting set up, sale opened, clock at the sale's start.
async fn open_sale(payment_program: Pubkey) -> (Ledger, VestingSetup, SaleFixture) {
    let (mut ledger, v) = setup().await;
    let fx = sale_fixture(&mut ledger, payment_program).await;
    let ix = open_sale_ix(&ledger.payer(), &fx, fx.args.clone());
    let ok = Ledger::ok(ledger.send(&[ix], &[]).await);
    let opened = decode_events::<events::SaleOpened>(&ok.events);
    assert_eq!((opened[0].total, opened[0].allowlist_root), (SALE_TOTAL, fx.allowlist.root()));
    ledger.warp_to_timestamp(fx.args.start).await;
    (ledger, v, fx)
}

/// A purchase that must succeed; checks every balance it moves and the new grant.
async fn buy_ok(
    ledger: &mut Ledger,
    v: &VestingSetup,
    fx: &SaleFixture,
    buyer: &Keypair,
    amount: u64,
) -> Pubkey {
    let b = buyer.pubkey();
    let source = fx.payment_source(&b);
    let (source_before, dest_before) =
        (ledger.token_amount(&source).await, ledger.token_amount(&fx.payment_destination).await);
    let vault_before = ledger.token_amount(&v.addresses.sale_vault).await;
    let sale_before: Sale = ledger.anchor_account(&v.addresses.sale).await;
    let member_addr = vix::sale_member(&b);
    // A record address may hold lamports someone sent before the first purchase: only an
    // account owned by the program is a record.
    let record = ledger.account(&member_addr).await;
    let purchased_before = if record.is_some_and(|a| a.owner == stk_vesting::ID) {
        ledger.anchor_account::<SaleMember>(&member_addr).await.purchased
    } else {
        0
    };

    let (ix, grant_id) = fx.purchase(&b, amount);
    let ok = Ledger::ok(ledger.send(&[ix], &[buyer]).await);
    let now = ledger.now().await;

    let cost = PRICE.cost(amount).unwrap();
    assert_eq!(cost, (amount * 3).div_ceil(2));
    assert_eq!(ledger.token_amount(&source).await, source_before - cost, "buyer paid");
    assert_eq!(
        ledger.token_amount(&fx.payment_destination).await,
        dest_before + cost,
        "treasury paid"
    );
    let sale: Sale = ledger.anchor_account(&v.addresses.sale).await;
    let gross = sale.sold - sale_before.sold;
    assert_eq!(ledger.token_amount(&v.addresses.sale_vault).await, vault_before - gross);
    let g = vix::grant_addresses(&grant_id);
    let in_grant = ledger.token_amount(&g.vault).await;
    assert_eq!(in_grant, gross - v.stk_fee(ledger, gross).await);
    assert!(in_grant >= amount, "the buyer's grant holds at least what was paid for");
    assert!(gross - amount <= v.stk_fee(ledger, gross).await + 1);
    let grant: Grant = ledger.anchor_account(&g.grant).await;
    assert_eq!((grant.beneficiary, grant.total, grant.revocable), (b, in_grant, false));
    assert_eq!(grant.authority, v.addresses.sale);
    assert_eq!(
        grant.schedule,
        VestingSchedule {
            start: now,
            cliff: now + 90 * DAY,
            end: now + 365 * DAY,
            period: 30 * DAY
        }
    );
    let member: SaleMember = ledger.anchor_account(&member_addr).await;
    assert_eq!((member.sale, member.wallet), (v.addresses.sale, b));
    assert_eq!(member.purchased, purchased_before + amount);
    let bought = decode_events::<events::Purchased>(&ok.events);
    assert_eq!((bought[0].amount, bought[0].cost, bought[0].sold), (amount, cost, gross));
    grant_id
}

async fn buy_fails(
    ledger: &mut Ledger,
    fx: &SaleFixture,
    buyer: &Keypair,
    ix: Instruction,
    code: u32,
) {
    let source = fx.payment_source(&buyer.pubkey());
    let before = ledger.token_amount(&source).await;
    ledger.send(&[ix], &[buyer]).await.expect_failure().assert_code(code);
    assert_eq!(ledger.token_amount(&source).await, before, "a refused purchase costs nothing");
}

#[tokio::test]
async fn open_sale_is_admin_only_once_and_checks_its_parameters() {
    let (mut ledger, v) = setup().await;
    let fx = sale_fixture(&mut ledger, SPL_TOKEN).await;
    let admin = ledger.payer();
    let good = fx.args.clone();
    let refuse = |args: OpenSaleArgs| open_sale_ix(&admin, &fx, args);
    let cases: Vec<(OpenSaleArgs, VestingError)> = vec![
        (
            OpenSaleArgs { price: SalePrice { num: 1, den: 0 }, ..good.clone() },
            VestingError::SalePrice,
        ),
        (
            OpenSaleArgs { price: SalePrice { num: 0, den: 1 }, ..good.clone() },
            VestingError::SalePrice,
        ),
        (OpenSaleArgs { end: good.start, ..good.clone() }, VestingError::SaleWindow),
        (OpenSaleArgs { total: 0, ..good.clone() }, VestingError::SaleTotal),
        (OpenSaleArgs { total: v.genesis_amount + 1, ..good.clone() }, VestingError::SaleTotal),
        (OpenSaleArgs { allowlist_root: [0; 32], ..good.clone() }, VestingError::SaleAllowlistRoot),
        (
            OpenSaleArgs {
                vesting: SaleVesting { period_seconds: 0, ..good.vesting },
                ..good.clone()
            },
            VestingError::SchedulePeriod,
        ),
        (
            OpenSaleArgs {
                vesting: SaleVesting { cliff_seconds: 400 * DAY, ..good.vesting },
                ..good.clone()
            },
            VestingError::ScheduleBounds,
        ),
    ];
    for (args, code) in cases {
        ledger.send(&[refuse(args)], &[]).await.expect_failure().assert_code(code);
    }
    // Wrong signer: not the admin.
    let mallory = &fx.mallory;
    let ix = open_sale_ix(&mallory.pubkey(), &fx, good.clone());
    ledger
        .send(&[ix], &[mallory])
        .await
        .expect_failure()
        .assert_code(AnchorError::ConstraintHasOne as u32);
    // Unsold STK sent to an account of the payment mint: only the distribution vault is
    // accepted (every other STK account: `the_unsold_destination_is_only_the_distribution_vault`).
    let ix = swap(refuse(good.clone()), &vix::unsold_destination(), &fx.payment_destination);
    ledger
        .send(&[ix], &[])
        .await
        .expect_failure()
        .assert_code(VestingError::UnsoldNotDistributionVault);
    // Wrong PDA: another token account posing as the sale vault.
    let ix = swap(refuse(good.clone()), &v.addresses.sale_vault, &v.funder_ata);
    ledger
        .send(&[ix], &[])
        .await
        .expect_failure()
        .assert_code(AnchorError::ConstraintHasOne as u32);

    Ledger::ok(ledger.send(&[refuse(good.clone())], &[]).await);
    let sale: Sale = ledger.anchor_account(&v.addresses.sale).await;
    assert_eq!(
        (sale.payment_mint, sale.payment_destination, sale.unsold_destination),
        (fx.payment_mint, fx.payment_destination, seeds::find_distribution_vault())
    );
    assert_eq!((sale.price, sale.total, sale.sold, sale.closed), (PRICE, SALE_TOTAL, 0, false));
    assert!(ledger.send(&[refuse(good)], &[]).await.is_err(), "a second sale is refused");
}

#[tokio::test]
async fn purchases_pay_the_price_and_vest_for_a_year() {
    let (mut ledger, v, fx) = open_sale(SPL_TOKEN).await;
    let alice = &fx.alice;
    // Two purchases, two grants, one cap.
    let first = buy_ok(&mut ledger, &v, &fx, alice, 400 * STK).await;
    ledger.advance_seconds(60).await;
    let second = buy_ok(&mut ledger, &v, &fx, alice, 600 * STK).await;
    let member: SaleMember = ledger.anchor_account(&vix::sale_member(&alice.pubkey())).await;
    assert_eq!((member.purchased, member.purchases), (1_000 * STK, 2));
    let (ix, _) = fx.purchase(&alice.pubkey(), 1);
    buy_fails(&mut ledger, &fx, alice, ix, VestingError::CapExceeded.into()).await;

    // Odd amounts round the cost up: 1 base unit at 1.5 costs 2.
    buy_ok(&mut ledger, &v, &fx, &fx.carol, 1).await;

    // The grants vest like any other: nothing before the cliff, everything after a year.
    claim_fails(&mut ledger, alice, &first, VestingError::NothingToClaim.into()).await;
    ledger.advance_seconds(366 * DAY).await;
    assert!(claim_ok(&mut ledger, &v, alice, &first).await >= 400 * STK);
    assert!(claim_ok(&mut ledger, &v, alice, &second).await >= 600 * STK);
}

#[tokio::test]
async fn purchases_with_a_token_2022_payment_mint() {
    let (mut ledger, v, fx) = open_sale(stk_client::TOKEN_2022).await;
    buy_ok(&mut ledger, &v, &fx, &fx.bob, 123 * STK + 7).await;
    assert_eq!(ledger.token(&fx.payment_destination).await.mint, fx.payment_mint);
}

#[tokio::test]
async fn caps_hold_in_one_purchase_and_across_several() {
    let (mut ledger, v, fx) = open_sale(SPL_TOKEN).await;
    let bob = &fx.bob;
    let cap = 500 * STK;
    let (ix, _) = fx.purchase(&bob.pubkey(), cap + 1);
    buy_fails(&mut ledger, &fx, bob, ix, VestingError::CapExceeded.into()).await;
    buy_ok(&mut ledger, &v, &fx, bob, 300 * STK).await;
    let (ix, _) = fx.purchase(&bob.pubkey(), 200 * STK + 1);
    buy_fails(&mut ledger, &fx, bob, ix, VestingError::CapExceeded.into()).await;
    buy_ok(&mut ledger, &v, &fx, bob, 200 * STK).await;
    let (ix, _) = fx.purchase(&bob.pubkey(), 1);
    buy_fails(&mut ledger, &fx, bob, ix, VestingError::CapExceeded.into()).await;
    // Zero is not a purchase; an overflowing amount is refused by the cap, never wraps.
    let (ix, _) = fx.purchase(&bob.pubkey(), 0);
    buy_fails(&mut ledger, &fx, bob, ix, VestingError::ZeroAmount.into()).await;
    let (ix, _) = fx.purchase(&bob.pubkey(), u64::MAX);
    buy_fails(&mut ledger, &fx, bob, ix, VestingError::Overflow.into()).await;
}

#[tokio::test]
async fn forged_proofs_and_borrowed_records_are_refused() {
    let (mut ledger, v, fx) = open_sale(SPL_TOKEN).await;
    let (alice, mallory) = (&fx.alice, &fx.mallory);
    let (alice_cap, alice_proof) = fx.allowlist.proof(&alice.pubkey()).unwrap();
    let (_, bob_proof) = fx.allowlist.proof(&fx.bob.pubkey()).unwrap();
    let not_listed: u32 = VestingError::NotOnAllowlist.into();

    // An unlisted wallet replays alice's leaf and proof.
    let (ix, _) = fx.purchase_with(&mallory.pubkey(), STK, alice_cap, alice_proof.clone());
    buy_fails(&mut ledger, &fx, mallory, ix, not_listed).await;
    // Alice claims a higher cap than listed.
    let (ix, _) = fx.purchase_with(&alice.pubkey(), STK, alice_cap * 2, alice_proof.clone());
    buy_fails(&mut ledger, &fx, alice, ix, not_listed).await;
    // Someone else's proof, an empty proof, a tampered proof.
    let (ix, _) = fx.purchase_with(&alice.pubkey(), STK, alice_cap, bob_proof);
    buy_fails(&mut ledger, &fx, alice, ix, not_listed).await;
    let (ix, _) = fx.purchase_with(&alice.pubkey(), STK, alice_cap, vec![]);
    buy_fails(&mut ledger, &fx, alice, ix, not_listed).await;
    let mut tampered = alice_proof.clone();
    tampered[0][0] ^= 1;
    let (ix, _) = fx.purchase_with(&alice.pubkey(), STK, alice_cap, tampered);
    buy_fails(&mut ledger, &fx, alice, ix, not_listed).await;
    // A subtree root presented as a leaf does not pass: leaves are re-hashed with a prefix.
    let (ix, _) = fx.purchase_with(&alice.pubkey(), STK, alice_cap, alice_proof[1..].to_vec());
    buy_fails(&mut ledger, &fx, alice, ix, not_listed).await;
    let (ix, _) =
        fx.purchase_with(&alice.pubkey(), STK, alice_cap, vec![[7; 32]; merkle::MAX_PROOF_LEN + 1]);
    buy_fails(&mut ledger, &fx, alice, ix, VestingError::ProofTooLong.into()).await;

    // Wrong PDA: alice's purchase counted on bob's record.
    buy_ok(&mut ledger, &v, &fx, &fx.bob, STK).await;
    let (ix, _) = fx.purchase(&alice.pubkey(), STK);
    let ix = swap(ix, &vix::sale_member(&alice.pubkey()), &vix::sale_member(&fx.bob.pubkey()));
    buy_fails(&mut ledger, &fx, alice, ix, AnchorError::ConstraintSeeds as u32).await;
    // Wrong signer: bob's payment account paying for alice.
    let (ix, _) = fx.purchase(&alice.pubkey(), STK);
    let ix = swap(ix, &fx.payment_source(&alice.pubkey()), &fx.payment_source(&fx.bob.pubkey()));
    buy_fails(&mut ledger, &fx, alice, ix, AnchorError::ConstraintTokenOwner as u32).await;
}

#[tokio::test]
async fn purchases_outside_the_window_are_refused() {
    let (mut ledger, v) = setup().await;
    let fx = sale_fixture(&mut ledger, SPL_TOKEN).await;
    Ledger::ok(ledger.send(&[open_sale_ix(&ledger.payer(), &fx, fx.args.clone())], &[]).await);
    let alice = &fx.alice;
    let outside: u32 = VestingError::OutsideSaleWindow.into();
    ledger.warp_to_timestamp(fx.args.start - 1).await;
    let (ix, _) = fx.purchase(&alice.pubkey(), STK);
    buy_fails(&mut ledger, &fx, alice, ix, outside).await;
    ledger.warp_to_timestamp(fx.args.end - 1).await;
    buy_ok(&mut ledger, &v, &fx, alice, STK).await;
    ledger.warp_to_timestamp(fx.args.end).await;
    let (ix, _) = fx.purchase(&alice.pubkey(), STK);
    buy_fails(&mut ledger, &fx, alice, ix, outside).await;
}

#[tokio::test]
async fn wrong_payment_mint_destination_vault_or_mint_are_refused() {
    let (mut ledger, v, fx) = open_sale(SPL_TOKEN).await;
    let alice = &fx.alice;
    // A worthless mint alice controls.
    let junk = create_payment_mint(&mut ledger, &SPL_TOKEN, 6).await;
    let junk_source =
        payment_account(&mut ledger, &SPL_TOKEN, &junk, &alice.pubkey(), PAYMENT_FUNDS).await;
    let junk_dest = payment_account(&mut ledger, &SPL_TOKEN, &junk, &Pubkey::new_unique(), 0).await;
    let (ix, _) = fx.purchase(&alice.pubkey(), STK);
    let ix = swap(
        swap(swap(ix, &fx.payment_mint, &junk), &fx.payment_source(&alice.pubkey()), &junk_source),
        &fx.payment_destination,
        &junk_dest,
    );
    buy_fails(&mut ledger, &fx, alice, ix, VestingError::WrongPaymentMint.into()).await;
    assert_eq!(ledger.token_amount(&junk_source).await, PAYMENT_FUNDS);
    // The right mint, paid to mallory instead of the treasury.
    let mallory_dest = fx.payment_source(&fx.mallory.pubkey());
    let (ix, _) = fx.purchase(&alice.pubkey(), STK);
    let ix = swap(ix, &fx.payment_destination, &mallory_dest);
    buy_fails(&mut ledger, &fx, alice, ix, VestingError::WrongPaymentDestination.into()).await;
    // Wrong PDA: STK taken from another account than the sale vault.
    let (ix, _) = fx.purchase(&alice.pubkey(), STK);
    let ix = swap(ix, &v.addresses.sale_vault, &v.funder_ata);
    buy_fails(&mut ledger, &fx, alice, ix, AnchorError::ConstraintSeeds as u32).await;
    // Wrong PDA: a forged vesting authority.
    let (ix, _) = fx.purchase(&alice.pubkey(), STK);
    let ix = swap(ix, &v.addresses.vesting_authority, &alice.pubkey());
    buy_fails(&mut ledger, &fx, alice, ix, AnchorError::ConstraintSeeds as u32).await;
    // Wrong STK mint.
    let fake = create_payment_mint(&mut ledger, &stk_client::TOKEN_2022, 6).await;
    let (ix, _) = fx.purchase(&alice.pubkey(), STK);
    let ix = swap(ix, &v.addresses.mint, &fake);
    buy_fails(&mut ledger, &fx, alice, ix, AnchorError::ConstraintHasOne as u32).await;
    assert_eq!(ledger.token_amount(&fx.payment_destination).await, 0);
}

#[tokio::test]
async fn a_sold_out_sale_refuses_purchases() {
    let (mut ledger, v, fx) = open_sale(SPL_TOKEN).await;
    buy_ok(&mut ledger, &v, &fx, &fx.alice, 1_000 * STK).await;
    let sale: Sale = ledger.anchor_account(&v.addresses.sale).await;
    let left = SALE_TOTAL - sale.sold;
    // Bob's 200 fit his cap but, grossed up for the fee, not the sale.
    assert!(left < 200 * STK);
    let (ix, _) = fx.purchase(&fx.bob.pubkey(), 200 * STK);
    buy_fails(&mut ledger, &fx, &fx.bob, ix, VestingError::SoldOut.into()).await;
    // What is left can still be bought, to the base unit, and then nothing more.
    let fits = left - v.stk_fee(&mut ledger, left).await - 1;
    buy_ok(&mut ledger, &v, &fx, &fx.bob, fits).await;
    let sale: Sale = ledger.anchor_account(&v.addresses.sale).await;
    assert!(sale.sold <= SALE_TOTAL);
    let (ix, _) = fx.purchase(&fx.carol.pubkey(), 10 * STK);
    buy_fails(&mut ledger, &fx, &fx.carol, ix, VestingError::SoldOut.into()).await;
    assert_eq!(
        ledger.token_amount(&v.addresses.sale_vault).await,
        v.genesis_amount - sale.sold,
        "the vault paid out exactly what the sale counts as sold"
    );
}

#[tokio::test]
async fn close_sale_returns_the_unsold_rest_once() {
    let (mut ledger, v, fx) = open_sale(SPL_TOKEN).await;
    buy_ok(&mut ledger, &v, &fx, &fx.alice, 100 * STK).await;
    let payer = ledger.payer();
    let vault = vix::unsold_destination();
    let close = vix::close_sale(&payer);
    ledger
        .send(std::slice::from_ref(&close), &[])
        .await
        .expect_failure()
        .assert_code(VestingError::SaleStillOpen);

    ledger.warp_to_timestamp(fx.args.end).await;
    let thief = ledger.create_ata(&fx.mallory.pubkey(), &v.addresses.mint).await;
    let ix = swap(close.clone(), &vault, &thief);
    ledger
        .send(&[ix], &[])
        .await
        .expect_failure()
        .assert_code(VestingError::WrongUnsoldDestination);
    let ix = swap(close.clone(), &v.addresses.sale_vault, &v.funder_ata);
    ledger.send(&[ix], &[]).await.expect_failure().assert_code(AnchorError::ConstraintSeeds as u32);

    let unsold = ledger.token_amount(&v.addresses.sale_vault).await;
    let vault_before = ledger.token_amount(&vault).await;
    // Anyone may crank the close: the destination was fixed at open_sale.
    let cranker = ledger.funded_keypair(SOL).await;
    let ix = vix::close_sale(&cranker.pubkey());
    let ok = Ledger::ok(ledger.send(&[ix], &[&cranker]).await);
    let fee = v.stk_fee(&mut ledger, unsold).await;
    assert_eq!(ledger.token_amount(&v.addresses.sale_vault).await, 0);
    assert_eq!(ledger.token_amount(&vault).await, vault_before + unsold - fee);
    assert_eq!(ledger.token_amount(&thief).await, 0);
    let closed = decode_events::<events::SaleClosed>(&ok.events);
    assert_eq!((closed[0].returned, closed[0].unsold_destination), (unsold, vault));
    let sale: Sale = ledger.anchor_account(&v.addresses.sale).await;
    assert!(sale.closed);

    ledger.send(&[close], &[]).await.expect_failure().assert_code(VestingError::SaleClosed);
    let (ix, _) = fx.purchase(&fx.alice.pubkey(), STK);
    buy_fails(&mut ledger, &fx, &fx.alice, ix, VestingError::SaleClosed.into()).await;
}

#[tokio::test]
async fn the_unsold_destination_is_only_the_distribution_vault() {
    // The admin opening the sale cannot route the unsold genesis tokens anywhere but the
    // treasury's distribution vault: not to an STK account of its own, not to another of the
    // treasury's vaults, not to an account of another mint.
    let (mut ledger, v) = setup().await;
    let fx = sale_fixture(&mut ledger, SPL_TOKEN).await;
    let admin = ledger.payer();
    let good = open_sale_ix(&admin, &fx, fx.args.clone());
    let admins_own = ledger.create_ata(&admin, &v.addresses.mint).await;
    let others = [
        ("the admin's own STK account", admins_own),
        ("the funder's STK account", v.funder_ata),
        ("the treasury's fee vault", seeds::find_fee_vault()),
        ("the sale vault itself", v.addresses.sale_vault),
        ("an account of the payment mint", fx.payment_destination),
    ];
    for (name, other) in others {
        assert!(ledger.account_exists(&other).await, "{name} exists");
        let ix = swap(good.clone(), &vix::unsold_destination(), &other);
        ledger
            .send(&[ix], &[])
            .await
            .expect_failure()
            .assert_code(VestingError::UnsoldNotDistributionVault);
        assert!(!ledger.account_exists(&v.addresses.sale).await, "{name}: no sale opened");
    }
    Ledger::ok(ledger.send(&[good], &[]).await);
    let sale: Sale = ledger.anchor_account(&v.addresses.sale).await;
    assert_eq!(sale.unsold_destination, seeds::find_distribution_vault());
}

#[tokio::test]
async fn unsold_genesis_tokens_return_to_a_later_months_allowance() {
    // Vest-to-build (issue 15.12): the sale closes with unsold genesis tokens, they land in the
    // distribution vault, `recycle_surplus` books them, and the next month may commit exactly
    // that much more than before — not one base unit more.
    let (mut ledger, v, fx) = open_sale(SPL_TOKEN).await;
    buy_ok(&mut ledger, &v, &fx, &fx.alice, 100 * STK).await;
    let t = &v.treasury;
    let schedule = v.stk.schedule;
    let vault = t.addresses.distribution_vault;
    let next = schedule.start_month + 1; // the funder's month (the first) is closed
    ledger.warp_to_timestamp(fx.args.end).await;
    t.warp_past_month(&mut ledger, next).await;

    // Before the close nothing is booked: the vault holds less than its obligations by the
    // funder's payout fee (payouts leave gross of the fee; that shortfall is covered first).
    Ledger::ok(ledger.send(&[stk_client::treasury::recycle_surplus()], &[]).await);
    let before = ledger.anchor_account::<Treasury>(&seeds::find_treasury()).await;
    assert_eq!(before.recycled_total, 0);
    let minted = schedule.cumulative_allowance_through(MonthId(schedule.start_month + 2)).unwrap();
    let vault_before = ledger.token_amount(&vault).await;
    let shortfall = minted - before.distributed_total - vault_before;
    let headroom =
        schedule.cumulative_allowance_through(MonthId(next)).unwrap() - before.committed_total;
    t.open_epoch(&mut ledger, next, headroom + 1, [1; 32], 1)
        .await
        .expect_failure()
        .assert_code(TreasuryError::AllowanceExceeded);

    // The sale closes: the unsold rest reaches the distribution vault (less the transfer fee).
    let unsold = ledger.token_amount(&v.addresses.sale_vault).await;
    assert!(unsold > 0);
    Ledger::ok(ledger.send(&[vix::close_sale(&ledger.payer())], &[]).await);
    let arrived = unsold - v.stk_fee(&mut ledger, unsold).await;
    assert_eq!(ledger.token_amount(&vault).await, vault_before + arrived);

    // The crank books exactly what arrived beyond the shortfall, once.
    let ok = Ledger::ok(ledger.send(&[stk_client::treasury::recycle_surplus()], &[]).await);
    let booked = decode_events::<SurplusRecycled>(&ok.events);
    assert_eq!(booked.len(), 1);
    let booked = booked[0].amount;
    assert_eq!(booked, arrived - shortfall);
    let after = ledger.anchor_account::<Treasury>(&seeds::find_treasury()).await;
    assert_eq!(after.recycled_total, booked);
    assert_eq!(after.recycled_total, vault_before + arrived - (minted - after.distributed_total));
    let ok = Ledger::ok(ledger.send(&[stk_client::treasury::recycle_surplus()], &[]).await);
    assert!(decode_events::<SurplusRecycled>(&ok.events).is_empty());

    // The next month's allowance grew by exactly the booked amount.
    t.open_epoch(&mut ledger, next, headroom + booked + 1, [1; 32], 1)
        .await
        .expect_failure()
        .assert_code(TreasuryError::AllowanceExceeded);
    Ledger::ok(t.open_epoch(&mut ledger, next, headroom + booked, [1; 32], 1).await);
    let epoch: Epoch = ledger.anchor_account(&seeds::find_epoch(next)).await;
    assert_eq!(epoch.total, headroom + booked);
}

/// Measures how deep an allowlist a legacy `purchase` transaction can prove (the buyer pays
/// the fee, so one signature), and buys with a real 16,384-wallet tree at that depth.
#[tokio::test]
async fn purchase_fits_a_packet_with_a_deep_allowlist() {
    use stk_harness::vesting::{legacy_tx_size, PACKET_LIMIT};
    let (mut ledger, v) = setup().await;
    let mut fx = sale_fixture(&mut ledger, SPL_TOKEN).await;
    let alice = fx.alice.pubkey();

    let deepest = (0..=merkle::MAX_PROOF_LEN)
        .take_while(|&n| {
            let (ix, _) = fx.purchase_with(&alice, STK, STK, vec![[1; 32]; n]);
            legacy_tx_size(&alice, &[ix]) <= PACKET_LIMIT
        })
        .last()
        .expect("an empty proof fits");
    let size =
        |n| legacy_tx_size(&alice, &[fx.purchase_with(&alice, STK, STK, vec![[1; 32]; n]).0]);
    println!("purchase tx: {} bytes with an empty proof, {} per hash; deepest proof that fits: {deepest}", size(0), size(1) - size(0));
    assert!(deepest >= 14, "a 16,384-wallet allowlist must fit a legacy transaction");

    // A real tree of 2^14 wallets, alice among them.
    let mut entries: Vec<_> = (0..(1 << 14) - 1)
        .map(|_| vix::AllowlistEntry { wallet: Pubkey::new_unique(), cap: 5 * STK })
        .collect();
    entries.insert(9_000, vix::AllowlistEntry { wallet: alice, cap: 5 * STK });
    fx.allowlist = Allowlist::new(entries).unwrap();
    let mut args = fx.args.clone();
    args.allowlist_root = fx.allowlist.root();
    Ledger::ok(ledger.send(&[open_sale_ix(&ledger.payer(), &fx, args)], &[]).await);
    ledger.warp_to_timestamp(fx.args.start).await;
    let (ix, _) = fx.purchase(&alice, 5 * STK);
    assert_eq!(fx.allowlist.proof(&alice).unwrap().1.len(), 14);
    assert!(legacy_tx_size(&alice, &[ix]) <= PACKET_LIMIT);
    let source = fx.payment_source(&alice);
    let before = ledger.token_amount(&source).await;
    let (ix, grant_id) = fx.purchase(&alice, 5 * STK);
    Ledger::ok(ledger.send_as(&fx.alice, &[ix], &[]).await);
    assert_eq!(ledger.token_amount(&source).await, before - PRICE.cost(5 * STK).unwrap());
    assert!(ledger.token_amount(&vix::grant_addresses(&grant_id).vault).await >= 5 * STK);
    let sale: Sale = ledger.anchor_account(&v.addresses.sale).await;
    assert!(sale.sold >= 5 * STK);
}

#[tokio::test]
async fn the_admin_rotates_in_two_steps() {
    let (mut ledger, v) = setup().await;
    let roles = |data: &[u8]| {
        let c = <VestingConfig as anchor_lang::AccountDeserialize>::try_deserialize(&mut &data[..])
            .unwrap();
        (c.admin, c.pending_admin)
    };
    let rotation = stk_harness::admin::AdminRotation {
        propose: &|admin, candidate| vix::propose_admin(admin, candidate),
        accept: &|candidate| vix::accept_admin(candidate),
        state: v.addresses.config,
        roles: &roles,
        not_admin: VestingError::NotAdmin.into(),
        not_proposed: VestingError::NotProposedAdmin.into(),
    };
    let new = rotation.run(&mut ledger).await;
    // The role's power moved too: only the new admin opens the sale.
    let fx = sale_fixture(&mut ledger, SPL_TOKEN).await;
    let ix = open_sale_ix(&ledger.payer(), &fx, fx.args.clone());
    ledger
        .send(&[ix], &[])
        .await
        .expect_failure()
        .assert_code(AnchorError::ConstraintHasOne as u32);
    let ix = open_sale_ix(&new.pubkey(), &fx, fx.args.clone());
    Ledger::ok(ledger.send_as(&new, &[ix], &[]).await);
}

#[tokio::test]
async fn self_payments_are_refused() {
    // Revoking into the grant's own vault: the unvested part would "return" without moving.
    let (mut ledger, v) = setup().await;
    let schedule = year_schedule(&mut ledger).await;
    let alice = Pubkey::new_unique();
    let (id, g) = funder_grant(&mut ledger, &v, &alice, 900 * STK, schedule, true).await;
    let ix = vix::revoke(&v.funder.pubkey(), &id, &g.vault);
    ledger
        .send(&[ix], &[&v.funder])
        .await
        .expect_failure()
        .assert_code(AnchorError::ConstraintDuplicateMutableAccount as u32);
    let grant: Grant = ledger.anchor_account(&g.grant).await;
    assert_eq!((grant.revoked_at, grant.returned), (None, 0));

    // A sale whose payment destination is the buyer's own account: paying would move nothing.
    let fx = sale_fixture(&mut ledger, SPL_TOKEN).await;
    let own = fx.payment_source(&fx.alice.pubkey());
    let ix = vix::open_sale(&ledger.payer(), &fx.payment_mint, &own, fx.args.clone());
    Ledger::ok(ledger.send(&[ix], &[]).await);
    ledger.warp_to_timestamp(fx.args.start).await;
    let (ix, _) = fx.purchase(&fx.alice.pubkey(), 100 * STK);
    let ix = swap(ix, &fx.payment_destination, &own);
    buy_fails(
        &mut ledger,
        &fx,
        &fx.alice,
        ix,
        AnchorError::ConstraintDuplicateMutableAccount as u32,
    )
    .await;
    // The re-read behind it (a payment or vault transfer that moved nothing is refused with
    // `TransferMismatch` even if it got past the account checks) is
    // `stk_common::token::sent_exactly`, unit-tested in `sent_exactly_tests`.
}

#[tokio::test]
async fn a_pre_funded_sale_member_record_is_created_anyway() {
    // Lamports sent to a member's record address before its first purchase (one transfer,
    // by anyone) must not lock the member out of the sale.
    let (mut ledger, v, fx) = open_sale(SPL_TOKEN).await;
    let (alice, bob) = (&fx.alice, &fx.bob);
    let rent = ledger
        .ctx
        .banks_client
        .get_rent()
        .await
        .unwrap()
        .minimum_balance(8 + <SaleMember as anchor_lang::Space>::INIT_SPACE);
    let alice_record = vix::sale_member(&alice.pubkey());
    let bob_record = vix::sale_member(&bob.pubkey());
    ledger.airdrop(&alice_record, 1_000_000).await; // less than the rent: topped up
    ledger.airdrop(&bob_record, 3 * rent).await; // more than the rent: kept
    assert!(1_000_000 < rent);

    buy_ok(&mut ledger, &v, &fx, alice, 300 * STK).await;
    buy_ok(&mut ledger, &v, &fx, bob, 100 * STK).await;
    for (record, at_least) in [(alice_record, rent), (bob_record, 3 * rent)] {
        let account = ledger.account(&record).await.unwrap();
        assert_eq!(account.owner, stk_vesting::ID);
        assert!(account.lamports >= at_least);
    }
    // The records work as records: caps hold across purchases.
    buy_ok(&mut ledger, &v, &fx, alice, 200 * STK).await;
    let (ix, _) = fx.purchase(&alice.pubkey(), 500 * STK + 1);
    buy_fails(&mut ledger, &fx, alice, ix, VestingError::CapExceeded.into()).await;
    let record: SaleMember = ledger.anchor_account(&alice_record).await;
    assert_eq!((record.purchased, record.purchases), (500 * STK, 2));
}
