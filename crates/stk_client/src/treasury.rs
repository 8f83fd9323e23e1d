//! `stk_treasury` instructions (filled in by the treasury issue).
