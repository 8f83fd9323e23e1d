//! `stk_staking` through the harness, with the real Token-2022 program underneath.
//! Rewards against exact expected values, locks, the fee path, and the attacks listed in
//! programs/stk_staking/README.md. Every CPI is followed by a balance check.
use anchor_lang::{error::ErrorCode as AnchorError, prelude::Pubkey};
use solana_instruction::Instruction;
use solana_keypair::Keypair;
use solana_signer::Signer;
use stk_harness::{
    decode_events,
    staking::{StakingSetup, StakingSetupArgs},
    stk_client::staking as staking_ix,
    ExpectFailure, Ledger,
};
use stk_staking::{
    errors::StakingError,
    events,
    instructions::InitializePoolArgs,
    rewards::ACC_SCALE,
    state::{default_lock_options, LockOption, Reputation, DAY},
};

/// One whole STK in base units (6 decimals).
const STK: u64 = 1_000_000;

fn fee_free() -> StakingSetupArgs {
    StakingSetupArgs { transfer_fee_bps: 0, ..Default::default() }
}

async fn setup(args: StakingSetupArgs) -> (Ledger, StakingSetup) {
    let mut ledger = Ledger::start().await;
    let s = StakingSetup::initialize(&mut ledger, args).await;
    (ledger, s)
}

/// Replaces every occurrence of account `from` in `ix` by `to`.
fn swap(mut ix: Instruction, from: &Pubkey, to: &Pubkey) -> Instruction {
    let mut hit = false;
    for meta in ix.accounts.iter_mut().filter(|m| m.pubkey == *from) {
        meta.pubkey = *to;
        hit = true;
    }
    assert!(hit, "account {from} not in the instruction");
    ix
}

async fn balance(ledger: &mut Ledger, key: &Pubkey) -> u64 {
    ledger.token_amount(key).await
}

#[tokio::test]
async fn initialize_pool_creates_vaults_owned_by_the_pool() {
    let (mut ledger, s) = setup(StakingSetupArgs::default()).await;
    let pool = s.pool_state(&mut ledger).await;
    assert_eq!(pool.admin, ledger.payer());
    assert_eq!(pool.mint, s.mint);
    assert_eq!(pool.stake_vault, s.pool.stake_vault);
    assert_eq!(pool.reward_vault, s.pool.reward_vault);
    assert_eq!(pool.rewards.reward_rate, 1_000_000);
    assert_eq!(pool.lock_option_count, 4);
    assert_eq!(&pool.lock_options[..4], default_lock_options().as_slice());
    // Measured account sizes (discriminator included).
    assert_eq!(ledger.account(&s.pool.pool).await.unwrap().data.len(), 370);
    for vault in [s.pool.stake_vault, s.pool.reward_vault] {
        let t = ledger.token(&vault).await;
        assert_eq!((t.mint, t.owner, t.amount), (s.mint, s.pool.pool, 0));
    }

    // A second pool for the same mint, and invalid lock tables, are refused.
    let payer = ledger.payer();
    let args = |lock_options| InitializePoolArgs { reward_rate: 1, lock_options };
    let again = ledger
        .send(&[staking_ix::initialize_pool(&payer, &s.mint, args(default_lock_options()))], &[])
        .await
        .expect_failure();
    assert!(again.logs_contain("already in use"), "{again}");
    // Validation is tested on another mint (the STK pool exists already).
    let other_mint = ledger.create_foreign_mint(6).await;
    for bad in [
        vec![],
        vec![LockOption { duration_seconds: 0, multiplier_bps: 20_000 }],
        vec![LockOption { duration_seconds: DAY, multiplier_bps: 60_000 }],
        vec![LockOption { duration_seconds: 0, multiplier_bps: 10_000 }; 9],
    ] {
        ledger
            .send(&[staking_ix::initialize_pool(&payer, &other_mint, args(bad))], &[])
            .await
            .expect_failure()
            .assert_code(StakingError::InvalidLockOptions);
    }
    Ledger::ok(
        ledger
            .send(
                &[staking_ix::initialize_pool(&payer, &other_mint, args(default_lock_options()))],
                &[],
            )
            .await,
    );
}

