//! Account layouts of `stk_vesting`.
use crate::curve::VestingSchedule;
use anchor_lang::prelude::*;

/// The program's state, PDA `[seeds::VESTING_CONFIG]`.
#[account]
#[derive(InitSpace)]
pub struct VestingConfig {
    /// Opens the sale. Holds no tokens and cannot touch grants.
    pub admin: Pubkey,
    /// The STK mint; every grant and the sale vault hold it.
    pub mint: Pubkey,
    /// PDA `[seeds::SALE_VAULT]`, owned by the vesting authority; receives the genesis mint.
    pub sale_vault: Pubkey,
    pub bump: u8,
    pub authority_bump: u8,
    /// The admin proposed by `propose_admin`, `Pubkey::default()` when none; it becomes the
    /// admin by signing `accept_admin`.
    pub pending_admin: Pubkey,
}

/// One grant, PDA `[seeds::GRANT, grant_id]`. Its tokens sit in its own vault, PDA
/// `[seeds::GRANT_VAULT, grant]`, owned by the vesting authority.
#[account]
#[derive(InitSpace)]
pub struct Grant {
    /// Caller-chosen id (the PDA seed); deliberately not the beneficiary, who may change.
    pub grant_id: Pubkey,
    /// The creator: may revoke a revocable grant. For sale grants, the sale PDA.
    pub authority: Pubkey,
    /// May claim and may hand the grant to a new wallet.
    pub beneficiary: Pubkey,
    pub mint: Pubkey,
    pub vault: Pubkey,
    pub schedule: VestingSchedule,
    /// What arrived in the vault at creation (after any transfer fee).
    pub total: u64,
    /// Sum of what left the vault to the beneficiary.
    pub claimed: u64,
    pub revocable: bool,
    /// Set by `revoke`: vesting stops at this instant.
    pub revoked_at: Option<i64>,
    /// The unvested part sent back by `revoke`.
    pub returned: u64,
    pub bump: u8,
    pub vault_bump: u8,
}

/// What the creator of a grant chooses; the rest of a new grant comes from its accounts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct GrantTerms {
    pub grant_id: Pubkey,
    /// The creator (may revoke a revocable grant); the sale PDA for sale grants.
    pub authority: Pubkey,
    pub beneficiary: Pubkey,
    pub schedule: VestingSchedule,
    pub revocable: bool,
}

impl Grant {
    /// A new grant of `total` (what arrived in `vault`, a vault of `mint`): nothing claimed,
    /// not revoked, nothing returned.
    pub fn new(
        terms: GrantTerms,
        mint: Pubkey,
        vault: Pubkey,
        total: u64,
        bump: u8,
        vault_bump: u8,
    ) -> Self {
        Grant {
            grant_id: terms.grant_id,
            authority: terms.authority,
            beneficiary: terms.beneficiary,
            mint,
            vault,
            schedule: terms.schedule,
            total,
            claimed: 0,
            revocable: terms.revocable,
            revoked_at: None,
            returned: 0,
            bump,
            vault_bump,
        }
    }

    /// Unlocked so far (vesting freezes at `revoked_at`).
    pub fn vested(&self, now: i64) -> u64 {
        let at = self.revoked_at.map_or(now, |revoked| revoked.min(now));
        self.schedule.vested(self.total, at)
    }

    /// Unlocked and not yet claimed.
    pub fn claimable(&self, now: i64) -> u64 {
        self.vested(now).saturating_sub(self.claimed)
    }
}

/// Price of one STK base unit: `num / den` payment-mint base units (a rational, no floats).
#[derive(AnchorSerialize, AnchorDeserialize, Clone, Copy, Debug, PartialEq, Eq, InitSpace)]
pub struct SalePrice {
    pub num: u64,
    pub den: u64,
}

impl SalePrice {
    /// What `amount` STK base units cost, rounded up (the buyer never underpays by rounding).
    /// `None` on a zero denominator or if the cost does not fit a u64.
    pub fn cost(&self, amount: u64) -> Option<u64> {
        if self.den == 0 {
            return None;
        }
        let numerator = (amount as u128).checked_mul(self.num as u128)?;
        let cost = numerator.div_ceil(self.den as u128);
        u64::try_from(cost).ok()
    }
}

/// The vesting of every sale grant, relative to the purchase instant.
#[derive(AnchorSerialize, AnchorDeserialize, Clone, Copy, Debug, PartialEq, Eq, InitSpace)]
pub struct SaleVesting {
    pub cliff_seconds: i64,
    pub duration_seconds: i64,
    pub period_seconds: i64,
}

