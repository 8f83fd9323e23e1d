//! `stk_startup_fund` instructions (filled in by the startup_fund issue).
