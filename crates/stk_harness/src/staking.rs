//! `stk_staking` on the ledger: a real STK mint whose quarter-0 distributable emission sits in
//! a "bank" wallet the tests control (the mint's distribution destination; the genesis
//! allocation can only go to the vesting sale vault), and an initialized pool, so tests can
//! hand out STK, stake, fund and claim in one line each.
use crate::{
    ledger::{ata, Ledger, TxResult},
    stk::{Destination, StkMintSetup, StkMintSetupArgs},
};
use anchor_lang::prelude::Pubkey;
use solana_keypair::Keypair;
use solana_signer::Signer;
use stk_client::staking::{self as staking_ix, PoolAddresses};
use stk_common::{calendar::MonthId, schedule::ScheduleParams};
use stk_staking::{
    instructions::InitializePoolArgs,
    state::{default_lock_options, LockOption, StakePosition, StakingPool},
};

/// What to set the pool and the mint up with.
#[derive(Debug, Clone)]
pub struct StakingSetupArgs {
    /// The mint's transfer fee (basis points; the maximum stays the harness default).
    pub transfer_fee_bps: u16,
    pub reward_rate: u64,
    pub lock_options: Vec<LockOption>,
}

impl Default for StakingSetupArgs {
    fn default() -> Self {
        StakingSetupArgs {
            transfer_fee_bps: crate::stk::DEFAULT_FEE_BPS,
            reward_rate: 1_000_000, // 1 STK per second
            lock_options: default_lock_options(),
        }
    }
}

/// Initializes the staking pool of an existing `mint` (the ledger's payer becomes its admin),
/// for cross-program tests that set the STK mint up themselves.
pub async fn initialize_pool(
    ledger: &mut Ledger,
    mint: &Pubkey,
    reward_rate: u64,
    lock_options: Vec<LockOption>,
) -> PoolAddresses {
    let ix = staking_ix::initialize_pool(
        &ledger.payer(),
        mint,
        InitializePoolArgs { reward_rate, lock_options },
    );
    Ledger::ok(ledger.send(&[ix], &[]).await);
    staking_ix::addresses(mint)
}

/// An STK mint, a bank wallet holding the genesis allocation, and an initialized pool whose
/// admin is the ledger's payer.
pub struct StakingSetup {
    pub stk: StkMintSetup,
    pub mint: Pubkey,
    pub bank: Keypair,
    pub bank_token: Pubkey,
    pub pool: PoolAddresses,
    pub transfer_fee_bps: u16,
    pub max_transfer_fee: u64,
}

impl StakingSetup {
    pub async fn initialize(ledger: &mut Ledger, args: StakingSetupArgs) -> Self {
        let bank = ledger.funded_keypair(10_000_000_000).await;
        // A schedule that started in the past, so quarter 0 mints without moving the clock.
        let mint_args = StkMintSetupArgs {
            transfer_fee_bps: args.transfer_fee_bps,
            schedule: ScheduleParams::default_for(MonthId::new(2024, 1).expect("month"), 6),
            distribution: Destination::AtaOf(bank.pubkey()),
            ..Default::default()
        };
        let max_transfer_fee = mint_args.max_transfer_fee;
        let stk = StkMintSetup::initialize(ledger, mint_args).await;
        Ledger::ok(stk.mint_quarter(ledger, 0, false).await);
        let mint = stk.addresses.mint;
        let pool = initialize_pool(ledger, &mint, args.reward_rate, args.lock_options).await;
        StakingSetup {
            bank_token: stk.distribution_destination,
            pool,
            stk,
            mint,
            bank,
            transfer_fee_bps: args.transfer_fee_bps,
            max_transfer_fee,
        }
    }

    /// The fee Token-2022 withholds on a transfer of `amount` with this mint's config.
    pub fn fee_of(&self, amount: u64) -> u64 {
        let fee = (amount as u128 * self.transfer_fee_bps as u128).div_ceil(10_000) as u64;
        fee.min(self.max_transfer_fee)
    }

