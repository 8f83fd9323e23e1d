//! The admin's side of a payout: `distributor approve-epoch` recomputes the plan hash from
//! Postgres, checks it against the hash the operator names and the one the epoch commits
//! on-chain, and only then signs `approve_epoch` with the admin key. The distributor service
//! never holds that key.
use super::{
    engine::{EngineError, EngineSettings, PayoutEngine},
    onchain,
    store::{self, StoreError},
};
use crate::chain::ChainBackend;
use solana_keypair::Keypair;
use solana_signer::Signer;
use sqlx::PgPool;
use stk_common::calendar::MonthId;

#[derive(Debug, thiserror::Error)]
pub enum AdminError {
    #[error("no payout plan for {0}: the distributor has not planned it yet")]
    NoPlan(MonthId),
    #[error("the plan of {month} recomputed from Postgres is {recomputed}, not {offered}: refusing to approve")]
    HashMismatch { month: MonthId, offered: String, recomputed: String },
    #[error("the epoch of {0} is not on-chain yet: wait until the distributor has proposed it")]
    NotProposed(MonthId),
    #[error(
        "the on-chain epoch of {month} commits plan {onchain}, not {offered}: refusing to approve"
    )]
    OnchainMismatch { month: MonthId, offered: String, onchain: String },
    #[error(transparent)]
    Engine(#[from] EngineError),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// What `approve-epoch` found or did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ApproveOutcome {
    /// Every check passed; nothing signed (`--dry-run`).
    WouldApprove {
        batches: usize,
        recipients: usize,
        total: u64,
    },
    Approved {
        signature_sent: bool,
    },
    /// Approved before (the epoch is open or closed already).
    AlreadyApproved,
}

/// Approves `month`'s plan `plan_hash` (hex) with `admin`, after the checks above.
pub async fn approve_epoch<B: ChainBackend>(
    backend: &mut B,
    db: &PgPool,
    month: MonthId,
    plan_hash: &str,
    admin: &Keypair,
    dry_run: bool,
) -> Result<ApproveOutcome, AdminError> {
    let plan = store::load_plan(db, month).await?.ok_or(AdminError::NoPlan(month))?;
    let recomputed = super::engine::verify_stored_plan(&plan)?;
    let recomputed_hex = hex::encode(recomputed);
    if recomputed_hex != plan_hash.to_ascii_lowercase() {
        return Err(AdminError::HashMismatch {
            month,
            offered: plan_hash.to_string(),
            recomputed: recomputed_hex,
        });
    }
    let epoch =
        backend.account_data(&onchain::epoch_address(month)).await.map_err(EngineError::from)?;
    let epoch = onchain::decode_epoch(epoch)
        .map_err(StoreError::Corrupt)?
        .ok_or(AdminError::NotProposed(month))?;
    if epoch.plan_hash != recomputed {
        return Err(AdminError::OnchainMismatch {
            month,
            offered: plan_hash.to_string(),
            onchain: hex::encode(epoch.plan_hash),
        });
    }
    if !epoch.proposed {
        return Ok(ApproveOutcome::AlreadyApproved);
    }
    let batches = plan.batches.len();
    if dry_run {
        return Ok(ApproveOutcome::WouldApprove {
            batches,
            recipients: plan.batches.iter().map(|b| b.batch.payees.len()).sum(),
            total: plan.total,
        });
    }
    let batch_count =
        u16::try_from(batches).map_err(|_| StoreError::Corrupt("batch count".into()))?;
    let ix = stk_client::treasury::approve_epoch(&admin.pubkey(), month.0, recomputed, batch_count);
    let mint = anchor_lang::prelude::Pubkey::default();
    let mut engine = PayoutEngine::new(backend, db, mint, EngineSettings::default());
    engine.submit_signed_until_landed("approve_epoch", &[ix], Some(admin), None).await?;
    tracing::info!(%month, plan = %recomputed_hex, admin = %admin.pubkey(), "plan approved on-chain");
    Ok(ApproveOutcome::Approved { signature_sent: true })
}
