//! `stk_treasury` instructions.
use crate::{anchor_ix, AccountMeta, Instruction, TOKEN_2022};
use anchor_lang::prelude::Pubkey;
use stk_common::{payout_plan, seeds};
use stk_treasury::{
    accounts, instruction,
    instructions::InitializeArgs,
    state::{AuthorityRole, FeeSplit, HoldOutcome},
};

/// Largest batch of `distribute_batch` in one **legacy** transaction (no compute-budget
/// instruction; the distributor is the fee payer): bound by the 1,232-byte packet. Measured
/// by `cargo bench --workspace --bench batch_size`.
pub const MAX_RECIPIENTS_LEGACY: usize = 19;
/// Largest batch in one **v0 transaction with an address lookup table** holding the fixed
/// accounts and the recipients, with a `SetComputeUnitLimit` instruction: bound by the
/// 64-account-lock limit (10 fixed keys, the plan page included, + 54 recipients). Measured by
/// the same benchmark.
pub const MAX_RECIPIENTS_WITH_LOOKUP_TABLE: usize = 54;
/// Compute units to request per recipient of a batch (Token-2022 fee-bearing transfer ≈3.6k
/// CU plus the program's own per-recipient work on SBF: classification, leaf and tree hashes),
/// and the fixed part.
pub const COMPUTE_UNITS_PER_RECIPIENT: u32 = 6_000;
pub const COMPUTE_UNITS_BASE: u32 = 40_000;
/// Batch roots per `write_plan_roots` instruction so that one legacy transaction (the
/// distributor signing and paying) always fits the packet.
pub const MAX_ROOTS_PER_WRITE: usize = 24;

/// The addresses `stk_treasury` uses.
#[derive(Debug, Clone, Copy)]
pub struct TreasuryAddresses {
    pub treasury: Pubkey,
    pub treasury_authority: Pubkey,
    pub permanent_delegate: Pubkey,
    pub distribution_vault: Pubkey,
    pub fee_vault: Pubkey,
    /// The fraud-hold escrow vault (created by `initialize`).
    pub hold_escrow: Pubkey,
    pub mint: Pubkey,
    pub mint_config: Pubkey,
}

pub fn addresses() -> TreasuryAddresses {
    TreasuryAddresses {
        treasury: seeds::find_treasury(),
        treasury_authority: seeds::find_treasury_authority(),
        permanent_delegate: seeds::find_permanent_delegate(),
        distribution_vault: seeds::find_distribution_vault(),
        fee_vault: seeds::find_fee_vault(),
        hold_escrow: seeds::find_hold_escrow(),
        mint: seeds::find_stk_mint(),
        mint_config: seeds::find_mint_config(),
    }
}

pub fn initialize(admin: &Pubkey, args: InitializeArgs) -> Instruction {
    let a = addresses();
    anchor_ix(
        stk_treasury::ID,
        accounts::Initialize {
            admin: *admin,
            treasury: a.treasury,
            mint_config: a.mint_config,
            mint: a.mint,
            treasury_authority: a.treasury_authority,
            permanent_delegate: a.permanent_delegate,
            distribution_vault: a.distribution_vault,
            fee_vault: a.fee_vault,
            hold_escrow: a.hold_escrow,
            token_program: TOKEN_2022,
            system_program: anchor_lang::system_program::ID,
            program_data: stk_common::deploy::program_data_address(&stk_treasury::ID),
        },
        instruction::Initialize { args },
    )
}

pub fn propose_authority(admin: &Pubkey, role: AuthorityRole, candidate: &Pubkey) -> Instruction {
    anchor_ix(
        stk_treasury::ID,
        accounts::ProposeAuthority { admin: *admin, treasury: addresses().treasury },
        instruction::ProposeAuthority { role, candidate: *candidate },
    )
}

pub fn accept_authority(candidate: &Pubkey, role: AuthorityRole) -> Instruction {
    anchor_ix(
        stk_treasury::ID,
        accounts::AcceptAuthority { candidate: *candidate, treasury: addresses().treasury },
        instruction::AcceptAuthority { role },
    )
}

