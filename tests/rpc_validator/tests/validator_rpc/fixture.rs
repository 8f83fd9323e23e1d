//! The shared fixture: one in-process validator, backends pointed at it, a Token-2022 mint with
//! the transfer-fee extension, and small helpers that sign, send and confirm through the
//! distributor's own `RpcBackend`.
use anchor_lang::prelude::Pubkey;
use anchor_spl::token_interface::spl_token_2022::{
    self as t22,
    extension::{
        transfer_fee::{instruction as fee_ix, TransferFeeAmount},
        BaseStateWithExtensions, ExtensionType, StateWithExtensions,
    },
    state::{Account as TokenAccountState, Mint as MintState},
};
use solana_instruction::Instruction;
use solana_keypair::Keypair;
use solana_signature::Signature;
use solana_signer::Signer;
use solana_test_validator::{TestValidator, TestValidatorGenesis};
use solana_transaction::{versioned::VersionedTransaction, Transaction};
use spl_associated_token_account_interface::instruction::create_associated_token_account_idempotent;
use std::time::{Duration, Instant};
use stk_client::{ata, TOKEN_2022};
use stk_distributor::{
    chain::{
        rpc::{RpcBackend, RpcSettings},
        ChainBackend, RecentBlockhash, SignatureStatus,
    },
    payout::engine::{EngineError, EngineSettings, PayoutEngine},
};

pub const DECIMALS: u8 = 6;
/// 1 % per transfer, at most 5,000 base units.
pub const FEE_BPS: u16 = 100;
pub const MAX_FEE: u64 = 5_000;
/// Minted to the payer's token account when a fee mint is created.
pub const SUPPLY: u64 = 1_000_000_000;

/// The running validator and what every case needs from it.
pub struct Net {
    validator: TestValidator,
    pub url: String,
    /// The genesis mint keypair: funded with 500M SOL, pays every fee.
    pub payer: Keypair,
    /// A blockhash taken right after start-up; by the time the expiry case runs (last) it is
    /// about to expire or has expired for real.
    pub stale: RecentBlockhash,
}

impl Net {
    /// Starts the validator with its ledger in `ledger` and waits until it can run SPL programs.
    pub async fn start(ledger: &std::path::Path) -> Net {
        let started = Instant::now();
        std::fs::create_dir_all(ledger).expect("ledger directory");
        let mut genesis = TestValidatorGenesis::default();
        // Gossip port 0: any free port (the default, 8000, may be taken by another process).
        genesis.ledger_path(ledger).gossip_port(0);
        let (validator, payer) = genesis.start_async().await;
        let url = validator.rpc_url();
        // Programs in genesis are "not deployed" until the bank has moved past slot 1.
        let client = validator.get_async_rpc_client();
        let deadline = Deadline::new("the validator to reach slot 2", Duration::from_secs(120));
        while !client.get_slot().await.is_ok_and(|slot| slot >= 2) {
            deadline.tick().await;
        }
        let mut net = Net {
            validator,
            url,
            payer,
            stale: RecentBlockhash { blockhash: Default::default(), last_valid_block_height: 0 },
        };
        net.stale = net.backend(|_| {}).latest_blockhash().await.expect("first blockhash");
        println!("validator up at {} in {:.1?}", net.url, started.elapsed());
        net
    }

    /// A backend on this validator, paying with the genesis key; `tweak` adjusts the settings.
    pub fn backend(&self, tweak: impl FnOnce(&mut RpcSettings)) -> RpcBackend {
        let mut settings = RpcSettings {
            url: self.url.clone(),
            poll_interval: Duration::from_millis(200),
            request_timeout: Duration::from_secs(10),
            ..RpcSettings::default()
        };
        tweak(&mut settings);
        RpcBackend::new(self.payer.insecure_clone(), settings)
    }

    pub fn payer(&self) -> Pubkey {
        self.payer.pubkey()
    }

    /// Stops the validator (its threads join) before the caller removes the ledger.
    pub fn stop(self) {
        drop(self.validator);
    }
}

/// A bounded wait: `tick` sleeps one poll interval and panics once the limit has passed.
pub struct Deadline {
    what: String,
    limit: Duration,
    at: Instant,
}

