//! `distributor init`: initializes the whole suite on a cluster after `anchor deploy`, in the
//! order the programs' checks require, skipping whatever already exists (idempotent), and
//! returns every address an operator needs.
//!
//! Order: `stk_mint` (its destinations are the other programs' PDA vaults, known in advance)
//! → `stk_vesting` (creates the sale vault) → `stk_startup_fund` (its vault) → `stk_staking`
//! (pool and vaults) → `stk_treasury` (checks the mint's distribution destination and that its
//! caller is the mint's admin). The fee key is the admin of every program.
use crate::{
    chain::ChainBackend,
    payout::engine::{EngineError, EngineSettings, PayoutEngine},
};
use anchor_lang::prelude::Pubkey;
use solana_signer::Signer;
use sqlx::PgPool;
use stk_client::Instruction;
use stk_common::{schedule::ScheduleParams, seeds};

/// What the suite is initialized with.
#[derive(Debug, Clone)]
pub struct SuiteParams {
    pub decimals: u8,
    pub metadata_uri: String,
    pub transfer_fee_bps: u16,
    pub max_transfer_fee: u64,
    pub schedule: ScheduleParams,
    pub distributor: Pubkey,
    pub staking_fee_bps: u16,
    pub startup_fund_fee_bps: u16,
    pub dormancy_notice_secs: i64,
    pub fiat_decimals: u8,
    pub council: Vec<Pubkey>,
    pub council_threshold: u8,
    pub fund_lock_seconds: i64,
    pub staking_reward_rate: u64,
}

/// Every address of the initialized suite.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SuiteAddresses {
    pub entries: Vec<(&'static str, Pubkey)>,
    /// Steps that ran now (the others already existed).
    pub initialized_now: Vec<&'static str>,
    /// What the operator must still do for the suite to work as designed (printed by `init`).
    pub notes: Vec<String>,
}

pub async fn initialize_suite<B: ChainBackend>(
    backend: &mut B,
    db: &PgPool,
    p: &SuiteParams,
) -> Result<SuiteAddresses, EngineError> {
    let admin = backend.payer().pubkey();
    let mint = seeds::find_stk_mint();
    let pool = seeds::find_staking_pool(&mint);
    let reward_vault = seeds::find_reward_vault(&pool);
    let steps: Vec<(&'static str, Pubkey, Instruction)> = vec![
        (
            "stk_mint",
            seeds::find_mint_config(),
            stk_client::mint::initialize(
                &admin,
                stk_mint::instructions::InitializeArgs {
                    decimals: p.decimals,
                    uri: p.metadata_uri.clone(),
                    transfer_fee_bps: p.transfer_fee_bps,
                    max_transfer_fee: p.max_transfer_fee,
                    schedule: p.schedule,
                    genesis_destination: seeds::find_sale_vault(),
                    startup_fund_destination: seeds::find_fund_vault(),
                    distribution_destination: seeds::find_distribution_vault(),
                },
            ),
        ),
        ("stk_vesting", seeds::find_vesting_config(), stk_client::vesting::initialize(&admin)),
        (
            "stk_startup_fund",
            seeds::find_fund(),
            stk_client::startup_fund::initialize(
                &admin,
                stk_startup_fund::instructions::InitializeArgs {
                    council: p.council.clone(),
                    threshold: p.council_threshold,
                    lock_period: p.fund_lock_seconds,
                },
            ),
        ),
        (
            "stk_staking",
            pool,
            stk_client::staking::initialize_pool(
                &admin,
                &mint,
                stk_staking::instructions::InitializePoolArgs {
                    reward_rate: p.staking_reward_rate,
                    lock_options: stk_staking::state::default_lock_options(),
                },
            ),
        ),
        (
            "stk_treasury",
            seeds::find_treasury(),
            stk_client::treasury::initialize(
                &admin,
                stk_treasury::instructions::InitializeArgs {
                    distributor: p.distributor,
                    fee_split: stk_treasury::state::FeeSplit {
                        staking_rewards_destination: reward_vault,
                        startup_fund_destination: seeds::find_fund_vault(),
                        staking_rewards_bps: p.staking_fee_bps,
                        startup_fund_bps: p.startup_fund_fee_bps,
                    },
                    dormancy_notice_secs: p.dormancy_notice_secs,
                    fiat_decimals: p.fiat_decimals,
                },
            ),
        ),
    ];
    let mut initialized_now = vec![];
    for (name, state, ix) in steps {
        if backend.account_data(&state).await?.is_some() {
            tracing::info!(program = name, %state, "already initialized");
            continue;
        }
        PayoutEngine::new(backend, db, mint, EngineSettings::default())
            .submit_until_landed(&format!("initialize {name}"), &[ix])
            .await?;
        tracing::info!(program = name, %state, "initialized");
        initialized_now.push(name);
    }
    Ok(SuiteAddresses {
        entries: vec![
            ("STK mint (add this to Phantom/Solflare)", mint),
            ("stk_mint config", seeds::find_mint_config()),
            ("mint authority (PDA)", seeds::find_mint_authority()),
            ("treasury", seeds::find_treasury()),
            ("treasury authority (PDA)", seeds::find_treasury_authority()),
            ("permanent delegate (PDA)", seeds::find_permanent_delegate()),
            ("distribution vault", seeds::find_distribution_vault()),
            ("fee vault", seeds::find_fee_vault()),
            ("vesting config", seeds::find_vesting_config()),
            ("sale vault (genesis)", seeds::find_sale_vault()),
            ("startup fund", seeds::find_fund()),
            ("startup fund vault", seeds::find_fund_vault()),
            ("staking pool", pool),
            ("staking reward vault", reward_vault),
            ("distributor", p.distributor),
        ],
        initialized_now,
        notes: notes(p, &admin),
    })
}

/// What a fresh suite with `p` (the deploy key `admin` holding every admin role) still needs.
fn notes(p: &SuiteParams, admin: &Pubkey) -> Vec<String> {
    let mut notes = vec![];
    if let Some(why) =
        crate::ops::authority::holds_unconfirmable(&p.council, p.council_threshold, admin)
    {
        notes.push(format!(
            "{why}: no fraud hold can be confirmed until `distributor authority council` names \
             enough members besides the treasury admin"
        ));
    }
    notes
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn init_notes_a_council_that_cannot_confirm_holds_and_only_that() {
        let admin = Pubkey::new_unique();
        let params = |council: Vec<Pubkey>, threshold: u8| SuiteParams {
            decimals: 6,
            metadata_uri: String::new(),
            transfer_fee_bps: 50,
            max_transfer_fee: 1,
            schedule: ScheduleParams::default_for(
                stk_common::calendar::MonthId::new(2027, 1).unwrap(),
                6,
            ),
            distributor: Pubkey::new_unique(),
            staking_fee_bps: 0,
            startup_fund_fee_bps: 0,
            dormancy_notice_secs: 86_400,
            fiat_decimals: 2,
            council,
            council_threshold: threshold,
            fund_lock_seconds: 0,
            staking_reward_rate: 0,
        };
        assert_eq!(notes(&params(vec![admin], 1), &admin).len(), 1);
        let (a, b) = (Pubkey::new_unique(), Pubkey::new_unique());
        assert_eq!(notes(&params(vec![admin, a], 2), &admin).len(), 1);
        assert!(notes(&params(vec![admin, a, b], 2), &admin).is_empty());
        assert!(notes(&params(vec![a], 1), &admin).is_empty());
    }
}