/// Alice (no lock, 1×), Bob (12 months, 2×) and Carol (3 months, 1.25×) stake at t0; the rate
/// doubles at t0+1000; Alice claims and halves her stake at t0+1500; everyone claims at
/// t0+2200. Numbers are chosen so every share is an exact integer: no rounding hides a bug.
#[tokio::test]
async fn stakers_with_different_locks_share_rewards_exactly() {
    let (mut ledger, s) = setup(fee_free()).await;
    let (alice, alice_t) = s.wallet(&mut ledger, 1_000 * STK).await;
    let (bob, bob_t) = s.wallet(&mut ledger, 1_000 * STK).await;
    let (carol, carol_t) = s.wallet(&mut ledger, 800 * STK).await;
    let ok = Ledger::ok(s.fund(&mut ledger, 10_000 * STK).await);
    let funded: Vec<events::RewardsFunded> = decode_events(&ok.events);
    assert_eq!((funded[0].requested, funded[0].received), (10_000 * STK, 10_000 * STK));
    assert_eq!(balance(&mut ledger, &s.pool.reward_vault).await, 10_000 * STK);

    let t0 = ledger.now().await + 100;
    ledger.warp_to_timestamp(t0).await;
    Ledger::ok(s.stake(&mut ledger, &alice, 1_000 * STK, 0).await);
    Ledger::ok(s.stake(&mut ledger, &bob, 1_000 * STK, 3).await);
    let ok = Ledger::ok(s.stake(&mut ledger, &carol, 800 * STK, 1).await);
    let staked: Vec<events::Staked> = decode_events(&ok.events);
    assert_eq!(staked[0].weight, 1_000 * STK);
    assert_eq!(staked[0].lock_end_ts, t0 + 90 * DAY as i64);
    assert_eq!(balance(&mut ledger, &s.pool.stake_vault).await, 2_800 * STK);
    for t in [alice_t, bob_t, carol_t] {
        assert_eq!(balance(&mut ledger, &t).await, 0);
    }
    let bob_pos = s.position(&mut ledger, &bob.pubkey()).await;
    assert_eq!(
        (bob_pos.amount, bob_pos.weight, bob_pos.multiplier_bps),
        (1_000 * STK, 2_000 * STK, 20_000)
    );
    assert_eq!(bob_pos.lock_end_ts, t0 + 365 * DAY as i64);
    let pool = s.pool_state(&mut ledger).await;
    assert_eq!(pool.rewards.total_weight, 4_000 * STK as u128);
    assert_eq!(pool.rewards.last_update_ts, t0);

    // 1,000 s at 1 STK/s over weight 4,000 STK: 0.25 reward per weight unit.
    ledger.warp_to_timestamp(t0 + 1_000).await;
    let ok = Ledger::ok(s.set_rate(&mut ledger, 2 * STK).await);
    let ev: Vec<events::RewardRateSet> = decode_events(&ok.events);
    assert_eq!((ev[0].old_rate, ev[0].new_rate), (STK, 2 * STK));
    let pool = s.pool_state(&mut ledger).await;
    assert_eq!(pool.rewards.acc_reward_per_weight, ACC_SCALE / 4);
    assert_eq!(pool.rewards.unreleased, 9_000 * STK);
    assert_eq!(pool.rewards.released_unclaimed, 1_000 * STK);

    // 500 s at 2 STK/s: another 0.25 per weight. Alice: 250 + 250 STK.
    ledger.warp_to_timestamp(t0 + 1_500).await;
    let ok = Ledger::ok(s.claim(&mut ledger, &alice).await);
    let ev: Vec<events::RewardsClaimed> = decode_events(&ok.events);
    assert_eq!(ev[0].amount, 500 * STK);
    assert_eq!(balance(&mut ledger, &alice_t).await, 500 * STK);
    assert_eq!(balance(&mut ledger, &s.pool.reward_vault).await, 9_500 * STK);
    Ledger::ok(s.unstake(&mut ledger, &alice, 500 * STK).await);
    assert_eq!(balance(&mut ledger, &alice_t).await, 1_000 * STK);
    assert_eq!(balance(&mut ledger, &s.pool.stake_vault).await, 2_300 * STK);

    // 700 s at 2 STK/s over weight 3,500 STK: 0.4 per weight unit.
    ledger.warp_to_timestamp(t0 + 2_200).await;
    for (who, token, expected, before) in [
        (&alice, alice_t, 200 * STK, 1_000 * STK),
        (&bob, bob_t, (500 + 500 + 800) * STK, 0),
        (&carol, carol_t, (250 + 250 + 400) * STK, 0),
    ] {
        Ledger::ok(s.claim(&mut ledger, who).await);
        assert_eq!(balance(&mut ledger, &token).await, before + expected);
        assert_eq!(s.position(&mut ledger, &who.pubkey()).await.rewards.pending, 0);
    }
    let released = (1_000 + 1_000 + 1_400) * STK;
    let pool = s.pool_state(&mut ledger).await;
    assert_eq!(pool.total_claimed, released);
    assert_eq!(pool.rewards.released_unclaimed, 0);
    assert_eq!(pool.rewards.unreleased, 10_000 * STK - released);
    assert_eq!(balance(&mut ledger, &s.pool.reward_vault).await, 10_000 * STK - released);

    // Reputation: weight·seconds, exactly.
    let alice_pos = s.position(&mut ledger, &alice.pubkey()).await;
    let rep = alice_pos.reputation_at(t0 + 2_200).unwrap();
    let expected = 1_000 * STK as u128 * 1_500 + 500 * STK as u128 * 700;
    assert_eq!(rep, Reputation { weight: 500 * STK, weight_seconds: expected });
    let bob_pos = s.position(&mut ledger, &bob.pubkey()).await;
    assert_eq!(bob_pos.weight_seconds, 2_000 * STK as u128 * 2_200);
    assert_eq!(
        bob_pos.reputation_at(t0 + 3_200).unwrap().weight_seconds,
        2_000 * STK as u128 * 3_200
    );
}

