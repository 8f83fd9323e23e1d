//! Dormancy notices, fraud holds and vest-to-build recycling of `stk_treasury`, through the
//! harness with the real Token-2022 program: every rule of programs/stk_treasury/README.md's
//! "Dormancy", "Fraud holds" and "Vest-to-build" sections, attacked.
//!
//! The suite here is the full wiring: the mint with the treasury's distribution vault and the
//! startup fund's vault as destinations, a "bank" wallet holding the genesis amount that the tests
//! hand STK out of (so these tests do not depend on the payout path), the startup fund with a
//! council, and the treasury's escrow vault.
use anchor_lang::{error::ErrorCode as AnchorError, prelude::Pubkey};
use anchor_spl::token_interface::spl_token_2022 as t22;
use solana_keypair::Keypair;
use solana_signer::Signer;
use stk_common::{calendar::MonthId, seeds};
use stk_harness::{
    decode_events,
    startup_fund::FundSetup,
    stk_client::{startup_fund as fund_ix, treasury as treasury_ix, vesting as vesting_ix},
    treasury::{PayoutPlan, TreasurySetup, TreasurySetupArgs},
    ExpectFailure, Ledger, TxResult,
};
use stk_startup_fund::state::MIN_LOCK_PERIOD;
use stk_treasury::{
    errors::TreasuryError,
    events,
    state::{DormancyNotice, FraudHold, HoldOutcome, HoldStatus, NoticeStatus, Treasury},
};
use stk_vesting::{curve::VestingSchedule, instructions::CreateGrantArgs};

const STK: u64 = 1_000_000;
const NOTICE: i64 = 90 * 86_400;
const HASH: [u8; 32] = [7; 32];

/// What Token-2022 withholds on a transfer of `amount` (0.5%, rounded up, at most 10 STK).
fn fee(amount: u64) -> u64 {
    (amount * 50).div_ceil(10_000).min(10 * STK)
}

struct Suite {
    ledger: Ledger,
    t: TreasurySetup,
    /// Holds the genesis allocation; the source of every member balance here.
    bank: Keypair,
    bank_token: Pubkey,
    /// The startup fund's council; `council[0]` is the treasury admin's own key (the ledger
    /// payer), to prove the admin never counts as the second authority.
    council: Vec<Keypair>,
    admin: Keypair,
}

impl Suite {
    /// Mint + treasury (+ quarter 0 minted if `mint_q0`), the genesis allocation in the bank,
    /// the startup fund with a council `[admin, m1, m2]` and threshold 2, the escrow vault.
    async fn start(mint_q0: bool) -> Suite {
        let mut ledger = Ledger::start().await;
        let bank = ledger.funded_keypair(10_000_000_000).await;
        let admin = ledger.ctx.payer.insecure_clone();
        let mut council = vec![admin.insecure_clone()];
        for _ in 0..2 {
            council.push(ledger.funded_keypair(1_000_000_000).await);
        }
        let args = TreasurySetupArgs {
            fund_council: Some((council.iter().map(|k| k.pubkey()).collect(), 2)),
            ..TreasurySetupArgs::default()
        };
        let t = TreasurySetup::initialize(&mut ledger, args).await;
        Ledger::ok(t.stk.mint_genesis(&mut ledger).await);
        // (Quarters pay the fund's vault, which exists from here on.)
        if mint_q0 {
            Ledger::ok(t.stk.mint_quarter(&mut ledger, 0, true).await);
        }
        // The genesis allocation must go to the sale vault, which releases STK only through the
        // allowlisted sale; these tests attack dormancy and holds, not where a member's STK came
        // from, so the bank's balance (the genesis amount) is written into its real Token-2022
        // account directly (test-only; transfers from it go through Token-2022 as usual).
        let bank_token = ledger.create_ata(&bank.pubkey(), &t.mint()).await;
        let mut account = ledger.account(&bank_token).await.expect("bank ATA");
        let genesis = t.stk.schedule.genesis_amount();
        account.data[64..72].copy_from_slice(&genesis.to_le_bytes());
        ledger.install_account(&bank_token, &t22::ID, &account.data);
        Suite { ledger, t, bank, bank_token, council, admin }
    }

    fn mint(&self) -> Pubkey {
        self.t.mint()
    }

    /// Sends `amount` from the bank to `to`; returns what arrived (amount − fee).
    async fn pay(&mut self, to: &Pubkey, amount: u64) -> u64 {
        let before = self.ledger.token_amount(to).await;
        let ix = t22::instruction::transfer_checked(
            &t22::ID,
            &self.bank_token,
            &self.mint(),
            to,
            &self.bank.pubkey(),
            &[],
            amount,
            self.t.stk.decimals,
        )
        .expect("transfer_checked");
        Ledger::ok(self.ledger.send(&[ix], &[&self.bank]).await);
        let arrived = self.ledger.token_amount(to).await - before;
        assert_eq!(arrived, amount - fee(amount));
        arrived
    }

    /// A funded wallet and its STK ATA holding `amount` − fee from the bank.
    async fn member(&mut self, amount: u64) -> (Keypair, Pubkey) {
        let wallet = self.ledger.funded_keypair(1_000_000_000).await;
        let token = self.ledger.create_ata(&wallet.pubkey(), &self.mint()).await;
        if amount > 0 {
            self.pay(&token, amount).await;
        }
        (wallet, token)
    }

    async fn treasury(&mut self) -> Treasury {
        self.ledger.anchor_account(&seeds::find_treasury()).await
    }

    async fn notice(&mut self, account: &Pubkey) -> DormancyNotice {
        self.ledger.anchor_account(&seeds::find_dormancy_notice(account)).await
    }

    async fn hold(&mut self, account: &Pubkey) -> FraudHold {
        self.ledger.anchor_account(&seeds::find_fraud_hold(account)).await
    }

    async fn flag(&mut self, account: &Pubkey) -> TxResult {
        let ix = treasury_ix::flag_dormant(&self.admin.pubkey(), account, 1);
        self.ledger.send(&[ix], &[]).await
    }

