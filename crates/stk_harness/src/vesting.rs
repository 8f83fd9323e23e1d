//! `stk_vesting` on the ledger, with the whole wiring it runs in: the STK mint with its
//! genesis allocation minted into the vesting program's sale vault, the treasury (whose
//! distribution vault is the only unsold destination `open_sale` accepts), a funded STK
//! wallet to create grants from (paid by a real, approved treasury payout), and payment mints
//! (SPL Token or Token-2022) for the sale.
use crate::{
    ledger::{Ledger, TxResult},
    stk::StkMintSetup,
    treasury::{PayoutPlan, TreasurySetup, TreasurySetupArgs},
};
use anchor_lang::{prelude::Pubkey, solana_program::program_pack::Pack};
use anchor_spl::token_interface::spl_token_2022::{
    self as t22,
    extension::{transfer_fee::TransferFeeConfig, BaseStateWithExtensions, StateWithExtensions},
    state::Mint as MintState,
};
use solana_keypair::Keypair;
use solana_signer::Signer;
use spl_associated_token_account_interface::{
    address::get_associated_token_address_with_program_id,
    instruction::create_associated_token_account_idempotent,
};
use stk_client::vesting::{self as vesting_ix, VestingAddresses};

/// The SPL Token (legacy) program id.
pub const SPL_TOKEN: Pubkey = anchor_spl::token::ID;

/// What the funder receives from the treasury (100,000 STK at 6 decimals): the source of
/// test grants.
pub const FUNDER_AMOUNT: u64 = 100_000_000_000;

/// The report hash of the funder's payout month (any non-zero label).
const FUNDER_REPORT_HASH: [u8; 32] = [0xf0; 32];

/// An initialized vesting program over a real STK mint, beside an initialized treasury.
pub struct VestingSetup {
    pub stk: StkMintSetup,
    /// The treasury (admin: the context payer; distributor: a key of its own). Quarter 0 is
    /// minted into its distribution vault; the schedule's first month paid the funder and is
    /// closed.
    pub treasury: TreasurySetup,
    pub addresses: VestingAddresses,
    /// What `mint_genesis` put in the sale vault.
    pub genesis_amount: u64,
    /// A wallet holding [`FUNDER_AMOUNT`] STK in its ATA (`funder_ata`): the source of test
    /// grants.
    pub funder: Keypair,
    pub funder_ata: Pubkey,
}

impl VestingSetup {
    /// Initializes `stk_mint` (genesis destination = the sale vault, distribution = the
    /// treasury's vault), `stk_vesting` (creating the sale vault) and the treasury; mints the
    /// genesis allocation and quarter 0; pays the funder [`FUNDER_AMOUNT`] through an approved
    /// plan of the schedule's first month (the clock ends past that month) and closes it.
    /// Panics unless every balance is what it should be.
    pub async fn initialize(ledger: &mut Ledger) -> Self {
        let funder = ledger.funded_keypair(10_000_000_000).await;
        let treasury = TreasurySetup::initialize(ledger, TreasurySetupArgs::default()).await;
        let stk = treasury.stk.clone();
        let addresses = vesting_ix::addresses();
        assert!(ledger.account_exists(&addresses.config).await, "vesting initialized");
        assert_eq!(ledger.token_amount(&addresses.sale_vault).await, 0);
        Ledger::ok(stk.mint_genesis(ledger).await);
        let genesis_amount = stk.schedule.genesis_amount();
        assert!(genesis_amount > 0);
        assert_eq!(ledger.token_amount(&addresses.sale_vault).await, genesis_amount);
        Ledger::ok(stk.mint_quarter(ledger, 0, true).await);

        let funder_ata = ledger.create_ata(&funder.pubkey(), &addresses.mint).await;
        let month = stk.schedule.start_month;
        treasury.warp_past_month(ledger, month).await;
        let plan =
            PayoutPlan::new(month, FUNDER_REPORT_HASH, vec![vec![(funder_ata, FUNDER_AMOUNT)]]);
        treasury.pay_plan(ledger, &plan).await;
        Ledger::ok(treasury.close_epoch(ledger, &treasury.distributor, month).await);
        assert_eq!(ledger.token_amount(&funder_ata).await, FUNDER_AMOUNT, "the funder was paid");
        VestingSetup { stk, treasury, addresses, genesis_amount, funder, funder_ata }
    }