    /// Sends `amount` from the bank to `to` (a token account); returns what arrived.
    pub async fn pay_from_bank(&self, ledger: &mut Ledger, to: &Pubkey, amount: u64) -> u64 {
        let before = ledger.token_amount(to).await;
        let ix = anchor_spl::token_interface::spl_token_2022::instruction::transfer_checked(
            &stk_client::TOKEN_2022,
            &self.bank_token,
            &self.mint,
            to,
            &self.bank.pubkey(),
            &[],
            amount,
            self.stk.decimals,
        )
        .expect("transfer_checked");
        Ledger::ok(ledger.send(&[ix], &[&self.bank]).await);
        ledger.token_amount(to).await - before
    }

    /// A new wallet with SOL, an STK token account, and `amount` sent to it from the bank
    /// (it receives `amount - fee`). Returns the wallet and its token account.
    pub async fn wallet(&self, ledger: &mut Ledger, amount: u64) -> (Keypair, Pubkey) {
        let wallet = ledger.funded_keypair(1_000_000_000).await;
        let token = ledger.create_ata(&wallet.pubkey(), &self.mint).await;
        if amount > 0 {
            self.pay_from_bank(ledger, &token, amount).await;
        }
        (wallet, token)
    }

    /// Opens `owner`'s position if it does not exist yet.
    pub async fn open_position(&self, ledger: &mut Ledger, owner: &Keypair) {
        if !ledger.account_exists(&self.pool.position(&owner.pubkey())).await {
            let ix = staking_ix::open_position(&owner.pubkey(), &self.mint);
            Ledger::ok(ledger.send(&[ix], &[owner]).await);
        }
    }

    /// Stakes from `owner`'s ATA (opening the position first if needed).
    pub async fn stake(
        &self,
        ledger: &mut Ledger,
        owner: &Keypair,
        amount: u64,
        lock_option: u8,
    ) -> TxResult {
        self.open_position(ledger, owner).await;
        let token = ata(&owner.pubkey(), &self.mint);
        let ix = staking_ix::stake(&owner.pubkey(), &self.mint, &token, amount, lock_option);
        ledger.send(&[ix], &[owner]).await
    }

    /// Unstakes to `owner`'s ATA.
    pub async fn unstake(&self, ledger: &mut Ledger, owner: &Keypair, amount: u64) -> TxResult {
        let token = ata(&owner.pubkey(), &self.mint);
        let ix = staking_ix::unstake(&owner.pubkey(), &self.mint, &token, amount);
        ledger.send(&[ix], &[owner]).await
    }

    /// Claims to `owner`'s ATA.
    pub async fn claim(&self, ledger: &mut Ledger, owner: &Keypair) -> TxResult {
        let token = ata(&owner.pubkey(), &self.mint);
        let ix = staking_ix::claim_rewards(&owner.pubkey(), &self.mint, &token);
        ledger.send(&[ix], &[owner]).await
    }

    /// Funds the reward vault from the bank with `amount` (the vault receives `amount - fee`).
    pub async fn fund(&self, ledger: &mut Ledger, amount: u64) -> TxResult {
        let ix =
            staking_ix::fund_rewards(&self.bank.pubkey(), &self.mint, &self.bank_token, amount);
        ledger.send(&[ix], &[&self.bank]).await
    }

    /// The admin (ledger payer) sets the reward rate.
    pub async fn set_rate(&self, ledger: &mut Ledger, rate: u64) -> TxResult {
        let ix = staking_ix::set_reward_rate(&ledger.payer(), &self.mint, rate);
        ledger.send(&[ix], &[]).await
    }

    pub async fn pool_state(&self, ledger: &mut Ledger) -> StakingPool {
        ledger.anchor_account(&self.pool.pool).await
    }

    pub async fn position(&self, ledger: &mut Ledger, owner: &Pubkey) -> StakePosition {
        ledger.anchor_account(&self.pool.position(owner)).await
    }
}
