//! `stk_startup_fund` through the harness: deposits come from the real `stk_mint` crank into
//! the fund's PDA vault, investments and returns move real Token-2022 tokens (with the
//! transfer fee). Every invariant in programs/stk_startup_fund/README.md is attacked here.
use anchor_lang::{error::ErrorCode as AnchorError, prelude::Pubkey};
use anchor_spl::token_interface::spl_token_2022::{
    self as t22,
    extension::{transfer_fee::TransferFeeConfig, BaseStateWithExtensions, StateWithExtensions},
    state::Mint as MintState,
};
use solana_keypair::Keypair;
use solana_signer::Signer;
use stk_common::seeds;
use stk_harness::{
    decode_events,
    startup_fund::{FundSetup, FundSetupArgs},
    stk_client::{startup_fund as fund_ix, vesting::grant_addresses},
    ExpectFailure, Ledger, StkMintSetup, StkMintSetupArgs, TxResult,
};
use stk_startup_fund::{
    errors::FundError,
    events,
    instructions::InitializeArgs,
    state::{ProposalAction, ProposalStatus, MAX_LOCK_PERIOD, MIN_LOCK_PERIOD},
    tranches::{self, Tranche},
};
use stk_vesting::{curve::VestingSchedule, errors::VestingError, instructions::CreateGrantArgs};

/// 1 STK in base units (6 decimals).
const STK: u64 = 1_000_000;

async fn setup_with(council_size: usize, threshold: u8) -> (Ledger, FundSetup) {
    let mut ledger = Ledger::start().await;
    let args = FundSetupArgs { council_size, threshold, ..FundSetupArgs::default() };
    let fs = FundSetup::initialize(&mut ledger, args).await;
    (ledger, fs)
}

async fn setup() -> (Ledger, FundSetup) {
    setup_with(3, 2).await
}

/// A startup team: its wallet is the project id, its STK ATA the recipient. Registered by
/// the first council member.
async fn startup(ledger: &mut Ledger, fs: &FundSetup) -> (Keypair, Pubkey) {
    let team = ledger.funded_keypair(1_000_000_000).await;
    let ata = ledger.create_ata(&team.pubkey(), &fs.addresses.mint).await;
    Ledger::ok(fs.register_project(ledger, &fs.council[0], &team.pubkey()).await);
    (team, ata)
}

/// What the vault must send for the recipient to receive `net`, by the mint's own fee config.
async fn expected_gross(ledger: &mut Ledger, fs: &FundSetup, net: u64) -> u64 {
    let data = ledger.mint_data(&fs.addresses.mint).await;
    let mint = StateWithExtensions::<MintState>::unpack(&data).unwrap();
    let epoch = ledger.clock().await.epoch;
    let fee = mint.get_extension::<TransferFeeConfig>().unwrap().get_epoch_fee(epoch);
    let fee = *fee;
    let gross = fee.calculate_pre_fee_amount(net).unwrap();
    assert_eq!(fee.calculate_post_fee_amount(gross), Some(net));
    gross
}

/// After the first investment of a fund holding one unlocked tranche `share`: the vault paid
/// `gross`, which is what the books count as invested and what left the unlocked balance; the
/// project counts the `amount` it received, once.
async fn assert_books_after_first_investment(
    ledger: &mut Ledger,
    fs: &FundSetup,
    project_id: &Pubkey,
    share: u64,
    gross: u64,
    amount: u64,
) {
    assert_eq!(fs.vault_balance(ledger).await, share - gross);
    let state = fs.state(ledger).await;
    assert_eq!(state.total_invested, gross);
    assert_eq!(state.unlocked(ledger.now().await).unwrap(), share - gross);
    assert_eq!(fs.vault_balance(ledger).await, state.accounted().unwrap());
    let project = fs.project(ledger, project_id).await;
    assert_eq!((project.invested, project.investments), (amount, 1));
}

/// Cranks quarter 0, records it, and returns (share, unlock time of its tranche).
async fn funded(ledger: &mut Ledger, fs: &FundSetup) -> (u64, i64) {
    let share = fs.crank_quarter(ledger, 0).await;
    let state = fs.state(ledger).await;
    assert_eq!(state.tranches.pending().len(), 1);
    (share, state.tranches.pending()[0].unlock_ts)
}

/// Proposes `amount` by member 0 and approves by members 1.. until the threshold is met.
async fn approved_investment(
    ledger: &mut Ledger,
    fs: &FundSetup,
    team: &Keypair,
    recipient: &Pubkey,
    amount: u64,
) -> u64 {
    let (id, res) =
        fs.propose_investment(ledger, &fs.council[0], &team.pubkey(), recipient, amount).await;
    Ledger::ok(res);
    for member in &fs.council[1..fs.threshold as usize] {
        Ledger::ok(fs.approve(ledger, member, id).await);
    }
    id
}

#[tokio::test]
async fn deposits_from_the_mint_crank_are_recorded_as_locked_tranches() {
    let mut ledger = Ledger::start().await;
    let fs = FundSetup::initialize(&mut ledger, FundSetupArgs::default()).await;
    let a = fs.addresses;
    assert_eq!(a.vault, seeds::find_fund_vault());
    assert_eq!(fs.stk.startup_fund_destination, a.vault, "the mint pays the fund's PDA vault");
    let vault = ledger.token(&a.vault).await;
    assert_eq!((vault.mint, vault.owner, vault.amount), (a.mint, a.fund_authority, 0));
    let state = fs.state(&mut ledger).await;
    assert_eq!(state.members(), fs.council.iter().map(|k| k.pubkey()).collect::<Vec<_>>());
    assert_eq!((state.threshold, state.council_epoch, state.lock_period), (2, 0, MIN_LOCK_PERIOD));
    assert_eq!(state.tranche_granularity, tranches::granularity(MIN_LOCK_PERIOD).unwrap());

    // Quarter 0: the mint's crank pays the fund's share into the vault; the fund's own crank
    // records it as one tranche locked for the lock period.
    Ledger::ok(fs.stk.mint_quarter(&mut ledger, 0, true).await);
    let (share0, _) = fs.stk.schedule.split(fs.stk.schedule.quarter_emission(0).unwrap());
    assert_eq!(fs.vault_balance(&mut ledger).await, share0);
    assert_eq!(fs.state(&mut ledger).await.total_deposited, 0, "the fund does not see mints");
    let now = ledger.now().await;
    let ok = Ledger::ok(fs.record_deposits(&mut ledger).await);
    let ev: Vec<events::DepositsRecorded> = decode_events(&ok.events);
    assert_eq!(ev.len(), 1);
    assert_eq!(
        (ev[0].amount, ev[0].total_deposited, ev[0].vault_balance),
        (share0, share0, share0)
    );
    let g = state.tranche_granularity;
    let unlock0 = ev[0].unlock_ts;
    assert_eq!(unlock0, tranches::unlock_time(now, MIN_LOCK_PERIOD, g).unwrap());
    assert!(unlock0 >= now + MIN_LOCK_PERIOD && unlock0 < now + MIN_LOCK_PERIOD + g);
    let state = fs.state(&mut ledger).await;
    assert_eq!(state.tranches.pending(), &[Tranche { amount: share0, unlock_ts: unlock0 }]);
    assert_eq!(state.unlocked(now).unwrap(), 0);
    assert_eq!(state.tranches.locked_total(now).unwrap(), share0);

    // Cranking again records nothing: the vault holds nothing new.
    let ok = Ledger::ok(fs.record_deposits(&mut ledger).await);
    assert!(decode_events::<events::DepositsRecorded>(&ok.events).is_empty());
    assert_eq!(fs.state(&mut ledger).await.tranches, state.tranches);

    // Quarter 1 is a second tranche with its own, later unlock.
    let share1 = fs.crank_quarter(&mut ledger, 1).await;
    let state = fs.state(&mut ledger).await;
    assert_eq!(state.total_deposited, share0 + share1);
    assert_eq!(state.tranches.pending().len(), 2);
    assert_eq!(state.tranches.pending()[1].amount, share1);
    assert!(state.tranches.pending()[1].unlock_ts > unlock0);
    assert_eq!(fs.vault_balance(&mut ledger).await, state.accounted().unwrap());
    // Anyone may crank it: a stranger with no relation to the fund.
    let stranger = ledger.funded_keypair(100_000_000).await;
    Ledger::ok(ledger.send_as(&stranger, &[fund_ix::record_deposits()], &[]).await);
}