    async fn reintegrate(&mut self, account: &Pubkey) -> TxResult {
        self.ledger.send(&[treasury_ix::reintegrate(account)], &[]).await
    }

    async fn close_notice(&mut self, account: &Pubkey) -> TxResult {
        let ix = treasury_ix::close_dormancy_notice(&self.admin.pubkey(), account);
        self.ledger.send(&[ix], &[]).await
    }

    async fn place_hold(&mut self, account: &Pubkey, amount: u64) -> TxResult {
        let ix = treasury_ix::place_fraud_hold(&self.admin.pubkey(), account, 9, HASH, amount);
        self.ledger.send(&[ix], &[]).await
    }

    /// Council member `i` approves the hold of `account` (signing and paying).
    async fn approve(&mut self, i: usize, account: &Pubkey) -> TxResult {
        let member = self.council[i].insecure_clone();
        let ix = treasury_ix::approve_fraud_hold(&member.pubkey(), account);
        self.ledger.send_as(&member, &[ix], &[]).await
    }

    async fn execute(&mut self, account: &Pubkey) -> TxResult {
        self.ledger.send(&[treasury_ix::execute_fraud_hold(account)], &[]).await
    }

    /// Council member `i` votes `outcome` on the hold of `account`.
    async fn vote(
        &mut self,
        i: usize,
        account: &Pubkey,
        holder_account: &Pubkey,
        outcome: HoldOutcome,
    ) -> TxResult {
        let member = self.council[i].insecure_clone();
        let ix = treasury_ix::vote_fraud_hold(&member.pubkey(), account, holder_account, outcome);
        self.ledger.send_as(&member, &[ix], &[]).await
    }

    /// The owner sends the whole balance of `account` to `sink`, anyone harvests its withheld
    /// fees (Token-2022 closes only an account without any), and the owner closes it.
    async fn empty_and_close(&mut self, owner: &Keypair, account: &Pubkey, sink: &Pubkey) {
        let balance = self.ledger.token_amount(account).await;
        let out = t22::instruction::transfer_checked(
            &t22::ID,
            account,
            &self.mint(),
            sink,
            &owner.pubkey(),
            &[],
            balance,
            self.t.stk.decimals,
        )
        .expect("transfer_checked");
        Ledger::ok(self.ledger.send(&[out], &[owner]).await);
        Ledger::ok(self.ledger.send(&[treasury_ix::harvest_fees(&[*account])], &[]).await);
        let close = t22::instruction::close_account(
            &t22::ID,
            account,
            &owner.pubkey(),
            &owner.pubkey(),
            &[],
        )
        .expect("close_account");
        Ledger::ok(self.ledger.send(&[close], &[owner]).await);
        assert!(!self.ledger.account_exists(account).await, "closed");
    }

    /// Creates an STK Token-2022 account at the keypair address `address` (not an ATA, so it
    /// may be re-created there for any owner), with the extensions the mint requires.
    async fn keypair_account(&mut self, address: &Keypair, owner: &Pubkey) {
        use t22::extension::{BaseStateWithExtensions, ExtensionType, StateWithExtensions};
        let mint = self.mint();
        let data = self.ledger.mint_data(&mint).await;
        let types = StateWithExtensions::<t22::state::Mint>::unpack(&data)
            .expect("mint")
            .get_extension_types()
            .expect("extensions");
        let required = ExtensionType::get_required_init_account_extensions(&types);
        let len = ExtensionType::try_calculate_account_len::<t22::state::Account>(&required)
            .expect("length");
        let rent =
            self.ledger.ctx.banks_client.get_rent().await.expect("rent").minimum_balance(len);
        let create = solana_system_interface::instruction::create_account(
            &self.ledger.payer(),
            &address.pubkey(),
            rent,
            len as u64,
            &t22::ID,
        );
        let init = t22::instruction::initialize_account3(&t22::ID, &address.pubkey(), &mint, owner)
            .expect("initialize_account3");
        Ledger::ok(self.ledger.send(&[create, init], &[address]).await);
    }

    async fn recycle(&mut self) -> TxResult {
        self.ledger.send(&[treasury_ix::recycle_surplus()], &[]).await
    }
}

// ---- 1. only ordinary wallets' accounts ------------------------------------------------------

#[tokio::test]
async fn no_pda_owned_vault_of_the_suite_can_be_flagged_or_held() {
    let mut s = Suite::start(false).await;
    let mint = s.mint();
    let payer = s.ledger.payer();

    // Every other program's vaults: staking (stake + reward), vesting (sale + a grant vault);
    // the startup fund's vault exists already, and so does the treasury's escrow.
    let pool = stk_harness::staking::initialize_pool(
        &mut s.ledger,
        &mint,
        STK,
        stk_staking::state::default_lock_options(),
    )
    .await;
    // (stk_vesting is initialized with the mint: genesis goes to its sale vault.)
    let now = s.ledger.now().await;
    let grant_id = Pubkey::new_unique();
    let args = CreateGrantArgs {
        grant_id,
        beneficiary: Pubkey::new_unique(),
        amount: 1_000 * STK,
        schedule: VestingSchedule { start: now, cliff: now, end: now + 86_400, period: 3_600 },
        revocable: false,
    };
    let bank = s.bank.pubkey();
    let ix = vesting_ix::create_grant(&payer, &bank, &s.bank_token, args);
    Ledger::ok(s.ledger.send(&[ix], &[&s.bank]).await);
    let grant_vault = vesting_ix::grant_addresses(&grant_id).vault;
    assert!(s.ledger.token_amount(&grant_vault).await > 0, "the grant vault holds STK");
    // A PDA-owned ATA outside the suite too: any program address is off the curve.
    let some_pda = Pubkey::find_program_address(&[b"anything"], &stk_staking::ID).0;
    let pda_ata = s.ledger.create_ata(&some_pda, &mint).await;

    let pda_owned = [
        ("stake vault", pool.stake_vault),
        ("reward vault", pool.reward_vault),
        ("startup-fund vault", seeds::find_fund_vault()),
        ("sale vault", seeds::find_sale_vault()),
        ("grant vault", grant_vault),
        ("hold escrow", seeds::find_hold_escrow()),
        ("a PDA's ATA", pda_ata),
    ];
    for (name, vault) in pda_owned {
        assert!(s.ledger.account_exists(&vault).await, "{name} exists");
        s.flag(&vault).await.expect_failure().assert_code(TreasuryError::OwnerNotWallet);
        s.place_hold(&vault, 1).await.expect_failure().assert_code(TreasuryError::OwnerNotWallet);
        assert!(!s.ledger.account_exists(&seeds::find_dormancy_notice(&vault)).await, "{name}");
    }
    // The treasury's own vaults keep their own error.
    for vault in [s.t.addresses.distribution_vault, s.t.addresses.fee_vault] {
        s.flag(&vault).await.expect_failure().assert_code(TreasuryError::TreasuryVault);
        s.place_hold(&vault, 1).await.expect_failure().assert_code(TreasuryError::TreasuryVault);
    }
    // An ordinary wallet's account is accepted by both paths.
    let (wallet, account) = s.member(10 * STK).await;
    Ledger::ok(s.flag(&account).await);
    Ledger::ok(s.place_hold(&account, STK).await);
    assert_eq!(s.notice(&account).await.owner, wallet.pubkey());
    assert_eq!(s.hold(&account).await.owner, wallet.pubkey());
}

