//! Whether a member's wallet and STK token account can receive a payout, checked before a
//! month is planned and again before its epoch opens.
//!
//! A payout goes to the wallet's associated token account, so the wallet must be an ordinary
//! wallet: a point on the ed25519 curve (a PDA has no key, nobody could spend from its
//! account), not an existing token account or mint (its "ATA" would belong to a token
//! account), not a program, not an account some program owns. An existing token account at
//! the ATA address must be usable: Token-2022, the STK mint, owned by the wallet, initialized,
//! not frozen, not requiring incoming-transfer memos. A missing ATA is fine (the engine
//! creates it). Unusable members stay pending with the reason; the treasury also skips
//! accounts that become unusable later (closed, frozen, memo-required), and those are carried
//! back as pending after the epoch closes.
use super::plan::TokenAccountPolicy;
use crate::chain::{AccountSummary, ChainBackend, ChainError, MAX_MULTIPLE_ACCOUNTS};
use anchor_lang::prelude::Pubkey;
use anchor_spl::token_interface::spl_token_2022::{
    extension::StateWithExtensions, state::Account as TokenAccount,
};
use stk_common::payout_plan::{classify_recipient, SkipReason};

/// Why a recipient cannot be paid (stable codes, stored with the pending allocation).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unusable {
    MalformedWallet,
    /// Not on the curve: a PDA or arbitrary bytes, no key can sign for it.
    WalletOffCurve,
    /// The wallet address is a program.
    WalletIsProgram,
    /// The wallet address is a token account or a mint.
    WalletIsTokenAccount,
    /// The wallet address holds an account owned by another program (or with data).
    WalletNotSystemAccount,
    TokenAccountNotToken2022,
    TokenAccountUninitialized,
    TokenAccountOtherMint,
    TokenAccountOtherOwner,
    TokenAccountFrozen,
    TokenAccountMemoRequired,
    /// No STK token account, and the month's policy leaves such members pending
    /// (`payout.token_accounts = "leave_pending"`) until they create one.
    NoTokenAccount,
}

impl Unusable {
    pub fn code(self) -> &'static str {
        match self {
            Unusable::MalformedWallet => "malformed_wallet",
            Unusable::WalletOffCurve => "wallet_off_curve",
            Unusable::WalletIsProgram => "wallet_is_program",
            Unusable::WalletIsTokenAccount => "wallet_is_token_account",
            Unusable::WalletNotSystemAccount => "wallet_not_system_account",
            Unusable::TokenAccountNotToken2022 => "token_account_not_token_2022",
            Unusable::TokenAccountUninitialized => "token_account_uninitialized",
            Unusable::TokenAccountOtherMint => "token_account_other_mint",
            Unusable::TokenAccountOtherOwner => "token_account_other_owner",
            Unusable::TokenAccountFrozen => "token_account_frozen",
            Unusable::TokenAccountMemoRequired => "token_account_memo_required",
            Unusable::NoTokenAccount => "no_token_account",
        }
    }
}

impl std::fmt::Display for Unusable {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.code())
    }
}

/// The checks that need no chain: the address's shape.
pub fn check_wallet_address(wallet: &Pubkey) -> Result<(), Unusable> {
    if wallet.is_on_curve() {
        Ok(())
    } else {
        Err(Unusable::WalletOffCurve)
    }
}

/// The wallet address as read on-chain: nothing there, or a plain system account.
pub fn check_wallet_account(account: Option<&AccountSummary>) -> Result<(), Unusable> {
    let Some(a) = account else { return Ok(()) };
    if a.executable {
        return Err(Unusable::WalletIsProgram);
    }
    if a.owner == stk_client::TOKEN_2022 || a.owner == anchor_spl::token::ID {
        return Err(Unusable::WalletIsTokenAccount);
    }
    if a.owner != anchor_lang::system_program::ID || !a.data.is_empty() {
        return Err(Unusable::WalletNotSystemAccount);
    }
    Ok(())
}

/// The STK token account at the wallet's ATA address as read on-chain (missing is fine
/// unless `required`: the month leaves members without one pending).
pub fn check_token_account(
    account: Option<&AccountSummary>,
    wallet: &Pubkey,
    mint: &Pubkey,
    required: bool,
) -> Result<(), Unusable> {
    let Some(a) = account else {
        return if required { Err(Unusable::NoTokenAccount) } else { Ok(()) };
    };
    // The treasury's own rule first (what it would skip), then the owner: the ATA binds the
    // wallet, an account owned by someone else is not this member's.
    if let Some(skip) = classify_recipient(&a.owner, &a.data, mint) {
        return Err(match skip {
            SkipReason::NotToken2022 => Unusable::TokenAccountNotToken2022,
            SkipReason::NotTokenAccount => Unusable::TokenAccountUninitialized,
            SkipReason::WrongMint => Unusable::TokenAccountOtherMint,
            SkipReason::Frozen => Unusable::TokenAccountFrozen,
            SkipReason::MemoRequired => Unusable::TokenAccountMemoRequired,
        });
    }
    match StateWithExtensions::<TokenAccount>::unpack(&a.data) {
        Ok(state) if state.base.owner == *wallet => Ok(()),
        _ => Err(Unusable::TokenAccountOtherOwner),
    }
}

