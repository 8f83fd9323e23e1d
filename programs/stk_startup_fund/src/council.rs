//! The council: up to [`MAX_COUNCIL`] keys and an M-of-N threshold (pure checks, no accounts).
//!
//! Approvals are a bitmap over council indices, so a member approves at most once and the
//! count is the bitmap's population. A council change bumps the fund's council epoch; a
//! proposal remembers the epoch it was made in and is dead once the epoch moves on, so the
//! old council's approvals can never count towards the new council's threshold.
use anchor_lang::prelude::*;

/// Most keys a council may have (the approval bitmap is a `u16`).
pub const MAX_COUNCIL: usize = 10;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CouncilError {
    Size,
    DefaultKey,
    Duplicate,
    Threshold,
}

/// Checks that `members` is 1..=10 distinct, non-default keys and `1 <= threshold <= N`.
pub fn validate(members: &[Pubkey], threshold: u8) -> core::result::Result<(), CouncilError> {
    if members.is_empty() || members.len() > MAX_COUNCIL {
        return Err(CouncilError::Size);
    }
    if members.iter().any(|m| *m == Pubkey::default()) {
        return Err(CouncilError::DefaultKey);
    }
    for (i, m) in members.iter().enumerate() {
        if members[..i].contains(m) {
            return Err(CouncilError::Duplicate);
        }
    }
    if threshold == 0 || threshold as usize > members.len() {
        return Err(CouncilError::Threshold);
    }
    Ok(())
}

/// `members` in the fixed-size on-chain layout (unused slots are the default key).
pub fn to_array(members: &[Pubkey]) -> [Pubkey; MAX_COUNCIL] {
    let mut out = [Pubkey::default(); MAX_COUNCIL];
    for (slot, m) in out.iter_mut().zip(members) {
        *slot = *m;
    }
    out
}

/// The bit of council index `index` in an approval bitmap.
pub fn bit(index: usize) -> u16 {
    1u16 << index
}

/// Number of distinct members in a bitmap.
pub fn count(bitmap: u16) -> u8 {
    bitmap.count_ones() as u8
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn keys(n: usize) -> Vec<Pubkey> {
        (0..n).map(|_| Pubkey::new_unique()).collect()
    }

    #[test]
    fn council_bounds() {
        assert_eq!(validate(&[], 1), Err(CouncilError::Size));
        assert_eq!(validate(&keys(11), 1), Err(CouncilError::Size));
        assert_eq!(validate(&keys(10), 10), Ok(()));
        assert_eq!(validate(&keys(3), 0), Err(CouncilError::Threshold));
        assert_eq!(validate(&keys(3), 4), Err(CouncilError::Threshold));
        let mut dup = keys(3);
        dup[2] = dup[0];
        assert_eq!(validate(&dup, 2), Err(CouncilError::Duplicate));
        let mut zero = keys(3);
        zero[1] = Pubkey::default();
        assert_eq!(validate(&zero, 2), Err(CouncilError::DefaultKey));
    }

    proptest! {
        #[test]
        fn approving_twice_never_counts_twice(indices in proptest::collection::vec(0usize..MAX_COUNCIL, 0..40)) {
            let mut bitmap = 0u16;
            for i in &indices {
                bitmap |= bit(*i);
            }
            let mut distinct = indices.clone();
            distinct.sort();
            distinct.dedup();
            prop_assert_eq!(count(bitmap) as usize, distinct.len());
        }
    }
}
