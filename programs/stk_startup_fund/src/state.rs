//! Account layouts of `stk_startup_fund`.
use crate::{
    council::{self, MAX_COUNCIL},
    errors::FundError,
    tranches::TrancheBook,
};
use anchor_lang::prelude::*;
use stk_vesting::curve::VestingSchedule;

/// Shortest and longest lock of a deposit: 3 and 5 years of 365.25 days.
pub const SECONDS_PER_YEAR: i64 = 31_557_600;
pub const MIN_LOCK_PERIOD: i64 = 3 * SECONDS_PER_YEAR;
pub const MAX_LOCK_PERIOD: i64 = 5 * SECONDS_PER_YEAR;

/// The fund's single state account, PDA `[seeds::FUND]`.
///
/// Token accounting: `vault.amount == total_deposited + total_returned - total_invested` after
/// every instruction of this program (tokens sent to the vault by plain transfers are the
/// difference `record_deposits` records). The unlocked balance is derived, see
/// [`Fund::unlocked`].
#[account]
#[derive(InitSpace)]
pub struct Fund {
    /// The STK mint (PDA `[seeds::STK_MINT]` of `stk_mint`).
    pub mint: Pubkey,
    /// The fund's vault (PDA `[seeds::FUND_VAULT]`), owned by the fund authority PDA.
    pub vault: Pubkey,
    /// Council keys; `council[..council_len]` are members, the rest are default keys.
    pub council: [Pubkey; MAX_COUNCIL],
    pub council_len: u8,
    /// Approvals needed to execute or cancel a proposal (M of N).
    pub threshold: u8,
    /// Bumped by every council change; proposals of an older epoch are dead.
    pub council_epoch: u32,
    /// Seconds each deposit stays locked (3–5 years).
    pub lock_period: i64,
    /// Rounding step of unlock times (see `tranches`), derived from `lock_period`.
    pub tranche_granularity: i64,
    /// Deposits and returns, locked and unlocked.
    pub tranches: TrancheBook,
    /// Σ deposits recorded by `record_deposits` (quarterly emission share, fee split, gifts).
    pub total_deposited: u64,
    /// Σ returns from startups recorded by `record_return` (what the vault received).
    pub total_returned: u64,
    /// Σ paid out of the vault for investments (gross, transfer fees included).
    pub total_invested: u64,
    /// Id of the next proposal (its PDA seed).
    pub next_proposal_id: u64,
    pub bump: u8,
    pub authority_bump: u8,
    pub vault_bump: u8,
}

impl Fund {
    pub fn members(&self) -> &[Pubkey] {
        &self.council[..self.council_len as usize]
    }

    /// The council index of `key`, or `NotCouncilMember`.
    pub fn member_index(&self, key: &Pubkey) -> Result<usize> {
        self.members()
            .iter()
            .position(|m| m == key)
            .ok_or_else(|| error!(FundError::NotCouncilMember))
    }

    /// What the vault should hold by this program's own records.
    pub fn accounted(&self) -> Result<u64> {
        self.total_deposited
            .checked_add(self.total_returned)
            .and_then(|v| v.checked_sub(self.total_invested))
            .ok_or_else(|| error!(FundError::Overflow))
    }

    /// Spendable at `now`: Σ unlocked tranches − everything invested (investments only ever
    /// come out of unlocked funds, so this never goes negative).
    pub fn unlocked(&self, now: i64) -> Result<u64> {
        let unlocked =
            self.tranches.unlocked_total(now).map_err(|_| error!(FundError::Overflow))?;
        unlocked.checked_sub(self.total_invested).ok_or_else(|| error!(FundError::Overflow))
    }

    /// Replaces the council and starts a new epoch.
    pub fn set_council(&mut self, members: &[Pubkey], threshold: u8) -> Result<()> {
        council::validate(members, threshold).map_err(FundError::from)?;
        self.council = council::to_array(members);
        self.council_len = members.len() as u8;
        self.threshold = threshold;
        self.council_epoch = self.council_epoch.checked_add(1).ok_or(FundError::Overflow)?;
        Ok(())
    }
}