/// Checks `(wallet, token_account)` pairs with batched reads (wallet and token account
/// together, [`MAX_MULTIPLE_ACCOUNTS`] accounts per read). One result per pair, in order.
/// `policy` says whether a missing token account is created or leaves the member pending.
pub async fn check_all<B: ChainBackend>(
    backend: &mut B,
    mint: &Pubkey,
    pairs: &[(Pubkey, Pubkey)],
    policy: TokenAccountPolicy,
) -> Result<Vec<Result<(), Unusable>>, ChainError> {
    let required = policy == TokenAccountPolicy::LeavePending;
    let mut out = Vec::with_capacity(pairs.len());
    for chunk in pairs.chunks(MAX_MULTIPLE_ACCOUNTS / 2) {
        let addresses: Vec<Pubkey> = chunk.iter().flat_map(|(w, t)| [*w, *t]).collect();
        let accounts = backend.accounts(&addresses).await?;
        for (i, (wallet, _)) in chunk.iter().enumerate() {
            let verdict = check_wallet_address(wallet)
                .and_then(|()| check_wallet_account(accounts.get(2 * i).and_then(|a| a.as_ref())))
                .and_then(|()| {
                    check_token_account(
                        accounts.get(2 * i + 1).and_then(|a| a.as_ref()),
                        wallet,
                        mint,
                        required,
                    )
                });
            out.push(verdict);
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use anchor_spl::token_interface::spl_token_2022::extension::{
        memo_transfer::MemoTransfer, BaseStateWithExtensionsMut, ExtensionType,
        StateWithExtensionsMut,
    };
    use anchor_spl::token_interface::spl_token_2022::state::AccountState;

    fn token_account(
        mint: Pubkey,
        owner: Pubkey,
        state: AccountState,
        memo: bool,
    ) -> AccountSummary {
        let size = ExtensionType::try_calculate_account_len::<TokenAccount>(&[
            ExtensionType::MemoTransfer,
        ])
        .unwrap();
        let mut data = vec![0u8; size];
        let mut s =
            StateWithExtensionsMut::<TokenAccount>::unpack_uninitialized(&mut data).unwrap();
        s.base.mint = mint;
        s.base.owner = owner;
        s.base.state = state;
        s.pack_base();
        s.init_account_type().unwrap();
        let ext = s.init_extension::<MemoTransfer>(true).unwrap();
        ext.require_incoming_transfer_memos = memo.into();
        AccountSummary { owner: stk_client::TOKEN_2022, executable: false, lamports: 1, data }
    }

    #[test]
    fn wallets_must_be_ordinary() {
        let wallet = solana_keypair::Keypair::new();
        let wallet = solana_signer::Signer::pubkey(&wallet);
        assert_eq!(check_wallet_address(&wallet), Ok(()));
        let (pda, _) = Pubkey::find_program_address(&[b"x"], &stk_treasury::ID);
        assert_eq!(check_wallet_address(&pda), Err(Unusable::WalletOffCurve));
        let system = |data: Vec<u8>| AccountSummary {
            owner: anchor_lang::system_program::ID,
            executable: false,
            lamports: 1,
            data,
        };
        assert_eq!(check_wallet_account(None), Ok(()));
        assert_eq!(check_wallet_account(Some(&system(vec![]))), Ok(()));
        assert_eq!(
            check_wallet_account(Some(&system(vec![1]))),
            Err(Unusable::WalletNotSystemAccount)
        );
        let program = AccountSummary { executable: true, ..system(vec![]) };
        assert_eq!(check_wallet_account(Some(&program)), Err(Unusable::WalletIsProgram));
        let token = AccountSummary { owner: stk_client::TOKEN_2022, ..system(vec![0; 165]) };
        assert_eq!(check_wallet_account(Some(&token)), Err(Unusable::WalletIsTokenAccount));
        let legacy = AccountSummary { owner: anchor_spl::token::ID, ..system(vec![0; 165]) };
        assert_eq!(check_wallet_account(Some(&legacy)), Err(Unusable::WalletIsTokenAccount));
    }

    #[test]
    fn token_accounts_must_be_usable() {
        let (mint, wallet) = (Pubkey::new_unique(), Pubkey::new_unique());
        let ok = token_account(mint, wallet, AccountState::Initialized, false);
        assert_eq!(check_token_account(None, &wallet, &mint, false), Ok(()));
        assert_eq!(check_token_account(None, &wallet, &mint, true), Err(Unusable::NoTokenAccount));
        assert_eq!(check_token_account(Some(&ok), &wallet, &mint, true), Ok(()));
        assert_eq!(check_token_account(Some(&ok), &wallet, &mint, false), Ok(()));
        let frozen = token_account(mint, wallet, AccountState::Frozen, false);
        assert_eq!(
            check_token_account(Some(&frozen), &wallet, &mint, false),
            Err(Unusable::TokenAccountFrozen)
        );
        let memo = token_account(mint, wallet, AccountState::Initialized, true);
        assert_eq!(
            check_token_account(Some(&memo), &wallet, &mint, false),
            Err(Unusable::TokenAccountMemoRequired)
        );
        let other = token_account(Pubkey::new_unique(), wallet, AccountState::Initialized, false);
        assert_eq!(
            check_token_account(Some(&other), &wallet, &mint, false),
            Err(Unusable::TokenAccountOtherMint)
        );
        let reassigned = AccountSummary { owner: anchor_lang::system_program::ID, ..ok.clone() };
        assert_eq!(
            check_token_account(Some(&reassigned), &wallet, &mint, false),
            Err(Unusable::TokenAccountNotToken2022)
        );
        let junk = AccountSummary { data: vec![1, 2, 3], ..ok };
        assert_eq!(
            check_token_account(Some(&junk), &wallet, &mint, false),
            Err(Unusable::TokenAccountUninitialized)
        );
    }
}