/// The same stakes, rates and instants on two ledgers; on the second, third parties refresh
/// and Alice claims at odd instants in between. Amounts are chosen so rounding is at play.
/// Everybody's total reward must be identical.
#[tokio::test]
async fn frequent_touches_change_no_ones_reward() {
    async fn run(busy: bool) -> (u64, u64, u128) {
        let args =
            StakingSetupArgs { transfer_fee_bps: 0, reward_rate: 7_777, ..Default::default() };
        let (mut ledger, s) = setup(args).await;
        let (alice, alice_t) = s.wallet(&mut ledger, 333_333_333).await;
        let (bob, bob_t) = s.wallet(&mut ledger, 777_777_777).await;
        Ledger::ok(s.fund(&mut ledger, 1_000 * STK).await);
        let t0 = 2_000_000_000; // the same absolute instants on both ledgers
        ledger.warp_to_timestamp(t0).await;
        Ledger::ok(s.stake(&mut ledger, &alice, 333_333_333, 0).await);
        Ledger::ok(s.stake(&mut ledger, &bob, 777_777_777, 2).await);
        if busy {
            for dt in [1, 13, 400, 401, 777, 999] {
                ledger.warp_to_timestamp(t0 + dt).await;
                for owner in [alice.pubkey(), bob.pubkey()] {
                    let ix = staking_ix::refresh_position(&s.mint, &owner);
                    Ledger::ok(ledger.send(&[ix], &[]).await);
                }
                let _ = s.claim(&mut ledger, &alice).await;
            }
        }
        ledger.warp_to_timestamp(t0 + 1_000).await;
        Ledger::ok(s.claim(&mut ledger, &alice).await);
        Ledger::ok(s.claim(&mut ledger, &bob).await);
        let pool = s.pool_state(&mut ledger).await;
        (
            balance(&mut ledger, &alice_t).await,
            balance(&mut ledger, &bob_t).await,
            pool.rewards.acc_reward_per_weight,
        )
    }
    let quiet = run(false).await;
    let busy = run(true).await;
    assert_eq!(quiet, busy);
    // 7,777,000 released; the shares are 1 : 3.5 by weight, rounded down.
    let (alice, bob, _) = quiet;
    assert!(alice + bob <= 7_777_000 && alice + bob + 2 >= 7_777_000, "{alice} {bob}");
    assert_eq!(alice, (7_777_000u128 * 333_333_333 / (333_333_333 + 1_166_666_665)) as u64);
}

#[tokio::test]
async fn stake_and_funding_credit_what_arrived_and_payouts_bear_the_fee() {
    let (mut ledger, s) = setup(StakingSetupArgs::default()).await; // 50 bps, max 10 STK
    let (alice, alice_t) = s.wallet(&mut ledger, 2_000 * STK).await;
    let held = balance(&mut ledger, &alice_t).await;
    assert_eq!(held, 2_000 * STK - s.fee_of(2_000 * STK));

    let ok = Ledger::ok(s.fund(&mut ledger, 100 * STK).await);
    let ev: Vec<events::RewardsFunded> = decode_events(&ok.events);
    let funded = 100 * STK - s.fee_of(100 * STK);
    assert_eq!((ev[0].requested, ev[0].received), (100 * STK, funded));
    assert_eq!(balance(&mut ledger, &s.pool.reward_vault).await, funded);
    assert_eq!(s.pool_state(&mut ledger).await.rewards.unreleased, funded);

    let ok = Ledger::ok(s.stake(&mut ledger, &alice, 1_000 * STK, 0).await);
    let arrived = 1_000 * STK - s.fee_of(1_000 * STK);
    let ev: Vec<events::Staked> = decode_events(&ok.events);
    assert_eq!((ev[0].requested, ev[0].received, ev[0].amount), (1_000 * STK, arrived, arrived));
    assert_eq!(balance(&mut ledger, &alice_t).await, held - 1_000 * STK);
    assert_eq!(balance(&mut ledger, &s.pool.stake_vault).await, arrived);
    assert_eq!(s.position(&mut ledger, &alice.pubkey()).await.amount, arrived);
    assert_eq!(s.pool_state(&mut ledger).await.total_staked, arrived);

    // Alone for 50 s at 1 STK/s: 50 STK up to one unit of rounding, paid minus the fee.
    ledger.advance_seconds(50).await;
    let ok = Ledger::ok(s.claim(&mut ledger, &alice).await);
    let paid = decode_events::<events::RewardsClaimed>(&ok.events)[0].amount;
    assert!(paid <= 50 * STK && paid + 1 >= 50 * STK, "{paid}");
    assert_eq!(balance(&mut ledger, &s.pool.reward_vault).await, funded - paid);
    assert_eq!(balance(&mut ledger, &alice_t).await, held - 1_000 * STK + paid - s.fee_of(paid));

    Ledger::ok(s.unstake(&mut ledger, &alice, arrived).await);
    assert_eq!(balance(&mut ledger, &s.pool.stake_vault).await, 0);
    assert_eq!(
        balance(&mut ledger, &alice_t).await,
        held - 1_000 * STK + paid - s.fee_of(paid) + arrived - s.fee_of(arrived)
    );
    let pos = s.position(&mut ledger, &alice.pubkey()).await;
    assert_eq!((pos.amount, pos.weight), (0, 0));
    assert_eq!(s.pool_state(&mut ledger).await.rewards.total_weight, 0);
}

