// Anchor needs every accounts struct (and its generated client module) at the crate root;
// the per-instruction `handler`s clash harmlessly in the glob.
#![allow(ambiguous_glob_reexports)]
pub mod accept_authority;
pub mod appeal_fraud_hold;
pub mod approve_epoch;
pub mod approve_fraud_hold;
pub mod cancel_dormancy;
pub mod close_dormancy_notice;
pub mod close_epoch;
pub mod close_fraud_hold;
pub mod close_plan_page;
pub mod distribute_batch;
pub mod distributor_epoch;
pub mod execute_fraud_hold;
pub mod flag_dormant;
pub mod harvest_fees;
pub mod initialize;
pub mod member_account;
pub mod open_epoch;
pub mod place_fraud_hold;
pub mod propose_authority;
pub mod publish_quote;
pub mod record_one_time_receipt;
pub mod record_quarter_budget;
pub mod recycle_surplus;
pub mod reintegrate;
pub mod set_fee_split;
pub mod split_fees;
pub mod void_notice;
pub mod vote_fraud_hold;
pub mod withdraw_fraud_hold;
pub mod write_plan_roots;

pub use accept_authority::*;
pub use appeal_fraud_hold::*;
pub use approve_epoch::*;
pub use approve_fraud_hold::*;
pub use cancel_dormancy::*;
pub use close_dormancy_notice::*;
pub use close_epoch::*;
pub use close_fraud_hold::*;
pub use close_plan_page::*;
pub use distribute_batch::*;
pub use distributor_epoch::*;
pub use execute_fraud_hold::*;
pub use flag_dormant::*;
pub use harvest_fees::*;
pub use initialize::*;
pub use member_account::*;
pub use open_epoch::*;
pub use place_fraud_hold::*;
pub use propose_authority::*;
pub use publish_quote::*;
pub use record_one_time_receipt::*;
pub use record_quarter_budget::*;
pub use recycle_surplus::*;
pub use reintegrate::*;
pub use set_fee_split::*;
pub use split_fees::*;
pub use void_notice::*;
pub use vote_fraud_hold::*;
pub use withdraw_fraud_hold::*;
pub use write_plan_roots::*;

use crate::{
    errors::TreasuryError,
    state::{FeeSplit, FraudHold, HoldStatus},
};
use anchor_lang::prelude::*;
use stk_common::BPS_DENOMINATOR;

/// A fee split is valid when its shares leave a non-negative rest.
pub(crate) fn validate_fee_split(split: &FeeSplit) -> Result<()> {
    require!(
        split.staking_rewards_bps as u64 + split.startup_fund_bps as u64 <= BPS_DENOMINATOR,
        TreasuryError::FeeSplitBps
    );
    Ok(())
}

/// Signer seeds of the vault owner `[seeds::TREASURY_AUTHORITY, bump]`.
pub(crate) fn authority_seeds(bump: &[u8; 1]) -> [&[u8]; 2] {
    [stk_common::seeds::TREASURY_AUTHORITY, bump]
}

/// Refuses unless the fraud hold is in `status`.
pub(crate) fn require_hold_status(hold: &FraudHold, status: HoldStatus) -> Result<()> {
    require!(hold.status == status, TreasuryError::HoldWrongStatus);
    Ok(())
}