/// Proposes `month`'s epoch: its net total, the approved report's SHA-256, the number of
/// batches and the plan hash ([`stk_common::payout_plan::plan_hash`]) the admin will approve.
pub fn open_epoch(
    distributor: &Pubkey,
    month: u32,
    total: u64,
    report_hash: [u8; 32],
    batch_count: u16,
    plan_hash: [u8; 32],
) -> Instruction {
    let a = addresses();
    anchor_ix(
        stk_treasury::ID,
        accounts::OpenEpoch {
            distributor: *distributor,
            treasury: a.treasury,
            mint_config: a.mint_config,
            epoch: seeds::find_epoch(month),
            system_program: anchor_lang::system_program::ID,
        },
        instruction::OpenEpoch { month, total, report_hash, batch_count, plan_hash },
    )
}

/// The distributor and `month`'s epoch: the nested first accounts of `write_plan_roots` and
/// `close_plan_page`.
fn distributor_epoch(distributor: &Pubkey, month: u32) -> accounts::DistributorEpoch {
    accounts::DistributorEpoch {
        distributor: *distributor,
        treasury: addresses().treasury,
        epoch: seeds::find_epoch(month),
    }
}

/// Writes the roots of batches `first_batch..first_batch + roots.len()` into their plan page
/// (created on first write, the distributor paying its rent). The roots must lie in one page
/// and number at most [`MAX_ROOTS_PER_WRITE`] to fit a transaction: see
/// [`write_plan_roots_instructions`].
pub fn write_plan_roots(
    distributor: &Pubkey,
    month: u32,
    first_batch: u16,
    roots: Vec<[u8; 32]>,
) -> Instruction {
    let (page, _) = payout_plan::page_of(first_batch);
    anchor_ix(
        stk_treasury::ID,
        accounts::WritePlanRoots {
            plan: distributor_epoch(distributor, month),
            plan_page: seeds::find_plan_page(month, page),
            system_program: anchor_lang::system_program::ID,
        },
        instruction::WritePlanRoots { month, first_batch, roots },
    )
}

/// Every `write_plan_roots` instruction of a plan whose batch roots are `roots` (batch `i` is
/// `roots[i]`), split at page boundaries and at [`MAX_ROOTS_PER_WRITE`]; one per transaction.
pub fn write_plan_roots_instructions(
    distributor: &Pubkey,
    month: u32,
    roots: &[[u8; 32]],
) -> Vec<Instruction> {
    let mut ixs = vec![];
    for (page_index, page) in roots.chunks(payout_plan::PLAN_PAGE_ENTRIES).enumerate() {
        for (chunk_index, chunk) in page.chunks(MAX_ROOTS_PER_WRITE).enumerate() {
            let first =
                page_index * payout_plan::PLAN_PAGE_ENTRIES + chunk_index * MAX_ROOTS_PER_WRITE;
            ixs.push(write_plan_roots(distributor, month, first as u16, chunk.to_vec()));
        }
    }
    ixs
}

/// The plan pages of a plan of `batch_count` batches, in order.
pub fn plan_pages(month: u32, batch_count: u16) -> Vec<Pubkey> {
    (0..payout_plan::page_count(batch_count)).map(|p| seeds::find_plan_page(month, p)).collect()
}

/// The admin approves `month`'s plan: `plan_hash` must be the epoch's and the hash of the
/// pages' roots. The `batch_count` pages are passed in order as remaining accounts.
pub fn approve_epoch(
    admin: &Pubkey,
    month: u32,
    plan_hash: [u8; 32],
    batch_count: u16,
) -> Instruction {
    let mut ix = anchor_ix(
        stk_treasury::ID,
        accounts::ApproveEpoch {
            admin: *admin,
            treasury: addresses().treasury,
            epoch: seeds::find_epoch(month),
        },
        instruction::ApproveEpoch { month, plan_hash },
    );
    ix.accounts.extend(
        plan_pages(month, batch_count).into_iter().map(|p| AccountMeta::new_readonly(p, false)),
    );
    ix
}

