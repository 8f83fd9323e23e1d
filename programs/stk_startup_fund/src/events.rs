use anchor_lang::prelude::*;

#[event]
pub struct FundInitialized {
    pub mint: Pubkey,
    pub vault: Pubkey,
    pub council: Vec<Pubkey>,
    pub threshold: u8,
    pub lock_period: i64,
    pub tranche_granularity: i64,
}

#[event]
pub struct DepositsRecorded {
    /// Newly recorded amount (vault balance − what the fund had accounted for).
    pub amount: u64,
    pub unlock_ts: i64,
    pub total_deposited: u64,
    pub vault_balance: u64,
}

#[event]
pub struct ProjectRegistered {
    pub project_id: Pubkey,
    pub project: Pubkey,
    pub registered_by: Pubkey,
    pub returner: Pubkey,
}

#[event]
pub struct ProposalCreated {
    pub proposal_id: u64,
    pub proposer: Pubkey,
    pub council_epoch: u32,
    pub action: crate::state::ProposalAction,
}

#[event]
pub struct ProposalApproved {
    pub proposal_id: u64,
    pub member: Pubkey,
    pub approvals: u8,
    pub threshold: u8,
}

#[event]
pub struct CancelVoted {
    pub proposal_id: u64,
    pub member: Pubkey,
    pub votes: u8,
    pub threshold: u8,
}

#[event]
pub struct ProposalCancelled {
    pub proposal_id: u64,
    pub cancelled_by: Pubkey,
}

#[event]
pub struct InvestmentExecuted {
    pub proposal_id: u64,
    pub project_id: Pubkey,
    pub recipient: Pubkey,
    /// What the recipient received.
    pub amount: u64,
    /// What left the vault (amount + transfer fee).
    pub gross: u64,
    pub unlocked_after: u64,
}

#[event]
pub struct InvestmentGrantExecuted {
    pub proposal_id: u64,
    pub project_id: Pubkey,
    pub beneficiary: Pubkey,
    /// The `stk_vesting` grant id (`state::grant_id(proposal, salt)`) and the grant's address.
    pub grant_id: Pubkey,
    pub salt: u64,
    pub grant: Pubkey,
    /// The grant's total: exactly the approved amount.
    pub amount: u64,
    /// What left the vault (amount + transfer fee).
    pub gross: u64,
    pub schedule: stk_vesting::curve::VestingSchedule,
    pub unlocked_after: u64,
}

#[event]
pub struct CouncilChanged {
    pub proposal_id: u64,
    pub council: Vec<Pubkey>,
    pub threshold: u8,
    pub council_epoch: u32,
}

#[event]
pub struct ReturnRecorded {
    pub project_id: Pubkey,
    pub returner: Pubkey,
    /// What the returner sent.
    pub amount_sent: u64,
    /// What the vault received (after the transfer fee); unlocked at once.
    pub received: u64,
    pub project_returned: u64,
    pub total_returned: u64,
}
