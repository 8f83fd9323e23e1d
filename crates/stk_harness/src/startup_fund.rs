//! Setup helpers for `stk_startup_fund` on the ledger (filled in by the startup_fund issue).
