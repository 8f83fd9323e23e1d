//! # stk_treasury — custody, monthly distribution, fees, the directive quote, dormancy
//!
//! The treasury holds what `stk_mint` emits for the members and pays it out under rules that
//! no key can bypass:
//!
//! * **Custody.** Two vaults, both Token-2022 accounts owned by the `["treasury_authority"]`
//!   PDA: the distribution vault (the mint's `distribution_destination`) and the fee vault.
//!   Tokens leave them only through the instructions below. Two authorities, the admin and the
//!   distributor, rotate by a two-step propose/accept so a typo cannot lock the treasury.
//! * **Monthly distribution, exactly once, exactly as approved.** Once a month has ended, the
//!   distributor proposes its epoch with the total, the SHA-256 of its reproducible report and
//!   the hash of its payout plan (batch roots over `(month, batch, position, token account,
//!   amount)`, written to plan pages); the admin — never the hot distributor key — approves
//!   that exact plan; each batch then recomputes its root from the accounts and amounts it
//!   pays and must match the approved one, so the distributor key alone can pay nothing
//!   outside the plan. A recipient that cannot receive (closed, frozen, another mint, memo
//!   required) is skipped and recorded, never blocking its batch. Everything ever committed (open epochs'
//!   totals plus closed epochs' actual payouts) stays within the members' cumulative allowance
//!   from the emission schedule ([`stk_common::schedule::ScheduleParams::cumulative_allowance_through`]),
//!   so unspent and pending amounts roll forward without ever exceeding the schedule. Each
//!   batch is a bit in the epoch's bitmap: a batch is paid at most once whatever the daemon
//!   does, and an epoch never pays more than its total. Payouts gross up the Token-2022
//!   transfer fee so members receive exactly their allocation.
//! * **Fees.** Anyone may sweep withheld transfer fees into the fee vault; the admin splits the
//!   fee vault by configured percentages to staking rewards and the startup fund, the rest
//!   refilling the distribution vault (which pays the payouts' fees).
//! * **Directive quote.** Quarterly fiat budgets (their backing share) and one-time receipts
//!   spread over later quarters accumulate into the backing; the quote of a quarter is
//!   backing / STK issued (read from `stk_mint`'s config), stored once per quarter as history.
//! * **Dormancy.** A public, time-locked notice: the admin flags a token account of an
//!   ordinary wallet (never a PDA-owned vault), its owner cancels with any signature, and only
//!   after the notice period — and only while the account still holds exactly what was
//!   flagged — may anyone move that balance back to the distribution vault.
//! * **Fraud holds.** Their own public, time-locked path: placed by the admin, confirmed by M
//!   members of the startup fund's council (never the admin), appealable by the holder, not
//!   cancellable by the holder; the balance moves into an escrow vault the council releases or
//!   forfeits. Dormancy and holds are the only uses of the mint's permanent-delegate PDA.
//! * **Vest-to-build.** Whatever returns to the distribution vault outside the schedule is
//!   booked into `recycled_total` and paid out in later months ([`recycle`]).
//!
//! Invariants are listed in this program's README, each with the test that attacks it.
use anchor_lang::prelude::*;

pub mod errors;
pub mod events;
pub mod flagged;
pub mod hold_votes;
pub mod instructions;
pub mod math;
pub mod recycle;
pub mod state;

use instructions::*;
use state::{AuthorityRole, FeeSplit};

declare_id!("5YRio3o1CWEJAtupk7DHKXRR8DiSCdRSLQXA75mw4b8R");

#[cfg(not(feature = "no-entrypoint"))]
solana_security_txt::security_txt! {
    name: "STK stk_treasury",
    project_url: "https://github.com/systok/stk",
    contacts: "email:security@systok.org",
    policy: "https://github.com/systok/stk/blob/main/SECURITY.md",
    source_code: "https://github.com/systok/stk"
}

#[program]
pub mod stk_treasury {
    use super::*;

    /// Creates the treasury state and its three PDA-owned vaults (distribution, fee, hold
    /// escrow). The mint's admin only.
    pub fn initialize(ctx: Context<Initialize>, args: InitializeArgs) -> Result<()> {
        instructions::initialize::handler(ctx, args)
    }