/// One batch: `recipients[i]` (STK token accounts) receives exactly `amounts[i]`, as planned at
/// position `i` of batch `batch_index` (the plan page holding its root is added).
pub fn distribute_batch(
    distributor: &Pubkey,
    month: u32,
    batch_index: u16,
    recipients: &[Pubkey],
    amounts: Vec<u64>,
) -> Instruction {
    let a = addresses();
    let (page, _) = payout_plan::page_of(batch_index);
    let mut ix = anchor_ix(
        stk_treasury::ID,
        accounts::DistributeBatch {
            distributor: *distributor,
            treasury: a.treasury,
            epoch: seeds::find_epoch(month),
            treasury_authority: a.treasury_authority,
            distribution_vault: a.distribution_vault,
            mint: a.mint,
            token_program: TOKEN_2022,
            plan_page: seeds::find_plan_page(month, page),
        },
        instruction::DistributeBatch { month, batch_index, amounts },
    );
    ix.accounts.extend(recipients.iter().map(|r| AccountMeta::new(*r, false)));
    ix
}

/// The distributor reclaims a plan page's rent once the epoch is closed.
pub fn close_plan_page(distributor: &Pubkey, month: u32, page: u16) -> Instruction {
    anchor_ix(
        stk_treasury::ID,
        accounts::ClosePlanPage {
            plan: distributor_epoch(distributor, month),
            plan_page: seeds::find_plan_page(month, page),
        },
        instruction::ClosePlanPage { month, page },
    )
}

/// The fixed (non-recipient) accounts of batch `batch_index`'s `distribute_batch`, e.g. for an
/// address lookup table; they differ between batches only by the plan page (one per 250).
pub fn distribute_batch_fixed_accounts(month: u32, batch_index: u16) -> Vec<Pubkey> {
    let a = addresses();
    let (page, _) = payout_plan::page_of(batch_index);
    vec![
        a.treasury,
        seeds::find_epoch(month),
        a.treasury_authority,
        a.distribution_vault,
        a.mint,
        TOKEN_2022,
        seeds::find_plan_page(month, page),
    ]
}

/// Compute units to request for a batch of `recipients` (at most the 1.4M per transaction).
pub fn batch_compute_units(recipients: usize) -> u32 {
    COMPUTE_UNITS_BASE
        .saturating_add(COMPUTE_UNITS_PER_RECIPIENT.saturating_mul(recipients as u32))
        .min(1_400_000)
}

/// `ComputeBudget::SetComputeUnitLimit` sized for a batch of `recipients`.
pub fn batch_compute_unit_limit(recipients: usize) -> Instruction {
    let units = batch_compute_units(recipients);
    let mut data = vec![2u8]; // SetComputeUnitLimit
    data.extend_from_slice(&units.to_le_bytes());
    Instruction { program_id: COMPUTE_BUDGET, accounts: vec![], data }
}

/// The compute-budget program id.
pub const COMPUTE_BUDGET: Pubkey =
    anchor_lang::prelude::pubkey!("ComputeBudget111111111111111111111111111111");

/// Closes an epoch: `authority` is the distributor (after every batch) or the admin (abort).
pub fn close_epoch(authority: &Pubkey, month: u32) -> Instruction {
    anchor_ix(
        stk_treasury::ID,
        accounts::CloseEpoch {
            authority: *authority,
            treasury: addresses().treasury,
            epoch: seeds::find_epoch(month),
        },
        instruction::CloseEpoch { month },
    )
}

/// Sweeps the withheld fees of `sources` (STK token accounts) and of the mint.
pub fn harvest_fees(sources: &[Pubkey]) -> Instruction {
    let a = addresses();
    let mut ix = anchor_ix(
        stk_treasury::ID,
        accounts::HarvestFees {
            treasury: a.treasury,
            mint: a.mint,
            treasury_authority: a.treasury_authority,
            fee_vault: a.fee_vault,
            token_program: TOKEN_2022,
        },
        instruction::HarvestFees {},
    );
    ix.accounts.extend(sources.iter().map(|s| AccountMeta::new(*s, false)));
    ix
}

pub fn set_fee_split(admin: &Pubkey, fee_split: FeeSplit) -> Instruction {
    anchor_ix(
        stk_treasury::ID,
        accounts::SetFeeSplit { admin: *admin, treasury: addresses().treasury },
        instruction::SetFeeSplit { fee_split },
    )
}

pub fn split_fees(admin: &Pubkey, fee_split: &FeeSplit) -> Instruction {
    let a = addresses();
    anchor_ix(
        stk_treasury::ID,
        accounts::SplitFees {
            admin: *admin,
            treasury: a.treasury,
            mint: a.mint,
            treasury_authority: a.treasury_authority,
            fee_vault: a.fee_vault,
            distribution_vault: a.distribution_vault,
            staking_rewards_destination: fee_split.staking_rewards_destination,
            startup_fund_destination: fee_split.startup_fund_destination,
            token_program: TOKEN_2022,
        },
        instruction::SplitFees {},
    )
}

