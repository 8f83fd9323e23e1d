//! `distributor fees …`: the transfer fees Token-2022 withholds on every STK transfer.
//!
//! `harvest` finds every STK account holding withheld fees (`getProgramAccounts` on a node, the
//! ledger's accounts on the embedded one) and sweeps them with the mint's own withheld fees into
//! the treasury's fee vault, packing as many accounts per `harvest_fees` transaction as the
//! packet and lock limits allow (permissionless: anyone may pay for it). `split` divides the fee
//! vault per the treasury's fee split (the admin signs).
use super::{execute, require_account, scan, Mode, Op, OpsError, Outcome};
use crate::{chain::ChainBackend, payout::limits};
use anchor_lang::prelude::Pubkey;
use anchor_spl::token_interface::spl_token_2022::{
    extension::{transfer_fee::TransferFeeConfig, BaseStateWithExtensions, StateWithExtensions},
    state::Mint as MintState,
};
use clap::Subcommand;
use std::fmt::Write as _;
use stk_common::seeds;
use stk_treasury::state::Treasury;

#[derive(Subcommand, Debug, Clone)]
pub enum FeesCmd {
    /// Sweep the withheld fees of every STK account holding some, and the mint's, into the
    /// treasury's fee vault (packed transactions; permissionless).
    Harvest,
    /// Split the fee vault per the treasury's fee split: staking rewards, startup fund, the
    /// rest to the distribution vault (the admin signs).
    Split,
}

/// What a harvest found and did.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Harvest {
    /// Accounts holding withheld fees, and their total.
    pub accounts: usize,
    pub withheld_in_accounts: u64,
    /// Fees already withheld in the mint (from closed accounts or earlier partial harvests).
    pub withheld_in_mint: u64,
    /// The transactions (one per packed group of accounts).
    pub outcomes: Vec<Outcome>,
}

/// The mint's own withheld fees.
fn mint_withheld(data: &[u8]) -> Result<u64, String> {
    let mint = StateWithExtensions::<MintState>::unpack(data).map_err(|e| e.to_string())?;
    let config = mint.get_extension::<TransferFeeConfig>().map_err(|e| e.to_string())?;
    Ok(u64::from(config.withheld_amount))
}

/// Whether a harvest of `sources` fits in one transaction paid by `payer`.
fn fits(payer: &Pubkey, sources: &[Pubkey]) -> bool {
    let ix = stk_client::treasury::harvest_fees(sources);
    let message = solana_message::Message::new(&[ix], Some(payer));
    let tx: solana_transaction::versioned::VersionedTransaction =
        solana_transaction::Transaction::new_unsigned(message).into();
    limits::wire_size(&tx) <= limits::PACKET_DATA_SIZE
        && limits::account_locks(&tx) <= limits::MAX_TX_ACCOUNT_LOCKS
}

/// Finds the withheld fees and sweeps them (see the module documentation). Nothing is sent
/// when nothing is withheld.
pub async fn harvest<B: ChainBackend>(backend: &mut B, mode: &Mode) -> Result<Harvest, OpsError> {
    let mint = seeds::find_stk_mint();
    let payer = mode.signer(backend);
    let mint_data =
        backend.account_data(&mint).await?.ok_or(OpsError::NotInitialized("the STK mint"))?;
    let withheld_in_mint = mint_withheld(&mint_data).map_err(|error| OpsError::BadAccount {
        address: mint,
        what: "STK mint",
        error,
    })?;
    let accounts = backend
        .program_accounts(&stk_client::TOKEN_2022, &scan::token_account_filters(&mint))
        .await?
        .ok_or_else(|| {
            OpsError::Usage("this chain backend cannot list token accounts".to_string())
        })?;
    let holding = scan::with_withheld_fees(&accounts);
    let mut result = Harvest {
        accounts: holding.len(),
        withheld_in_accounts: holding.iter().map(|(_, w)| *w).sum(),
        withheld_in_mint,
        outcomes: vec![],
    };
    if holding.is_empty() && withheld_in_mint == 0 {
        return Ok(result);
    }
    let sources: Vec<Pubkey> = holding.iter().map(|(a, _)| *a).collect();
    let mut groups = scan::pack(&sources, |group| fits(&payer, group))
        .map_err(|error| OpsError::Build { what: "harvest".into(), error })?;
    if groups.is_empty() {
        groups.push(vec![]); // only the mint's own withheld fees
    }
    let count = groups.len();
    for (i, group) in groups.iter().enumerate() {
        let op = Op::new(
            format!("harvest withheld fees ({} of {count}: {} accounts)", i + 1, group.len()),
            vec![stk_client::treasury::harvest_fees(group)],
        );
        result.outcomes.push(execute(backend, mode, &op).await?);
    }
    Ok(result)
}

/// Splits the fee vault per the treasury's recorded fee split.
pub async fn split<B: ChainBackend>(backend: &mut B, mode: &Mode) -> Result<Outcome, OpsError> {
    let admin = mode.signer(backend);
    let treasury: Treasury =
        require_account(backend, &seeds::find_treasury(), "stk_treasury").await?;
    let op = Op::new(
        "split the fee vault",
        vec![stk_client::treasury::split_fees(&admin, &treasury.fee_split)],
    );
    execute(backend, mode, &op).await
}

/// Runs a `fees` subcommand; returns what to print.
pub async fn run<B: ChainBackend>(
    backend: &mut B,
    mode: &Mode,
    cmd: &FeesCmd,
) -> Result<String, OpsError> {
    match cmd {
        FeesCmd::Harvest => {
            let h = harvest(backend, mode).await?;
            let mut text = format!(
                "{} accounts hold {} base units of withheld fees; the mint holds {}\n",
                h.accounts, h.withheld_in_accounts, h.withheld_in_mint
            );
            if h.outcomes.is_empty() {
                text.push_str("nothing to harvest\n");
            }
            for (i, outcome) in h.outcomes.iter().enumerate() {
                let _ = write!(text, "{}", outcome.describe(&format!("harvest {}", i + 1)));
            }
            Ok(text)
        }
        FeesCmd::Split => Ok(split(backend, mode).await?.describe("split the fee vault")),
    }
}
