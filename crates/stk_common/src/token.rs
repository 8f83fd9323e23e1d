//! Token-2022 helpers every program needs, written once: PDA-signed `transfer_checked`, and the
//! transfer-fee arithmetic of the STK mint (what a transfer withholds, how much to send so the
//! recipient gets an exact amount).
use anchor_lang::prelude::*;
use anchor_spl::token_interface::{
    self as ti,
    spl_token_2022::{
        extension::{
            transfer_fee::TransferFeeConfig, BaseStateWithExtensions, StateWithExtensions,
        },
        state::Mint as MintState,
    },
};

/// Transfers `amount` from `from` to `to`, signed by the PDA `authority` with `signer_seeds`.
#[allow(clippy::too_many_arguments)]
pub fn transfer_signed<'info>(
    token_program: &AccountInfo<'info>,
    from: &AccountInfo<'info>,
    mint: &AccountInfo<'info>,
    to: &AccountInfo<'info>,
    authority: &AccountInfo<'info>,
    signer_seeds: &[&[u8]],
    amount: u64,
    decimals: u8,
) -> Result<()> {
    ti::transfer_checked(
        CpiContext::new_with_signer(
            token_program.key(),
            ti::TransferChecked {
                from: from.clone(),
                mint: mint.clone(),
                to: to.clone(),
                authority: authority.clone(),
            },
            &[signer_seeds],
        ),
        amount,
        decimals,
    )
}

/// Transfers `amount` from `from` to `to`, signed by a wallet that signed the transaction.
pub fn transfer_by_owner<'info>(
    token_program: &AccountInfo<'info>,
    from: &AccountInfo<'info>,
    mint: &AccountInfo<'info>,
    to: &AccountInfo<'info>,
    owner: &AccountInfo<'info>,
    amount: u64,
    decimals: u8,
) -> Result<()> {
    ti::transfer_checked(
        CpiContext::new(
            token_program.key(),
            ti::TransferChecked {
                from: from.clone(),
                mint: mint.clone(),
                to: to.clone(),
                authority: owner.clone(),
            },
        ),
        amount,
        decimals,
    )
}

/// The fee configuration of `mint` in force at `epoch`, `None` for a mint without fees.
fn with_fee<T>(
    mint: &AccountInfo,
    epoch: u64,
    f: impl FnOnce(
        &anchor_spl::token_interface::spl_token_2022::extension::transfer_fee::TransferFee,
    ) -> Option<T>,
) -> Result<Option<T>> {
    let data = mint.try_borrow_data()?;
    let state = StateWithExtensions::<MintState>::unpack(&data)?;
    match state.get_extension::<TransferFeeConfig>() {
        Ok(config) => Ok(f(config.get_epoch_fee(epoch))),
        Err(_) => Ok(None),
    }
}

/// What Token-2022 withholds when `amount` is transferred at `epoch` (0 for fee-less mints).
pub fn transfer_fee(mint: &AccountInfo, amount: u64, epoch: u64) -> Result<u64> {
    Ok(with_fee(mint, epoch, |fee| fee.calculate_fee(amount))?.unwrap_or(0))
}

/// The amount to send at `epoch` so that the recipient receives exactly `net` after the
/// transfer fee (equal to `net` for fee-less mints). Errors on overflow.
pub fn gross_up(mint: &AccountInfo, net: u64, epoch: u64) -> Result<u64> {
    let data = mint.try_borrow_data()?;
    let state = StateWithExtensions::<MintState>::unpack(&data)?;
    let Ok(config) = state.get_extension::<TransferFeeConfig>() else {
        return Ok(net);
    };
    let fee = config.get_epoch_fee(epoch);
    let gross = fee.calculate_pre_fee_amount(net).ok_or(ProgramError::ArithmeticOverflow)?;
    // calculate_pre_fee_amount may round so that the fee is one unit higher than needed;
    // what matters is that the recipient gets at least `net` and the sender pays no more than
    // one unit extra. Check the first property exactly.
    let received = fee.calculate_post_fee_amount(gross).ok_or(ProgramError::ArithmeticOverflow)?;
    require_gte!(received, net, ErrorCode::RequireGteViolated);
    Ok(gross)
}

/// Whether an account that held `before` holds exactly `before − amount` now: what every
/// program checks after sending `amount` out of one of its vaults (or a payer's account), so
/// a transfer that moved nothing — a payment to itself, or a CPI that silently did nothing —
/// never passes for a payment. (Anchor already refuses the same account passed twice as two
/// writable accounts; this re-read is the second line and also covers CPIs.)
pub fn sent_exactly(before: u64, after: u64, amount: u64) -> bool {
    before.checked_sub(after) == Some(amount)
}

#[cfg(test)]
mod sent_exactly_tests {
    use super::sent_exactly;

    #[test]
    fn only_the_exact_decrease_passes() {
        assert!(sent_exactly(100, 60, 40));
        assert!(!sent_exactly(100, 100, 40), "a self-payment moves nothing");
        assert!(!sent_exactly(100, 61, 40));
        assert!(!sent_exactly(100, 59, 40));
        assert!(!sent_exactly(10, 20, 0), "an account that grew did not send");
        assert!(sent_exactly(7, 7, 0));
    }
}
