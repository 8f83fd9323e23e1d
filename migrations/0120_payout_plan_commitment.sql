-- The payout plan committed on-chain and approved by the admin (programs/stk_treasury/PAYOUT_PLAN.md,
-- issue 18). The plan is built from the approved canonical report kept here byte for byte, its
-- hash and batch roots are stored with it, and every recipient the treasury did not pay (skipped
-- on-chain, in an unpaid batch of an aborted epoch, or unusable before planning) is turned back
-- into a pending allocation exactly once.

-- The canonical report JSON of every computed report, by its SHA-256. A plan is built from the
-- document whose hash the operator approved, never from the mutable `allocations` rows.
CREATE TABLE report_documents (
    month           TEXT        NOT NULL CHECK (month ~ '^[0-9]{4}-[0-9]{2}$'),
    report_sha256   TEXT        NOT NULL,
    canonical_json  BYTEA       NOT NULL,
    computed_at     TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (month, report_sha256)
);

ALTER TABLE payout_epochs
    -- sha256("stk:plan:v1" || …) in hex: what `open_epoch` commits and the admin approves.
    -- NULL only for plans written before this migration.
    ADD COLUMN plan_hash TEXT,
    ADD COLUMN approve_signature TEXT,
    -- Set in the same transaction that turns the unpaid recipients of the closed epoch into
    -- pending allocations, so that happens once.
    ADD COLUMN unpaid_carried BOOLEAN NOT NULL DEFAULT false,
    ADD COLUMN recipients_skipped INTEGER NOT NULL DEFAULT 0,
    ADD COLUMN amount_carried BIGINT NOT NULL DEFAULT 0;

-- 'proposed': opened on-chain, waiting for the admin's `approve_epoch`;
-- 'empty': nothing payable, completed without touching the chain.
ALTER TABLE payout_epochs DROP CONSTRAINT payout_epochs_state_check;
ALTER TABLE payout_epochs ADD CONSTRAINT payout_epochs_state_check
    CHECK (state IN ('planned', 'proposed', 'open', 'closed', 'empty'));

ALTER TABLE payout_batches
    -- The batch's Merkle root (hex) over its recipients, as committed in the plan.
    ADD COLUMN root TEXT,
    -- Transactions of this batch that failed on-chain (transport errors and expiries are not
    -- failures: they do not count toward giving up).
    ADD COLUMN failures INTEGER NOT NULL DEFAULT 0;

ALTER TABLE payout_recipients
    -- Not paid by the closed epoch (skipped on-chain, or its batch never paid); carried back
    -- into `pending_allocations`.
    ADD COLUMN carried BOOLEAN NOT NULL DEFAULT false;

-- Recipients left out of a plan because their wallet or token account is unusable; their
-- amount is carried as a pending allocation of the month.
CREATE TABLE payout_exclusions (
    month       TEXT   NOT NULL,
    member_id   BIGINT NOT NULL,
    wallet      TEXT   NOT NULL,
    amount      BIGINT NOT NULL CHECK (amount > 0),
    reason      TEXT   NOT NULL,
    PRIMARY KEY (month, member_id)
);

-- Why an allocation is pending when it is not "no valid wallet" (e.g. skipped on-chain).
ALTER TABLE pending_allocations ADD COLUMN reason TEXT;
