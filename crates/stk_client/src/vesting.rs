//! `stk_vesting` instructions (filled in by the vesting issue).