#[tokio::test]
async fn execution_before_unlock_is_refused() {
    let (mut ledger, fs) = setup().await;
    let (share, unlock) = funded(&mut ledger, &fs).await;
    let (team, recipient) = startup(&mut ledger, &fs).await;
    let amount = 1_000 * STK;
    let id = approved_investment(&mut ledger, &fs, &team, &recipient, amount).await;
    fs.execute_investment(&mut ledger, &fs.council[1], id, &team.pubkey(), &recipient)
        .await
        .expect_failure()
        .assert_code(FundError::InsufficientUnlocked);
    ledger.warp_to_timestamp(unlock - 1).await;
    fs.execute_investment(&mut ledger, &fs.council[1], id, &team.pubkey(), &recipient)
        .await
        .expect_failure()
        .assert_code(FundError::InsufficientUnlocked);
    assert_eq!(fs.vault_balance(&mut ledger).await, share);
    assert_eq!(ledger.token_amount(&recipient).await, 0);

    ledger.warp_to_timestamp(unlock).await;
    let gross = expected_gross(&mut ledger, &fs, amount).await;
    assert!(gross > amount);
    let ok = Ledger::ok(
        fs.execute_investment(&mut ledger, &fs.council[1], id, &team.pubkey(), &recipient).await,
    );
    // The project receives exactly the approved amount; the vault pays it plus the fee,
    // which stays withheld in the recipient's account for the treasury.
    let got = ledger.token(&recipient).await;
    assert_eq!((got.amount, got.withheld), (amount, gross - amount));
    assert_books_after_first_investment(&mut ledger, &fs, &team.pubkey(), share, gross, amount)
        .await;
    let proposal = fs.proposal(&mut ledger, id).await;
    assert_eq!(proposal.status, ProposalStatus::Executed);
    assert_eq!(proposal.closed_at, unlock);
    let ev: Vec<events::InvestmentExecuted> = decode_events(&ok.events);
    assert_eq!((ev[0].amount, ev[0].gross, ev[0].unlocked_after), (amount, gross, share - gross));
}

#[tokio::test]
async fn threshold_not_met_refuses_execution() {
    let (mut ledger, fs) = setup_with(5, 3).await;
    let (share, unlock) = funded(&mut ledger, &fs).await;
    ledger.warp_to_timestamp(unlock).await;
    let (team, recipient) = startup(&mut ledger, &fs).await;
    let amount = 10 * STK;
    let (id, res) = fs
        .propose_investment(&mut ledger, &fs.council[0], &team.pubkey(), &recipient, amount)
        .await;
    let ok = Ledger::ok(res);
    let ev: Vec<events::ProposalCreated> = decode_events(&ok.events);
    assert_eq!(ev[0].proposal_id, id);
    let p = fs.proposal(&mut ledger, id).await;
    assert_eq!(p.approvals, 0b1, "proposing counts as the proposer's approval");
    assert_eq!(
        p.action,
        ProposalAction::Investment { project_id: team.pubkey(), recipient, amount }
    );
    // 1 of 3, then 2 of 3: refused.
    for approver in [None, Some(3usize)] {
        if let Some(i) = approver {
            Ledger::ok(fs.approve(&mut ledger, &fs.council[i], id).await);
        }
        fs.execute_investment(&mut ledger, &fs.council[0], id, &team.pubkey(), &recipient)
            .await
            .expect_failure()
            .assert_code(FundError::ThresholdNotMet);
        assert_eq!(fs.vault_balance(&mut ledger).await, share);
        assert_eq!(ledger.token_amount(&recipient).await, 0);
    }
    let ok = Ledger::ok(fs.approve(&mut ledger, &fs.council[4], id).await);
    let ev: Vec<events::ProposalApproved> = decode_events(&ok.events);
    assert_eq!((ev[0].approvals, ev[0].threshold), (3, 3));
    assert_eq!(fs.proposal(&mut ledger, id).await.approvals, 0b11001);
    // Any current member executes once the threshold is met, even one who did not approve.
    Ledger::ok(
        fs.execute_investment(&mut ledger, &fs.council[2], id, &team.pubkey(), &recipient).await,
    );
    assert_eq!(ledger.token_amount(&recipient).await, amount);
}

#[tokio::test]
async fn a_member_approving_twice_counts_once() {
    let (mut ledger, fs) = setup_with(4, 3).await;
    let (_, unlock) = funded(&mut ledger, &fs).await;
    ledger.warp_to_timestamp(unlock).await;
    let (team, recipient) = startup(&mut ledger, &fs).await;
    let (id, res) =
        fs.propose_investment(&mut ledger, &fs.council[0], &team.pubkey(), &recipient, STK).await;
    Ledger::ok(res);
    // The proposer already approved by proposing.
    fs.approve(&mut ledger, &fs.council[0], id)
        .await
        .expect_failure()
        .assert_code(FundError::AlreadyApproved);
    Ledger::ok(fs.approve(&mut ledger, &fs.council[1], id).await);
    fs.approve(&mut ledger, &fs.council[1], id)
        .await
        .expect_failure()
        .assert_code(FundError::AlreadyApproved);
    // Two approvals in one transaction by the same member: the second fails, nothing lands.
    let twice = [
        fund_ix::approve(&fs.council[2].pubkey(), id),
        fund_ix::approve(&fs.council[2].pubkey(), id),
    ];
    ledger
        .send_as(&fs.council[2], &twice, &[])
        .await
        .expect_failure()
        .assert_code(FundError::AlreadyApproved);
    assert_eq!(fs.proposal(&mut ledger, id).await.approvals, 0b11);
    fs.execute_investment(&mut ledger, &fs.council[0], id, &team.pubkey(), &recipient)
        .await
        .expect_failure()
        .assert_code(FundError::ThresholdNotMet);
    assert_eq!(ledger.token_amount(&recipient).await, 0);
}

#[tokio::test]
async fn non_members_cannot_propose_approve_execute_register_or_cancel() {
    let (mut ledger, fs) = setup().await;
    let (share, unlock) = funded(&mut ledger, &fs).await;
    ledger.warp_to_timestamp(unlock).await;
    let (team, recipient) = startup(&mut ledger, &fs).await;
    let mallory = ledger.funded_keypair(1_000_000_000).await;
    let (_, res) =
        fs.propose_investment(&mut ledger, &mallory, &team.pubkey(), &recipient, STK).await;
    res.expect_failure().assert_code(FundError::NotCouncilMember);
    let (_, res) =
        fs.propose_council_change(&mut ledger, &mallory, vec![mallory.pubkey()], 1).await;
    res.expect_failure().assert_code(FundError::NotCouncilMember);
    fs.register_project(&mut ledger, &mallory, &mallory.pubkey())
        .await
        .expect_failure()
        .assert_code(FundError::NotCouncilMember);

    let (id, res) =
        fs.propose_investment(&mut ledger, &fs.council[0], &team.pubkey(), &recipient, STK).await;
    Ledger::ok(res);
    fs.approve(&mut ledger, &mallory, id)
        .await
        .expect_failure()
        .assert_code(FundError::NotCouncilMember);
    // The startup team itself is not a member either.
    fs.approve(&mut ledger, &team, id)
        .await
        .expect_failure()
        .assert_code(FundError::NotCouncilMember);
    Ledger::ok(fs.approve(&mut ledger, &fs.council[1], id).await);
    fs.execute_investment(&mut ledger, &mallory, id, &team.pubkey(), &recipient)
        .await
        .expect_failure()
        .assert_code(FundError::NotCouncilMember);
    fs.cancel(&mut ledger, &mallory, id)
        .await
        .expect_failure()
        .assert_code(FundError::NotCouncilMember);
    // A member's key without its signature: the approve instruction names the member as a
    // signer, so a transaction signed only by mallory cannot even be built; check that
    // forging the signer flag off is refused by Anchor.
    let mut ix = fund_ix::approve(&fs.council[2].pubkey(), id);
    ix.accounts[0].is_signer = false;
    ledger
        .send_as(&mallory, &[ix], &[])
        .await
        .expect_failure()
        .assert_code(AnchorError::AccountNotSigner as u32);
    assert_eq!(fs.proposal(&mut ledger, id).await.approvals, 0b11);
    assert_eq!(fs.vault_balance(&mut ledger).await, share);
    assert_eq!(ledger.token_amount(&recipient).await, 0);
}

#[tokio::test]
async fn executing_twice_pays_once() {
    let (mut ledger, fs) = setup().await;
    let (share, unlock) = funded(&mut ledger, &fs).await;
    ledger.warp_to_timestamp(unlock).await;
    let (team, recipient) = startup(&mut ledger, &fs).await;
    let amount = 5_000 * STK;
    let id = approved_investment(&mut ledger, &fs, &team, &recipient, amount).await;
    let gross = expected_gross(&mut ledger, &fs, amount).await;
    Ledger::ok(
        fs.execute_investment(&mut ledger, &fs.council[0], id, &team.pubkey(), &recipient).await,
    );
    assert_eq!(ledger.token_amount(&recipient).await, amount);
    assert_eq!(fs.vault_balance(&mut ledger).await, share - gross);
    for member in &fs.council {
        fs.execute_investment(&mut ledger, member, id, &team.pubkey(), &recipient)
            .await
            .expect_failure()
            .assert_code(FundError::NotPending);
    }
    // Same instruction twice in one transaction: refused as a whole.
    let ix = fund_ix::execute_investment(&fs.council[1].pubkey(), id, &team.pubkey(), &recipient);
    ledger
        .send_as(&fs.council[1], &[ix.clone(), ix], &[])
        .await
        .expect_failure()
        .assert_code(FundError::NotPending);
    fs.approve(&mut ledger, &fs.council[2], id)
        .await
        .expect_failure()
        .assert_code(FundError::NotPending);
    fs.cancel(&mut ledger, &fs.council[0], id)
        .await
        .expect_failure()
        .assert_code(FundError::NotPending);
    assert_eq!(ledger.token_amount(&recipient).await, amount);
    assert_eq!(fs.vault_balance(&mut ledger).await, share - gross);
    assert_eq!(fs.state(&mut ledger).await.total_invested, gross);
    assert_eq!(fs.project(&mut ledger, &team.pubkey()).await.investments, 1);
}