// ---- 3. notices: public, cancellable, cooldown, bound to what was flagged ---------------------

#[tokio::test]
async fn dormant_balances_return_only_after_a_public_uncancelled_notice() {
    let mut s = Suite::start(false).await;
    let vault = s.t.addresses.distribution_vault;
    let (sleeper, sleeper_account) = s.member(400 * STK).await;
    let (awake, awake_account) = s.member(300 * STK).await;
    let sleeper_balance = s.ledger.token_amount(&sleeper_account).await;
    let awake_balance = s.ledger.token_amount(&awake_account).await;
    let admin = s.admin.pubkey();
    let stranger = s.ledger.funded_keypair(1_000_000_000).await;

    // Only the admin flags; never a non-STK account.
    let ix = treasury_ix::flag_dormant(&stranger.pubkey(), &sleeper_account, 1);
    s.ledger.send(&[ix], &[&stranger]).await.expect_failure().assert_code(TreasuryError::NotAdmin);
    let other_mint = s.ledger.create_foreign_mint(6).await;
    let foreign_account = s.ledger.create_ata(&sleeper.pubkey(), &other_mint).await;
    s.flag(&foreign_account)
        .await
        .expect_failure()
        .assert_code(AnchorError::ConstraintTokenMint as u32);

    // Flag both accounts; the notice is public with its end, the owner and the balance.
    let flagged_at = s.ledger.now().await;
    for (account, balance) in [(sleeper_account, sleeper_balance), (awake_account, awake_balance)] {
        let ok = Ledger::ok(s.flag(&account).await);
        let ev = decode_events::<events::DormancyFlagged>(&ok.events);
        assert_eq!((ev[0].notice_ends_at, ev[0].balance), (flagged_at + NOTICE, balance));
    }
    let notice = s.notice(&sleeper_account).await;
    assert_eq!(
        (notice.owner, notice.status, notice.reason_code, notice.flagged_balance),
        (sleeper.pubkey(), NoticeStatus::Pending, 1, sleeper_balance)
    );
    assert!(s.flag(&sleeper_account).await.is_err(), "one notice per account");

    // Too early.
    s.ledger.advance_seconds(NOTICE - 100).await;
    s.reintegrate(&sleeper_account)
        .await
        .expect_failure()
        .assert_code(TreasuryError::NoticeNotEnded);

    // The awake owner cancels (a stranger cannot); afterwards nothing can take the balance.
    let ix = treasury_ix::cancel_dormancy(&stranger.pubkey(), &awake_account);
    s.ledger
        .send(&[ix], &[&stranger])
        .await
        .expect_failure()
        .assert_code(TreasuryError::NotTokenOwner);
    let ix = treasury_ix::cancel_dormancy(&awake.pubkey(), &awake_account);
    Ledger::ok(s.ledger.send(&[ix], &[&awake]).await);
    let cancelled_at = s.ledger.now().await;
    s.ledger.advance_seconds(200).await;
    s.reintegrate(&awake_account)
        .await
        .expect_failure()
        .assert_code(TreasuryError::NoticeCancelled);
    assert_eq!(s.ledger.token_amount(&awake_account).await, awake_balance);

    // The sleeper's balance moves back to the distribution vault via the permanent delegate,
    // cranked by anyone.
    let vault_before = s.ledger.token_amount(&vault).await;
    let ix = treasury_ix::reintegrate(&sleeper_account);
    let ok = Ledger::ok(s.ledger.send_as(&stranger, &[ix], &[]).await);
    let received = sleeper_balance - fee(sleeper_balance);
    assert_eq!(s.ledger.token_amount(&sleeper_account).await, 0);
    assert_eq!(s.ledger.token_amount(&vault).await, vault_before + received);
    let ev = decode_events::<events::DormantBalanceReintegrated>(&ok.events);
    assert_eq!((ev[0].amount, ev[0].received_by_vault), (sleeper_balance, received));
    let notice = s.notice(&sleeper_account).await;
    assert_eq!(
        (notice.status, notice.amount_reintegrated),
        (NoticeStatus::Reintegrated, sleeper_balance)
    );

    // Twice is refused; so is a late cancel.
    s.reintegrate(&sleeper_account)
        .await
        .expect_failure()
        .assert_code(TreasuryError::AlreadyReintegrated);
    let ix = treasury_ix::cancel_dormancy(&sleeper.pubkey(), &sleeper_account);
    s.ledger
        .send(&[ix], &[&sleeper])
        .await
        .expect_failure()
        .assert_code(TreasuryError::NoticeNotPending);

    // Closing (which a new flag needs): admin only; a reintegrated notice at once.
    let ix = treasury_ix::close_dormancy_notice(&stranger.pubkey(), &sleeper_account);
    s.ledger.send(&[ix], &[&stranger]).await.expect_failure().assert_code(TreasuryError::NotAdmin);
    Ledger::ok(s.close_notice(&sleeper_account).await);

    // A cancelled notice blocks a new flag for one notice period from the cancellation: the
    // admin cannot close it and flag again at once (the bypass of issue 15.3).
    s.close_notice(&awake_account)
        .await
        .expect_failure()
        .assert_code(TreasuryError::NoticeCooldown);
    s.ledger.warp_to_timestamp(cancelled_at + NOTICE - 1).await;
    s.close_notice(&awake_account)
        .await
        .expect_failure()
        .assert_code(TreasuryError::NoticeCooldown);
    assert!(s.flag(&awake_account).await.is_err(), "the cancelled notice still stands");
    s.ledger.warp_to_timestamp(cancelled_at + NOTICE).await;
    Ledger::ok(s.close_notice(&awake_account).await);
    assert!(!s.ledger.account_exists(&seeds::find_dormancy_notice(&awake_account)).await);
    let ix = treasury_ix::flag_dormant(&admin, &awake_account, 2);
    Ledger::ok(s.ledger.send(&[ix], &[]).await);
    s.close_notice(&awake_account).await.expect_failure().assert_code(TreasuryError::NoticePending);
    let renewed = s.notice(&awake_account).await;
    assert_eq!((renewed.status, renewed.reason_code), (NoticeStatus::Pending, 2));
    s.reintegrate(&awake_account).await.expect_failure().assert_code(TreasuryError::NoticeNotEnded);

    // A notice of one account cannot be used on another.
    let mut ix = treasury_ix::reintegrate(&sleeper_account);
    ix.accounts[1].pubkey = seeds::find_dormancy_notice(&awake_account);
    s.ledger
        .send(&[ix], &[])
        .await
        .expect_failure()
        .assert_code(AnchorError::ConstraintSeeds as u32);
}