#[tokio::test]
async fn locks_refuse_early_unstake_and_expire_to_one_x() {
    let (mut ledger, s) = setup(fee_free()).await;
    let (bob, bob_t) = s.wallet(&mut ledger, 200 * STK).await;
    let t0 = ledger.now().await + 10;
    ledger.warp_to_timestamp(t0).await;
    Ledger::ok(s.stake(&mut ledger, &bob, 100 * STK, 1).await); // 90 days, 1.25×
    s.unstake(&mut ledger, &bob, STK)
        .await
        .expect_failure()
        .assert_code(StakingError::LockNotEnded);

    // Ten days in: topping up with a weaker lock is refused; a longer one re-locks everything.
    let t1 = t0 + 10 * DAY as i64;
    ledger.warp_to_timestamp(t1).await;
    s.stake(&mut ledger, &bob, 10 * STK, 0)
        .await
        .expect_failure()
        .assert_code(StakingError::LockDowngrade);
    Ledger::ok(s.stake(&mut ledger, &bob, 10 * STK, 2).await); // 180 days, 1.5×
    let pos = s.position(&mut ledger, &bob.pubkey()).await;
    let lock_end = t1 + 180 * DAY as i64;
    assert_eq!((pos.amount, pos.weight, pos.lock_end_ts), (110 * STK, 165 * STK, lock_end));
    assert_eq!(balance(&mut ledger, &bob_t).await, 90 * STK);
    s.stake(&mut ledger, &bob, STK, 7)
        .await
        .expect_failure()
        .assert_code(StakingError::LockOptionOutOfRange);

    ledger.warp_to_timestamp(lock_end - 1).await;
    s.unstake(&mut ledger, &bob, STK)
        .await
        .expect_failure()
        .assert_code(StakingError::LockNotEnded);

    // At the lock's end anyone may refresh: the multiplier drops to 1×.
    ledger.warp_to_timestamp(lock_end).await;
    let ok =
        Ledger::ok(ledger.send(&[staking_ix::refresh_position(&s.mint, &bob.pubkey())], &[]).await);
    let ev: Vec<events::PositionRefreshed> = decode_events(&ok.events);
    assert_eq!(ev[0].weight, 110 * STK);
    // Reputation: 125 × 10 days + 165 × 180 days, in STK·seconds × 10^6.
    let expected = (125 * STK as u128 * 10 + 165 * STK as u128 * 180) * DAY as u128;
    assert_eq!(ev[0].weight_seconds, expected);
    assert_eq!(s.pool_state(&mut ledger).await.rewards.total_weight, 110 * STK as u128);
    s.unstake(&mut ledger, &bob, 111 * STK)
        .await
        .expect_failure()
        .assert_code(StakingError::InsufficientStake);
    s.unstake(&mut ledger, &bob, 0).await.expect_failure().assert_code(StakingError::ZeroAmount);
    Ledger::ok(s.unstake(&mut ledger, &bob, 110 * STK).await);
    assert_eq!(balance(&mut ledger, &bob_t).await, 200 * STK);
    assert_eq!(balance(&mut ledger, &s.pool.stake_vault).await, 0);
}

