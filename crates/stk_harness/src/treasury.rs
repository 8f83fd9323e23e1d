//! Setup helpers for `stk_treasury` on the ledger (filled in by the treasury issue).
