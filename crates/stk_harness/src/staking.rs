//! Setup helpers for `stk_staking` on the ledger (filled in by the staking issue).