#[tokio::test]
async fn amount_above_the_unlocked_balance_is_refused() {
    let (mut ledger, fs) = setup().await;
    let (share0, unlock0) = funded(&mut ledger, &fs).await;
    let share1 = fs.crank_quarter(&mut ledger, 1).await;
    let unlock1 = fs.state(&mut ledger).await.tranches.pending()[1].unlock_ts;
    ledger.warp_to_timestamp(unlock0).await;
    let (team, recipient) = startup(&mut ledger, &fs).await;

    // Only tranche 0 is unlocked: its whole amount is not enough once the fee is added.
    let id_all = approved_investment(&mut ledger, &fs, &team, &recipient, share0).await;
    fs.execute_investment(&mut ledger, &fs.council[0], id_all, &team.pubkey(), &recipient)
        .await
        .expect_failure()
        .assert_code(FundError::InsufficientUnlocked);
    // Half of it is fine; the other half no longer fits (the fee came out of the fund).
    let half = share0 / 2;
    let id_a = approved_investment(&mut ledger, &fs, &team, &recipient, half).await;
    let id_b = approved_investment(&mut ledger, &fs, &team, &recipient, half).await;
    Ledger::ok(
        fs.execute_investment(&mut ledger, &fs.council[0], id_a, &team.pubkey(), &recipient).await,
    );
    let gross = expected_gross(&mut ledger, &fs, half).await;
    assert_eq!(ledger.token_amount(&recipient).await, half);
    assert_eq!(fs.vault_balance(&mut ledger).await, share0 + share1 - gross);
    let state = fs.state(&mut ledger).await;
    assert_eq!(state.unlocked(unlock0).unwrap(), share0 - gross);
    assert!(share0 - gross < gross);
    fs.execute_investment(&mut ledger, &fs.council[0], id_b, &team.pubkey(), &recipient)
        .await
        .expect_failure()
        .assert_code(FundError::InsufficientUnlocked);
    assert_eq!(ledger.token_amount(&recipient).await, half);

    // When quarter 1's tranche unlocks, the second half fits; the whole of quarter 0 again
    // does not (quarter 1 is smaller than quarter 0, and both halves are spent).
    ledger.warp_to_timestamp(unlock1 - 1).await;
    fs.execute_investment(&mut ledger, &fs.council[0], id_b, &team.pubkey(), &recipient)
        .await
        .expect_failure()
        .assert_code(FundError::InsufficientUnlocked);
    ledger.warp_to_timestamp(unlock1).await;
    Ledger::ok(
        fs.execute_investment(&mut ledger, &fs.council[0], id_b, &team.pubkey(), &recipient).await,
    );
    let left = share0 + share1 - 2 * gross;
    assert!(expected_gross(&mut ledger, &fs, share0).await > left);
    fs.execute_investment(&mut ledger, &fs.council[0], id_all, &team.pubkey(), &recipient)
        .await
        .expect_failure()
        .assert_code(FundError::InsufficientUnlocked);
    assert_eq!(ledger.token_amount(&recipient).await, 2 * half);
    assert_eq!(fs.vault_balance(&mut ledger).await, left);
    let state = fs.state(&mut ledger).await;
    assert_eq!(state.unlocked(unlock1).unwrap(), left);
    assert_eq!(state.total_invested, 2 * gross);
    assert_eq!(fs.project(&mut ledger, &team.pubkey()).await.invested, 2 * half);
}

#[tokio::test]
async fn council_rotation_needs_the_threshold_and_voids_old_approvals() {
    let (mut ledger, fs) = setup().await;
    let (share, unlock) = funded(&mut ledger, &fs).await;
    ledger.warp_to_timestamp(unlock).await;
    let (team, recipient) = startup(&mut ledger, &fs).await;
    let [a, b, c] = [&fs.council[0], &fs.council[1], &fs.council[2]];

    // An investment the old council fully approved but did not execute.
    let old = approved_investment(&mut ledger, &fs, &team, &recipient, 100 * STK).await;
    assert_eq!(fs.proposal(&mut ledger, old).await.approvals, 0b11);

    // Malformed councils are refused at proposal.
    let d = ledger.funded_keypair(1_000_000_000).await;
    let e = ledger.funded_keypair(1_000_000_000).await;
    for (members, threshold, code) in [
        (vec![d.pubkey(), d.pubkey()], 1, FundError::CouncilDuplicate),
        (vec![d.pubkey(), e.pubkey()], 0, FundError::Threshold),
        (vec![d.pubkey(), e.pubkey()], 3, FundError::Threshold),
        (vec![], 1, FundError::CouncilSize),
        ((0..11).map(|_| Pubkey::new_unique()).collect(), 2, FundError::CouncilSize),
        (vec![d.pubkey(), Pubkey::default()], 1, FundError::CouncilDefaultKey),
    ] {
        let (_, res) = fs.propose_council_change(&mut ledger, a, members, threshold).await;
        res.expect_failure().assert_code(code);
    }

    // The new council: c stays, a and b leave, d and e join; 3 of 3.
    let new_council = vec![c.pubkey(), d.pubkey(), e.pubkey()];
    let (change, res) = fs.propose_council_change(&mut ledger, a, new_council.clone(), 3).await;
    Ledger::ok(res);
    fs.execute_council_change(&mut ledger, a, change)
        .await
        .expect_failure()
        .assert_code(FundError::ThresholdNotMet);
    // Executing a council change through the investment path and vice versa is refused.
    fs.execute_investment(&mut ledger, a, change, &team.pubkey(), &recipient)
        .await
        .expect_failure()
        .assert_code(FundError::WrongAction);
    fs.execute_council_change(&mut ledger, a, old)
        .await
        .expect_failure()
        .assert_code(FundError::WrongAction);
    Ledger::ok(fs.approve(&mut ledger, b, change).await);
    let ok = Ledger::ok(fs.execute_council_change(&mut ledger, b, change).await);
    let ev: Vec<events::CouncilChanged> = decode_events(&ok.events);
    assert_eq!(
        (ev[0].council.clone(), ev[0].threshold, ev[0].council_epoch),
        (new_council.clone(), 3, 1)
    );
    let state = fs.state(&mut ledger).await;
    assert_eq!(state.members(), new_council.as_slice());
    assert_eq!((state.threshold, state.council_epoch), (3, 1));

    // The old council's approvals are void: the fully approved investment cannot execute,
    // nor collect new approvals; nobody was paid.
    for executor in [c, &d] {
        fs.execute_investment(&mut ledger, executor, old, &team.pubkey(), &recipient)
            .await
            .expect_failure()
            .assert_code(FundError::StaleProposal);
    }
    fs.approve(&mut ledger, &d, old).await.expect_failure().assert_code(FundError::StaleProposal);
    assert_eq!(ledger.token_amount(&recipient).await, 0);
    assert_eq!(fs.vault_balance(&mut ledger).await, share);
    // Former members have no say any more.
    let (_, res) = fs.propose_investment(&mut ledger, a, &team.pubkey(), &recipient, STK).await;
    res.expect_failure().assert_code(FundError::NotCouncilMember);
    fs.execute_council_change(&mut ledger, b, change)
        .await
        .expect_failure()
        .assert_code(FundError::NotCouncilMember);
    // A current member clears the stale proposal at once.
    Ledger::ok(fs.cancel(&mut ledger, &d, old).await);
    assert_eq!(fs.proposal(&mut ledger, old).await.status, ProposalStatus::Cancelled);

    // The new council works with its own threshold: 3 of 3.
    let (fresh, res) =
        fs.propose_investment(&mut ledger, &d, &team.pubkey(), &recipient, 100 * STK).await;
    Ledger::ok(res);
    assert_eq!(fs.proposal(&mut ledger, fresh).await.council_epoch, 1);
    Ledger::ok(fs.approve(&mut ledger, &e, fresh).await);
    fs.execute_investment(&mut ledger, &e, fresh, &team.pubkey(), &recipient)
        .await
        .expect_failure()
        .assert_code(FundError::ThresholdNotMet);
    Ledger::ok(fs.approve(&mut ledger, c, fresh).await);
    Ledger::ok(fs.execute_investment(&mut ledger, &e, fresh, &team.pubkey(), &recipient).await);
    let gross = expected_gross(&mut ledger, &fs, 100 * STK).await;
    assert_eq!(ledger.token_amount(&recipient).await, 100 * STK);
    assert_eq!(fs.vault_balance(&mut ledger).await, share - gross);
}

