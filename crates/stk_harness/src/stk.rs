//! The STK token on the ledger: initialize `stk_mint` with sensible defaults and the three
//! destinations, so that every test starts from the same, real, mint.
//!
//! `stk_mint::initialize` requires the genesis destination to be `stk_vesting`'s sale vault
//! and the startup-fund destination `stk_startup_fund`'s vault. Those PDAs exist only once
//! their programs are initialized, so [`StkMintSetup::initialize`] also initializes whichever
//! of the two is missing (vesting with the payer as admin; the fund with the payer as a
//! one-member council), and [`StkMintSetup::initialize_mint_only`] leaves that to tests that
//! initialize those programs themselves.
use crate::ledger::{ata, Ledger, TxResult};
use anchor_lang::prelude::Pubkey;
use stk_client::mint::{self as mint_ix, MintAddresses};
use stk_common::{calendar::MonthId, schedule::ScheduleParams, seeds};
use stk_mint::instructions::InitializeArgs;
use stk_startup_fund::state::MIN_LOCK_PERIOD;

pub const DEFAULT_URI: &str = "https://stk.example/metadata/stk.json";
pub const DEFAULT_FEE_BPS: u16 = 50;
pub const DEFAULT_MAX_FEE: u64 = 10_000_000; // 10 STK at 6 decimals

/// What to initialize `stk_mint` with.
#[derive(Debug, Clone)]
pub struct StkMintSetupArgs {
    pub decimals: u8,
    pub uri: String,
    pub transfer_fee_bps: u16,
    pub max_transfer_fee: u64,
    pub schedule: ScheduleParams,
    /// The three destinations. Defaults: the sale vault, the fund vault (the only ones
    /// `initialize` accepts; passed as [`Destination::Existing`] and created by their
    /// programs' `initialize` after the mint exists) and the ATA of the treasury authority
    /// (the treasury checks the distribution destination when it is initialized).
    pub genesis: Destination,
    pub startup_fund: Destination,
    pub distribution: Destination,
}

/// A destination token account of the STK mint.
#[derive(Debug, Clone, Copy)]
pub enum Destination {
    /// The Token-2022 ATA of this owner; the setup creates it after initializing the mint.
    AtaOf(Pubkey),
    /// An address someone else creates (e.g. a program's PDA vault).
    Existing(Pubkey),
}

impl Destination {
    pub fn address(&self) -> Pubkey {
        match self {
            Destination::AtaOf(owner) => ata(owner, &seeds::find_stk_mint()),
            Destination::Existing(address) => *address,
        }
    }
}

impl Default for StkMintSetupArgs {
    fn default() -> Self {
        StkMintSetupArgs {
            decimals: 6,
            uri: DEFAULT_URI.to_string(),
            transfer_fee_bps: DEFAULT_FEE_BPS,
            max_transfer_fee: DEFAULT_MAX_FEE,
            schedule: ScheduleParams::default_for(MonthId::new(2027, 1).unwrap(), 6),
            genesis: Destination::Existing(seeds::find_sale_vault()),
            startup_fund: Destination::Existing(seeds::find_fund_vault()),
            distribution: Destination::AtaOf(seeds::find_treasury_authority()),
        }
    }
}

impl StkMintSetupArgs {
    pub fn initialize_args(&self) -> InitializeArgs {
        InitializeArgs {
            decimals: self.decimals,
            uri: self.uri.clone(),
            transfer_fee_bps: self.transfer_fee_bps,
            max_transfer_fee: self.max_transfer_fee,
            schedule: self.schedule,
            genesis_destination: self.genesis.address(),
            startup_fund_destination: self.startup_fund.address(),
            distribution_destination: self.distribution.address(),
        }
    }
}

/// An initialized STK mint and its destinations.
#[derive(Debug, Clone)]
pub struct StkMintSetup {
    pub addresses: MintAddresses,
    pub schedule: ScheduleParams,
    pub decimals: u8,
    pub genesis_destination: Pubkey,
    pub startup_fund_destination: Pubkey,
    pub distribution_destination: Pubkey,
}

impl StkMintSetup {
    /// [`StkMintSetup::initialize_mint_only`], then [`StkMintSetup::create_missing_vaults`]:
    /// a mint whose genesis and quarters can be minted at once.
    pub async fn initialize(ledger: &mut Ledger, args: StkMintSetupArgs) -> Self {
        let stk = Self::initialize_mint_only(ledger, args).await;
        stk.create_missing_vaults(ledger).await;
        stk
    }

    /// Initializes `stk_vesting` (payer as admin) if the genesis destination is its sale vault
    /// and it does not exist yet, and `stk_startup_fund` (the payer as a one-member council,
    /// the shortest lock) likewise for the fund vault.
    pub async fn create_missing_vaults(&self, ledger: &mut Ledger) {
        // The programs' state accounts say whether they are initialized (a vault's address
        // may hold lamports someone sent before it exists).
        let payer = ledger.payer();
        if self.genesis_destination == seeds::find_sale_vault()
            && !ledger.account_exists(&seeds::find_vesting_config()).await
        {
            Ledger::ok(ledger.send(&[stk_client::vesting::initialize(&payer)], &[]).await);
        }
        if self.startup_fund_destination == seeds::find_fund_vault()
            && !ledger.account_exists(&seeds::find_fund()).await
        {
            let args = stk_startup_fund::instructions::InitializeArgs {
                council: vec![payer],
                threshold: 1,
                lock_period: MIN_LOCK_PERIOD,
            };
            let ix = stk_client::startup_fund::initialize(&payer, args);
            Ledger::ok(ledger.send(&[ix], &[]).await);
        }
    }

    /// Initializes `stk_mint` (the context payer is the admin) and creates the destinations
    /// given as [`Destination::AtaOf`]; PDA vaults are left to their programs.
    pub async fn initialize_mint_only(ledger: &mut Ledger, args: StkMintSetupArgs) -> Self {
        let init = args.initialize_args();
        Ledger::ok(ledger.send(&[mint_ix::initialize(&ledger.payer(), init.clone())], &[]).await);
        let addresses = mint_ix::addresses();
        for destination in [args.genesis, args.startup_fund, args.distribution] {
            if let Destination::AtaOf(owner) = destination {
                ledger.create_ata(&owner, &addresses.mint).await;
            }
        }
        StkMintSetup {
            addresses,
            schedule: args.schedule,
            decimals: args.decimals,
            genesis_destination: init.genesis_destination,
            startup_fund_destination: init.startup_fund_destination,
            distribution_destination: init.distribution_destination,
        }
    }

    /// Cranks quarter `q` (warping the clock to its start first if `warp`).
    pub async fn mint_quarter(&self, ledger: &mut Ledger, q: u16, warp: bool) -> TxResult {
        if warp {
            let start = self.schedule.quarter_start_ts(q).expect("quarter in range");
            if ledger.now().await < start {
                ledger.warp_to_timestamp(start).await;
            }
        }
        let ix = mint_ix::mint_quarter(
            &ledger.payer(),
            q,
            &self.startup_fund_destination,
            &self.distribution_destination,
        );
        ledger.send(&[ix], &[]).await
    }

    pub async fn mint_genesis(&self, ledger: &mut Ledger) -> TxResult {
        let ix = mint_ix::mint_genesis(&ledger.payer(), &self.genesis_destination);
        ledger.send(&[ix], &[]).await
    }
}
