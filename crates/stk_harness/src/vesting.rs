//! Setup helpers for `stk_vesting` on the ledger (filled in by the vesting issue).