pub fn record_quarter_budget(
    admin: &Pubkey,
    quarter: u16,
    budget: u64,
    backing_bps: u16,
) -> Instruction {
    anchor_ix(
        stk_treasury::ID,
        accounts::RecordQuarterBudget {
            admin: *admin,
            treasury: addresses().treasury,
            quarter_quote: seeds::find_quarter_quote(quarter),
            system_program: anchor_lang::system_program::ID,
        },
        instruction::RecordQuarterBudget { quarter, budget, backing_bps },
    )
}

pub fn record_one_time_receipt(admin: &Pubkey, amount: u64, spread_quarters: u16) -> Instruction {
    anchor_ix(
        stk_treasury::ID,
        accounts::RecordOneTimeReceipt { admin: *admin, treasury: addresses().treasury },
        instruction::RecordOneTimeReceipt { amount, spread_quarters },
    )
}

pub fn publish_quote(admin: &Pubkey, quarter: u16) -> Instruction {
    let a = addresses();
    anchor_ix(
        stk_treasury::ID,
        accounts::PublishQuote {
            admin: *admin,
            treasury: a.treasury,
            mint_config: a.mint_config,
            quarter_quote: seeds::find_quarter_quote(quarter),
        },
        instruction::PublishQuote { quarter },
    )
}

/// The admin and a member's STK account: the nested first accounts of `flag_dormant` and
/// `place_fraud_hold`.
fn member_account(admin: &Pubkey, token_account: &Pubkey) -> accounts::MemberAccount {
    let a = addresses();
    accounts::MemberAccount {
        admin: *admin,
        treasury: a.treasury,
        mint: a.mint,
        token_account: *token_account,
        token_program: TOKEN_2022,
    }
}

pub fn flag_dormant(admin: &Pubkey, owner_token_account: &Pubkey, reason_code: u16) -> Instruction {
    anchor_ix(
        stk_treasury::ID,
        accounts::FlagDormant {
            member: member_account(admin, owner_token_account),
            notice: seeds::find_dormancy_notice(owner_token_account),
            system_program: anchor_lang::system_program::ID,
        },
        instruction::FlagDormant { reason_code },
    )
}

pub fn cancel_dormancy(owner: &Pubkey, owner_token_account: &Pubkey) -> Instruction {
    anchor_ix(
        stk_treasury::ID,
        accounts::CancelDormancy {
            owner: *owner,
            owner_token_account: *owner_token_account,
            notice: seeds::find_dormancy_notice(owner_token_account),
        },
        instruction::CancelDormancy {},
    )
}

pub fn reintegrate(owner_token_account: &Pubkey) -> Instruction {
    let a = addresses();
    anchor_ix(
        stk_treasury::ID,
        accounts::Reintegrate {
            treasury: a.treasury,
            notice: seeds::find_dormancy_notice(owner_token_account),
            owner_token_account: *owner_token_account,
            mint: a.mint,
            mint_config: a.mint_config,
            permanent_delegate: a.permanent_delegate,
            distribution_vault: a.distribution_vault,
            token_program: TOKEN_2022,
        },
        instruction::Reintegrate {},
    )
}

/// Closes a resolved dormancy notice of `owner_token_account` (admin; rent back to the admin).
pub fn close_dormancy_notice(admin: &Pubkey, owner_token_account: &Pubkey) -> Instruction {
    anchor_ix(
        stk_treasury::ID,
        accounts::CloseDormancyNotice {
            admin: *admin,
            treasury: addresses().treasury,
            notice: seeds::find_dormancy_notice(owner_token_account),
        },
        instruction::CloseDormancyNotice {},
    )
}

/// Voids the pending notice of `token_account` (anyone; the account must have been closed,
/// reassigned or changed since it was flagged).
pub fn void_notice(token_account: &Pubkey) -> Instruction {
    anchor_ix(
        stk_treasury::ID,
        accounts::VoidNotice {
            treasury: addresses().treasury,
            notice: seeds::find_dormancy_notice(token_account),
            token_account: *token_account,
        },
        instruction::VoidNotice {},
    )
}