#[tokio::test]
async fn a_notice_dies_with_its_account_and_never_sweeps_a_recreated_one() {
    let mut s = Suite::start(false).await;
    let (owner, account) = s.member(500 * STK).await;
    let (spender, spender_account) = s.member(200 * STK).await;
    let (_quiet, quiet_account) = s.member(100 * STK).await;
    for a in [account, spender_account, quiet_account] {
        Ledger::ok(s.flag(&a).await);
    }
    let mint = s.mint();
    let decimals = s.t.stk.decimals;
    let sink = s.ledger.create_ata(&Pubkey::new_unique(), &mint).await;

    // An unchanged account cannot be voided.
    let ix = treasury_ix::void_notice(&quiet_account);
    s.ledger
        .send(&[ix], &[])
        .await
        .expect_failure()
        .assert_code(TreasuryError::NoticeAccountUnchanged);

    // The owner empties the account, has its withheld fees swept (as anyone may), closes it;
    // then someone re-creates the ATA at the same address and funds it.
    let balance = s.ledger.token_amount(&account).await;
    let out = t22::instruction::transfer_checked(
        &t22::ID,
        &account,
        &mint,
        &sink,
        &owner.pubkey(),
        &[],
        balance,
        decimals,
    )
    .unwrap();
    Ledger::ok(s.ledger.send(&[out], &[&owner]).await);
    Ledger::ok(s.ledger.send(&[treasury_ix::harvest_fees(&[account])], &[]).await);
    let close =
        t22::instruction::close_account(&t22::ID, &account, &owner.pubkey(), &owner.pubkey(), &[])
            .unwrap();
    Ledger::ok(s.ledger.send(&[close], &[&owner]).await);
    assert!(!s.ledger.account_exists(&account).await, "closed");
    s.ledger.advance_seconds(NOTICE).await;
    // Closed: nothing to reintegrate.
    s.reintegrate(&account).await.expect_failure().assert_code(TreasuryError::NoticeAccountChanged);
    assert_eq!(s.ledger.create_ata(&owner.pubkey(), &mint).await, account, "same address");
    let refill = s.pay(&account, 700 * STK).await;
    // Re-created and refilled: the old notice cannot sweep the new balance.
    s.reintegrate(&account).await.expect_failure().assert_code(TreasuryError::NoticeAccountChanged);
    assert_eq!(s.ledger.token_amount(&account).await, refill);
    // Anyone voids it for good; it never moves anything again.
    let ok = Ledger::ok(s.ledger.send(&[treasury_ix::void_notice(&account)], &[]).await);
    let ev = decode_events::<events::DormancyNoticeVoided>(&ok.events);
    assert_eq!((ev[0].token_account, ev[0].account_exists), (account, true));
    assert_eq!(s.notice(&account).await.status, NoticeStatus::Voided);
    s.reintegrate(&account).await.expect_failure().assert_code(TreasuryError::NoticeNotPending);
    let ix = treasury_ix::void_notice(&account);
    s.ledger.send(&[ix], &[]).await.expect_failure().assert_code(TreasuryError::NoticeNotPending);
    // And the void starts the cooldown like a cancellation.
    s.close_notice(&account).await.expect_failure().assert_code(TreasuryError::NoticeCooldown);

    // Spending any part of the flagged balance is activity: the notice cannot move the rest.
    let out = t22::instruction::transfer_checked(
        &t22::ID,
        &spender_account,
        &mint,
        &sink,
        &spender.pubkey(),
        &[],
        1,
        decimals,
    )
    .unwrap();
    Ledger::ok(s.ledger.send(&[out], &[&spender]).await);
    let left = s.ledger.token_amount(&spender_account).await;
    s.reintegrate(&spender_account)
        .await
        .expect_failure()
        .assert_code(TreasuryError::NoticeAccountChanged);
    assert_eq!(s.ledger.token_amount(&spender_account).await, left);

    // A refill by someone else (not the owner's doing) does not let the notice take more than
    // it flagged either: it is refused until voided, then the account may be flagged afresh
    // after the cooldown, with the new balance.
    s.pay(&quiet_account, STK).await;
    s.reintegrate(&quiet_account)
        .await
        .expect_failure()
        .assert_code(TreasuryError::NoticeAccountChanged);
    Ledger::ok(s.ledger.send(&[treasury_ix::void_notice(&quiet_account)], &[]).await);
    s.ledger.advance_seconds(NOTICE).await;
    Ledger::ok(s.close_notice(&quiet_account).await);
    Ledger::ok(s.flag(&quiet_account).await);
    let now_balance = s.ledger.token_amount(&quiet_account).await;
    assert_eq!(s.notice(&quiet_account).await.flagged_balance, now_balance);
}

