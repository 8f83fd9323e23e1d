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
use stk_common::{ids, seeds};
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

/// What to initialize the mint and the treasury with.
pub struct TreasurySetupArgs {
    /// The mint's parameters; `distribution` is always replaced by the treasury's vault.
    pub mint: StkMintSetupArgs,
    pub distributor: Keypair,
    /// Fee-split destinations default to the staking pool's ATA and the mint's startup-fund
    /// destination (both created if they are ATAs).
    pub staking_rewards: Destination,
    pub startup_fund: Option<Destination>,
    pub staking_rewards_bps: u16,
    pub startup_fund_bps: u16,
    pub dormancy_notice_secs: i64,
    pub fiat_decimals: u8,
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
        let stk = StkMintSetup::initialize(ledger, mint_args).await;
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

    /// A treasury whose distributor is the context payer (as the distributor's embedded
    /// backend signs), with the first quarter minted into the distribution vault: what payout
    /// tests and benchmarks pay from. Returns the setup and the schedule's first month.
    pub async fn for_payouts(ledger: &mut Ledger) -> (Self, u32) {
        let mut args = TreasurySetupArgs::default();
        args.distributor = ledger.ctx.payer.insecure_clone();
        let treasury = Self::initialize(ledger, args).await;
        Ledger::ok(treasury.stk.mint_quarter(ledger, 0, true).await);
        let month = treasury.stk.schedule.start_month;
        (treasury, month)
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

    /// Opens `month`'s epoch as the distributor.
    pub async fn open_epoch(
        &self,
        ledger: &mut Ledger,
        month: u32,
        total: u64,
        report_hash: [u8; 32],
        batch_count: u16,
    ) -> TxResult {
        let ix = treasury_ix::open_epoch(
            &self.distributor.pubkey(),
            month,
            total,
            report_hash,
            batch_count,
        );
        ledger.send(&[ix], &[&self.distributor]).await
    }

    /// Pays one batch as the distributor (legacy transaction).
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