#[tokio::test]
async fn returns_are_tracked_per_project_and_spendable_at_once() {
    let (mut ledger, fs) = setup().await;
    let (share, unlock) = funded(&mut ledger, &fs).await;
    ledger.warp_to_timestamp(unlock).await;
    let (alpha, alpha_ata) = startup(&mut ledger, &fs).await;
    let (beta, beta_ata) = startup(&mut ledger, &fs).await;
    let invest = 20_000 * STK;
    let id = approved_investment(&mut ledger, &fs, &alpha, &alpha_ata, invest).await;
    Ledger::ok(
        fs.execute_investment(&mut ledger, &fs.council[0], id, &alpha.pubkey(), &alpha_ata).await,
    );
    let gross = expected_gross(&mut ledger, &fs, invest).await;
    assert_eq!(ledger.token_amount(&alpha_ata).await, invest);
    let vault0 = share - gross;
    assert_eq!(fs.vault_balance(&mut ledger).await, vault0);

    // Alpha returns 7,000 STK: the vault receives it minus the transfer fee, credited to alpha.
    let back = 7_000 * STK;
    let ok =
        Ledger::ok(fs.record_return(&mut ledger, &alpha, &alpha.pubkey(), &alpha_ata, back).await);
    let vault1 = fs.vault_balance(&mut ledger).await;
    let received = vault1 - vault0;
    assert!(received < back && received > 0, "fee withheld on the way in");
    assert_eq!(ledger.token(&alpha_ata).await.amount, invest - back);
    assert_eq!(ledger.token(&fs.addresses.vault).await.withheld, back - received);
    let ev: Vec<events::ReturnRecorded> = decode_events(&ok.events);
    assert_eq!(
        (ev[0].amount_sent, ev[0].received, ev[0].project_returned),
        (back, received, received)
    );
    let project = fs.project(&mut ledger, &alpha.pubkey()).await;
    assert_eq!((project.invested, project.returned, project.returns), (invest, received, 1));
    let state = fs.state(&mut ledger).await;
    assert_eq!(state.total_returned, received);
    assert_eq!(state.unlocked(unlock).unwrap(), share - gross + received);
    assert_eq!(fs.vault_balance(&mut ledger).await, state.accounted().unwrap());
    // A return is not a deposit: the crank finds nothing new to lock.
    let ok = Ledger::ok(fs.record_deposits(&mut ledger).await);
    assert!(decode_events::<events::DepositsRecorded>(&ok.events).is_empty());

    // Alpha passes tokens to beta's team, who returns them for beta: tracked separately.
    let t = t22::instruction::transfer_checked(
        &t22::ID,
        &alpha_ata,
        &fs.addresses.mint,
        &beta_ata,
        &alpha.pubkey(),
        &[],
        1_000 * STK,
        6,
    )
    .unwrap();
    Ledger::ok(ledger.send_as(&alpha, &[t], &[]).await);
    let beta_has = ledger.token_amount(&beta_ata).await;
    Ledger::ok(fs.record_return(&mut ledger, &beta, &beta.pubkey(), &beta_ata, beta_has).await);
    let beta_received = fs.vault_balance(&mut ledger).await - vault1;
    let beta_project = fs.project(&mut ledger, &beta.pubkey()).await;
    assert_eq!((beta_project.invested, beta_project.returned), (0, beta_received));
    assert_eq!(fs.project(&mut ledger, &alpha.pubkey()).await.returned, received);
    assert_eq!(ledger.token_amount(&beta_ata).await, 0);

    // Returns by anyone but the project's registered returner, from someone else's account,
    // for an unregistered project, or of zero fail.
    let mallory = ledger.funded_keypair(1_000_000_000).await;
    fs.record_return(&mut ledger, &mallory, &alpha.pubkey(), &alpha_ata, STK)
        .await
        .expect_failure()
        .assert_code(FundError::NotProjectReturner);
    fs.record_return(&mut ledger, &alpha, &alpha.pubkey(), &beta_ata, STK)
        .await
        .expect_failure()
        .assert_code(AnchorError::ConstraintTokenOwner as u32);
    fs.record_return(&mut ledger, &alpha, &mallory.pubkey(), &alpha_ata, STK)
        .await
        .expect_failure()
        .assert_code(AnchorError::AccountNotInitialized as u32);
    fs.record_return(&mut ledger, &alpha, &alpha.pubkey(), &alpha_ata, 0)
        .await
        .expect_failure()
        .assert_code(FundError::ZeroAmount);
    // One base unit: the fee takes it all, nothing is credited.
    fs.record_return(&mut ledger, &alpha, &alpha.pubkey(), &alpha_ata, 1)
        .await
        .expect_failure()
        .assert_code(FundError::NothingReceived);

    // Returned funds are spendable at once: invest everything unlocked, to the unit.
    let state = fs.state(&mut ledger).await;
    let now = ledger.now().await;
    let unlocked = state.unlocked(now).unwrap();
    assert_eq!(unlocked, fs.vault_balance(&mut ledger).await);
    let net = unlocked - 10 * STK; // the fee is capped at 10 STK per transfer
    assert_eq!(expected_gross(&mut ledger, &fs, net).await, unlocked);
    let id = approved_investment(&mut ledger, &fs, &beta, &beta_ata, net).await;
    Ledger::ok(
        fs.execute_investment(&mut ledger, &fs.council[0], id, &beta.pubkey(), &beta_ata).await,
    );
    assert_eq!(ledger.token_amount(&beta_ata).await, net);
    assert_eq!(fs.vault_balance(&mut ledger).await, 0);
    assert_eq!(fs.state(&mut ledger).await.unlocked(now).unwrap(), 0);
}

#[tokio::test]
async fn proposals_are_cancelled_by_the_proposer_or_by_threshold() {
    let (mut ledger, fs) = setup_with(4, 3).await;
    let (share, unlock) = funded(&mut ledger, &fs).await;
    ledger.warp_to_timestamp(unlock).await;
    let (team, recipient) = startup(&mut ledger, &fs).await;
    let [a, b, c, d] = [&fs.council[0], &fs.council[1], &fs.council[2], &fs.council[3]];

    // The proposer withdraws its own proposal at once.
    let (p0, res) = fs.propose_investment(&mut ledger, a, &team.pubkey(), &recipient, STK).await;
    Ledger::ok(res);
    Ledger::ok(fs.approve(&mut ledger, b, p0).await);
    let ok = Ledger::ok(fs.cancel(&mut ledger, a, p0).await);
    let ev: Vec<events::ProposalCancelled> = decode_events(&ok.events);
    assert_eq!((ev[0].proposal_id, ev[0].cancelled_by), (p0, a.pubkey()));
    assert_eq!(fs.proposal(&mut ledger, p0).await.status, ProposalStatus::Cancelled);
    fs.approve(&mut ledger, c, p0).await.expect_failure().assert_code(FundError::NotPending);
    fs.execute_investment(&mut ledger, a, p0, &team.pubkey(), &recipient)
        .await
        .expect_failure()
        .assert_code(FundError::NotPending);

    // Anyone else needs the threshold (3 of 4) of cancel votes, each member once.
    let (p1, res) = fs.propose_investment(&mut ledger, a, &team.pubkey(), &recipient, STK).await;
    Ledger::ok(res);
    let ok = Ledger::ok(fs.cancel(&mut ledger, b, p1).await);
    let ev: Vec<events::CancelVoted> = decode_events(&ok.events);
    assert_eq!((ev[0].votes, ev[0].threshold), (1, 3));
    fs.cancel(&mut ledger, b, p1)
        .await
        .expect_failure()
        .assert_code(FundError::AlreadyVotedToCancel);
    Ledger::ok(fs.cancel(&mut ledger, c, p1).await);
    let p = fs.proposal(&mut ledger, p1).await;
    assert_eq!((p.status, p.cancel_votes), (ProposalStatus::Pending, 0b110));
    // Approvals and cancel votes are counted apart; the third cancel vote cancels it.
    Ledger::ok(fs.approve(&mut ledger, b, p1).await);
    Ledger::ok(fs.cancel(&mut ledger, d, p1).await);
    assert_eq!(fs.proposal(&mut ledger, p1).await.status, ProposalStatus::Cancelled);
    fs.approve(&mut ledger, c, p1).await.expect_failure().assert_code(FundError::NotPending);
    fs.execute_investment(&mut ledger, a, p1, &team.pubkey(), &recipient)
        .await
        .expect_failure()
        .assert_code(FundError::NotPending);
    assert_eq!(fs.vault_balance(&mut ledger).await, share);
    assert_eq!(ledger.token_amount(&recipient).await, 0);
}

#[tokio::test]
async fn initialize_validates_council_lock_and_mint_and_runs_once() {
    let mut ledger = Ledger::start().await;
    let stk_args = StkMintSetupArgs {
        startup_fund: stk_harness::Destination::Existing(seeds::find_fund_vault()),
        ..StkMintSetupArgs::default()
    };
    let stk = StkMintSetup::initialize_mint_only(&mut ledger, stk_args).await;
    let payer = ledger.payer();
    let council: Vec<Pubkey> = (0..3).map(|_| Pubkey::new_unique()).collect();
    let good =
        InitializeArgs { council: council.clone(), threshold: 2, lock_period: MIN_LOCK_PERIOD };
    let with = |f: &dyn Fn(&mut InitializeArgs)| {
        let mut args = good.clone();
        f(&mut args);
        fund_ix::initialize(&payer, args)
    };
    for (ix, code) in [
        (with(&|a| a.threshold = 0), FundError::Threshold),
        (with(&|a| a.threshold = 4), FundError::Threshold),
        (with(&|a| a.council = vec![]), FundError::CouncilSize),
        (
            with(&|a| a.council = (0..11).map(|_| Pubkey::new_unique()).collect()),
            FundError::CouncilSize,
        ),
        (with(&|a| a.council[2] = a.council[0]), FundError::CouncilDuplicate),
        (with(&|a| a.council[1] = Pubkey::default()), FundError::CouncilDefaultKey),
        (with(&|a| a.lock_period = MIN_LOCK_PERIOD - 1), FundError::LockPeriod),
        (with(&|a| a.lock_period = MAX_LOCK_PERIOD + 1), FundError::LockPeriod),
        (with(&|a| a.lock_period = -1), FundError::LockPeriod),
    ] {
        ledger.send(&[ix], &[]).await.expect_failure().assert_code(code);
    }
    // A Token-2022 mint that is not the STK mint PDA.
    let fake_mint = ledger.create_foreign_mint(6).await;
    let mut ix = fund_ix::initialize(&payer, good.clone());
    ix.accounts[3].pubkey = fake_mint;
    ledger.send(&[ix], &[]).await.expect_failure().assert_code(AnchorError::ConstraintSeeds as u32);
    // A vault that is not the PDA.
    let mut ix = fund_ix::initialize(&payer, good.clone());
    let stray = Keypair::new();
    ix.accounts[4].pubkey = stray.pubkey();
    ix.accounts[4].is_signer = true;
    ledger
        .send(&[ix], &[&stray])
        .await
        .expect_failure()
        .assert_code(AnchorError::ConstraintSeeds as u32);
    assert!(!ledger.account_exists(&seeds::find_fund()).await);

    // The longest lock is accepted; a second initialize fails.
    let ok = Ledger::ok(ledger.send(&[with(&|a| a.lock_period = MAX_LOCK_PERIOD)], &[]).await);
    let ev: Vec<events::FundInitialized> = decode_events(&ok.events);
    assert_eq!(
        (ev[0].council.clone(), ev[0].threshold, ev[0].lock_period),
        (council, 2, MAX_LOCK_PERIOD)
    );
    assert_eq!(ev[0].tranche_granularity, 5_089_936);
    let again = ledger.send(&[fund_ix::initialize(&payer, good)], &[]).await.expect_failure();
    assert!(again.logs_contain("already in use"), "{again}");
    // The mint's quarterly share lands in the vault this created.
    Ledger::ok(stk.mint_quarter(&mut ledger, 0, true).await);
    assert!(ledger.token_amount(&seeds::find_fund_vault()).await > 0);
}