#[tokio::test]
async fn plain_transfers_to_the_reward_vault_are_booked_by_anyone() {
    let (mut ledger, s) = setup(StakingSetupArgs::default()).await; // fee on
    let credit = || staking_ix::credit_reward_deposits(&s.mint);
    ledger.send(&[credit()], &[]).await.expect_failure().assert_code(StakingError::NothingArrived);
    Ledger::ok(s.fund(&mut ledger, 100 * STK).await);
    let funded = 100 * STK - s.fee_of(100 * STK);
    // The treasury's fee split pays the vault like any destination, without a CPI.
    let arrived = s.pay_from_bank(&mut ledger, &s.pool.reward_vault, 50 * STK).await;
    assert_eq!(arrived, 50 * STK - s.fee_of(50 * STK));
    assert_eq!(s.pool_state(&mut ledger).await.rewards.unreleased, funded);

    let ok = Ledger::ok(ledger.send(&[credit()], &[]).await);
    let ev: Vec<events::RewardsFunded> = decode_events(&ok.events);
    assert_eq!((ev[0].funder, ev[0].received), (Pubkey::default(), arrived));
    let pool = s.pool_state(&mut ledger).await;
    assert_eq!(pool.rewards.unreleased, funded + arrived);
    assert_eq!(pool.total_funded, funded + arrived);
    assert_eq!(balance(&mut ledger, &s.pool.reward_vault).await, pool.total_funded);
    // Booking twice books nothing.
    ledger.send(&[credit()], &[]).await.expect_failure().assert_code(StakingError::NothingArrived);
    assert_eq!(s.pool_state(&mut ledger).await.rewards.unreleased, funded + arrived);
    // A foreign account in the vault's place is refused.
    let (_, other_t) = s.wallet(&mut ledger, 10 * STK).await;
    let ix = swap(credit(), &s.pool.reward_vault, &other_t);
    ledger.send(&[ix], &[]).await.expect_failure().assert_code(StakingError::WrongVault);
}

#[tokio::test]
async fn a_second_claim_finds_nothing() {
    let (mut ledger, s) = setup(fee_free()).await;
    let (alice, alice_t) = s.wallet(&mut ledger, 10 * STK).await;
    Ledger::ok(s.fund(&mut ledger, 1_000 * STK).await);
    Ledger::ok(s.stake(&mut ledger, &alice, 10 * STK, 0).await);
    ledger.advance_seconds(20).await;
    Ledger::ok(s.claim(&mut ledger, &alice).await);
    assert_eq!(balance(&mut ledger, &alice_t).await, 20 * STK);
    s.claim(&mut ledger, &alice).await.expect_failure().assert_code(StakingError::NothingToClaim);
    assert_eq!(balance(&mut ledger, &alice_t).await, 20 * STK);
    assert_eq!(balance(&mut ledger, &s.pool.reward_vault).await, 980 * STK);
    assert_eq!(s.position(&mut ledger, &alice.pubkey()).await.total_claimed, 20 * STK);
}

#[tokio::test]
async fn an_exhausted_reward_vault_stops_the_stream() {
    let (mut ledger, s) = setup(fee_free()).await;
    let (alice, alice_t) = s.wallet(&mut ledger, 10 * STK).await;
    let (bob, bob_t) = s.wallet(&mut ledger, 30 * STK).await;
    Ledger::ok(s.fund(&mut ledger, 100 * STK).await);
    let t0 = ledger.now().await + 10;
    ledger.warp_to_timestamp(t0).await;
    Ledger::ok(s.stake(&mut ledger, &alice, 10 * STK, 0).await);
    Ledger::ok(s.stake(&mut ledger, &bob, 30 * STK, 0).await);

    // 500 s at 1 STK/s would be 500 STK; only 100 were funded.
    ledger.warp_to_timestamp(t0 + 500).await;
    Ledger::ok(s.claim(&mut ledger, &alice).await);
    Ledger::ok(s.claim(&mut ledger, &bob).await);
    assert_eq!(balance(&mut ledger, &alice_t).await, 25 * STK);
    assert_eq!(balance(&mut ledger, &bob_t).await, 75 * STK);
    assert_eq!(balance(&mut ledger, &s.pool.reward_vault).await, 0);
    ledger.warp_to_timestamp(t0 + 600).await;
    s.claim(&mut ledger, &alice).await.expect_failure().assert_code(StakingError::NothingToClaim);

    // New funds stream from the moment they arrive, not for the dry period.
    Ledger::ok(s.fund(&mut ledger, 40 * STK).await);
    ledger.warp_to_timestamp(t0 + 620).await;
    Ledger::ok(s.claim(&mut ledger, &alice).await);
    assert_eq!(balance(&mut ledger, &alice_t).await, 30 * STK);
    let pool = s.pool_state(&mut ledger).await;
    assert_eq!(pool.total_funded, 140 * STK);
    assert_eq!(pool.total_claimed, 105 * STK);
    assert_eq!(pool.rewards.unreleased, 20 * STK);
    assert_eq!(balance(&mut ledger, &s.pool.reward_vault).await, 35 * STK);
}

