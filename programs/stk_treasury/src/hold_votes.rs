//! The second authority of fraud holds: the startup fund's M-of-N council, read from its
//! `Fund` account by layout (`stk_startup_fund`'s `cpi` crate; the fund never depends on the
//! treasury). Votes are bitmaps over council indices, like the fund's own proposals: a member
//! counts once, and a council change (a new `council_epoch`) wipes the old council's votes so
//! they can never count towards the new council's threshold. The treasury admin never counts,
//! even if the admin sits on the council: no single key both places and confirms a hold.
use crate::errors::TreasuryError;
use anchor_lang::prelude::*;
use stk_startup_fund::state::Fund;

/// `member`'s council index; the admin is refused even when on the council.
pub fn council_index(fund: &Fund, admin: &Pubkey, member: &Pubkey) -> Result<usize> {
    require!(member != admin, TreasuryError::AdminCannotConfirm);
    fund.members()
        .iter()
        .position(|m| m == member)
        .ok_or_else(|| error!(TreasuryError::NotCouncilMember))
}

/// Brings the vote bitmaps up to the council's current epoch: votes of an older council are
/// dropped.
pub fn sync_epoch(recorded_epoch: &mut u32, current_epoch: u32, bitmaps: &mut [&mut u16]) {
    if *recorded_epoch != current_epoch {
        *recorded_epoch = current_epoch;
        for b in bitmaps.iter_mut() {
            **b = 0;
        }
    }
}

/// Sets `index`'s bit in `bitmap` unless it is set in any of `all` (one vote per member and
/// decision); returns the bitmap's count.
pub fn cast(bitmap: u16, others: &[u16], index: usize) -> core::result::Result<u16, ()> {
    let bit = 1u16 << index;
    if bitmap & bit != 0 || others.iter().any(|o| o & bit != 0) {
        return Err(());
    }
    Ok(bitmap | bit)
}

/// Number of members in a bitmap.
pub fn count(bitmap: u16) -> u8 {
    bitmap.count_ones() as u8
}

/// Whether `bitmap`, recorded under `recorded_epoch`, meets the council's current threshold.
pub fn meets_threshold(bitmap: u16, recorded_epoch: u32, fund: &Fund) -> bool {
    recorded_epoch == fund.council_epoch && count(bitmap) >= fund.threshold
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_member_votes_once_and_a_council_change_wipes_the_votes() {
        let b = cast(0, &[], 3).unwrap();
        assert_eq!(count(b), 1);
        assert!(cast(b, &[], 3).is_err(), "twice");
        assert!(cast(0, &[b], 3).is_err(), "once across decisions");
        let b = cast(b, &[], 0).unwrap();
        assert_eq!(count(b), 2);
        let (mut epoch, mut approvals, mut other) = (1u32, b, 5u16);
        sync_epoch(&mut epoch, 1, &mut [&mut approvals, &mut other]);
        assert_eq!((approvals, other), (b, 5));
        sync_epoch(&mut epoch, 2, &mut [&mut approvals, &mut other]);
        assert_eq!((epoch, approvals, other), (2, 0, 0));
    }
}
