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
use stk_common::{merkle, seeds};
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
    stk_harness::StkMintSetup::initialize(&mut ledger, Default::default()).await;
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
