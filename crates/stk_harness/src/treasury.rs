//! `stk_treasury` on the ledger: the STK mint wired to the treasury's distribution vault, and
//! the treasury initialized on top, so every later test (and the distributor's embedded
//! ledger) starts from the full wiring.
use crate::{
    ledger::{ata, Ledger, TxResult},
    stk::{Destination, StkMintSetup, StkMintSetupArgs},
};
use anchor_lang::prelude::Pubkey;
use anchor_spl::token_interface::spl_token_2022 as t22;
use solana_instruction::Instruction;
use solana_keypair::Keypair;
use solana_signer::Signer;
use spl_associated_token_account_interface::instruction::create_associated_token_account_idempotent;
use stk_client::treasury::{self as treasury_ix, TreasuryAddresses};
use stk_common::{calendar::MonthId, ids, payout_plan, seeds};
use stk_treasury::{instructions::InitializeArgs, state::FeeSplit};

/// 90 days, the design's example notice period.
pub const DEFAULT_DORMANCY_NOTICE_SECS: i64 = 90 * 86_400;
pub const DEFAULT_STAKING_REWARDS_BPS: u16 = 4_000;
pub const DEFAULT_STARTUP_FUND_BPS: u16 = 3_000;

/// In production the staking share of fees goes to the staking pool's reward vault (where
/// `stk_staking::credit_reward_deposits` books it); that vault exists only once the pool is
/// initialized, so treasury tests default to an ATA of this stand-in owner instead.
pub fn staking_rewards_stand_in() -> Pubkey {
    Pubkey::find_program_address(&[b"staking_rewards_stand_in"], &ids::STK_STAKING).0
}

/// The production staking-rewards destination for the STK mint: the pool's reward vault.
pub fn staking_reward_vault() -> Pubkey {
    seeds::find_reward_vault(&seeds::find_staking_pool(&seeds::find_stk_mint()))
}

/// A month's payout plan as the distributor builds it: batches of `(token_account, amount)`,
/// their roots and the plan hash the admin approves (`stk_common::payout_plan`).
#[derive(Debug, Clone)]
pub struct PayoutPlan {
    pub month: u32,
    pub report_hash: [u8; 32],
    /// The epoch's net total (Σ amounts unless set otherwise with [`PayoutPlan::with_total`]).
    pub total: u64,
    pub batches: Vec<Vec<(Pubkey, u64)>>,
    pub roots: Vec<[u8; 32]>,
    pub plan_hash: [u8; 32],
}

impl PayoutPlan {
    /// The plan paying `batches` in order, its total the sum of every amount.
    pub fn new(month: u32, report_hash: [u8; 32], batches: Vec<Vec<(Pubkey, u64)>>) -> Self {
        let total = batches.iter().flatten().map(|(_, a)| *a).sum();
        let roots =
            batches.iter().zip(0u16..).map(|(b, i)| payout_plan::batch_root(month, i, b)).collect();
        let mut plan = PayoutPlan { month, report_hash, total, batches, roots, plan_hash: [0; 32] };
        plan.rehash();
        plan
    }

    /// `lines` cut into batches of `per_batch`.
    pub fn chunked(
        month: u32,
        report_hash: [u8; 32],
        lines: &[(Pubkey, u64)],
        per_batch: usize,
    ) -> Self {
        Self::new(month, report_hash, lines.chunks(per_batch).map(|c| c.to_vec()).collect())
    }

    /// The same plan with another epoch total (e.g. room for more than the planned lines).
    pub fn with_total(mut self, total: u64) -> Self {
        self.total = total;
        self.rehash();
        self
    }

    /// Recomputes the plan hash after a field was changed by hand (attack tests).
    pub fn rehash(&mut self) {
        self.plan_hash = payout_plan::plan_hash(
            self.month,
            self.total,
            self.batch_count(),
            &self.report_hash,
            &self.roots,
        );
    }

    pub fn batch_count(&self) -> u16 {
        self.roots.len() as u16
    }

    pub fn recipients(&self, batch: u16) -> Vec<Pubkey> {
        self.batches[batch as usize].iter().map(|(r, _)| *r).collect()
    }

    pub fn amounts(&self, batch: u16) -> Vec<u64> {
        self.batches[batch as usize].iter().map(|(_, a)| *a).collect()
    }
}

/// What to initialize the mint and the treasury with.
pub struct TreasurySetupArgs {
    /// The mint's parameters; `distribution` is always replaced by the treasury's vault.
    pub mint: StkMintSetupArgs,
    /// Never the context payer (the admin): the program refuses `AdminIsDistributor`.
    pub distributor: Keypair,
    /// Fee-split destinations default to the staking pool's ATA and the mint's startup-fund
    /// destination (both created if they are ATAs).
    pub staking_rewards: Destination,
    pub startup_fund: Option<Destination>,
    pub staking_rewards_bps: u16,
    pub startup_fund_bps: u16,
    pub dormancy_notice_secs: i64,
    pub fiat_decimals: u8,
    /// The startup fund's council and threshold, when a test needs its own (fraud holds are
    /// confirmed by it); `None` leaves the fund to [`StkMintSetup::create_missing_vaults`]
    /// (the payer as a one-member council).
    pub fund_council: Option<(Vec<Pubkey>, u8)>,
}