impl Deadline {
    pub fn new(what: impl Into<String>, limit: Duration) -> Deadline {
        Deadline { what: what.into(), limit, at: Instant::now() + limit }
    }

    pub async fn tick(&self) {
        assert!(
            Instant::now() < self.at,
            "timed out after {:?} waiting for {}",
            self.limit,
            self.what
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// Signs `ixs` (payer first, then `extra`) with a blockhash from the backend.
pub async fn sign(
    backend: &mut RpcBackend,
    ixs: &[Instruction],
    extra: &[&Keypair],
) -> (VersionedTransaction, RecentBlockhash) {
    let recent = backend.latest_blockhash().await.expect("latest blockhash");
    (sign_with(backend.payer(), ixs, extra, recent.blockhash), recent)
}

pub fn sign_with(
    payer: &Keypair,
    ixs: &[Instruction],
    extra: &[&Keypair],
    blockhash: solana_hash::Hash,
) -> VersionedTransaction {
    let mut signers = vec![payer];
    signers.extend_from_slice(extra);
    Transaction::new_signed_with_payer(ixs, Some(&payer.pubkey()), &signers, blockhash).into()
}

/// Polls the signature's status at the backend's commitment until it is known.
pub async fn confirm(backend: &mut RpcBackend, signature: &Signature) -> SignatureStatus {
    let deadline = Deadline::new(format!("{signature} to land"), Duration::from_secs(90));
    loop {
        match backend.signature_status(signature).await.expect("signature status") {
            SignatureStatus::Unknown => deadline.tick().await,
            known => return known,
        }
    }
}

/// Signs, sends and confirms; panics unless the transaction succeeded.
pub async fn land(backend: &mut RpcBackend, ixs: &[Instruction], extra: &[&Keypair]) -> Signature {
    let (tx, _) = sign(backend, ixs, extra).await;
    backend.send(&tx).await.expect("send");
    let signature = tx.signatures[0];
    assert_eq!(confirm(backend, &signature).await, SignatureStatus::Succeeded);
    signature
}

/// A token account as the tests check it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Token {
    pub owner: Pubkey,
    pub mint: Pubkey,
    pub amount: u64,
    /// Transfer fees withheld in this account.
    pub withheld: u64,
}

/// Reads a token account through the backend (at its commitment); `None` if it does not exist.
pub async fn token(backend: &mut RpcBackend, address: &Pubkey) -> Option<Token> {
    let data = backend.account_data(address).await.expect("account data")?;
    let state = StateWithExtensions::<TokenAccountState>::unpack(&data).expect("token account");
    let withheld = state
        .get_extension::<TransferFeeAmount>()
        .map(|f| u64::from(f.withheld_amount))
        .unwrap_or(0);
    Some(Token {
        owner: state.base.owner,
        mint: state.base.mint,
        amount: state.base.amount,
        withheld,
    })
}

pub async fn token_amount(backend: &mut RpcBackend, address: &Pubkey) -> u64 {
    token(backend, address)
        .await
        .unwrap_or_else(|| panic!("token account {address} missing"))
        .amount
}

pub async fn mint_supply(backend: &mut RpcBackend, mint: &Pubkey) -> u64 {
    let data = backend.account_data(mint).await.expect("mint data").expect("mint exists");
    StateWithExtensions::<MintState>::unpack(&data).expect("mint").base.supply
}

/// A Token-2022 mint with the transfer-fee extension (payer is mint, fee and withdraw
/// authority) and the payer's token account holding the whole [`SUPPLY`].
pub struct FeeMint {
    pub mint: Pubkey,
    pub source: Pubkey,
}

impl FeeMint {
    pub async fn create(backend: &mut RpcBackend) -> FeeMint {
        let payer = backend.payer().pubkey();
        let mint = Keypair::new();
        let len = ExtensionType::try_calculate_account_len::<MintState>(&[
            ExtensionType::TransferFeeConfig,
        ])
        .expect("mint size");
        let rent =
            backend.client().get_minimum_balance_for_rent_exemption(len).await.expect("rent");
        let source = ata(&payer, &mint.pubkey());
        let ixs = [
            solana_system_interface::instruction::create_account(
                &payer,
                &mint.pubkey(),
                rent,
                len as u64,
                &TOKEN_2022,
            ),
            fee_ix::initialize_transfer_fee_config(
                &TOKEN_2022,
                &mint.pubkey(),
                Some(&payer),
                Some(&payer),
                FEE_BPS,
                MAX_FEE,
            )
            .expect("fee config"),
            t22::instruction::initialize_mint2(&TOKEN_2022, &mint.pubkey(), &payer, None, DECIMALS)
                .expect("initialize_mint2"),
            create_associated_token_account_idempotent(&payer, &payer, &mint.pubkey(), &TOKEN_2022),
            t22::instruction::mint_to(&TOKEN_2022, &mint.pubkey(), &source, &payer, &[], SUPPLY)
                .expect("mint_to"),
        ];
        land(backend, &ixs, &[&mint]).await;
        let fee_mint = FeeMint { mint: mint.pubkey(), source };
        assert_eq!(token_amount(backend, &source).await, SUPPLY);
        assert_eq!(mint_supply(backend, &fee_mint.mint).await, SUPPLY);
        fee_mint
    }

    /// Creates (idempotently) the token account of each wallet.
    pub fn create_accounts_ixs(&self, payer: &Pubkey, wallets: &[Pubkey]) -> Vec<Instruction> {
        wallets
            .iter()
            .map(|w| create_associated_token_account_idempotent(payer, w, &self.mint, &TOKEN_2022))
            .collect()
    }

    pub fn account_of(&self, wallet: &Pubkey) -> Pubkey {
        ata(wallet, &self.mint)
    }

    /// `amount` from the payer's account to `wallet`'s: `transfer_checked` without `fee`,
    /// `transfer_checked_with_fee` with it (refused unless it is the exact fee).
    pub fn transfer(
        &self,
        payer: &Pubkey,
        wallet: &Pubkey,
        amount: u64,
        fee: Option<u64>,
    ) -> Instruction {
        let (source, mint, to) = (&self.source, &self.mint, &self.account_of(wallet));
        match fee {
            None => t22::instruction::transfer_checked(
                &TOKEN_2022,
                source,
                mint,
                to,
                payer,
                &[],
                amount,
                DECIMALS,
            ),
            Some(fee) => fee_ix::transfer_checked_with_fee(
                &TOKEN_2022,
                source,
                mint,
                to,
                payer,
                &[],
                amount,
                DECIMALS,
                fee,
            ),
        }
        .expect("transfer instruction")
    }
}

/// Fresh wallets (only their addresses matter).
pub fn wallets(n: usize) -> Vec<Pubkey> {
    (0..n).map(|_| Keypair::new().pubkey()).collect()
}

/// The network fee of a transaction of `ixs` paid by the backend's payer.
pub async fn fee_for(backend: &mut RpcBackend, ixs: &[Instruction]) -> u64 {
    let recent = backend.latest_blockhash().await.expect("latest blockhash");
    let payer = backend.payer().pubkey();
    let message = solana_message::Message::new_with_blockhash(ixs, Some(&payer), &recent.blockhash);
    backend.client().get_fee_for_message(&message).await.expect("fee for message")
}

/// `PayoutEngine::submit_until_landed` (sign, send, await, re-sign on expiry) on `backend`.
pub async fn submit<B: ChainBackend>(
    backend: &mut B,
    mint: Pubkey,
    what: &str,
    ixs: &[Instruction],
) -> Result<(), EngineError> {
    // This path never touches Postgres, but the engine holds a pool: a lazy one never connects.
    let db = sqlx::PgPool::connect_lazy("postgres://unused@127.0.0.1:1/unused").expect("lazy pool");
    let mut engine = PayoutEngine::new(backend, &db, mint, EngineSettings::default());
    engine.submit_until_landed(what, ixs).await
}

/// The custom error code a Token-2022 error is reported with.
pub fn token_error(error: t22::error::TokenError) -> u32 {
    error as u32
}