// ---- 2. fraud holds ---------------------------------------------------------------------------

#[tokio::test]
async fn a_fraud_hold_needs_the_council_and_the_time_lock_and_the_holder_cannot_cancel_it() {
    let mut s = Suite::start(false).await;
    let (holder, account) = s.member(1_000 * STK).await;
    let balance = s.ledger.token_amount(&account).await;
    let stranger = s.ledger.funded_keypair(1_000_000_000).await;
    let escrow = seeds::find_hold_escrow();

    // Only the admin places; the amount is positive and within the balance.
    let ix = treasury_ix::place_fraud_hold(&stranger.pubkey(), &account, 9, HASH, STK);
    s.ledger.send(&[ix], &[&stranger]).await.expect_failure().assert_code(TreasuryError::NotAdmin);
    s.place_hold(&account, 0).await.expect_failure().assert_code(TreasuryError::HoldAmount);
    s.place_hold(&account, balance + 1)
        .await
        .expect_failure()
        .assert_code(TreasuryError::HoldAmount);
    let held = 600 * STK;
    let placed_at = s.ledger.now().await;
    let ok = Ledger::ok(s.place_hold(&account, held).await);
    let ev = decode_events::<events::FraudHoldPlaced>(&ok.events);
    assert_eq!(
        (ev[0].owner, ev[0].reason_code, ev[0].reason_hash, ev[0].amount, ev[0].executable_at),
        (holder.pubkey(), 9, HASH, held, placed_at + NOTICE)
    );
    assert_eq!(s.hold(&account).await.status, HoldStatus::Placed);

    // The holder cannot cancel it (only the admin withdraws), nor approve or vote on it.
    let ix = treasury_ix::withdraw_fraud_hold(&holder.pubkey(), &account);
    s.ledger.send(&[ix], &[&holder]).await.expect_failure().assert_code(TreasuryError::NotAdmin);
    let ix = treasury_ix::approve_fraud_hold(&holder.pubkey(), &account);
    s.ledger
        .send(&[ix], &[&holder])
        .await
        .expect_failure()
        .assert_code(TreasuryError::NotCouncilMember);
    // Nor can a stranger confirm it, and the admin alone never counts, even on the council.
    let ix = treasury_ix::approve_fraud_hold(&stranger.pubkey(), &account);
    s.ledger
        .send(&[ix], &[&stranger])
        .await
        .expect_failure()
        .assert_code(TreasuryError::NotCouncilMember);
    s.approve(0, &account).await.expect_failure().assert_code(TreasuryError::AdminCannotConfirm);

    // One council member of a 2-of-3 council is not enough: nothing moves before confirmation.
    let ok = Ledger::ok(s.approve(1, &account).await);
    let ev = decode_events::<events::FraudHoldApproved>(&ok.events);
    assert_eq!((ev[0].approvals, ev[0].threshold, ev[0].confirmed), (1, 2, false));
    s.approve(1, &account).await.expect_failure().assert_code(TreasuryError::AlreadyVoted);
    s.ledger.advance_seconds(NOTICE).await;
    s.execute(&account).await.expect_failure().assert_code(TreasuryError::HoldNotConfirmed);
    assert_eq!(s.ledger.token_amount(&account).await, balance);

    // The holder publishes an appeal on-chain (only the holder; 96 bytes at most).
    let uri = "https://stk.example/appeals/1".to_string();
    let ix = treasury_ix::appeal_fraud_hold(&stranger.pubkey(), &account, [1; 32], uri.clone());
    s.ledger.send(&[ix], &[&stranger]).await.expect_failure().assert_code(TreasuryError::NotHolder);
    let ix = treasury_ix::appeal_fraud_hold(&holder.pubkey(), &account, [1; 32], "x".repeat(97));
    s.ledger
        .send(&[ix], &[&holder])
        .await
        .expect_failure()
        .assert_code(TreasuryError::AppealTooLong);
    let ix = treasury_ix::appeal_fraud_hold(&holder.pubkey(), &account, [1; 32], uri.clone());
    let ok = Ledger::ok(s.ledger.send(&[ix], &[&holder]).await);
    let ev = decode_events::<events::FraudHoldAppealed>(&ok.events);
    assert_eq!((ev[0].appeal_hash, ev[0].appeal_uri.as_str()), ([1; 32], uri.as_str()));
    let hold = s.hold(&account).await;
    assert_eq!((hold.appeal_hash, hold.appeal_uri), ([1; 32], uri));

    // A second member confirms; the balance moves into the escrow (not anywhere else).
    let ok = Ledger::ok(s.approve(2, &account).await);
    assert!(decode_events::<events::FraudHoldApproved>(&ok.events)[0].confirmed);
    assert!(s.hold(&account).await.confirmed_at > 0);
    let ok = Ledger::ok(
        s.ledger.send_as(&stranger, &[treasury_ix::execute_fraud_hold(&account)], &[]).await,
    );
    let escrowed = held - fee(held);
    let ev = decode_events::<events::FraudHoldExecuted>(&ok.events);
    assert_eq!((ev[0].amount, ev[0].escrowed), (held, escrowed));
    assert_eq!(s.ledger.token_amount(&account).await, balance - held);
    assert_eq!(s.ledger.token_amount(&escrow).await, escrowed);
    s.execute(&account).await.expect_failure().assert_code(TreasuryError::HoldWrongStatus);
    // Once escrowed the admin cannot withdraw or close it; only the council decides.
    let ix = treasury_ix::withdraw_fraud_hold(&s.admin.pubkey(), &account);
    s.ledger.send(&[ix], &[]).await.expect_failure().assert_code(TreasuryError::HoldWrongStatus);
    let ix = treasury_ix::close_fraud_hold(&s.admin.pubkey(), &account);
    s.ledger.send(&[ix], &[]).await.expect_failure().assert_code(TreasuryError::HoldWrongStatus);

    // The appeal succeeds: two members release the escrow to the holder's account (only to an
    // account of the holder; one vote per member; never the admin).
    let stranger_account = s.ledger.create_ata(&stranger.pubkey(), &s.mint()).await;
    s.vote(0, &account, &account, HoldOutcome::Release)
        .await
        .expect_failure()
        .assert_code(TreasuryError::AdminCannotConfirm);
    Ledger::ok(s.vote(1, &account, &account, HoldOutcome::Release).await);
    s.vote(1, &account, &account, HoldOutcome::Forfeit)
        .await
        .expect_failure()
        .assert_code(TreasuryError::AlreadyVoted);
    s.vote(2, &account, &stranger_account, HoldOutcome::Release)
        .await
        .expect_failure()
        .assert_code(TreasuryError::NotHoldersAccount);
    let ok = Ledger::ok(s.vote(2, &account, &account, HoldOutcome::Release).await);
    let ev = decode_events::<events::FraudHoldResolved>(&ok.events);
    assert_eq!(
        (ev[0].outcome, ev[0].amount, ev[0].destination),
        (HoldOutcome::Release, escrowed, account)
    );
    assert_eq!(s.ledger.token_amount(&account).await, balance - held + escrowed - fee(escrowed));
    assert_eq!(s.ledger.token_amount(&escrow).await, 0);
    assert_eq!(s.hold(&account).await.status, HoldStatus::Released);
    s.vote(1, &account, &account, HoldOutcome::Forfeit)
        .await
        .expect_failure()
        .assert_code(TreasuryError::HoldWrongStatus);
    // Finished: the admin may close it, and the account can be held anew.
    Ledger::ok(
        s.ledger.send(&[treasury_ix::close_fraud_hold(&s.admin.pubkey(), &account)], &[]).await,
    );
    Ledger::ok(s.place_hold(&account, STK).await);
}