#[tokio::test]
async fn wrong_mint_vault_recipient_and_pda_are_refused() {
    let (mut ledger, fs) = setup().await;
    let (share, unlock) = funded(&mut ledger, &fs).await;
    ledger.warp_to_timestamp(unlock).await;
    let (team, recipient) = startup(&mut ledger, &fs).await;
    let (other, other_ata) = startup(&mut ledger, &fs).await;
    let a = fs.addresses;
    let member = &fs.council[0];
    let m = member.pubkey();
    let mallory = ledger.funded_keypair(1_000_000_000).await;
    let mallory_ata = ledger.create_ata(&mallory.pubkey(), &a.mint).await;
    let fake = ledger.create_foreign_mint(6).await;
    let fake_ata = ledger.create_ata(&mallory.pubkey(), &fake).await;

    // record_deposits against another STK account posing as the vault.
    let mut ix = fund_ix::record_deposits();
    ix.accounts[1].pubkey = mallory_ata;
    ledger
        .send(&[ix], &[])
        .await
        .expect_failure()
        .assert_code(AnchorError::ConstraintHasOne as u32);
    // A fund account that is not the fund (a wallet).
    let mut ix = fund_ix::record_deposits();
    ix.accounts[0].pubkey = mallory.pubkey();
    ledger
        .send(&[ix], &[])
        .await
        .expect_failure()
        .assert_code(AnchorError::AccountOwnedByWrongProgram as u32);

    // Proposals: a recipient of another mint, the vault itself, a zero amount.
    let id = fs.state(&mut ledger).await.next_proposal_id;
    let ix = fund_ix::propose_investment(&m, id, &team.pubkey(), &fake_ata, STK);
    ledger
        .send_as(member, &[ix], &[])
        .await
        .expect_failure()
        .assert_code(AnchorError::ConstraintTokenMint as u32);
    let mut ix = fund_ix::propose_investment(&m, id, &team.pubkey(), &fake_ata, STK);
    ix.accounts[3].pubkey = fake; // the fake mint and its account together
    ledger
        .send_as(member, &[ix], &[])
        .await
        .expect_failure()
        .assert_code(AnchorError::ConstraintHasOne as u32);
    let (_, res) = fs.propose_investment(&mut ledger, member, &team.pubkey(), &a.vault, STK).await;
    res.expect_failure().assert_code(FundError::RecipientIsVault);
    let (_, res) = fs.propose_investment(&mut ledger, member, &team.pubkey(), &recipient, 0).await;
    res.expect_failure().assert_code(FundError::ZeroAmount);
    // A proposal PDA other than the next id.
    let ix = fund_ix::propose_investment(&m, id + 5, &team.pubkey(), &recipient, STK);
    ledger
        .send_as(member, &[ix], &[])
        .await
        .expect_failure()
        .assert_code(AnchorError::ConstraintSeeds as u32);
    // An unregistered project.
    let (_, res) =
        fs.propose_investment(&mut ledger, member, &mallory.pubkey(), &recipient, STK).await;
    res.expect_failure().assert_code(AnchorError::AccountNotInitialized as u32);

    let amount = 1_000 * STK;
    let id = approved_investment(&mut ledger, &fs, &team, &recipient, amount).await;
    let exec = || fund_ix::execute_investment(&m, id, &team.pubkey(), &recipient);
    // Pay someone else: mallory's STK account, or another project's.
    let ix = fund_ix::execute_investment(&m, id, &team.pubkey(), &mallory_ata);
    ledger
        .send_as(member, &[ix], &[])
        .await
        .expect_failure()
        .assert_code(FundError::WrongRecipient);
    let ix = fund_ix::execute_investment(&m, id, &other.pubkey(), &other_ata);
    ledger.send_as(member, &[ix], &[]).await.expect_failure().assert_code(FundError::WrongProject);
    // Another account as the vault (mallory's), the mint (fake), the authority (not the PDA).
    for (index, key, code) in [
        (6usize, mallory_ata, AnchorError::ConstraintHasOne as u32),
        (5, fake, AnchorError::ConstraintHasOne as u32),
        (4, mallory.pubkey(), AnchorError::ConstraintSeeds as u32),
    ] {
        let mut ix = exec();
        assert_eq!(ix.accounts[index].pubkey, [a.fund_authority, a.mint, a.vault][index - 4]);
        ix.accounts[index].pubkey = key;
        ledger.send_as(member, &[ix], &[]).await.expect_failure().assert_code(code);
    }
    // A project account of another project under the proposal's slot.
    let mut ix = exec();
    ix.accounts[3].pubkey = seeds::find_project(&other.pubkey());
    ledger.send_as(member, &[ix], &[]).await.expect_failure().assert_code(FundError::WrongProject);
    // A proposal account that is not a proposal PDA (the project account has another layout).
    let mut ix = exec();
    ix.accounts[2].pubkey = seeds::find_project(&team.pubkey());
    ledger
        .send_as(member, &[ix], &[])
        .await
        .expect_failure()
        .assert_code(AnchorError::AccountDiscriminatorMismatch as u32);
    // A fake token program.
    let mut ix = exec();
    ix.accounts[8].pubkey = spl_token_program();
    ledger
        .send_as(member, &[ix], &[])
        .await
        .expect_failure()
        .assert_code(AnchorError::InvalidProgramId as u32);
    // record_return into another account than the vault.
    let mut ix = fund_ix::record_return(&team.pubkey(), &team.pubkey(), &recipient, STK);
    ix.accounts[4].pubkey = mallory_ata;
    ledger
        .send_as(&team, &[ix], &[])
        .await
        .expect_failure()
        .assert_code(AnchorError::ConstraintHasOne as u32);

    // None of it moved a unit; the honest execution still works afterwards.
    assert_eq!(fs.vault_balance(&mut ledger).await, share);
    assert_eq!(ledger.token_amount(&mallory_ata).await, 0);
    assert_eq!(ledger.token_amount(&recipient).await, 0);
    Ledger::ok(ledger.send_as(member, &[exec()], &[]).await);
    assert_eq!(ledger.token_amount(&recipient).await, amount);
}

fn spl_token_program() -> Pubkey {
    anchor_spl::token::ID
}

#[tokio::test]
async fn dust_deposits_cannot_overflow_the_tranche_book() {
    let (mut ledger, fs) = setup().await;
    let (_, unlock) = funded(&mut ledger, &fs).await;
    ledger.warp_to_timestamp(unlock).await;
    let (team, ata) = startup(&mut ledger, &fs).await;
    let id = approved_investment(&mut ledger, &fs, &team, &ata, 1_000 * STK).await;
    Ledger::ok(fs.execute_investment(&mut ledger, &fs.council[0], id, &team.pubkey(), &ata).await);
    let g = fs.state(&mut ledger).await.tranche_granularity;
    let dust = |team: &Keypair| {
        t22::instruction::transfer_checked(
            &t22::ID,
            &ata,
            &fs.addresses.mint,
            &fs.addresses.vault,
            &team.pubkey(),
            &[],
            STK,
            6,
        )
        .unwrap()
    };
    // A griefer sends dust and cranks once per granularity step for longer than the lock:
    // the book fills up to its bound, folds what unlocked, and never refuses a deposit.
    let mut longest = 0;
    for step in 0..40 {
        let before = fs.state(&mut ledger).await;
        Ledger::ok(ledger.send_as(&team, &[dust(&team), fund_ix::record_deposits()], &[]).await);
        if step == 0 {
            // A second deposit at the same instant joins the same tranche.
            let first = fs.state(&mut ledger).await.tranches;
            Ledger::ok(
                ledger.send_as(&team, &[dust(&team), fund_ix::record_deposits()], &[]).await,
            );
            let second = fs.state(&mut ledger).await.tranches;
            assert_eq!(second.pending().len(), first.pending().len());
            let (a, b) = (first.pending().last().unwrap(), second.pending().last().unwrap());
            assert_eq!(a.unlock_ts, b.unlock_ts);
            assert!(b.amount > a.amount);
        }
        let state = fs.state(&mut ledger).await;
        assert!(state.total_deposited > before.total_deposited);
        assert_eq!(fs.vault_balance(&mut ledger).await, state.accounted().unwrap());
        longest = longest.max(state.tranches.pending().len());
        ledger.advance_seconds(g).await;
    }
    assert!(longest >= tranches::MAX_TRANCHES - 1, "the bound was exercised: {longest}");
    assert!(longest <= tranches::MAX_TRANCHES);
    // Everything deposited is either unlocked or locked, nothing lost in folding.
    let state = fs.state(&mut ledger).await;
    let now = ledger.now().await;
    assert_eq!(
        state.tranches.unlocked_total(now).unwrap() + state.tranches.locked_total(now).unwrap(),
        state.total_deposited + state.total_returned
    );
}

