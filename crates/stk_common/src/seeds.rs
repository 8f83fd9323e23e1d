//! PDA seeds of every program, and the derivations other parts need.
//!
//! A seed constant is the single spelling of a PDA; programs use the constants in their
//! `seeds = [...]` constraints and off-chain code uses the `find_*` helpers.
use crate::ids;
use anchor_lang::prelude::Pubkey;

// ---- stk_mint ---------------------------------------------------------------------------
/// The mint program's state (`MintConfig`): schedule, destinations, counters.
pub const MINT_CONFIG: &[u8] = b"mint_config";
/// The STK Token-2022 mint itself (a PDA, so its address is known before it exists).
pub const STK_MINT: &[u8] = b"stk_mint";
/// Mint authority and metadata update authority. No key holds mint rights.
pub const MINT_AUTHORITY: &[u8] = b"mint_authority";

// ---- stk_treasury -----------------------------------------------------------------------
/// The treasury's state.
pub const TREASURY: &[u8] = b"treasury";
/// Owner of the treasury's vaults and Token-2022 withdraw-withheld authority of the mint.
pub const TREASURY_AUTHORITY: &[u8] = b"treasury_authority";
/// Token-2022 permanent delegate of the mint; the treasury signs with it only in the
/// dormancy procedure, so it is a separate PDA from the vault owner.
pub const PERMANENT_DELEGATE: &[u8] = b"permanent_delegate";
/// The distribution vault: `stk_mint::mint_quarter` pays the members' share here.
pub const DISTRIBUTION_VAULT: &[u8] = b"distribution_vault";
/// The fee vault: harvested transfer fees land here.
pub const FEE_VAULT: &[u8] = b"fee_vault";
/// One account per monthly distribution epoch, seeded with the month id (u32 LE).
pub const EPOCH: &[u8] = b"epoch";
/// One directive-quote account per quarter (its budget, backing and published price), seeded
/// with the quarter index (u16 LE): together they are the quote's on-chain history.
pub const QUARTER_QUOTE: &[u8] = b"quarter_quote";
/// One page of a month's payout plan (250 batch roots and their skipped masks), seeded with
/// the month id (u32 LE) and the page index (u16 LE).
pub const PLAN_PAGE: &[u8] = b"plan_page";
/// One public dormancy notice per flagged token account, seeded with the account's address.
pub const DORMANCY_NOTICE: &[u8] = b"dormancy_notice";
/// One public fraud hold per held token account, seeded with the account's address (a path of
/// its own, separate from dormancy: the holder cannot cancel it, a second authority confirms).
pub const FRAUD_HOLD: &[u8] = b"fraud_hold";
/// The treasury's escrow vault: balances moved by confirmed fraud holds wait here until the
/// council releases them to the holder or forfeits them to the distribution vault.
pub const HOLD_ESCROW: &[u8] = b"hold_escrow";

// ---- stk_vesting ------------------------------------------------------------------------
/// Owner of vesting vaults, including the sale vault that receives the genesis allocation.
pub const VESTING_AUTHORITY: &[u8] = b"vesting_authority";
/// The sale vault (genesis allocation for the members' initial purchase).
pub const SALE_VAULT: &[u8] = b"sale_vault";
/// The vesting program's state (`VestingConfig`): admin and the STK mint.
pub const VESTING_CONFIG: &[u8] = b"vesting_config";
/// One grant, seeded with a caller-chosen 32-byte grant id (never with the beneficiary,
/// who may change).
pub const GRANT: &[u8] = b"grant";
/// A grant's own token vault, seeded with the grant's address.
pub const GRANT_VAULT: &[u8] = b"grant_vault";
/// The members' initial sale (one per program).
pub const SALE: &[u8] = b"sale";
/// What one wallet bought in the sale, seeded with the sale and the wallet.
pub const SALE_MEMBER: &[u8] = b"sale_member";

// ---- stk_staking ------------------------------------------------------------------------
/// The staking pool of one mint, `[STAKING_POOL, mint]`; it also owns both vaults (it signs
/// unstake and claim transfers with these seeds).
pub const STAKING_POOL: &[u8] = b"staking_pool";
/// The pool's stake vault, `[STAKE_VAULT, pool]`: holds exactly Σ position amounts.
pub const STAKE_VAULT: &[u8] = b"stake_vault";
/// The pool's reward vault, `[REWARD_VAULT, pool]`: funded by `fund_rewards`, pays claims.
pub const REWARD_VAULT: &[u8] = b"reward_vault";
/// One position per (pool, owner), `[STAKE_POSITION, pool, owner]`.
pub const STAKE_POSITION: &[u8] = b"stake_position";

// ---- stk_startup_fund -------------------------------------------------------------------
/// The fund's state.
pub const FUND: &[u8] = b"fund";
/// Owner of the fund's vault.
pub const FUND_AUTHORITY: &[u8] = b"fund_authority";
/// The fund's vault: receives the startup-fund share of every quarter.
pub const FUND_VAULT: &[u8] = b"fund_vault";
/// One account per fund proposal (investment or council change), seeded with the fund and
/// the proposal id (u64 LE).
pub const PROPOSAL: &[u8] = b"proposal";
/// One account per startup project the fund tracks, seeded with the fund and the project id
/// (a pubkey chosen by the council, e.g. the startup team's wallet).
pub const PROJECT: &[u8] = b"project";