/// Books the distribution vault's surplus into `recycled_total` (anyone).
pub fn recycle_surplus() -> Instruction {
    let a = addresses();
    anchor_ix(
        stk_treasury::ID,
        accounts::RecycleSurplus {
            treasury: a.treasury,
            mint_config: a.mint_config,
            distribution_vault: a.distribution_vault,
        },
        instruction::RecycleSurplus {},
    )
}

pub fn place_fraud_hold(
    admin: &Pubkey,
    token_account: &Pubkey,
    reason_code: u16,
    reason_hash: [u8; 32],
    amount: u64,
) -> Instruction {
    anchor_ix(
        stk_treasury::ID,
        accounts::PlaceFraudHold {
            member: member_account(admin, token_account),
            hold: seeds::find_fraud_hold(token_account),
            system_program: anchor_lang::system_program::ID,
        },
        instruction::PlaceFraudHold { reason_code, reason_hash, amount },
    )
}

/// A council member of the startup fund confirms the hold on `token_account`.
pub fn approve_fraud_hold(member: &Pubkey, token_account: &Pubkey) -> Instruction {
    anchor_ix(
        stk_treasury::ID,
        accounts::ApproveFraudHold {
            member: *member,
            treasury: addresses().treasury,
            fund: seeds::find_fund(),
            hold: seeds::find_fraud_hold(token_account),
        },
        instruction::ApproveFraudHold {},
    )
}

/// The holder publishes an appeal on the hold of `token_account`.
pub fn appeal_fraud_hold(
    holder: &Pubkey,
    token_account: &Pubkey,
    appeal_hash: [u8; 32],
    appeal_uri: String,
) -> Instruction {
    anchor_ix(
        stk_treasury::ID,
        accounts::AppealFraudHold { holder: *holder, hold: seeds::find_fraud_hold(token_account) },
        instruction::AppealFraudHold { appeal_hash, appeal_uri },
    )
}

/// Moves a confirmed hold's amount into the escrow vault (anyone, after the time lock).
pub fn execute_fraud_hold(token_account: &Pubkey) -> Instruction {
    let a = addresses();
    anchor_ix(
        stk_treasury::ID,
        accounts::ExecuteFraudHold {
            treasury: a.treasury,
            fund: seeds::find_fund(),
            hold: seeds::find_fraud_hold(token_account),
            token_account: *token_account,
            mint: a.mint,
            permanent_delegate: a.permanent_delegate,
            hold_escrow: seeds::find_hold_escrow(),
            token_program: TOKEN_2022,
        },
        instruction::ExecuteFraudHold {},
    )
}

/// A council member votes on an escrowed hold; a release pays `holder_account` (an STK
/// account of the holder, e.g. their ATA).
pub fn vote_fraud_hold(
    member: &Pubkey,
    token_account: &Pubkey,
    holder_account: &Pubkey,
    outcome: HoldOutcome,
) -> Instruction {
    let a = addresses();
    anchor_ix(
        stk_treasury::ID,
        accounts::VoteFraudHold {
            member: *member,
            treasury: a.treasury,
            fund: seeds::find_fund(),
            hold: seeds::find_fraud_hold(token_account),
            mint: a.mint,
            mint_config: a.mint_config,
            treasury_authority: a.treasury_authority,
            hold_escrow: seeds::find_hold_escrow(),
            holder_account: *holder_account,
            distribution_vault: a.distribution_vault,
            token_program: TOKEN_2022,
        },
        instruction::VoteFraudHold { outcome },
    )
}

pub fn withdraw_fraud_hold(admin: &Pubkey, token_account: &Pubkey) -> Instruction {
    anchor_ix(
        stk_treasury::ID,
        accounts::WithdrawFraudHold {
            admin: *admin,
            treasury: addresses().treasury,
            hold: seeds::find_fraud_hold(token_account),
        },
        instruction::WithdrawFraudHold {},
    )
}

pub fn close_fraud_hold(admin: &Pubkey, token_account: &Pubkey) -> Instruction {
    anchor_ix(
        stk_treasury::ID,
        accounts::CloseFraudHold {
            admin: *admin,
            treasury: addresses().treasury,
            hold: seeds::find_fraud_hold(token_account),
        },
        instruction::CloseFraudHold {},
    )
}
