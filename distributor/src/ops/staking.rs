//! `distributor staking …`: the staking pool's reward stream — its rate, its funding, and a
//! summary with the runway the funded rewards give at the current rate.
use super::{execute, require_account, units, Mode, Op, OpsError};
use crate::chain::ChainBackend;
use anchor_lang::{prelude::Pubkey, AccountDeserialize, Discriminator};
use clap::Subcommand;
use std::fmt::Write as _;
use stk_common::seeds;
use stk_staking::state::{StakePosition, StakingPool};

#[derive(Subcommand, Debug, Clone)]
pub enum StakingCmd {
    /// Set the reward rate: STK base units released per second, shared by weight (the pool's
    /// admin signs).
    Rate {
        #[arg(long)]
        rate: u64,
    },
    /// Move STK from the signer's token account into the reward vault as funding.
    Fund {
        /// Amount in STK, e.g. 2500 or 2500.5.
        #[arg(long)]
        amount: String,
        /// The signer's STK token account to pay from (default: its associated account).
        #[arg(long)]
        from: Option<String>,
    },
    /// Book tokens sent straight to the reward vault (e.g. by the fee split) as funding
    /// (permissionless).
    Credit,
    /// The pool: stakers, total weight, rate, funds and runway in days at the current rate.
    Show,
}

impl StakingCmd {
    pub fn signs(&self) -> bool {
        !matches!(self, StakingCmd::Show)
    }
}

/// The pool at a glance.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PoolSummary {
    /// Positions holding stake (`None` when the backend cannot enumerate accounts).
    pub stakers: Option<usize>,
    pub total_staked: u64,
    pub total_weight: u128,
    pub reward_rate: u64,
    /// Funded and not yet released.
    pub unreleased: u64,
    pub released_unclaimed: u64,
    pub total_funded: u64,
    pub total_claimed: u64,
    /// Days the unreleased rewards last at the current rate (`None` at rate 0).
    pub runway_days: Option<u64>,
}

/// Whole days `unreleased` lasts at `rate` per second.
pub fn runway_days(unreleased: u64, rate: u64) -> Option<u64> {
    (rate > 0).then(|| unreleased / rate / 86_400)
}

pub async fn summary<B: ChainBackend>(backend: &mut B) -> Result<PoolSummary, OpsError> {
    let mint = seeds::find_stk_mint();
    let pool_address = seeds::find_staking_pool(&mint);
    let pool: StakingPool = require_account(backend, &pool_address, "stk_staking pool").await?;
    // Positions of this pool: discriminator, then the pool key.
    let mut prefix = StakePosition::DISCRIMINATOR.to_vec();
    prefix.extend_from_slice(pool_address.as_ref());
    let stakers = backend.program_accounts(&stk_staking::ID, &[(0, prefix)]).await?.map(|found| {
        found
            .iter()
            .filter_map(|(_, data)| StakePosition::try_deserialize(&mut data.as_slice()).ok())
            .filter(|p| p.amount > 0)
            .count()
    });
    let r = &pool.rewards;
    Ok(PoolSummary {
        stakers,
        total_staked: pool.total_staked,
        total_weight: r.total_weight,
        reward_rate: r.reward_rate,
        unreleased: r.unreleased,
        released_unclaimed: r.released_unclaimed,
        total_funded: pool.total_funded,
        total_claimed: pool.total_claimed,
        runway_days: runway_days(r.unreleased, r.reward_rate),
    })
}

fn show(s: &PoolSummary, decimals: u8) -> String {
    let stk = |v: u64| units::format_units(v, decimals);
    let mut text = String::new();
    let stakers =
        s.stakers.map_or("unknown (backend cannot list accounts)".into(), |n| n.to_string());
    let _ = writeln!(text, "stakers            {stakers}");
    let _ = writeln!(text, "staked             {} STK", stk(s.total_staked));
    let _ = writeln!(text, "total weight       {}", s.total_weight);
    let _ = writeln!(
        text,
        "reward rate        {} base units/s ({} STK/day)",
        s.reward_rate,
        stk(s.reward_rate.saturating_mul(86_400))
    );
    let _ = writeln!(text, "unreleased rewards {} STK", stk(s.unreleased));
    let _ = writeln!(text, "released, unclaimed {} STK", stk(s.released_unclaimed));
    let _ =
        writeln!(text, "funded / claimed   {} / {} STK", stk(s.total_funded), stk(s.total_claimed));
    let runway = s.runway_days.map_or("no rate set".into(), |d| format!("{d} days"));
    let _ = writeln!(text, "runway             {runway}");
    text
}

/// Runs a `staking` subcommand; returns what to print.
pub async fn run<B: ChainBackend>(
    backend: &mut B,
    mode: &Mode,
    cmd: &StakingCmd,
) -> Result<String, OpsError> {
    let signer = mode.signer(backend);
    let mint = seeds::find_stk_mint();
    let op = match cmd {
        StakingCmd::Rate { rate } => Op::new(
            format!("set the reward rate to {rate} base units per second"),
            vec![stk_client::staking::set_reward_rate(&signer, &mint, *rate)],
        ),
        StakingCmd::Fund { amount, from } => {
            let decimals = super::stk_decimals(backend).await?;
            let amount = super::parse_stk("--amount", amount, decimals)?;
            let from: Pubkey = match from {
                Some(text) => super::parse_pubkey("--from", text)?,
                None => stk_client::ata(&signer, &mint),
            };
            Op::new(
                format!(
                    "fund the staking rewards with {} STK",
                    units::format_units(amount, decimals)
                ),
                vec![stk_client::staking::fund_rewards(&signer, &mint, &from, amount)],
            )
        }
        StakingCmd::Credit => Op::new(
            "credit tokens sent to the reward vault",
            vec![stk_client::staking::credit_reward_deposits(&mint)],
        ),
        StakingCmd::Show => {
            let s = summary(backend).await?;
            let decimals = super::stk_decimals(backend).await?;
            return Ok(show(&s, decimals));
        }
    };
    Ok(execute(backend, mode, &op).await?.describe(&op.what))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn runway_is_whole_days_of_unreleased_rewards_at_the_rate() {
        assert_eq!(runway_days(86_400 * 10, 1), Some(10));
        assert_eq!(runway_days(86_400 * 10 - 1, 1), Some(9));
        assert_eq!(runway_days(1_000, 0), None);
        assert_eq!(runway_days(u64::MAX, 1), Some(u64::MAX / 86_400));
    }
}