#[tokio::test]
async fn a_confirmed_hold_waits_for_its_time_lock_and_a_forfeit_returns_to_circulation() {
    let mut s = Suite::start(true).await;
    let (holder, account) = s.member(1_000 * STK).await;
    let balance = s.ledger.token_amount(&account).await;
    let (_other, other_account) = s.member(50 * STK).await;
    let mint = s.mint();
    Ledger::ok(s.place_hold(&account, balance).await);
    Ledger::ok(s.approve(1, &account).await);
    Ledger::ok(s.approve(2, &account).await);

    // Confirmed, but the time lock has not ended: refused, nothing moves.
    s.ledger.advance_seconds(NOTICE - 10).await;
    s.execute(&account).await.expect_failure().assert_code(TreasuryError::HoldLocked);
    assert_eq!(s.ledger.token_amount(&account).await, balance);
    // A hold of one account cannot be executed against another.
    let mut ix = treasury_ix::execute_fraud_hold(&other_account);
    ix.accounts[2].pubkey = seeds::find_fraud_hold(&account);
    s.ledger
        .send(&[ix], &[])
        .await
        .expect_failure()
        .assert_code(AnchorError::ConstraintSeeds as u32);

    // The holder spends part of it meanwhile (STK has no freeze authority): only what is
    // left moves, never more than the hold's amount.
    let spent = 100 * STK;
    let sink = s.ledger.create_ata(&Pubkey::new_unique(), &mint).await;
    let out = t22::instruction::transfer_checked(
        &t22::ID,
        &account,
        &mint,
        &sink,
        &holder.pubkey(),
        &[],
        spent,
        s.t.stk.decimals,
    )
    .unwrap();
    Ledger::ok(s.ledger.send(&[out], &[&holder]).await);
    s.ledger.advance_seconds(10).await;
    let ok = Ledger::ok(s.execute(&account).await);
    let moved = balance - spent;
    let escrowed = moved - fee(moved);
    let ev = decode_events::<events::FraudHoldExecuted>(&ok.events);
    assert_eq!((ev[0].amount, ev[0].escrowed), (moved, escrowed));
    assert_eq!(s.ledger.token_amount(&account).await, 0);
    assert_eq!(s.hold(&account).await.escrowed, escrowed);

    // The council forfeits it: it lands in the distribution vault and is booked as recycled.
    let vault = s.t.addresses.distribution_vault;
    let vault_before = s.ledger.token_amount(&vault).await;
    let recycled_before = s.treasury().await.recycled_total;
    Ledger::ok(s.vote(1, &account, &account, HoldOutcome::Forfeit).await);
    let ok = Ledger::ok(s.vote(2, &account, &account, HoldOutcome::Forfeit).await);
    let arrived = escrowed - fee(escrowed);
    assert_eq!(s.ledger.token_amount(&vault).await, vault_before + arrived);
    let booked = decode_events::<events::SurplusRecycled>(&ok.events);
    assert_eq!(booked[0].amount, arrived);
    assert_eq!(s.treasury().await.recycled_total, recycled_before + arrived);
    assert_eq!(s.hold(&account).await.status, HoldStatus::Forfeited);

    // A placed hold the admin withdraws only un-restricts: nothing can move afterwards.
    Ledger::ok(s.place_hold(&other_account, STK).await);
    Ledger::ok(s.approve(1, &other_account).await);
    Ledger::ok(s.approve(2, &other_account).await);
    let ix = treasury_ix::withdraw_fraud_hold(&s.admin.pubkey(), &other_account);
    Ledger::ok(s.ledger.send(&[ix], &[]).await);
    s.ledger.advance_seconds(NOTICE).await;
    s.execute(&other_account).await.expect_failure().assert_code(TreasuryError::HoldWrongStatus);
    s.approve(1, &other_account).await.expect_failure().assert_code(TreasuryError::HoldWrongStatus);
}