    /// The STK transfer fee Token-2022 withholds on `amount` now.
    pub async fn stk_fee(&self, ledger: &mut Ledger, amount: u64) -> u64 {
        let epoch = ledger.clock().await.epoch;
        let data = ledger.mint_data(&self.addresses.mint).await;
        let mint = StateWithExtensions::<MintState>::unpack(&data).expect("mint");
        mint.get_extension::<TransferFeeConfig>()
            .map(|c| c.calculate_epoch_fee(epoch, amount).expect("fee"))
            .unwrap_or(0)
    }

    /// Sends `amount` STK from the funder to `owner`'s ATA (created if needed); returns the
    /// ATA. The recipient receives `amount` minus the transfer fee.
    pub async fn fund_stk(&self, ledger: &mut Ledger, owner: &Pubkey, amount: u64) -> Pubkey {
        let mint = self.addresses.mint;
        let to = ledger.create_ata(owner, &mint).await;
        let ix = t22::instruction::transfer_checked(
            &t22::ID,
            &self.funder_ata,
            &mint,
            &to,
            &self.funder.pubkey(),
            &[],
            amount,
            self.stk.decimals,
        )
        .expect("transfer ix");
        Ledger::ok(ledger.send(&[ix], &[&self.funder]).await);
        to
    }
}

/// Creates a plain mint (no extensions) under `token_program` (SPL Token or Token-2022)
/// whose mint authority is the ledger's payer.
pub async fn create_payment_mint(
    ledger: &mut Ledger,
    token_program: &Pubkey,
    decimals: u8,
) -> Pubkey {
    let mint = Keypair::new();
    let len = MintState::LEN;
    let rent = ledger.ctx.banks_client.get_rent().await.expect("rent").minimum_balance(len);
    let payer = ledger.payer();
    let create = solana_system_interface::instruction::create_account(
        &payer,
        &mint.pubkey(),
        rent,
        len as u64,
        token_program,
    );
    let init =
        t22::instruction::initialize_mint2(token_program, &mint.pubkey(), &payer, None, decimals)
            .expect("initialize_mint2");
    Ledger::ok(ledger.send(&[create, init], &[&mint]).await);
    mint.pubkey()
}

/// The associated token account of `owner` for `mint` under `token_program`, created if
/// missing, with `amount` minted into it by the payer (the mint authority).
pub async fn payment_account(
    ledger: &mut Ledger,
    token_program: &Pubkey,
    mint: &Pubkey,
    owner: &Pubkey,
    amount: u64,
) -> Pubkey {
    let payer = ledger.payer();
    let address = get_associated_token_address_with_program_id(owner, mint, token_program);
    let mut ixs =
        vec![create_associated_token_account_idempotent(&payer, owner, mint, token_program)];
    if amount > 0 {
        ixs.push(
            t22::instruction::mint_to(token_program, mint, &address, &payer, &[], amount)
                .expect("mint_to"),
        );
    }
    Ledger::ok(ledger.send(&ixs, &[]).await);
    address
}

/// Sends `ix` signed by `signer` (the context payer pays the fee).
pub async fn send_signed(
    ledger: &mut Ledger,
    ix: stk_client::Instruction,
    signer: &Keypair,
) -> TxResult {
    ledger.send(&[ix], &[signer]).await
}

/// Serialized size of a legacy transaction carrying `ixs` with `payer` as fee payer. The
/// cluster refuses packets over 1,232 bytes; BanksServer does not, so tests check this.
pub fn legacy_tx_size(payer: &Pubkey, ixs: &[stk_client::Instruction]) -> usize {
    let tx = solana_transaction::Transaction::new_with_payer(ixs, Some(payer));
    bincode::serialized_size(&tx).expect("serializable") as usize
}

/// The packet limit of a Solana transaction.
pub const PACKET_LIMIT: usize = 1_232;