#[tokio::test]
async fn a_stranger_cannot_touch_another_position() {
    let (mut ledger, s) = setup(fee_free()).await;
    let (victim, victim_t) = s.wallet(&mut ledger, 100 * STK).await;
    let (mallory, mallory_t) = s.wallet(&mut ledger, 100 * STK).await;
    Ledger::ok(s.fund(&mut ledger, 1_000 * STK).await);
    Ledger::ok(s.stake(&mut ledger, &victim, 100 * STK, 0).await);
    s.open_position(&mut ledger, &mallory).await;
    ledger.advance_seconds(100).await;
    let victim_pos = s.pool.position(&victim.pubkey());
    let mallory_pos = s.pool.position(&mallory.pubkey());
    let m = mallory.pubkey();

    // Mallory signs, pointing at the victim's position: its seeds name the victim.
    let ixs = [
        staking_ix::claim_rewards(&m, &s.mint, &mallory_t),
        staking_ix::unstake(&m, &s.mint, &mallory_t, STK),
        staking_ix::stake(&m, &s.mint, &mallory_t, STK, 3),
    ];
    for ix in ixs {
        ledger
            .send_as(&mallory, &[swap(ix, &mallory_pos, &victim_pos)], &[])
            .await
            .expect_failure()
            .assert_code(AnchorError::ConstraintSeeds as u32);
    }
    // Nor can she open a position in the victim's name (the PDA is the victim's).
    let ix = swap(staking_ix::open_position(&m, &s.mint), &mallory_pos, &victim_pos);
    ledger
        .send_as(&mallory, &[ix], &[])
        .await
        .expect_failure()
        .assert_code(AnchorError::ConstraintSeeds as u32);
    // Nor change the admin's reward rate.
    let ix = staking_ix::set_reward_rate(&m, &s.mint, u64::MAX);
    ledger
        .send_as(&mallory, &[ix], &[])
        .await
        .expect_failure()
        .assert_code(AnchorError::ConstraintHasOne as u32);

    // Her refresh of the victim's position is harmless: the victim's rewards are unchanged.
    Ledger::ok(
        ledger
            .send_as(&mallory, &[staking_ix::refresh_position(&s.mint, &victim.pubkey())], &[])
            .await,
    );
    Ledger::ok(s.claim(&mut ledger, &victim).await);
    assert_eq!(balance(&mut ledger, &victim_t).await, 100 * STK);
    assert_eq!(balance(&mut ledger, &mallory_t).await, 100 * STK);
    assert_eq!(balance(&mut ledger, &s.pool.stake_vault).await, 100 * STK);
    assert_eq!(s.position(&mut ledger, &victim.pubkey()).await.amount, 100 * STK);
}

#[tokio::test]
async fn wrong_mint_vault_and_pda_are_refused() {
    let (mut ledger, s) = setup(fee_free()).await;
    let (alice, alice_t) = s.wallet(&mut ledger, 100 * STK).await;
    let a = alice.pubkey();
    Ledger::ok(s.fund(&mut ledger, 1_000 * STK).await);
    Ledger::ok(s.stake(&mut ledger, &alice, 50 * STK, 0).await);
    ledger.advance_seconds(10).await;

    // An STK account that is not the pool's vault.
    let (_, other_t) = s.wallet(&mut ledger, 0).await;
    let ix = swap(staking_ix::stake(&a, &s.mint, &alice_t, STK, 0), &s.pool.stake_vault, &other_t);
    ledger.send(&[ix], &[&alice]).await.expect_failure().assert_code(StakingError::WrongVault);
    let ix = swap(staking_ix::unstake(&a, &s.mint, &alice_t, STK), &s.pool.stake_vault, &other_t);
    ledger.send(&[ix], &[&alice]).await.expect_failure().assert_code(StakingError::WrongVault);
    let ix = swap(
        staking_ix::claim_rewards(&a, &s.mint, &alice_t),
        &s.pool.reward_vault,
        &s.pool.stake_vault,
    );
    ledger.send(&[ix], &[&alice]).await.expect_failure().assert_code(StakingError::WrongVault);
    let ix =
        swap(staking_ix::fund_rewards(&a, &s.mint, &alice_t, STK), &s.pool.reward_vault, &other_t);
    ledger.send(&[ix], &[&alice]).await.expect_failure().assert_code(StakingError::WrongVault);

    // A foreign mint: the pool's seeds are derived from the mint, so the real pool mismatches.
    let foreign = ledger.create_foreign_mint(6).await;
    let ix = swap(staking_ix::claim_rewards(&a, &s.mint, &alice_t), &s.mint, &foreign);
    ledger
        .send(&[ix], &[&alice])
        .await
        .expect_failure()
        .assert_code(AnchorError::ConstraintSeeds as u32);
    // A destination of another mint.
    let foreign_t = ledger.create_ata(&a, &foreign).await;
    let ix = staking_ix::claim_rewards(&a, &s.mint, &foreign_t);
    ledger
        .send(&[ix], &[&alice])
        .await
        .expect_failure()
        .assert_code(AnchorError::ConstraintTokenMint as u32);
    // A pool account that is not the PDA (the stake vault in its place).
    let ix = swap(staking_ix::refresh_position(&s.mint, &a), &s.pool.pool, &s.pool.stake_vault);
    let err = ledger.send(&[ix], &[]).await.expect_failure();
    assert!(
        matches!(
            err.custom_code(),
            Some(c) if c == AnchorError::AccountOwnedByWrongProgram as u32
                || c == AnchorError::AccountDiscriminatorMismatch as u32
        ),
        "{err}"
    );
    // Zero amounts.
    s.stake(&mut ledger, &alice, 0, 0).await.expect_failure().assert_code(StakingError::ZeroAmount);
    ledger
        .send(&[staking_ix::fund_rewards(&a, &s.mint, &alice_t, 0)], &[&alice])
        .await
        .expect_failure()
        .assert_code(StakingError::ZeroAmount);

    // Nothing moved.
    assert_eq!(balance(&mut ledger, &alice_t).await, 50 * STK);
    assert_eq!(balance(&mut ledger, &s.pool.stake_vault).await, 50 * STK);
    assert_eq!(balance(&mut ledger, &s.pool.reward_vault).await, 1_000 * STK);
}

