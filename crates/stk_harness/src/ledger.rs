//! [`Ledger`]: a started program-test bank with helpers for payers, mints, token accounts,
//! clock warps, sending instructions and reading accounts and events.
use crate::{events::EventLog, native, stub_bridge};
use anchor_lang::{
    prelude::{Clock, Pubkey},
    AccountDeserialize,
};
use anchor_spl::token_interface::spl_token_2022::{
    self as t22,
    extension::{transfer_fee::TransferFeeAmount, BaseStateWithExtensions, StateWithExtensions},
    state::{Account as TokenAccountState, Mint as MintState},
};
use solana_instruction::{error::InstructionError, Instruction};
use solana_keypair::Keypair;
use solana_program_test::{ProgramTest, ProgramTestContext};
use solana_signer::Signer;
use solana_transaction::{versioned::VersionedTransaction, Transaction};
use spl_associated_token_account_interface::{
    address::get_associated_token_address_with_program_id,
    instruction::create_associated_token_account_idempotent,
};

pub use solana_program_test::BanksClientError;
pub use solana_transaction::TransactionError;

/// A transaction that landed.
#[derive(Debug, Clone)]
pub struct TxSuccess {
    pub logs: Vec<String>,
    /// Compute units of the metered part (SPL programs; native programs are not metered).
    pub compute_units: u64,
    pub events: EventLog,
}

/// A transaction the bank refused, with its logs.
#[derive(Debug, Clone)]
pub struct TxFailure {
    pub error: TransactionError,
    pub logs: Vec<String>,
}

impl TxFailure {
    /// The custom error code of the failing instruction (Anchor: 6000 + variant index for a
    /// program's own errors, 2000..=5000 for Anchor's constraint errors).
    pub fn custom_code(&self) -> Option<u32> {
        match &self.error {
            TransactionError::InstructionError(_, InstructionError::Custom(code)) => Some(*code),
            _ => None,
        }
    }
    pub fn instruction_error(&self) -> Option<&InstructionError> {
        match &self.error {
            TransactionError::InstructionError(_, e) => Some(e),
            _ => None,
        }
    }
    /// Panics with the logs unless the failure carries `code`.
    #[track_caller]
    pub fn assert_code(&self, code: impl Into<u32>) {
        let code = code.into();
        assert_eq!(
            self.custom_code(),
            Some(code),
            "expected custom error {code}, got {:?}\nlogs:\n{}",
            self.error,
            self.logs.join("\n")
        );
    }
    /// Whether any log line contains `needle` (for errors raised inside SPL programs).
    pub fn logs_contain(&self, needle: &str) -> bool {
        self.logs.iter().any(|l| l.contains(needle))
    }
}

impl std::fmt::Display for TxFailure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:?}\n{}", self.error, self.logs.join("\n"))
    }
}

pub type TxResult = Result<TxSuccess, TxFailure>;

/// Unwraps a failure that a test expects.
pub trait ExpectFailure {
    fn expect_failure(self) -> TxFailure;
}
impl ExpectFailure for TxResult {
    #[track_caller]
    fn expect_failure(self) -> TxFailure {
        match self {
            Ok(ok) => panic!("transaction unexpectedly succeeded:\n{}", ok.logs.join("\n")),
            Err(e) => e,
        }
    }
}

/// A token account as Token-2022 sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TokenBalance {
    pub mint: Pubkey,
    pub owner: Pubkey,
    pub amount: u64,
    /// Transfer fees withheld in this account, not yet harvested.
    pub withheld: u64,
}

pub struct Ledger {
    pub ctx: ProgramTestContext,
    /// Every account address a processed transaction named (statically or through a lookup
    /// table) or [`Ledger::install_account`] wrote: what the bank holds beyond genesis, so
    /// operator tools can enumerate accounts here as `getProgramAccounts` does on a node.
    seen: std::collections::BTreeSet<Pubkey>,
    /// The clock's unix time of the latest processed transaction naming each address
    /// statically (`getSignaturesForAddress` on a node).
    last_named: std::collections::HashMap<Pubkey, i64>,
}

impl Ledger {
    /// Starts the bank with the five programs (see [`native::program_test`]).
    pub async fn start() -> Self {
        Self::start_with(native::program_test()).await
    }

    /// Starts a caller-customized `ProgramTest` (built from [`native::program_test`]).
    pub async fn start_with(pt: ProgramTest) -> Self {
        let ctx = pt.start_with_context().await;
        stub_bridge::install();
        let mut ledger = Ledger { ctx, seen: Default::default(), last_named: Default::default() };
        // What `anchor deploy` leaves behind: each program's ProgramData account, its upgrade
        // authority the deployer (here the context payer), which every `initialize` requires.
        let deployer = ledger.payer();
        for program in stk_common::ids::ALL {
            ledger.set_upgrade_authority(&program, Some(&deployer));
        }
        ledger
    }

