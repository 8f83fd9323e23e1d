//! `distributor genesis`: mints the genesis allocation into the destination recorded at
//! initialization (the vesting sale vault) — permissionless and once; the service (or the
//! operator after `init`) cranks it.
use super::{execute, require_account, Mode, Op, OpsError, Outcome};
use crate::chain::ChainBackend;
use stk_common::seeds;
use stk_mint::state::MintConfig;

/// Mints the genesis allocation unless it is minted; `None` when there was nothing to do.
pub async fn mint_genesis<B: ChainBackend>(
    backend: &mut B,
    mode: &Mode,
) -> Result<Option<Outcome>, OpsError> {
    let config: MintConfig =
        require_account(backend, &seeds::find_mint_config(), "stk_mint").await?;
    if config.genesis_minted {
        return Ok(None);
    }
    let cranker = mode.signer(backend);
    let op = Op::new(
        "mint the genesis allocation",
        vec![stk_client::mint::mint_genesis(&cranker, &config.genesis_destination)],
    );
    Ok(Some(execute(backend, mode, &op).await?))
}

/// Runs `distributor genesis`; returns what to print.
pub async fn run<B: ChainBackend>(backend: &mut B, mode: &Mode) -> Result<String, OpsError> {
    Ok(match mint_genesis(backend, mode).await? {
        None => "the genesis allocation is already minted\n".to_string(),
        Some(outcome) => outcome.describe("mint the genesis allocation"),
    })
}
