//! `stk_staking` instructions (filled in by the staking issue).