    /// Writes `program`'s ProgramData account as the upgradeable loader would, with
    /// `authority` as its upgrade authority (`None`: an immutable program).
    pub fn set_upgrade_authority(&mut self, program: &Pubkey, authority: Option<&Pubkey>) {
        use stk_common::deploy;
        let data = deploy::program_data_header(0, authority);
        let address = deploy::program_data_address(program);
        self.install_account(&address, &deploy::BPF_LOADER_UPGRADEABLE, &data);
    }

    /// Writes a rent-exempt account with `owner` and `data` at `address` directly into the
    /// bank (for accounts a test cannot create through instructions, forgeries included).
    pub fn install_account(&mut self, address: &Pubkey, owner: &Pubkey, data: &[u8]) {
        use solana_account::{AccountSharedData, WritableAccount};
        let lamports = anchor_lang::prelude::Rent::default().minimum_balance(data.len());
        let mut account = AccountSharedData::new(lamports, data.len(), owner);
        account.data_as_mut_slice().copy_from_slice(data);
        self.ctx.set_account(address, &account);
        self.seen.insert(*address);
    }

    pub fn payer(&self) -> Pubkey {
        self.ctx.payer.pubkey()
    }

    /// Signs with the context payer plus `signers` and processes the transaction.
    pub async fn send(&mut self, ixs: &[Instruction], signers: &[&Keypair]) -> TxResult {
        let blockhash = self.ctx.get_new_latest_blockhash().await.expect("blockhash");
        let mut all: Vec<&Keypair> = vec![&self.ctx.payer];
        all.extend(signers.iter().copied().filter(|k| k.pubkey() != self.ctx.payer.pubkey()));
        let tx = Transaction::new_signed_with_payer(
            ixs,
            Some(&self.ctx.payer.pubkey()),
            &all,
            blockhash,
        );
        self.send_versioned(tx.into()).await
    }

    /// Same as [`Ledger::send`] with another fee payer (who signs).
    pub async fn send_as(
        &mut self,
        fee_payer: &Keypair,
        ixs: &[Instruction],
        signers: &[&Keypair],
    ) -> TxResult {
        let blockhash = self.ctx.get_new_latest_blockhash().await.expect("blockhash");
        let mut all: Vec<&Keypair> = vec![fee_payer];
        all.extend(signers.iter().copied().filter(|k| k.pubkey() != fee_payer.pubkey()));
        let tx =
            Transaction::new_signed_with_payer(ixs, Some(&fee_payer.pubkey()), &all, blockhash);
        self.send_versioned(tx.into()).await
    }

    /// Processes an already signed (legacy or v0) transaction.
    pub async fn send_versioned(&mut self, tx: VersionedTransaction) -> TxResult {
        self.remember_accounts(&tx).await;
        let outcome = self
            .ctx
            .banks_client
            .process_transaction_with_metadata(tx)
            .await
            .expect("banks client transport");
        let (logs, compute_units) = match &outcome.metadata {
            Some(m) => (m.log_messages.clone(), m.compute_units_consumed),
            None => (vec![], 0),
        };
        match outcome.result {
            Ok(()) => Ok(TxSuccess { events: EventLog::from_logs(&logs), logs, compute_units }),
            Err(error) => Err(TxFailure { error, logs }),
        }
    }

    /// Records the addresses `tx` names, those loaded from its lookup tables included.
    async fn remember_accounts(&mut self, tx: &VersionedTransaction) {
        use solana_address_lookup_table_interface::state::AddressLookupTable;
        self.seen.extend(tx.message.static_account_keys().iter().copied());
        let now = self.now().await;
        for key in tx.message.static_account_keys() {
            self.last_named.insert(*key, now);
        }
        for lookup in tx.message.address_table_lookups().unwrap_or_default() {
            let Some(table) = self.account(&lookup.account_key).await else { continue };
            let Ok(table) = AddressLookupTable::deserialize(&table.data) else { continue };
            let indexes = lookup.writable_indexes.iter().chain(&lookup.readonly_indexes);
            let found: Vec<Pubkey> =
                indexes.filter_map(|i| table.addresses.get(*i as usize).copied()).collect();
            self.seen.extend(found);
        }
    }

    /// When a transaction last named `address` (see the `last_named` field).
    pub fn last_named(&self, address: &Pubkey) -> Option<i64> {
        self.last_named.get(address).copied()
    }

    /// Every address seen so far (see the `seen` field), in order.
    pub fn seen_accounts(&self) -> Vec<Pubkey> {
        self.seen.iter().copied().collect()
    }

    /// Sends and panics with the logs on failure.
    #[track_caller]
    pub fn ok(result: TxResult) -> TxSuccess {
        match result {
            Ok(s) => s,
            Err(e) => panic!("transaction failed: {e}"),
        }
    }

    /// A new keypair holding `lamports`.
    pub async fn funded_keypair(&mut self, lamports: u64) -> Keypair {
        let kp = Keypair::new();
        self.airdrop(&kp.pubkey(), lamports).await;
        kp
    }