fn find(seeds: &[&[u8]], program: &Pubkey) -> Pubkey {
    Pubkey::find_program_address(seeds, program).0
}

pub fn find_mint_config() -> Pubkey {
    find(&[MINT_CONFIG], &ids::STK_MINT)
}
pub fn find_stk_mint() -> Pubkey {
    find(&[STK_MINT], &ids::STK_MINT)
}
pub fn find_mint_authority() -> Pubkey {
    find(&[MINT_AUTHORITY], &ids::STK_MINT)
}
pub fn find_treasury() -> Pubkey {
    find(&[TREASURY], &ids::STK_TREASURY)
}
pub fn find_treasury_authority() -> Pubkey {
    find(&[TREASURY_AUTHORITY], &ids::STK_TREASURY)
}
pub fn find_permanent_delegate() -> Pubkey {
    find(&[PERMANENT_DELEGATE], &ids::STK_TREASURY)
}
pub fn find_distribution_vault() -> Pubkey {
    find(&[DISTRIBUTION_VAULT], &ids::STK_TREASURY)
}
pub fn find_fee_vault() -> Pubkey {
    find(&[FEE_VAULT], &ids::STK_TREASURY)
}
pub fn find_epoch(month_id: u32) -> Pubkey {
    find(&[EPOCH, &month_id.to_le_bytes()], &ids::STK_TREASURY)
}
pub fn find_plan_page(month_id: u32, page: u16) -> Pubkey {
    find(&[PLAN_PAGE, &month_id.to_le_bytes(), &page.to_le_bytes()], &ids::STK_TREASURY)
}
pub fn find_quarter_quote(quarter: u16) -> Pubkey {
    find(&[QUARTER_QUOTE, &quarter.to_le_bytes()], &ids::STK_TREASURY)
}
pub fn find_dormancy_notice(token_account: &Pubkey) -> Pubkey {
    find(&[DORMANCY_NOTICE, token_account.as_ref()], &ids::STK_TREASURY)
}
pub fn find_vesting_authority() -> Pubkey {
    find(&[VESTING_AUTHORITY], &ids::STK_VESTING)
}
pub fn find_sale_vault() -> Pubkey {
    find(&[SALE_VAULT], &ids::STK_VESTING)
}
pub fn find_staking_pool(mint: &Pubkey) -> Pubkey {
    find(&[STAKING_POOL, mint.as_ref()], &ids::STK_STAKING)
}
pub fn find_stake_vault(pool: &Pubkey) -> Pubkey {
    find(&[STAKE_VAULT, pool.as_ref()], &ids::STK_STAKING)
}
pub fn find_reward_vault(pool: &Pubkey) -> Pubkey {
    find(&[REWARD_VAULT, pool.as_ref()], &ids::STK_STAKING)
}
pub fn find_stake_position(pool: &Pubkey, owner: &Pubkey) -> Pubkey {
    find(&[STAKE_POSITION, pool.as_ref(), owner.as_ref()], &ids::STK_STAKING)
}
pub fn find_vesting_config() -> Pubkey {
    find(&[VESTING_CONFIG], &ids::STK_VESTING)
}
pub fn find_grant(grant_id: &Pubkey) -> Pubkey {
    find(&[GRANT, grant_id.as_ref()], &ids::STK_VESTING)
}
pub fn find_grant_vault(grant: &Pubkey) -> Pubkey {
    find(&[GRANT_VAULT, grant.as_ref()], &ids::STK_VESTING)
}
pub fn find_sale() -> Pubkey {
    find(&[SALE], &ids::STK_VESTING)
}
pub fn find_sale_member(sale: &Pubkey, wallet: &Pubkey) -> Pubkey {
    find(&[SALE_MEMBER, sale.as_ref(), wallet.as_ref()], &ids::STK_VESTING)
}
pub fn find_fund() -> Pubkey {
    find(&[FUND], &ids::STK_STARTUP_FUND)
}
pub fn find_fund_authority() -> Pubkey {
    find(&[FUND_AUTHORITY], &ids::STK_STARTUP_FUND)
}
pub fn find_fund_vault() -> Pubkey {
    find(&[FUND_VAULT], &ids::STK_STARTUP_FUND)
}
pub fn find_proposal(proposal_id: u64) -> Pubkey {
    find(&[PROPOSAL, find_fund().as_ref(), &proposal_id.to_le_bytes()], &ids::STK_STARTUP_FUND)
}
pub fn find_project(project_id: &Pubkey) -> Pubkey {
    find(&[PROJECT, find_fund().as_ref(), project_id.as_ref()], &ids::STK_STARTUP_FUND)
}
pub fn find_fraud_hold(token_account: &Pubkey) -> Pubkey {
    find(&[FRAUD_HOLD, token_account.as_ref()], &ids::STK_TREASURY)
}
pub fn find_hold_escrow() -> Pubkey {
    find(&[HOLD_ESCROW], &ids::STK_TREASURY)
}