    /// Admin: proposes a new admin or distributor (`Pubkey::default()` withdraws a proposal).
    pub fn propose_authority(
        ctx: Context<ProposeAuthority>,
        role: AuthorityRole,
        candidate: Pubkey,
    ) -> Result<()> {
        instructions::propose_authority::handler(ctx, role, candidate)
    }

    /// The proposed key takes the role by signing.
    pub fn accept_authority(ctx: Context<AcceptAuthority>, role: AuthorityRole) -> Result<()> {
        instructions::accept_authority::handler(ctx, role)
    }

    /// Distributor, once month `month` has ended: proposes its epoch with the net total, the
    /// report hash, the number of batches and the plan hash the admin must approve.
    pub fn open_epoch(
        ctx: Context<OpenEpoch>,
        month: u32,
        total: u64,
        report_hash: [u8; 32],
        batch_count: u16,
        plan_hash: [u8; 32],
    ) -> Result<()> {
        instructions::open_epoch::handler(ctx, month, total, report_hash, batch_count, plan_hash)
    }

    /// Distributor, while the epoch is proposed: writes batch roots into their plan page
    /// (created on first write).
    pub fn write_plan_roots<'info>(
        ctx: Context<'info, WritePlanRoots<'info>>,
        month: u32,
        first_batch: u16,
        roots: Vec<[u8; 32]>,
    ) -> Result<()> {
        instructions::write_plan_roots::handler(ctx, month, first_batch, roots)
    }

    /// Admin: approves the proposed plan (the pages, in order, are the remaining accounts);
    /// the epoch opens for payouts.
    pub fn approve_epoch<'info>(
        ctx: Context<'info, ApproveEpoch<'info>>,
        month: u32,
        plan_hash: [u8; 32],
    ) -> Result<()> {
        instructions::approve_epoch::handler(ctx, month, plan_hash)
    }

    /// Distributor: pays one batch of the approved plan (recipients are the remaining
    /// accounts), at most once; unusable recipients are skipped and recorded.
    pub fn distribute_batch<'info>(
        ctx: Context<'info, DistributeBatch<'info>>,
        month: u32,
        batch_index: u16,
        amounts: Vec<u64>,
    ) -> Result<()> {
        instructions::distribute_batch::handler(ctx, month, batch_index, amounts)
    }

    /// Distributor after every batch, or admin at any time (abort): closes the epoch and
    /// returns its unpaid remainder to the pool.
    pub fn close_epoch(ctx: Context<CloseEpoch>, month: u32) -> Result<()> {
        instructions::close_epoch::handler(ctx, month)
    }

    /// Distributor, after the epoch closed: reclaims a plan page's rent.
    pub fn close_plan_page(ctx: Context<ClosePlanPage>, month: u32, page: u16) -> Result<()> {
        instructions::close_plan_page::handler(ctx, month, page)
    }

    /// Anyone: sweeps withheld transfer fees of the given accounts and of the mint into the fee
    /// vault.
    pub fn harvest_fees<'info>(ctx: Context<'info, HarvestFees<'info>>) -> Result<()> {
        instructions::harvest_fees::handler(ctx)
    }

    /// Admin: changes the fee split's destinations and percentages.
    pub fn set_fee_split(ctx: Context<SetFeeSplit>, fee_split: FeeSplit) -> Result<()> {
        instructions::set_fee_split::handler(ctx, fee_split)
    }

    /// Admin: splits the fee vault to staking rewards, the startup fund and the distribution
    /// vault (the rest).
    pub fn split_fees(ctx: Context<SplitFees>) -> Result<()> {
        instructions::split_fees::handler(ctx)
    }

    /// Admin: records quarter `quarter`'s fiat budget and the share that backs the token.
    pub fn record_quarter_budget(
        ctx: Context<RecordQuarterBudget>,
        quarter: u16,
        budget: u64,
        backing_bps: u16,
    ) -> Result<()> {
        instructions::record_quarter_budget::handler(ctx, quarter, budget, backing_bps)
    }

    /// Admin: records a one-time receipt, recognized evenly over the next `spread_quarters`.
    pub fn record_one_time_receipt(
        ctx: Context<RecordOneTimeReceipt>,
        amount: u64,
        spread_quarters: u16,
    ) -> Result<()> {
        instructions::record_one_time_receipt::handler(ctx, amount, spread_quarters)
    }

    /// Admin: publishes quarter `quarter`'s quote = backing so far / STK issued so far.
    pub fn publish_quote(ctx: Context<PublishQuote>, quarter: u16) -> Result<()> {
        instructions::publish_quote::handler(ctx, quarter)
    }

    /// Admin: flags an STK token account as dormant, starting its public notice period.
    pub fn flag_dormant(ctx: Context<FlagDormant>, reason_code: u16) -> Result<()> {
        instructions::flag_dormant::handler(ctx, reason_code)
    }

    /// The token account's owner: cancels a pending notice.
    pub fn cancel_dormancy(ctx: Context<CancelDormancy>) -> Result<()> {
        instructions::cancel_dormancy::handler(ctx)
    }

    /// Anyone, after the notice period: moves the balance to the distribution vault through
    /// the permanent-delegate PDA.
    pub fn reintegrate(ctx: Context<Reintegrate>) -> Result<()> {
        instructions::reintegrate::handler(ctx)
    }

    /// Admin: closes a resolved (cancelled or reintegrated) notice so the account can be
    /// flagged again; the rent returns to the admin.
    pub fn close_dormancy_notice(ctx: Context<CloseDormancyNotice>) -> Result<()> {
        instructions::close_dormancy_notice::handler(ctx)
    }

    /// Anyone: voids a pending notice whose account was closed, reassigned or changed since it
    /// was flagged; a void notice can never move anything.
    pub fn void_notice(ctx: Context<VoidNotice>) -> Result<()> {
        instructions::void_notice::handler(ctx)
    }

    /// Anyone: books the distribution vault's surplus (reintegrated, forfeited, fee-split
    /// remainders, unsold genesis tokens) into `recycled_total`, the allowance's extra.
    pub fn recycle_surplus(ctx: Context<RecycleSurplus>) -> Result<()> {
        instructions::recycle_surplus::handler(ctx)
    }

    /// Admin: places a public, time-locked fraud hold on an ordinary wallet's STK account.
    pub fn place_fraud_hold(
        ctx: Context<PlaceFraudHold>,
        reason_code: u16,
        reason_hash: [u8; 32],
        amount: u64,
    ) -> Result<()> {
        instructions::place_fraud_hold::handler(ctx, reason_code, reason_hash, amount)
    }

    /// A startup-fund council member (never the admin): confirms a placed fraud hold.
    pub fn approve_fraud_hold(ctx: Context<ApproveFraudHold>) -> Result<()> {
        instructions::approve_fraud_hold::handler(ctx)
    }

    /// The holder: publishes an appeal (hash and URI) on a fraud hold.
    pub fn appeal_fraud_hold(
        ctx: Context<AppealFraudHold>,
        appeal_hash: [u8; 32],
        appeal_uri: String,
    ) -> Result<()> {
        instructions::appeal_fraud_hold::handler(ctx, appeal_hash, appeal_uri)
    }

    /// Anyone, once confirmed and past the time lock: moves the held amount into the escrow
    /// vault through the permanent-delegate PDA.
    pub fn execute_fraud_hold(ctx: Context<ExecuteFraudHold>) -> Result<()> {
        instructions::execute_fraud_hold::handler(ctx)
    }

    /// A council member: votes to release an escrowed hold to the holder or forfeit it to the
    /// distribution vault; the council's threshold carries the outcome out.
    pub fn vote_fraud_hold(ctx: Context<VoteFraudHold>, outcome: state::HoldOutcome) -> Result<()> {
        instructions::vote_fraud_hold::handler(ctx, outcome)
    }

    /// Admin: withdraws a placed hold before anything moved (only un-restricts).
    pub fn withdraw_fraud_hold(ctx: Context<WithdrawFraudHold>) -> Result<()> {
        instructions::withdraw_fraud_hold::handler(ctx)
    }

    /// Admin: closes a finished hold (withdrawn, released or forfeited); rent to the admin.
    pub fn close_fraud_hold(ctx: Context<CloseFraudHold>) -> Result<()> {
        instructions::close_fraud_hold::handler(ctx)
    }
}
