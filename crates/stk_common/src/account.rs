//! Creating a program-owned account at a PDA, even when someone has sent lamports there first.
//!
//! The system program's `create_account` refuses an address that holds any lamports. A PDA's
//! address is public before the account exists, so one transfer of a single lamport would
//! otherwise block its creation forever (a cheap denial of service against `initialize`s and
//! first-use records). [`create_pda_account`] takes the other path in that case: top the
//! balance up to what is needed, then `allocate` and `assign`, both signed with the PDA's
//! seeds — which is also what Anchor's `init` does.
use anchor_lang::{prelude::*, system_program};

/// Makes `target` (a PDA signed for by `signer_seeds`) an account of `space` bytes owned by
/// `owner`, holding at least `lamports` (the payer pays what is missing). `target` must be a
/// system account without data (empty or merely funded); anything else is refused by the
/// system program.
pub fn create_pda_account<'info>(
    payer: &AccountInfo<'info>,
    target: &AccountInfo<'info>,
    signer_seeds: &[&[u8]],
    lamports: u64,
    space: u64,
    owner: &Pubkey,
) -> Result<()> {
    let present = target.lamports();
    if present == 0 {
        return system_program::create_account(
            CpiContext::new_with_signer(
                system_program::ID,
                system_program::CreateAccount { from: payer.clone(), to: target.clone() },
                &[signer_seeds],
            ),
            lamports,
            space,
            owner,
        );
    }
    let shortfall = lamports.saturating_sub(present);
    if shortfall > 0 {
        system_program::transfer(
            CpiContext::new(
                system_program::ID,
                system_program::Transfer { from: payer.clone(), to: target.clone() },
            ),
            shortfall,
        )?;
    }
    system_program::allocate(
        CpiContext::new_with_signer(
            system_program::ID,
            system_program::Allocate { account_to_allocate: target.clone() },
            &[signer_seeds],
        ),
        space,
    )?;
    system_program::assign(
        CpiContext::new_with_signer(
            system_program::ID,
            system_program::Assign { account_to_assign: target.clone() },
            &[signer_seeds],
        ),
        owner,
    )
}