// ---- investments paid as stk_vesting grants ---------------------------------------------

const DAY: i64 = 86_400;

/// One year from `start`: a 90-day cliff, then 30-day steps to the end at 360 days.
fn year_from(start: i64) -> VestingSchedule {
    VestingSchedule { start, cliff: start + 90 * DAY, end: start + 360 * DAY, period: 30 * DAY }
}

/// The fund with `stk_vesting` initialized over the same mint, quarter 0 recorded; returns
/// (ledger, fund, share, unlock) with the clock still before the unlock.
async fn grant_setup_with(council_size: usize, threshold: u8) -> (Ledger, FundSetup, u64, i64) {
    let (mut ledger, fs) = setup_with(council_size, threshold).await;
    fs.initialize_vesting(&mut ledger).await;
    let (share, unlock) = funded(&mut ledger, &fs).await;
    (ledger, fs, share, unlock)
}

/// A startup team whose wallet is both the project id and the grant's beneficiary (it needs
/// no token account: it claims into its ATA through stk_vesting).
async fn grant_startup(ledger: &mut Ledger, fs: &FundSetup) -> Keypair {
    let team = ledger.funded_keypair(1_000_000_000).await;
    Ledger::ok(fs.register_project(ledger, &fs.council[0], &team.pubkey()).await);
    team
}

/// Proposes a grant of `amount` to `team` by member 0 and approves it up to the threshold.
async fn approved_grant(
    ledger: &mut Ledger,
    fs: &FundSetup,
    team: &Keypair,
    amount: u64,
    schedule: VestingSchedule,
) -> u64 {
    let t = team.pubkey();
    let (id, res) =
        fs.propose_investment_grant(ledger, &fs.council[0], &t, &t, amount, schedule).await;
    Ledger::ok(res);
    for member in &fs.council[1..fs.threshold as usize] {
        Ledger::ok(fs.approve(ledger, member, id).await);
    }
    id
}

/// Claims `team`'s grant through stk_vesting (the beneficiary signs).
async fn claim(ledger: &mut Ledger, team: &Keypair, grant_id: &Pubkey) -> TxResult {
    let ix = stk_harness::stk_client::vesting::claim(&ledger.payer(), &team.pubkey(), grant_id);
    ledger.send(&[ix], &[team]).await
}

#[tokio::test]
async fn an_investment_paid_as_a_grant_vests_to_the_beneficiary() {
    let (mut ledger, fs, share, unlock) = grant_setup_with(3, 2).await;
    ledger.warp_to_timestamp(unlock).await;
    let team = grant_startup(&mut ledger, &fs).await;
    let amount = 12_000 * STK;
    let schedule = year_from(unlock);
    let id = approved_grant(&mut ledger, &fs, &team, amount, schedule).await;
    let p = fs.proposal(&mut ledger, id).await;
    let action = ProposalAction::InvestmentGrant {
        project_id: team.pubkey(),
        beneficiary: team.pubkey(),
        amount,
        schedule,
    };
    assert_eq!((p.action, p.grant_id), (action, Pubkey::default()));

    let gross = expected_gross(&mut ledger, &fs, amount).await;
    assert!(gross > amount);
    let salt = 7;
    let grant_id = fund_ix::grant_id(id, salt);
    assert_eq!(grant_id, stk_startup_fund::state::grant_id(&seeds::find_proposal(id), salt));
    let g = grant_addresses(&grant_id);
    let executor = &fs.council[1];
    let lamports_before = ledger.lamports(&executor.pubkey()).await;
    let ok = Ledger::ok(
        fs.execute_investment_grant(&mut ledger, executor, id, &team.pubkey(), salt).await,
    );
    // The executor paid the rent of the grant and its vault.
    let rent = ledger.lamports(&g.grant).await + ledger.lamports(&g.vault).await;
    assert!(lamports_before - ledger.lamports(&executor.pubkey()).await >= rent);

    // The grant: the beneficiary's wallet, the proposal's schedule, exactly the amount,
    // created by the fund authority, non-revocable; its vault holds exactly the amount.
    let grant = fs.grant(&mut ledger, id).await;
    assert_eq!(
        (grant.grant_id, grant.beneficiary, grant.schedule, grant.total, grant.claimed),
        (grant_id, team.pubkey(), schedule, amount, 0)
    );
    assert_eq!(
        (grant.authority, grant.revocable, grant.vault),
        (fs.addresses.fund_authority, false, g.vault)
    );
    let vault = ledger.token(&g.vault).await;
    assert_eq!(
        (vault.mint, vault.amount, vault.withheld),
        (fs.addresses.mint, amount, gross - amount)
    );

    // The fund paid the gross from its unlocked balance, and its books match the vault.
    assert_books_after_first_investment(&mut ledger, &fs, &team.pubkey(), share, gross, amount)
        .await;
    let p = fs.proposal(&mut ledger, id).await;
    assert_eq!((p.status, p.closed_at, p.grant_id), (ProposalStatus::Executed, unlock, grant_id));
    let ev: Vec<events::InvestmentGrantExecuted> = decode_events(&ok.events);
    assert_eq!(ev.len(), 1);
    assert_eq!(
        (ev[0].grant_id, ev[0].salt, ev[0].grant, ev[0].beneficiary, ev[0].schedule),
        (grant_id, salt, g.grant, team.pubkey(), schedule)
    );
    assert_eq!((ev[0].amount, ev[0].gross, ev[0].unlocked_after), (amount, gross, share - gross));

    // The beneficiary claims through stk_vesting: nothing before the cliff, a quarter at it.
    ledger.warp_to_timestamp(schedule.cliff - 1).await;
    claim(&mut ledger, &team, &grant_id)
        .await
        .expect_failure()
        .assert_code(VestingError::NothingToClaim);
    ledger.warp_to_timestamp(schedule.cliff).await;
    Ledger::ok(claim(&mut ledger, &team, &grant_id).await);
    let vested = amount / 4;
    let got = ledger.token(&stk_harness::ata(&team.pubkey(), &fs.addresses.mint)).await;
    assert!(got.withheld > 0, "the beneficiary bears the claim's fee");
    assert_eq!(got.amount + got.withheld, vested);
    assert_eq!(ledger.token_amount(&g.vault).await, amount - vested);
    assert_eq!(fs.grant(&mut ledger, id).await.claimed, vested);
    // The claim does not touch the fund.
    assert_eq!(fs.vault_balance(&mut ledger).await, share - gross);
}

#[tokio::test]
async fn grant_execution_before_unlock_or_above_the_unlocked_balance_is_refused() {
    let (mut ledger, fs, share, unlock) = grant_setup_with(3, 2).await;
    let team = grant_startup(&mut ledger, &fs).await;
    let t = team.pubkey();
    let amount = 1_000 * STK;
    let id = approved_grant(&mut ledger, &fs, &team, amount, year_from(unlock)).await;
    // The whole tranche as a grant: its gross exceeds what will ever be unlocked.
    let all = approved_grant(&mut ledger, &fs, &team, share, year_from(unlock)).await;
    for at in [None, Some(unlock - 1)] {
        if let Some(at) = at {
            ledger.warp_to_timestamp(at).await;
        }
        fs.execute_investment_grant(&mut ledger, &fs.council[0], id, &t, 0)
            .await
            .expect_failure()
            .assert_code(FundError::InsufficientUnlocked);
    }
    ledger.warp_to_timestamp(unlock).await;
    fs.execute_investment_grant(&mut ledger, &fs.council[0], all, &t, 0)
        .await
        .expect_failure()
        .assert_code(FundError::InsufficientUnlocked);
    assert_eq!(fs.vault_balance(&mut ledger).await, share);
    for proposal in [id, all] {
        let g = grant_addresses(&fund_ix::grant_id(proposal, 0));
        assert!(!ledger.account_exists(&g.grant).await);
    }
    // At the unlock it pays; afterwards exactly `share - gross` is left, so a grant whose
    // gross is one unit more than that is refused and one that fits exactly is paid.
    Ledger::ok(fs.execute_investment_grant(&mut ledger, &fs.council[0], id, &t, 0).await);
    let gross = expected_gross(&mut ledger, &fs, amount).await;
    let left = share - gross;
    assert_eq!(fs.state(&mut ledger).await.unlocked(unlock).unwrap(), left);
    let net = left - 10 * STK; // the fee is capped at 10 STK per transfer
    assert_eq!(expected_gross(&mut ledger, &fs, net).await, left);
    let too_much = approved_grant(&mut ledger, &fs, &team, net + 1, year_from(unlock)).await;
    fs.execute_investment_grant(&mut ledger, &fs.council[0], too_much, &t, 0)
        .await
        .expect_failure()
        .assert_code(FundError::InsufficientUnlocked);
    let exact = approved_grant(&mut ledger, &fs, &team, net, year_from(unlock)).await;
    Ledger::ok(fs.execute_investment_grant(&mut ledger, &fs.council[0], exact, &t, 0).await);
    assert_eq!(fs.grant(&mut ledger, exact).await.total, net);
    assert_eq!(fs.vault_balance(&mut ledger).await, 0);
    assert_eq!(fs.state(&mut ledger).await.total_invested, share);
}

