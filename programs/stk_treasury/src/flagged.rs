//! What a dormancy notice or a fraud hold is bound to, as pure rules apart from the account
//! plumbing: which token accounts may be flagged at all, when a flagged account is still "the
//! one that was flagged", and when a resolved notice may give way to a new one.
//!
//! A Token-2022 account closed and re-created at the same address (an ATA always is) is
//! indistinguishable by its address, so a notice records what it flagged — the owner and the
//! balance — and is alive only while the account still shows exactly those. Closing the account
//! (which needs the owner's signature and a zero balance), reassigning it, or any movement of
//! its balance voids the notice for good.
use crate::{
    errors::TreasuryError,
    state::{NoticeStatus, Treasury},
};
use anchor_lang::prelude::*;
use anchor_spl::token_interface::spl_token_2022::{
    self,
    extension::StateWithExtensions,
    state::{Account as TokenState, AccountState},
};

/// A live STK token account as observed now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Observed {
    pub owner: Pubkey,
    pub amount: u64,
}

/// Reads `info` as an initialized Token-2022 account of `mint`; `None` when it is closed (or
/// never existed), owned by another program, uninitialized, or of another mint.
pub fn observe(info: &AccountInfo, mint: &Pubkey) -> Option<Observed> {
    if info.owner != &spl_token_2022::ID {
        return None;
    }
    let data = info.try_borrow_data().ok()?;
    let state = StateWithExtensions::<TokenState>::unpack(&data).ok()?;
    if state.base.state == AccountState::Uninitialized || state.base.mint != *mint {
        return None;
    }
    Some(Observed { owner: state.base.owner, amount: state.base.amount })
}

/// The account is still the flagged one: it exists as an STK account with the owner and
/// exactly the balance recorded at flag time. Any other observation voids the notice.
///
/// Why equality and not "at least": an account emptied and closed by its owner, re-created at
/// the same address and refilled (by a payout, say) would pass "at least the flagged balance"
/// and lose the owner's new money to an old notice. An inactive account's balance does not
/// move; one that moved is not dormant.
pub fn still_flagged(now: Option<Observed>, owner: &Pubkey, flagged_balance: u64) -> bool {
    matches!(now, Some(o) if o.owner == *owner && o.amount == flagged_balance)
}

/// The earliest instant a resolved notice may be closed so the account can be flagged again;
/// `None` while the notice is pending. After the owner's cancellation (or a void, which
/// closing or emptying the account by the owner causes) a full notice period must pass; a
/// reintegrated notice gives way at once (the account was empty and the owner silent).
pub fn reflag_allowed_at(status: NoticeStatus, resolved_at: i64, notice_secs: i64) -> Option<i64> {
    match status {
        NoticeStatus::Pending => None,
        NoticeStatus::Reintegrated => Some(resolved_at),
        NoticeStatus::Cancelled | NoticeStatus::Voided => resolved_at.checked_add(notice_secs),
    }
}

/// Only an ordinary member's account may be flagged or held: never one of the treasury's own
/// vaults, and never an account whose owner is off the ed25519 curve — a program-derived
/// address, which can never sign a cancellation: the staking, startup-fund, sale, grant and
/// escrow vaults of the suite are all such accounts.
pub fn require_member_account(treasury: &Treasury, account: &Pubkey, owner: &Pubkey) -> Result<()> {
    require!(
        *account != treasury.distribution_vault && *account != treasury.fee_vault,
        TreasuryError::TreasuryVault
    );
    require!(owner.is_on_curve(), TreasuryError::OwnerNotWallet);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_same_owner_with_the_same_balance_is_still_flagged() {
        let owner = Pubkey::new_unique();
        let live = |owner, amount| Some(Observed { owner, amount });
        assert!(still_flagged(live(owner, 400), &owner, 400));
        assert!(!still_flagged(None, &owner, 400), "closed");
        assert!(!still_flagged(live(Pubkey::new_unique(), 400), &owner, 400), "reassigned");
        assert!(!still_flagged(live(owner, 399), &owner, 400), "spent");
        assert!(!still_flagged(live(owner, 401), &owner, 400), "refilled");
        assert!(still_flagged(live(owner, 0), &owner, 0), "an empty account stays empty");
    }

    #[test]
    fn a_cancelled_or_voided_notice_blocks_a_new_flag_for_one_period() {
        let secs = 90 * 86_400;
        assert_eq!(reflag_allowed_at(NoticeStatus::Pending, 0, secs), None);
        assert_eq!(reflag_allowed_at(NoticeStatus::Cancelled, 1_000, secs), Some(1_000 + secs));
        assert_eq!(reflag_allowed_at(NoticeStatus::Voided, 1_000, secs), Some(1_000 + secs));
        assert_eq!(reflag_allowed_at(NoticeStatus::Reintegrated, 1_000, secs), Some(1_000));
        assert_eq!(reflag_allowed_at(NoticeStatus::Cancelled, i64::MAX, 1), None);
    }

    #[test]
    fn program_addresses_are_off_the_curve_and_wallets_on_it() {
        let pda = Pubkey::find_program_address(&[b"vault"], &crate::ID).0;
        assert!(!pda.is_on_curve());
        let wallet = Pubkey::new_from_array([
            // An ed25519 public key (the RFC 8032 test vector 1).
            0xd7, 0x5a, 0x98, 0x01, 0x82, 0xb1, 0x0a, 0xb7, 0xd5, 0x4b, 0xfe, 0xd3, 0xc9, 0x64,
            0x07, 0x3a, 0x0e, 0xe1, 0x72, 0xf3, 0xda, 0xa6, 0x23, 0x25, 0xaf, 0x02, 0x1a, 0x68,
            0xf7, 0x07, 0x51, 0x1a,
        ]);
        assert!(wallet.is_on_curve());
    }
}
