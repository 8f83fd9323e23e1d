use crate::{
    errors::TreasuryError,
    state::{Epoch, Treasury},
};
use anchor_lang::prelude::*;
use stk_common::seeds;

/// The treasury's distributor and a month's epoch: the first three accounts of
/// `write_plan_roots` and `close_plan_page`, in this order (`distributor`, `treasury`,
/// `epoch`). Both nest it as their first field (the instruction's first argument is the month).
#[derive(Accounts)]
#[instruction(month: u32)]
pub struct DistributorEpoch<'info> {
    /// The treasury's distributor: pays a plan page's rent when it is created, gets it back
    /// when the page is closed.
    #[account(mut)]
    pub distributor: Signer<'info>,
    #[account(
        seeds = [seeds::TREASURY],
        bump = treasury.bump,
        has_one = distributor @ TreasuryError::NotDistributor,
    )]
    pub treasury: Box<Account<'info, Treasury>>,
    /// The month's epoch (seeds checked); each instruction checks its status.
    #[account(seeds = [seeds::EPOCH, &month.to_le_bytes()], bump = epoch.bump)]
    pub epoch: Box<Account<'info, Epoch>>,
}