    pub async fn airdrop(&mut self, to: &Pubkey, lamports: u64) {
        let ix = solana_system_interface::instruction::transfer(&self.payer(), to, lamports);
        Self::ok(self.send(&[ix], &[]).await);
    }

    pub async fn account(&mut self, key: &Pubkey) -> Option<solana_account::Account> {
        self.ctx.banks_client.get_account(*key).await.expect("get_account")
    }

    pub async fn account_exists(&mut self, key: &Pubkey) -> bool {
        self.account(key).await.is_some()
    }

    pub async fn lamports(&mut self, key: &Pubkey) -> u64 {
        self.account(key).await.map(|a| a.lamports).unwrap_or(0)
    }

    /// An Anchor account, discriminator checked. Panics if missing or of another type.
    pub async fn anchor_account<T: AccountDeserialize>(&mut self, key: &Pubkey) -> T {
        let acc = self.account(key).await.unwrap_or_else(|| panic!("account {key} missing"));
        T::try_deserialize(&mut acc.data.as_slice()).expect("anchor account layout")
    }

    /// A Token-2022 (or SPL Token) account's balance and withheld fees.
    pub async fn token(&mut self, key: &Pubkey) -> TokenBalance {
        let acc = self.account(key).await.unwrap_or_else(|| panic!("token account {key} missing"));
        let state =
            StateWithExtensions::<TokenAccountState>::unpack(&acc.data).expect("token account");
        let withheld = state
            .get_extension::<TransferFeeAmount>()
            .map(|f| u64::from(f.withheld_amount))
            .unwrap_or(0);
        TokenBalance {
            mint: state.base.mint,
            owner: state.base.owner,
            amount: state.base.amount,
            withheld,
        }
    }

    pub async fn token_amount(&mut self, key: &Pubkey) -> u64 {
        self.token(key).await.amount
    }

    /// Raw mint account data (for reading extensions with `StateWithExtensions`).
    pub async fn mint_data(&mut self, mint: &Pubkey) -> Vec<u8> {
        self.account(mint).await.unwrap_or_else(|| panic!("mint {mint} missing")).data
    }

    pub async fn mint_supply(&mut self, mint: &Pubkey) -> u64 {
        let data = self.mint_data(mint).await;
        StateWithExtensions::<MintState>::unpack(&data).expect("mint").base.supply
    }

    /// The Token-2022 associated token account of `owner` (created if missing; the context
    /// payer pays its rent).
    pub async fn create_ata(&mut self, owner: &Pubkey, mint: &Pubkey) -> Pubkey {
        let ix = create_associated_token_account_idempotent(&self.payer(), owner, mint, &t22::ID);
        Self::ok(self.send(&[ix], &[]).await);
        ata(owner, mint)
    }

    /// A plain Token-2022 mint (no extensions) that is not STK, with the context payer as its
    /// authority: the "wrong mint" of attack tests.
    pub async fn create_foreign_mint(&mut self, decimals: u8) -> Pubkey {
        let payer = self.payer();
        let mint = Keypair::new();
        let len = spl_token_2022_mint_len();
        let rent = self.ctx.banks_client.get_rent().await.expect("rent");
        let create = solana_system_interface::instruction::create_account(
            &payer,
            &mint.pubkey(),
            rent.minimum_balance(len),
            len as u64,
            &t22::ID,
        );
        let init =
            t22::instruction::initialize_mint2(&t22::ID, &mint.pubkey(), &payer, None, decimals)
                .expect("initialize_mint2");
        Self::ok(self.send(&[create, init], &[&mint]).await);
        mint.pubkey()
    }

    /// The cluster clock.
    pub async fn clock(&mut self) -> Clock {
        self.ctx.banks_client.get_sysvar::<Clock>().await.expect("clock")
    }

    pub async fn now(&mut self) -> i64 {
        self.clock().await.unix_timestamp
    }

    /// Moves the clock to `unix_timestamp` (and a later slot, so a fresh blockhash follows).
    pub async fn warp_to_timestamp(&mut self, unix_timestamp: i64) {
        let mut clock = self.clock().await;
        let slot = clock.slot + 2;
        self.ctx.warp_to_slot(slot).expect("warp");
        clock = self.clock().await;
        clock.unix_timestamp = unix_timestamp;
        self.ctx.set_sysvar(&clock);
    }

    /// Advances the clock by `seconds`.
    pub async fn advance_seconds(&mut self, seconds: i64) {
        let now = self.now().await;
        self.warp_to_timestamp(now + seconds).await;
    }
}

/// Size of a Token-2022 mint without extensions.
fn spl_token_2022_mint_len() -> usize {
    use anchor_lang::solana_program::program_pack::Pack;
    MintState::LEN
}

/// The Token-2022 associated token account address of `owner` for `mint`.
pub fn ata(owner: &Pubkey, mint: &Pubkey) -> Pubkey {
    get_associated_token_address_with_program_id(owner, mint, &t22::ID)
}