impl SaleVesting {
    /// The schedule of a grant bought at `now`; `None` on overflow.
    pub fn schedule_from(&self, now: i64) -> Option<VestingSchedule> {
        Some(VestingSchedule {
            start: now,
            cliff: now.checked_add(self.cliff_seconds)?,
            end: now.checked_add(self.duration_seconds)?,
            period: self.period_seconds,
        })
    }
}

/// The members' initial sale, PDA `[seeds::SALE]`.
#[account]
#[derive(InitSpace)]
pub struct Sale {
    pub admin: Pubkey,
    /// The STK mint.
    pub mint: Pubkey,
    /// The stable coin buyers pay with (SPL Token or Token-2022).
    pub payment_mint: Pubkey,
    /// Token account of `payment_mint` receiving the payments (the treasury's).
    pub payment_destination: Pubkey,
    /// STK token account receiving what is unsold at `close_sale` (the treasury's
    /// distribution vault in production).
    pub unsold_destination: Pubkey,
    pub price: SalePrice,
    /// Purchases are accepted in `[start, end)`.
    pub start: i64,
    pub end: i64,
    /// Merkle root of `(wallet, cap)` leaves, see `stk_common::merkle`.
    pub allowlist_root: [u8; 32],
    /// STK base units the sale may take out of the sale vault.
    pub total: u64,
    /// STK base units taken out so far (grossed up for the transfer fee); never above `total`.
    pub sold: u64,
    pub vesting: SaleVesting,
    pub closed: bool,
    pub bump: u8,
}

/// What one wallet bought, PDA `[seeds::SALE_MEMBER, sale, wallet]`, created on the first
/// purchase.
#[account]
#[derive(InitSpace)]
pub struct SaleMember {
    pub sale: Pubkey,
    pub wallet: Pubkey,
    /// STK base units bought (what the wallet's grants received); never above its cap.
    pub purchased: u64,
    pub purchases: u32,
    pub bump: u8,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cost_rounds_up_and_checks_overflow() {
        // 0.5 payment units per STK base unit.
        let p = SalePrice { num: 1, den: 2 };
        assert_eq!(p.cost(0), Some(0));
        assert_eq!(p.cost(1), Some(1));
        assert_eq!(p.cost(2), Some(1));
        assert_eq!(p.cost(3), Some(2));
        let p = SalePrice { num: 3, den: 1 };
        assert_eq!(p.cost(u64::MAX / 3), Some(u64::MAX / 3 * 3));
        assert_eq!(p.cost(u64::MAX / 3 + 1), None);
        assert_eq!(SalePrice { num: 1, den: 0 }.cost(1), None);
    }

    fn terms(revocable: bool) -> GrantTerms {
        GrantTerms {
            grant_id: Pubkey::new_from_array([1; 32]),
            authority: Pubkey::new_from_array([2; 32]),
            beneficiary: Pubkey::new_from_array([3; 32]),
            schedule: VestingSchedule { start: 0, cliff: 0, end: 100, period: 10 },
            revocable,
        }
    }

    #[test]
    fn a_new_grant_holds_its_total_and_nothing_else_happened_yet() {
        let (mint, vault) = (Pubkey::new_from_array([4; 32]), Pubkey::new_from_array([5; 32]));
        let g = Grant::new(terms(false), mint, vault, 995, 254, 253);
        assert_eq!(
            (g.grant_id, g.authority, g.beneficiary, g.mint, g.vault),
            (terms(false).grant_id, terms(false).authority, terms(false).beneficiary, mint, vault)
        );
        assert_eq!((g.schedule, g.total, g.revocable), (terms(false).schedule, 995, false));
        assert_eq!((g.claimed, g.revoked_at, g.returned), (0, None, 0));
        assert_eq!((g.bump, g.vault_bump), (254, 253));
        assert_eq!((g.vested(0), g.claimable(100)), (0, 995));
    }

    #[test]
    fn revoked_grants_stop_vesting() {
        let mut g = Grant::new(terms(true), Pubkey::default(), Pubkey::default(), 1_000, 0, 0);
        assert_eq!(g.vested(55), 500);
        g.revoked_at = Some(55);
        assert_eq!(g.vested(1_000), 500);
        g.claimed = 200;
        assert_eq!(g.claimable(1_000), 300);
    }
}