/// xorshift64*: a fixed-seed generator, so the "random" sequences are reproducible.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: u64) -> u64 {
        (self.next() >> 16) % n
    }
}

/// Randomized sequences (fixed seeds) of stake / unstake / claim / fund / refresh / rate
/// changes / time warps with the transfer fee on. After every step: Σ positions = stake vault
/// = `total_staked`; Σ weights = total weight; reward vault = funded − claimed; claimed ≤
/// funded; Σ pending ≤ released-unclaimed.
#[tokio::test]
async fn randomized_sequences_keep_the_books() {
    for seed in [0x5EED_0001u64, 0xC0FF_EE42] {
        // A slow stream (≤ 0.02 STK/s) so the reserve runs dry only sometimes.
        let args = StakingSetupArgs { reward_rate: STK / 100, ..Default::default() };
        let (mut ledger, s) = setup(args).await;
        let mut rng = Rng(seed);
        let mut wallets = Vec::new();
        for _ in 0..3 {
            wallets.push(s.wallet(&mut ledger, 10_000 * STK).await.0);
        }
        for w in &wallets {
            s.open_position(&mut ledger, w).await;
        }
        Ledger::ok(s.fund(&mut ledger, 500 * STK).await);
        // How many times each kind of step succeeded: the sequence must exercise them all.
        let (mut tried, mut landed) = ([0u32; 7], [0u32; 7]);
        for _step in 0..40 {
            let who = &wallets[rng.below(3) as usize];
            let kind = rng.below(7) as usize;
            let result = match kind {
                0 | 1 => {
                    s.stake(&mut ledger, who, 1 + rng.below(500 * STK), rng.below(4) as u8).await
                }
                2 => {
                    let staked = s.position(&mut ledger, &who.pubkey()).await.amount;
                    s.unstake(&mut ledger, who, 1 + rng.below(staked.max(1))).await
                }
                3 => s.claim(&mut ledger, who).await,
                4 => s.fund(&mut ledger, 1 + rng.below(300 * STK)).await,
                5 if rng.below(2) == 0 => s.set_rate(&mut ledger, rng.below(STK / 50)).await,
                5 => {
                    // A plain transfer into the reward vault, then anyone books it.
                    s.pay_from_bank(&mut ledger, &s.pool.reward_vault, 1 + rng.below(100 * STK))
                        .await;
                    let ix = staking_ix::credit_reward_deposits(&s.mint);
                    ledger.send(&[ix], &[]).await
                }
                _ => {
                    let ix = staking_ix::refresh_position(&s.mint, &who.pubkey());
                    ledger.send(&[ix], &[]).await
                }
            };
            tried[kind] += 1;
            if result.is_ok() {
                landed[kind] += 1;
            }
            if let Err(e) = &result {
                let allowed = [
                    StakingError::LockDowngrade,
                    StakingError::LockNotEnded,
                    StakingError::NothingToClaim,
                    StakingError::InsufficientStake,
                    StakingError::NothingArrived,
                ]
                .map(u32::from);
                assert!(allowed.contains(&e.custom_code().unwrap_or(0)), "seed {seed:#x}: {e}");
            }
            let jump = [1, 3_600, 7 * DAY, 40 * DAY, 120 * DAY][rng.below(5) as usize] as i64;
            ledger.advance_seconds(jump).await;
            check_books(&mut ledger, &s, &wallets).await;
        }
        // Everyone claims what is left: still within what was funded.
        for w in &wallets {
            let _ = s.claim(&mut ledger, w).await;
        }
        check_books(&mut ledger, &s, &wallets).await;
        let pool = s.pool_state(&mut ledger).await;
        println!(
            "seed {seed:#x}: tried {tried:?} landed {landed:?}, funded {}, claimed {}",
            pool.total_funded, pool.total_claimed
        );
        assert!(landed[0] + landed[1] > 0 && landed[2] > 0 && landed[3] > 0, "{landed:?}");
        assert!(pool.total_claimed > 0);
    }
}

