use crate::{errors::VestingError, events::BeneficiaryTransferred, state::Grant};
use anchor_lang::prelude::*;
use stk_common::seeds;

#[derive(Accounts)]
pub struct TransferBeneficiary<'info> {
    /// The grant's current beneficiary.
    pub beneficiary: Signer<'info>,
    #[account(
        mut,
        seeds = [seeds::GRANT, grant.grant_id.as_ref()],
        bump = grant.bump,
        has_one = beneficiary @ VestingError::NotBeneficiary,
    )]
    pub grant: Box<Account<'info, Grant>>,
}

/// Checks: the signer is the grant's current beneficiary; the new beneficiary is not the
/// default key. Everything else (vested, claimed, schedule) is unchanged.
pub fn handler(ctx: Context<TransferBeneficiary>, new_beneficiary: Pubkey) -> Result<()> {
    require!(new_beneficiary != Pubkey::default(), VestingError::InvalidBeneficiary);
    let grant = &mut ctx.accounts.grant;
    let old_beneficiary = grant.beneficiary;
    grant.beneficiary = new_beneficiary;
    stk_common::event::emit(&BeneficiaryTransferred {
        grant: grant.key(),
        old_beneficiary,
        new_beneficiary,
    });
    Ok(())
}