#[tokio::test]
async fn grant_threshold_not_met_refuses_execution() {
    let (mut ledger, fs, share, unlock) = grant_setup_with(5, 3).await;
    ledger.warp_to_timestamp(unlock).await;
    let team = grant_startup(&mut ledger, &fs).await;
    let t = team.pubkey();
    let (id, res) = fs
        .propose_investment_grant(&mut ledger, &fs.council[0], &t, &t, STK, year_from(unlock))
        .await;
    Ledger::ok(res);
    assert_eq!(fs.proposal(&mut ledger, id).await.approvals, 0b1);
    // 1 of 3, then 2 of 3: refused; a non-member is refused even at the threshold.
    for approver in [None, Some(2usize)] {
        if let Some(i) = approver {
            Ledger::ok(fs.approve(&mut ledger, &fs.council[i], id).await);
        }
        fs.execute_investment_grant(&mut ledger, &fs.council[1], id, &t, 0)
            .await
            .expect_failure()
            .assert_code(FundError::ThresholdNotMet);
    }
    Ledger::ok(fs.approve(&mut ledger, &fs.council[4], id).await);
    fs.execute_investment_grant(&mut ledger, &team, id, &t, 0)
        .await
        .expect_failure()
        .assert_code(FundError::NotCouncilMember);
    assert_eq!(fs.vault_balance(&mut ledger).await, share);
    assert!(!ledger.account_exists(&grant_addresses(&fund_ix::grant_id(id, 0)).grant).await);
    Ledger::ok(fs.execute_investment_grant(&mut ledger, &fs.council[3], id, &t, 0).await);
    assert_eq!(fs.grant(&mut ledger, id).await.total, STK);
}

#[tokio::test]
async fn executing_a_grant_twice_creates_one_grant() {
    let (mut ledger, fs, share, unlock) = grant_setup_with(3, 2).await;
    ledger.warp_to_timestamp(unlock).await;
    let team = grant_startup(&mut ledger, &fs).await;
    let t = team.pubkey();
    let amount = 5_000 * STK;
    let gross = expected_gross(&mut ledger, &fs, amount).await;
    let id = approved_grant(&mut ledger, &fs, &team, amount, year_from(unlock)).await;
    Ledger::ok(fs.execute_investment_grant(&mut ledger, &fs.council[0], id, &t, 1).await);
    // Again with the same salt or another, by every member: the proposal is closed.
    for member in &fs.council {
        for salt in [1, 2] {
            fs.execute_investment_grant(&mut ledger, member, id, &t, salt)
                .await
                .expect_failure()
                .assert_code(FundError::NotPending);
        }
    }
    assert!(!ledger.account_exists(&grant_addresses(&fund_ix::grant_id(id, 2)).grant).await);
    // Twice in one transaction (two salts): refused as a whole, no grant created.
    let second = approved_grant(&mut ledger, &fs, &team, amount, year_from(unlock)).await;
    let m = fs.council[1].pubkey();
    let ixs = [
        fund_ix::execute_investment_grant(&m, second, &t, 3),
        fund_ix::execute_investment_grant(&m, second, &t, 4),
    ];
    ledger
        .send_as(&fs.council[1], &ixs, &[])
        .await
        .expect_failure()
        .assert_code(FundError::NotPending);
    for salt in [3, 4] {
        assert!(
            !ledger.account_exists(&grant_addresses(&fund_ix::grant_id(second, salt)).grant).await
        );
    }
    assert_eq!(fs.proposal(&mut ledger, second).await.status, ProposalStatus::Pending);
    assert_eq!(fs.vault_balance(&mut ledger).await, share - gross);
    let state = fs.state(&mut ledger).await;
    assert_eq!(state.total_invested, gross);
    assert_eq!(fs.project(&mut ledger, &t).await.investments, 1);
}

#[tokio::test]
async fn invalid_schedules_and_beneficiaries_are_refused_at_proposal() {
    let (mut ledger, fs, _, unlock) = grant_setup_with(3, 2).await;
    let team = grant_startup(&mut ledger, &fs).await;
    let t = team.pubkey();
    let team_ata = ledger.create_ata(&t, &fs.addresses.mint).await;
    let member = &fs.council[0];
    let next = fs.state(&mut ledger).await.next_proposal_id;
    let good = year_from(unlock);
    let with = |f: &dyn Fn(&mut VestingSchedule)| {
        let mut s = good;
        f(&mut s);
        s
    };
    for (schedule, code) in [
        (with(&|s| s.end = s.start), FundError::ScheduleBounds),
        (with(&|s| s.end = s.start - 1), FundError::ScheduleBounds),
        (with(&|s| s.cliff = s.start - 1), FundError::ScheduleBounds),
        (with(&|s| s.cliff = s.end + 1), FundError::ScheduleBounds),
        (with(&|s| s.period = 0), FundError::SchedulePeriod),
        (with(&|s| s.period = -DAY), FundError::SchedulePeriod),
        (with(&|s| s.period = s.end - s.start + 1), FundError::SchedulePeriod),
    ] {
        let (_, res) =
            fs.propose_investment_grant(&mut ledger, member, &t, &t, STK, schedule).await;
        res.expect_failure().assert_code(code);
    }
    // The beneficiary must be a wallet: not a token account (the team's ATA, the fund's
    // vault), not the fund authority PDA, not a program.
    for beneficiary in [team_ata, fs.addresses.vault, fs.addresses.fund_authority, stk_vesting::ID]
    {
        let (_, res) =
            fs.propose_investment_grant(&mut ledger, member, &t, &beneficiary, STK, good).await;
        res.expect_failure().assert_code(FundError::BeneficiaryNotWallet);
    }
    // Nor an address off the ed25519 curve (a PDA: system-owned while unfunded, and even when
    // someone funds it), whose claims nobody could ever sign.
    let unfunded_pda = Pubkey::find_program_address(&[b"not a wallet"], &stk_vesting::ID).0;
    let funded_pda = Pubkey::find_program_address(&[b"funded, still no key"], &stk_vesting::ID).0;
    ledger.airdrop(&funded_pda, 1_000_000_000).await;
    for beneficiary in [unfunded_pda, funded_pda] {
        assert!(!beneficiary.is_on_curve());
        let (_, res) =
            fs.propose_investment_grant(&mut ledger, member, &t, &beneficiary, STK, good).await;
        res.expect_failure().assert_code(FundError::BeneficiaryOffCurve);
    }
    let (_, res) = fs.propose_investment_grant(&mut ledger, member, &t, &t, 0, good).await;
    res.expect_failure().assert_code(FundError::ZeroAmount);
    let outsider = ledger.funded_keypair(1_000_000_000).await;
    let (_, res) = fs.propose_investment_grant(&mut ledger, &outsider, &t, &t, STK, good).await;
    res.expect_failure().assert_code(FundError::NotCouncilMember);
    let (_, res) =
        fs.propose_investment_grant(&mut ledger, member, &outsider.pubkey(), &t, STK, good).await;
    res.expect_failure().assert_code(AnchorError::AccountNotInitialized as u32);
    assert_eq!(fs.state(&mut ledger).await.next_proposal_id, next, "nothing was proposed");
    // A boundary schedule is accepted: cliff at the start, one period over the whole span;
    // an unfunded wallet is a valid beneficiary.
    let edge = VestingSchedule { start: unlock, cliff: unlock, end: unlock + DAY, period: DAY };
    let fresh = Keypair::new().pubkey();
    let (id, res) = fs.propose_investment_grant(&mut ledger, member, &t, &fresh, STK, edge).await;
    Ledger::ok(res);
    assert_eq!(id, next);
}

#[tokio::test]
async fn direct_and_grant_proposals_execute_only_through_their_own_instruction() {
    let (mut ledger, fs, share, unlock) = grant_setup_with(3, 2).await;
    ledger.warp_to_timestamp(unlock).await;
    let (team, recipient) = startup(&mut ledger, &fs).await;
    let t = team.pubkey();
    let direct = approved_investment(&mut ledger, &fs, &team, &recipient, 100 * STK).await;
    let grant = approved_grant(&mut ledger, &fs, &team, 100 * STK, year_from(unlock)).await;
    fs.execute_investment_grant(&mut ledger, &fs.council[0], direct, &t, 0)
        .await
        .expect_failure()
        .assert_code(FundError::WrongAction);
    fs.execute_investment(&mut ledger, &fs.council[0], grant, &t, &recipient)
        .await
        .expect_failure()
        .assert_code(FundError::WrongAction);
    // A council change is not a grant either.
    let (change, res) = fs.propose_council_change(&mut ledger, &fs.council[0], vec![t], 1).await;
    Ledger::ok(res);
    Ledger::ok(fs.approve(&mut ledger, &fs.council[1], change).await);
    fs.execute_investment_grant(&mut ledger, &fs.council[0], change, &t, 0)
        .await
        .expect_failure()
        .assert_code(FundError::WrongAction);
    assert_eq!(fs.vault_balance(&mut ledger).await, share);
    assert_eq!(ledger.token_amount(&recipient).await, 0);
    // Each through its own instruction works.
    Ledger::ok(fs.execute_investment(&mut ledger, &fs.council[0], direct, &t, &recipient).await);
    Ledger::ok(fs.execute_investment_grant(&mut ledger, &fs.council[0], grant, &t, 0).await);
    assert_eq!(ledger.token_amount(&recipient).await, 100 * STK);
    assert_eq!(fs.grant(&mut ledger, grant).await.total, 100 * STK);
    assert_eq!(fs.project(&mut ledger, &t).await.invested, 200 * STK);
}