/// What a proposal does once executed.
// The serialized layout is what matters here (the account is boxed); boxing a variant would
// not shrink the account, only add an allocation.
#[allow(clippy::large_enum_variant)]
#[derive(AnchorSerialize, AnchorDeserialize, Clone, Debug, PartialEq, Eq, InitSpace)]
pub enum ProposalAction {
    /// Pay `amount` (what the recipient receives) to `recipient`, an STK token account, as an
    /// investment into project `project_id`.
    Investment { project_id: Pubkey, recipient: Pubkey, amount: u64 },
    /// Pay `amount` to project `project_id` as a non-revocable `stk_vesting` grant to the
    /// wallet `beneficiary` (who claims through `stk_vesting`), vesting on `schedule`
    /// (absolute unix times, validated at proposal). The grant's total is exactly `amount`.
    InvestmentGrant {
        project_id: Pubkey,
        beneficiary: Pubkey,
        amount: u64,
        schedule: VestingSchedule,
    },
    /// Replace the council with `members[..len]` and threshold `threshold`.
    CouncilChange { members: [Pubkey; MAX_COUNCIL], len: u8, threshold: u8 },
}

#[derive(AnchorSerialize, AnchorDeserialize, Clone, Copy, Debug, PartialEq, Eq, InitSpace)]
pub enum ProposalStatus {
    Pending,
    Executed,
    Cancelled,
}

/// A proposal, PDA `[seeds::PROPOSAL, fund, id (u64 LE)]`. Kept after execution or
/// cancellation as the public record of the council's decisions.
#[account]
#[derive(InitSpace)]
pub struct Proposal {
    pub fund: Pubkey,
    pub id: u64,
    /// The council member who proposed (and thereby approved) it.
    pub proposer: Pubkey,
    /// The fund's council epoch when proposed; the proposal is dead once the epoch changes.
    pub council_epoch: u32,
    pub action: ProposalAction,
    /// Bitmap over council indices of the members who approved.
    pub approvals: u16,
    /// Bitmap over council indices of the members who voted to cancel.
    pub cancel_votes: u16,
    pub status: ProposalStatus,
    pub created_at: i64,
    /// When it was executed or cancelled (0 while pending).
    pub closed_at: i64,
    pub bump: u8,
    /// For an executed `InvestmentGrant`: the `stk_vesting` grant id,
    /// [`grant_id`]`(proposal address, salt)`; the grant is `seeds::find_grant(grant_id)`.
    /// The default key otherwise.
    pub grant_id: Pubkey,
}

/// Domain prefix of [`grant_id`].
pub const GRANT_ID_PREFIX: &[u8] = b"stk:fund:grant";

/// The `stk_vesting` grant id of the investment grant executed for the proposal at address
/// `proposal` with the executor's `salt`: `sha256("stk:fund:grant" || proposal || salt_le)`.
///
/// Why a salt: `stk_vesting` grant PDAs are seeded by the id alone and anyone may create a
/// grant under any unused id. An id known in advance (the proposal's address, public from the
/// moment it is proposed) could be squatted by a stranger's 1-unit grant, blocking execution
/// forever. With a salt chosen at execution the id is unknown until the transaction is
/// seen, and a blocked attempt is simply retried with another salt. The id actually used is
/// recorded in [`Proposal::grant_id`] (and in `InvestmentGrantExecuted`), so it can always be
/// re-derived from the proposal's PDA and checked.
pub fn grant_id(proposal: &Pubkey, salt: u64) -> Pubkey {
    let hash =
        solana_sha256_hasher::hashv(&[GRANT_ID_PREFIX, proposal.as_ref(), &salt.to_le_bytes()]);
    Pubkey::new_from_array(hash.to_bytes())
}

/// A startup project, PDA `[seeds::PROJECT, fund, project_id]`: what went in and came back.
#[account]
#[derive(InitSpace)]
pub struct Project {
    pub fund: Pubkey,
    /// The council's identifier of the project (any key, e.g. the team's wallet).
    pub project_id: Pubkey,
    /// Σ received by the project's recipients from executed investments.
    pub invested: u64,
    /// Σ returned into the vault through `record_return` (after transfer fees).
    pub returned: u64,
    pub investments: u32,
    pub returns: u32,
    pub registered_at: i64,
    pub bump: u8,
    /// The only key that may record this project's returns (`record_return`), chosen by the
    /// council at registration (e.g. the startup team's wallet).
    pub returner: Pubkey,
}