impl Default for TreasurySetupArgs {
    fn default() -> Self {
        TreasurySetupArgs {
            mint: StkMintSetupArgs::default(),
            distributor: Keypair::new(),
            staking_rewards: Destination::AtaOf(staking_rewards_stand_in()),
            startup_fund: None,
            staking_rewards_bps: DEFAULT_STAKING_REWARDS_BPS,
            startup_fund_bps: DEFAULT_STARTUP_FUND_BPS,
            dormancy_notice_secs: DEFAULT_DORMANCY_NOTICE_SECS,
            fiat_decimals: 2,
            fund_council: None,
        }
    }
}

/// An initialized mint + treasury.
pub struct TreasurySetup {
    pub stk: StkMintSetup,
    pub addresses: TreasuryAddresses,
    /// The context payer (admin of both programs).
    pub admin: Pubkey,
    pub distributor: Keypair,
    pub fee_split: FeeSplit,
}

impl TreasurySetup {
    /// Initializes `stk_mint` with the distribution vault PDA as its distribution destination,
    /// then the treasury (the context payer is the admin of both); funds the distributor.
    pub async fn initialize(ledger: &mut Ledger, args: TreasurySetupArgs) -> Self {
        let mut mint_args = args.mint;
        mint_args.distribution = Destination::Existing(seeds::find_distribution_vault());
        let stk = StkMintSetup::initialize_mint_only(ledger, mint_args).await;
        if let Some((council, threshold)) = args.fund_council {
            let init = stk_startup_fund::instructions::InitializeArgs {
                council,
                threshold,
                lock_period: stk_startup_fund::state::MIN_LOCK_PERIOD,
            };
            let ix = stk_client::startup_fund::initialize(&ledger.payer(), init);
            Ledger::ok(ledger.send(&[ix], &[]).await);
        }
        stk.create_missing_vaults(ledger).await;
        let startup =
            args.startup_fund.unwrap_or(Destination::Existing(stk.startup_fund_destination));
        for destination in [args.staking_rewards, startup] {
            if let Destination::AtaOf(owner) = destination {
                ledger.create_ata(&owner, &stk.addresses.mint).await;
            }
        }
        let fee_split = FeeSplit {
            staking_rewards_destination: args.staking_rewards.address(),
            startup_fund_destination: startup.address(),
            staking_rewards_bps: args.staking_rewards_bps,
            startup_fund_bps: args.startup_fund_bps,
        };
        let admin = ledger.payer();
        let init = InitializeArgs {
            distributor: args.distributor.pubkey(),
            fee_split,
            dormancy_notice_secs: args.dormancy_notice_secs,
            fiat_decimals: args.fiat_decimals,
        };
        Ledger::ok(ledger.send(&[treasury_ix::initialize(&admin, init)], &[]).await);
        ledger.airdrop(&args.distributor.pubkey(), 10_000_000_000).await;
        TreasurySetup {
            stk,
            addresses: treasury_ix::addresses(),
            admin,
            distributor: args.distributor,
            fee_split,
        }
    }

    /// A treasury (its distributor a key of its own, the admin the context payer) with the
    /// first quarter minted into the distribution vault and the clock past the schedule's first
    /// month, so that month can be opened: what payout tests and benchmarks pay from. Returns
    /// the setup and the schedule's first month.
    pub async fn for_payouts(ledger: &mut Ledger) -> (Self, u32) {
        let treasury = Self::initialize(ledger, TreasurySetupArgs::default()).await;
        Ledger::ok(treasury.stk.mint_quarter(ledger, 0, true).await);
        let month = treasury.stk.schedule.start_month;
        treasury.warp_past_month(ledger, month).await;
        (treasury, month)
    }

    /// Moves the clock to the end of `month` (the start of the next one in the schedule's time
    /// zone) unless it is already later: from then on `open_epoch` accepts the month.
    pub async fn warp_past_month(&self, ledger: &mut Ledger, month: u32) {
        let end = MonthId(month + 1).start_ts(self.stk.schedule.utc_offset_secs);
        if ledger.now().await < end {
            ledger.warp_to_timestamp(end).await;
        }
    }

    pub fn mint(&self) -> Pubkey {
        self.stk.addresses.mint
    }