#[tokio::test]
async fn wrong_or_fake_vesting_accounts_are_refused() {
    // Mallory receives the treasury's distribution share, so she holds STK to squat with.
    let mut ledger = Ledger::start().await;
    let mallory = ledger.funded_keypair(1_000_000_000).await;
    let mut args = FundSetupArgs::default();
    args.stk.distribution = stk_harness::Destination::AtaOf(mallory.pubkey());
    let fs = FundSetup::initialize(&mut ledger, args).await;
    fs.initialize_vesting(&mut ledger).await;
    let (share, unlock) = funded(&mut ledger, &fs).await;
    ledger.warp_to_timestamp(unlock).await;
    let mallory_ata = fs.stk.distribution_destination;
    assert!(ledger.token_amount(&mallory_ata).await > 0);
    let team = grant_startup(&mut ledger, &fs).await;
    let (other, _) = startup(&mut ledger, &fs).await;
    let t = team.pubkey();
    let member = &fs.council[0];
    let m = member.pubkey();
    let amount = 1_000 * STK;
    let id = approved_grant(&mut ledger, &fs, &team, amount, year_from(unlock)).await;
    let exec = |salt| fund_ix::execute_investment_grant(&m, id, &t, salt);
    let v = stk_harness::stk_client::vesting::addresses();
    let other_grant = grant_addresses(&fund_ix::grant_id(id, 99));
    let a = fs.addresses;
    // Each account replaced by a plausible fake; stk_vesting's own seed checks (or the
    // fund's) refuse every one.
    for (index, expected, fake, code) in [
        // stk_vesting's config: nothing, a wallet, the fund's state (another program's).
        (7usize, v.config, Pubkey::new_unique(), AnchorError::AccountNotInitialized as u32),
        (7, v.config, mallory.pubkey(), AnchorError::AccountOwnedByWrongProgram as u32),
        (7, v.config, a.fund, AnchorError::AccountOwnedByWrongProgram as u32),
        // The grant PDA of another grant id, the grant vault of another grant, a stray key.
        (8, exec(0).accounts[8].pubkey, other_grant.grant, AnchorError::ConstraintSeeds as u32),
        (9, exec(0).accounts[9].pubkey, other_grant.vault, AnchorError::ConstraintSeeds as u32),
        (9, exec(0).accounts[9].pubkey, Pubkey::new_unique(), AnchorError::ConstraintSeeds as u32),
        // The vesting authority, the fund authority, the fund vault (mallory's account).
        (10, v.vesting_authority, mallory.pubkey(), AnchorError::ConstraintSeeds as u32),
        (4, a.fund_authority, mallory.pubkey(), AnchorError::ConstraintSeeds as u32),
        (6, a.vault, mallory_ata, AnchorError::ConstraintHasOne as u32),
        // Another program in place of stk_vesting.
        (11, stk_vesting::ID, spl_token_program(), AnchorError::InvalidProgramId as u32),
    ] {
        let mut ix = exec(0);
        assert_eq!(ix.accounts[index].pubkey, expected, "account {index}");
        ix.accounts[index].pubkey = fake;
        let failure = ledger.send_as(member, &[ix], &[]).await.expect_failure();
        failure.assert_code(code);
    }
    // Another project's record.
    let mut ix = exec(0);
    ix.accounts[3].pubkey = seeds::find_project(&other.pubkey());
    ledger.send_as(member, &[ix], &[]).await.expect_failure().assert_code(FundError::WrongProject);

    // Mallory squats the grant id of salt 0 with a grant of her own: that attempt fails,
    // nothing moves, and the execution simply uses another salt.
    let squatted = fund_ix::grant_id(id, 0);
    let squat = CreateGrantArgs {
        grant_id: squatted,
        beneficiary: mallory.pubkey(),
        amount: STK,
        schedule: year_from(unlock),
        revocable: false,
    };
    let ix = stk_harness::stk_client::vesting::create_grant(
        &mallory.pubkey(),
        &mallory.pubkey(),
        &mallory_ata,
        squat,
    );
    Ledger::ok(ledger.send_as(&mallory, &[ix], &[]).await);
    let failure = ledger.send_as(member, &[exec(0)], &[]).await.expect_failure();
    assert!(failure.logs_contain("already in use"), "{failure}");
    assert_eq!(fs.proposal(&mut ledger, id).await.status, ProposalStatus::Pending);
    assert_eq!(fs.vault_balance(&mut ledger).await, share);
    Ledger::ok(ledger.send_as(member, &[exec(1)], &[]).await);
    let grant = fs.grant(&mut ledger, id).await;
    assert_eq!(
        (grant.grant_id, grant.total, grant.beneficiary),
        (fund_ix::grant_id(id, 1), amount, t)
    );
    let gross = expected_gross(&mut ledger, &fs, amount).await;
    assert_eq!(fs.vault_balance(&mut ledger).await, share - gross);
}

#[tokio::test]
async fn a_projects_returns_are_recorded_only_by_its_registered_returner() {
    let (mut ledger, fs) = setup().await;
    let (_, unlock) = funded(&mut ledger, &fs).await;
    ledger.warp_to_timestamp(unlock).await;
    let member = &fs.council[0];
    // The project id is only a label; the returner is the key the council registered.
    let project_id = Pubkey::new_unique();
    let returner = ledger.funded_keypair(1_000_000_000).await;
    let returner_ata = ledger.create_ata(&returner.pubkey(), &fs.addresses.mint).await;
    fs.register_project_with_returner(&mut ledger, member, &project_id, &Pubkey::default())
        .await
        .expect_failure()
        .assert_code(FundError::InvalidReturner);
    let r = returner.pubkey();
    Ledger::ok(fs.register_project_with_returner(&mut ledger, member, &project_id, &r).await);
    let project = fs.project(&mut ledger, &project_id).await;
    assert_eq!(project.returner, r);

    // The project is paid into the returner's account, so the returner holds STK to return.
    let (id, res) =
        fs.propose_investment(&mut ledger, member, &project_id, &returner_ata, 1_000 * STK).await;
    Ledger::ok(res);
    Ledger::ok(fs.approve(&mut ledger, &fs.council[1], id).await);
    Ledger::ok(fs.execute_investment(&mut ledger, member, id, &project_id, &returner_ata).await);

    // Anyone else — a stranger, a council member, even with the returner's account — cannot
    // pass tokens off as this project's return (returns skip the lock).
    let mallory = ledger.funded_keypair(1_000_000_000).await;
    let mallory_ata = ledger.create_ata(&mallory.pubkey(), &fs.addresses.mint).await;
    for (signer, source) in
        [(&mallory, &mallory_ata), (&mallory, &returner_ata), (member, &returner_ata)]
    {
        fs.record_return(&mut ledger, signer, &project_id, source, STK)
            .await
            .expect_failure()
            .assert_code(FundError::NotProjectReturner);
    }
    let vault_before = fs.vault_balance(&mut ledger).await;
    Ledger::ok(
        fs.record_return(&mut ledger, &returner, &project_id, &returner_ata, 100 * STK).await,
    );
    let received = fs.vault_balance(&mut ledger).await - vault_before;
    assert!(received > 0);
    let project = fs.project(&mut ledger, &project_id).await;
    assert_eq!((project.returned, project.returns), (received, 1));
}

#[tokio::test]
async fn a_vault_shortfall_stops_record_deposits_until_the_vault_covers_the_books() {
    let (mut ledger, fs) = setup().await;
    let (share, _) = funded(&mut ledger, &fs).await;
    // The vault loses one unit behind the program's back (only the treasury's permanent
    // delegate could do that on a real cluster): rewrite the token account's amount.
    let vault = fs.addresses.vault;
    let mut data = ledger.account(&vault).await.unwrap().data;
    data[64..72].copy_from_slice(&(share - 1).to_le_bytes());
    ledger.install_account(&vault, &stk_harness::stk_client::TOKEN_2022, &data);
    assert_eq!(fs.vault_balance(&mut ledger).await, share - 1);
    fs.record_deposits(&mut ledger).await.expect_failure().assert_code(FundError::VaultShortfall);
    let state = fs.state(&mut ledger).await;
    assert_eq!(state.accounted().unwrap(), share, "the books are untouched");

    // The next quarter's deposit covers the unit: only the excess over the books is recorded.
    let before = state.tranches.pending().len();
    let next_share = fs.crank_quarter(&mut ledger, 1).await;
    let state = fs.state(&mut ledger).await;
    assert_eq!(state.accounted().unwrap(), share + next_share - 1);
    assert_eq!(state.tranches.pending().len(), before + 1);
}