async fn check_books(ledger: &mut Ledger, s: &StakingSetup, wallets: &[Keypair]) {
    let pool = s.pool_state(ledger).await;
    let (mut amount, mut weight, mut pending) = (0u64, 0u128, 0u64);
    for w in wallets {
        let p = s.position(ledger, &w.pubkey()).await;
        amount += p.amount;
        weight += p.weight as u128;
        pending += p.rewards.pending;
    }
    assert_eq!(amount, balance(ledger, &s.pool.stake_vault).await);
    assert_eq!(amount, pool.total_staked);
    assert_eq!(weight, pool.rewards.total_weight);
    assert!(pool.total_claimed <= pool.total_funded);
    assert_eq!(balance(ledger, &s.pool.reward_vault).await, pool.total_funded - pool.total_claimed);
    assert_eq!(
        pool.rewards.unreleased + pool.rewards.released_unclaimed + pool.total_claimed,
        pool.total_funded
    );
    assert!(pending <= pool.rewards.released_unclaimed);
}

#[tokio::test]
async fn the_admin_rotates_in_two_steps() {
    let (mut ledger, s) = setup(fee_free()).await;
    let mint = s.mint;
    let roles = |data: &[u8]| {
        let pool =
            <stk_staking::state::StakingPool as anchor_lang::AccountDeserialize>::try_deserialize(
                &mut &data[..],
            )
            .unwrap();
        (pool.admin, pool.pending_admin)
    };
    let rotation = stk_harness::admin::AdminRotation {
        propose: &|admin, candidate| staking_ix::propose_admin(admin, &mint, candidate),
        accept: &|candidate| staking_ix::accept_admin(candidate, &mint),
        state: s.pool.pool,
        roles: &roles,
        not_admin: StakingError::NotAdmin.into(),
        not_proposed: StakingError::NotProposedAdmin.into(),
    };
    let new = rotation.run(&mut ledger).await;
    // The role's power moved too: only the new admin sets the reward rate.
    s.set_rate(&mut ledger, 2 * STK)
        .await
        .expect_failure()
        .assert_code(AnchorError::ConstraintHasOne as u32);
    let ix = staking_ix::set_reward_rate(&new.pubkey(), &mint, 2 * STK);
    Ledger::ok(ledger.send_as(&new, &[ix], &[]).await);
    assert_eq!(s.pool_state(&mut ledger).await.rewards.reward_rate, 2 * STK);
}

#[tokio::test]
async fn self_payments_are_refused() {
    // Unstaking into the stake vault or claiming into the reward vault would move nothing.
    let (mut ledger, s) = setup(fee_free()).await;
    let (alice, _) = s.wallet(&mut ledger, 1_000 * STK).await;
    Ledger::ok(s.fund(&mut ledger, 1_000 * STK).await);
    Ledger::ok(s.stake(&mut ledger, &alice, 500 * STK, 0).await);
    ledger.advance_seconds(100).await;
    let a = alice.pubkey();
    for ix in [
        staking_ix::unstake(&a, &s.mint, &s.pool.stake_vault, 100 * STK),
        staking_ix::claim_rewards(&a, &s.mint, &s.pool.reward_vault),
    ] {
        ledger
            .send(&[ix], &[&alice])
            .await
            .expect_failure()
            .assert_code(AnchorError::ConstraintDuplicateMutableAccount as u32);
    }
    assert_eq!(s.position(&mut ledger, &a).await.amount, 500 * STK);
    assert_eq!(s.pool_state(&mut ledger).await.total_claimed, 0);
    // Behind the account check, every vault transfer is re-read
    // (`stk_common::token::sent_exactly`, unit-tested in `sent_exactly_tests`).
}