#[tokio::test]
async fn a_hold_whose_account_is_closed_after_confirmation_takes_nothing_but_the_holders() {
    // Between the council's confirmation and execution the holder closes the held account.
    // A hold binds the holder (the owner when placed), up to its confirmed amount:
    // * closed → `HoldAccountChanged`, nothing moves, the hold stays placed;
    // * re-created by the same holder (an ATA always comes back at its address, with the same
    //   owner) → still the holder's account: the hold takes `min(amount, balance)`, never more
    //   than the confirmed amount, as if the holder had moved tokens during the time lock;
    // * re-created at the same address for another owner (a keypair account) → refused with
    //   `HoldAccountChanged`; the new owner's balance is never touched.
    let mut s = Suite::start(false).await;
    let mint = s.mint();
    let escrow = seeds::find_hold_escrow();
    let sink = s.ledger.create_ata(&Pubkey::new_unique(), &mint).await;

    // The holder's ATA: confirmed, then emptied and closed.
    let (holder, account) = s.member(300 * STK).await;
    let held = s.ledger.token_amount(&account).await;
    Ledger::ok(s.place_hold(&account, held).await);
    Ledger::ok(s.approve(1, &account).await);
    Ledger::ok(s.approve(2, &account).await);
    assert!(s.hold(&account).await.confirmed_at > 0, "confirmed");
    s.empty_and_close(&holder, &account, &sink).await;
    s.ledger.advance_seconds(NOTICE).await;
    s.execute(&account).await.expect_failure().assert_code(TreasuryError::HoldAccountChanged);
    assert_eq!(s.hold(&account).await.status, HoldStatus::Placed);
    assert_eq!(s.ledger.token_amount(&escrow).await, 0);

    // Re-created by the holder and refilled with more than the hold: at most the hold moves.
    assert_eq!(s.ledger.create_ata(&holder.pubkey(), &mint).await, account, "same address");
    let refill = s.pay(&account, 2 * held).await;
    let ok = Ledger::ok(s.execute(&account).await);
    let ev = decode_events::<events::FraudHoldExecuted>(&ok.events);
    assert_eq!((ev[0].amount, ev[0].escrowed), (held, held - fee(held)));
    assert_eq!(s.ledger.token_amount(&account).await, refill - held);
    assert_eq!(s.ledger.token_amount(&escrow).await, held - fee(held));

    // A keypair account of a second holder: confirmed, closed, and re-created at the same
    // address for an innocent owner, who is then paid. The hold cannot touch it.
    let second = s.ledger.funded_keypair(1_000_000_000).await;
    let address = Keypair::new();
    s.keypair_account(&address, &second.pubkey()).await;
    let keyed = address.pubkey();
    let held = s.pay(&keyed, 100 * STK).await;
    Ledger::ok(s.place_hold(&keyed, held).await);
    Ledger::ok(s.approve(1, &keyed).await);
    Ledger::ok(s.approve(2, &keyed).await);
    s.empty_and_close(&second, &keyed, &sink).await;
    let innocent = Pubkey::new_unique();
    s.keypair_account(&address, &innocent).await;
    let innocent_balance = s.pay(&keyed, 50 * STK).await;
    assert_eq!(s.ledger.token(&keyed).await.owner, innocent);
    s.ledger.advance_seconds(NOTICE).await;
    s.execute(&keyed).await.expect_failure().assert_code(TreasuryError::HoldAccountChanged);
    assert_eq!(s.ledger.token_amount(&keyed).await, innocent_balance);
    assert_eq!(s.hold(&keyed).await.status, HoldStatus::Placed);
    // The admin may withdraw the dead hold (it only un-restricts).
    let ix = treasury_ix::withdraw_fraud_hold(&s.admin.pubkey(), &keyed);
    Ledger::ok(s.ledger.send(&[ix], &[]).await);
}

// ---- 12. vest-to-build -----------------------------------------------------------------------

#[tokio::test]
async fn a_reintegrated_balance_is_paid_in_a_later_month_beyond_the_allowance_once() {
    let mut s = Suite::start(true).await;
    let vault = s.t.addresses.distribution_vault;
    let schedule = s.t.stk.schedule;
    let m0 = schedule.start_month;
    let q0_allowance = schedule.cumulative_allowance_through(MonthId(m0 + 2)).unwrap();
    assert_eq!(s.ledger.token_amount(&vault).await, q0_allowance, "quarter 0's members' share");

    // Nothing to book yet: the vault holds exactly the minted allowance.
    let ok = Ledger::ok(s.recycle().await);
    assert!(decode_events::<events::SurplusRecycled>(&ok.events).is_empty());
    assert_eq!(s.treasury().await.recycled_total, 0);

    // A dormant balance comes back and is booked at once.
    let (_sleeper, account) = s.member(400 * STK).await;
    let balance = s.ledger.token_amount(&account).await;
    Ledger::ok(s.flag(&account).await);
    // (A day more than the notice, so quarter 0's last month has ended by then.)
    s.ledger.advance_seconds(NOTICE + 86_400).await;
    let ok = Ledger::ok(s.reintegrate(&account).await);
    let received = balance - fee(balance);
    let ev = decode_events::<events::SurplusRecycled>(&ok.events);
    assert_eq!((ev[0].amount, ev[0].recycled_total), (received, received));
    assert_eq!(s.treasury().await.recycled_total, received);

    // Booking again books nothing: the same tokens are never counted twice.
    let ok = Ledger::ok(s.recycle().await);
    assert!(decode_events::<events::SurplusRecycled>(&ok.events).is_empty());
    assert_eq!(s.treasury().await.recycled_total, received);

    // Quarter 0's last month may now commit the schedule's allowance plus the recycled
    // balance, and not one unit more.
    let last = m0 + 2;
    s.t.open_epoch(&mut s.ledger, last, q0_allowance + received + 1, HASH, 1)
        .await
        .expect_failure()
        .assert_code(TreasuryError::AllowanceExceeded);
    // …and pays it: an approved plan pays a member exactly the recycled amount (the rest of
    // the epoch's total stays in the vault).
    let (_m, member_account) = s.member(0).await;
    let plan = PayoutPlan::new(last, HASH, vec![vec![(member_account, received)]])
        .with_total(q0_allowance + received);
    s.t.pay_plan(&mut s.ledger, &plan).await;
    assert_eq!(s.ledger.token_amount(&member_account).await, received);
}