    /// Creates `n` wallets' STK ATAs (several per transaction) and returns
    /// `(wallet, token_account)` pairs.
    pub async fn create_recipients(&self, ledger: &mut Ledger, n: usize) -> Vec<(Pubkey, Pubkey)> {
        let wallets: Vec<Pubkey> = (0..n).map(|_| Pubkey::new_unique()).collect();
        let payer = ledger.payer();
        for chunk in wallets.chunks(8) {
            let ixs: Vec<Instruction> = chunk
                .iter()
                .map(|w| {
                    create_associated_token_account_idempotent(&payer, w, &self.mint(), &t22::ID)
                })
                .collect();
            Ledger::ok(ledger.send(&ixs, &[]).await);
        }
        wallets.into_iter().map(|w| (w, ata(&w, &self.mint()))).collect()
    }

    /// Proposes `month`'s epoch as the distributor, with a plan hash that commits to no roots
    /// (`[0; 32]`, never approvable): for tests of opening alone (allowance, clock, signer).
    pub async fn open_epoch(
        &self,
        ledger: &mut Ledger,
        month: u32,
        total: u64,
        report_hash: [u8; 32],
        batch_count: u16,
    ) -> TxResult {
        self.open_epoch_with_plan(ledger, month, total, report_hash, batch_count, [0; 32]).await
    }

    /// Proposes `month`'s epoch as the distributor with `plan_hash`.
    pub async fn open_epoch_with_plan(
        &self,
        ledger: &mut Ledger,
        month: u32,
        total: u64,
        report_hash: [u8; 32],
        batch_count: u16,
        plan_hash: [u8; 32],
    ) -> TxResult {
        let ix = treasury_ix::open_epoch(
            &self.distributor.pubkey(),
            month,
            total,
            report_hash,
            batch_count,
            plan_hash,
        );
        ledger.send(&[ix], &[&self.distributor]).await
    }

    /// Proposes `plan`'s epoch (month, total, report hash, batch count, plan hash).
    pub async fn propose(&self, ledger: &mut Ledger, plan: &PayoutPlan) -> TxResult {
        self.open_epoch_with_plan(
            ledger,
            plan.month,
            plan.total,
            plan.report_hash,
            plan.batch_count(),
            plan.plan_hash,
        )
        .await
    }

    /// Writes every root of `plan` as the distributor, one transaction per
    /// `write_plan_roots`; stops at the first failure.
    pub async fn write_roots(&self, ledger: &mut Ledger, plan: &PayoutPlan) -> TxResult {
        let ixs = treasury_ix::write_plan_roots_instructions(
            &self.distributor.pubkey(),
            plan.month,
            &plan.roots,
        );
        let mut last = None;
        for ix in ixs {
            last = Some(ledger.send(&[ix], &[&self.distributor]).await?);
        }
        Ok(last.expect("a plan has at least one batch"))
    }

    /// The admin (the context payer) approves `plan`'s hash with its pages.
    pub async fn approve(&self, ledger: &mut Ledger, plan: &PayoutPlan) -> TxResult {
        let ix =
            treasury_ix::approve_epoch(&self.admin, plan.month, plan.plan_hash, plan.batch_count());
        ledger.send(&[ix], &[]).await
    }

    /// Proposes, writes the roots and approves `plan`; panics on any failure.
    pub async fn open_approved(&self, ledger: &mut Ledger, plan: &PayoutPlan) {
        Ledger::ok(self.propose(ledger, plan).await);
        Ledger::ok(self.write_roots(ledger, plan).await);
        Ledger::ok(self.approve(ledger, plan).await);
    }

    /// Pays batch `batch` of `plan` as planned (legacy transaction).
    pub async fn pay_batch(&self, ledger: &mut Ledger, plan: &PayoutPlan, batch: u16) -> TxResult {
        self.distribute_batch(
            ledger,
            plan.month,
            batch,
            &plan.recipients(batch),
            plan.amounts(batch),
        )
        .await
    }

    /// [`TreasurySetup::open_approved`], then every batch; panics on any failure.
    pub async fn pay_plan(&self, ledger: &mut Ledger, plan: &PayoutPlan) {
        self.open_approved(ledger, plan).await;
        for batch in 0..plan.batch_count() {
            Ledger::ok(self.pay_batch(ledger, plan, batch).await);
        }
    }

    /// Pays one batch as the distributor (legacy transaction): `recipients` and `amounts` as
    /// given, whatever the plan says (attack tests build their own).
    pub async fn distribute_batch(
        &self,
        ledger: &mut Ledger,
        month: u32,
        batch_index: u16,
        recipients: &[Pubkey],
        amounts: Vec<u64>,
    ) -> TxResult {
        let ix = treasury_ix::distribute_batch(
            &self.distributor.pubkey(),
            month,
            batch_index,
            recipients,
            amounts,
        );
        ledger.send(&[ix], &[&self.distributor]).await
    }

    /// Closes an epoch, signed by `authority` (the distributor or the admin keypair).
    pub async fn close_epoch(
        &self,
        ledger: &mut Ledger,
        authority: &Keypair,
        month: u32,
    ) -> TxResult {
        ledger.send(&[treasury_ix::close_epoch(&authority.pubkey(), month)], &[authority]).await
    }
}
