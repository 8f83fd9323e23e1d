//! Two-step rotation of a single-key role (a program's admin), written once for every program
//! that has one (`stk_mint`, `stk_vesting`, `stk_staking`, and the treasury's two roles).
//!
//! The holder proposes a candidate; the role moves only when the candidate itself signs the
//! acceptance. So a mistyped or unreachable key can neither take the role nor lock it away,
//! and proposing `Pubkey::default()` (which nobody can sign for) withdraws a proposal.
use anchor_lang::prelude::Pubkey;

/// Why an acceptance is refused: no proposal is pending, or the signer is not its candidate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NotProposed;

/// Records `candidate` as the pending holder; `Pubkey::default()` withdraws the proposal.
pub fn propose(pending: &mut Pubkey, candidate: Pubkey) {
    *pending = candidate;
}

/// Hands the role to `signer` if it is the pending candidate and clears the proposal, so it
/// cannot be accepted twice. Returns the previous holder, who loses the role.
pub fn accept(
    current: &mut Pubkey,
    pending: &mut Pubkey,
    signer: Pubkey,
) -> core::result::Result<Pubkey, NotProposed> {
    if *pending == Pubkey::default() || *pending != signer {
        return Err(NotProposed);
    }
    *pending = Pubkey::default();
    Ok(core::mem::replace(current, signer))
}

/// Declares the two events of the rotation, `AdminProposed { [extra,] admin, candidate }` and
/// `AdminAccepted { [extra,] previous, new }`, in the calling program's `events` module (which
/// has `use anchor_lang::prelude::*`). Anchor lists a program's events in its IDL from the
/// program's own crate, so each program declares them; their shape is written once, here.
/// Leading fields a program adds (the staking pool) are given as `name: Type` pairs:
/// `stk_common::admin_events!(pool: Pubkey);`.
#[macro_export]
macro_rules! admin_events {
    ($($field:ident : $ty:ty),* $(,)?) => {
        #[event]
        pub struct AdminProposed {
            $(pub $field: $ty,)*
            pub admin: Pubkey,
            /// `Pubkey::default()` when the proposal is withdrawn.
            pub candidate: Pubkey,
        }

        #[event]
        pub struct AdminAccepted {
            $(pub $field: $ty,)*
            pub previous: Pubkey,
            pub new: Pubkey,
        }
    };
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_candidate_accepts_once_and_a_withdrawal_stops_it() {
        let (old, new, third) = (Pubkey::new_unique(), Pubkey::new_unique(), Pubkey::new_unique());
        let (mut current, mut pending) = (old, Pubkey::default());
        // Nothing proposed: nobody accepts, not even the default key.
        assert_eq!(accept(&mut current, &mut pending, new), Err(NotProposed));
        assert_eq!(accept(&mut current, &mut pending, Pubkey::default()), Err(NotProposed));
        propose(&mut pending, new);
        assert_eq!(accept(&mut current, &mut pending, third), Err(NotProposed));
        assert_eq!(accept(&mut current, &mut pending, new), Ok(old));
        assert_eq!((current, pending), (new, Pubkey::default()));
        assert_eq!(accept(&mut current, &mut pending, new), Err(NotProposed));
        // A withdrawn proposal cannot be accepted.
        propose(&mut pending, third);
        propose(&mut pending, Pubkey::default());
        assert_eq!(accept(&mut current, &mut pending, third), Err(NotProposed));
        assert_eq!(current, new);
    }
}