#[tokio::test]
async fn two_recycle_calls_in_one_transaction_book_the_surplus_once() {
    let mut s = Suite::start(true).await;
    let vault = s.t.addresses.distribution_vault;
    // A gift to the vault: the only surplus (nothing paid yet, so no payout fee to cover).
    let arrived = s.pay(&vault, 1_000 * STK).await;
    let twice = [treasury_ix::recycle_surplus(), treasury_ix::recycle_surplus()];
    let ok = Ledger::ok(s.ledger.send(&twice, &[]).await);
    let ev = decode_events::<events::SurplusRecycled>(&ok.events);
    assert_eq!(ev.len(), 1, "the second call books nothing");
    assert_eq!((ev[0].amount, ev[0].recycled_total), (arrived, arrived));
    assert_eq!(s.treasury().await.recycled_total, arrived);
    // Nor does a later call in another transaction.
    let ok = Ledger::ok(s.recycle().await);
    assert!(decode_events::<events::SurplusRecycled>(&ok.events).is_empty());
    assert_eq!(s.treasury().await.recycled_total, arrived);
}

#[tokio::test]
async fn fee_split_remainders_and_unsold_genesis_tokens_are_booked_beyond_the_payout_fees() {
    let mut s = Suite::start(true).await;
    let vault = s.t.addresses.distribution_vault;
    let m0 = s.t.stk.schedule.start_month;
    let minted = s.ledger.token_amount(&vault).await;

    // A payout leaves the vault gross of the transfer fee: the vault now holds less than its
    // obligations by that fee, so a later inflow covers the fee first.
    let (_m, member_account) = s.member(0).await;
    let paid = 1_000 * STK;
    s.ledger.advance_seconds(32 * 86_400).await; // month m0 has ended
    let plan = PayoutPlan::new(m0, HASH, vec![vec![(member_account, paid)]]);
    s.t.pay_plan(&mut s.ledger, &plan).await;
    Ledger::ok(s.t.close_epoch(&mut s.ledger, &s.t.distributor.insecure_clone(), m0).await);
    let distributed = s.treasury().await.distributed_total;
    assert_eq!(distributed, paid);
    let shortfall = minted - distributed - s.ledger.token_amount(&vault).await;
    assert!(shortfall > 0, "the payout's fee");
    Ledger::ok(s.recycle().await);
    assert_eq!(s.treasury().await.recycled_total, 0);

    // Fees harvested and split: the remainder refills the vault; only what exceeds the
    // payout's fee is booked.
    Ledger::ok(s.ledger.send(&[treasury_ix::harvest_fees(&[member_account])], &[]).await);
    let split = treasury_ix::split_fees(&s.admin.pubkey(), &s.t.fee_split);
    // The split's destinations must exist (the stand-in staking account does; the fund vault
    // does since the fund was initialized).
    Ledger::ok(s.ledger.send(&[split], &[]).await);
    let vault_now = s.ledger.token_amount(&vault).await;
    Ledger::ok(s.recycle().await);
    let recycled = s.treasury().await.recycled_total;
    assert_eq!(recycled, vault_now.saturating_sub(minted - distributed));

    // Unsold genesis tokens returned to the vault (what `stk_vesting::close_sale` does: the
    // sale's only unsold destination is the distribution vault) are booked exactly; the real
    // sale: `unsold_genesis_tokens_return_to_a_later_months_allowance` in tests/vesting.rs.
    let arrived = s.pay(&vault, 5_000 * STK).await;
    let ok = Ledger::ok(s.recycle().await);
    let ev = decode_events::<events::SurplusRecycled>(&ok.events);
    let expected = (vault_now + arrived).saturating_sub(minted - distributed) - recycled;
    assert_eq!(ev[0].amount, expected);
    assert_eq!(s.treasury().await.recycled_total, recycled + expected);
    assert_eq!(
        s.treasury().await.recycled_total,
        s.ledger.token_amount(&vault).await - (minted - distributed)
    );
}

#[tokio::test]
async fn a_council_change_wipes_the_old_councils_approvals() {
    let mut s = Suite::start(false).await;
    let (_holder, account) = s.member(100 * STK).await;
    Ledger::ok(s.place_hold(&account, 10 * STK).await);
    Ledger::ok(s.approve(1, &account).await);

    // The council replaces itself (the fund's own 2-of-3 proposal; the treasury admin cannot
    // do it alone): m2 takes m1's seat.
    let fund = FundSetup {
        stk: s.t.stk.clone(),
        addresses: fund_ix::addresses(),
        council: s.council.iter().map(|k| k.insecure_clone()).collect(),
        threshold: 2,
        lock_period: MIN_LOCK_PERIOD,
    };
    let newcomer = s.ledger.funded_keypair(1_000_000_000).await;
    let members = vec![s.council[0].pubkey(), newcomer.pubkey(), s.council[2].pubkey()];
    let (id, result) = fund.propose_council_change(&mut s.ledger, &s.council[1], members, 2).await;
    Ledger::ok(result);
    Ledger::ok(fund.approve(&mut s.ledger, &s.council[2], id).await);
    Ledger::ok(fund.execute_council_change(&mut s.ledger, &s.council[2], id).await);

    // The old member is out; the old approval no longer counts: one new approval is not
    // enough, two are.
    s.approve(1, &account).await.expect_failure().assert_code(TreasuryError::NotCouncilMember);
    let ok = Ledger::ok(s.approve(2, &account).await);
    assert_eq!(decode_events::<events::FraudHoldApproved>(&ok.events)[0].approvals, 1);
    s.ledger.advance_seconds(NOTICE).await;
    s.execute(&account).await.expect_failure().assert_code(TreasuryError::HoldNotConfirmed);
    s.council[1] = newcomer;
    Ledger::ok(s.approve(1, &account).await);
    Ledger::ok(s.execute(&account).await);
    assert_eq!(s.hold(&account).await.status, HoldStatus::Escrowed);
}
