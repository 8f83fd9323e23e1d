//! Ended stake locks: the service refreshes them.
//!
//! `stk_staking` keeps a position's reward weight (amount × lock multiplier) until something
//! touches the position after its lock has ended (stake, unstake, claim, or the
//! permissionless `refresh_position`); until then it keeps earning at its multiplier, at the
//! other stakers' expense. The owner has no reason to touch it, so the service does: every
//! tick it reads the positions of every wallet members have registered and sends
//! `refresh_position` for each whose lock has ended while its multiplier is still above 1×
//! (`StakePosition::lock_ended_at_multiplier`). The over-payment is therefore bounded by the
//! service's poll interval. Positions of wallets unknown to the community's database are not
//! seen here; anyone (their owner, a keeper) may refresh them.
use crate::{
    chain::ChainBackend,
    payout::engine::{EngineSettings, PayoutEngine},
};
use anchor_lang::{prelude::Pubkey, AccountDeserialize};
use sqlx::PgPool;
use stk_common::seeds;
use stk_staking::state::StakePosition;

/// `refresh_position` instructions per transaction: two accounts each (the pool is shared),
/// far below the packet and lock limits.
pub const REFRESHES_PER_TX: usize = 20;

/// Refreshes the ended locks of members' positions in the staking pool of `mint` as of `now`
/// (unix seconds); returns the owners whose positions were refreshed. Does nothing when the
/// pool does not exist. Unreadable wallets or accounts are logged and skipped, never fatal.
pub async fn refresh_ended_locks<B: ChainBackend>(
    backend: &mut B,
    db: &PgPool,
    mint: &Pubkey,
    now: i64,
    engine: &EngineSettings,
) -> anyhow::Result<Vec<Pubkey>> {
    let pool = seeds::find_staking_pool(mint);
    if backend.account_data(&pool).await?.is_none() {
        return Ok(vec![]);
    }
    let addresses: Vec<String> =
        sqlx::query_scalar("SELECT DISTINCT address FROM wallets ORDER BY address")
            .fetch_all(db)
            .await?;
    let mut due = vec![];
    for address in addresses {
        let Ok(owner) = address.parse::<Pubkey>() else {
            tracing::warn!(%address, "registered wallet is not a valid address; skipped");
            continue;
        };
        let position = seeds::find_stake_position(&pool, &owner);
        let Some(data) = backend.account_data(&position).await? else { continue };
        match StakePosition::try_deserialize(&mut data.as_slice()) {
            Ok(p) if p.lock_ended_at_multiplier(now) => due.push(owner),
            Ok(_) => {}
            Err(e) => tracing::warn!(%owner, %position, error = %e, "unreadable stake position"),
        }
    }
    for chunk in due.chunks(REFRESHES_PER_TX) {
        let ixs: Vec<_> =
            chunk.iter().map(|owner| stk_client::staking::refresh_position(mint, owner)).collect();
        PayoutEngine::new(backend, db, *mint, engine.clone())
            .submit_until_landed("refresh_position", &ixs)
            .await?;
        tracing::info!(positions = chunk.len(), "ended stake locks refreshed");
    }
    Ok(due)
}
