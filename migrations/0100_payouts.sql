-- Payout state of the distributor (part 2). The plan of a month is written here before the
-- first transaction is sent and never recomputed once written.

CREATE TABLE payout_epochs (
    month            TEXT PRIMARY KEY,               -- YYYY-MM
    month_id         INTEGER     NOT NULL,           -- stk_common::calendar::MonthId
    report_sha256    TEXT        NOT NULL,           -- hex, recorded on-chain by open_epoch
    total            BIGINT      NOT NULL CHECK (total >= 0),  -- net base units members receive
    batch_count      INTEGER     NOT NULL CHECK (batch_count >= 0),
    state            TEXT        NOT NULL DEFAULT 'planned'
                     CHECK (state IN ('planned', 'open', 'closed')),
    open_signature   TEXT,
    close_signature  TEXT,
    created_at       TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at       TIMESTAMPTZ NOT NULL DEFAULT now()
);

CREATE TABLE payout_batches (
    month                    TEXT    NOT NULL REFERENCES payout_epochs (month),
    batch_index              INTEGER NOT NULL CHECK (batch_index >= 0),
    total                    BIGINT  NOT NULL CHECK (total >= 0),
    state                    TEXT    NOT NULL DEFAULT 'planned'
                             CHECK (state IN ('planned', 'sent', 'confirmed')),
    -- The latest signature and the last block height at which it can land. Written BEFORE
    -- the transaction is sent (write-ahead), so an unknown outcome is always on record.
    signature                TEXT,
    last_valid_block_height  BIGINT,
    attempts                 INTEGER NOT NULL DEFAULT 0,
    last_error               TEXT,
    updated_at               TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (month, batch_index)
);

CREATE TABLE payout_recipients (
    month          TEXT    NOT NULL,
    batch_index    INTEGER NOT NULL,
    position       INTEGER NOT NULL CHECK (position >= 0),
    member_id      BIGINT  NOT NULL,
    wallet         TEXT    NOT NULL,
    token_account  TEXT    NOT NULL,
    amount         BIGINT  NOT NULL CHECK (amount > 0),
    PRIMARY KEY (month, batch_index, position),
    UNIQUE (month, member_id),
    FOREIGN KEY (month, batch_index) REFERENCES payout_batches (month, batch_index)
);

-- Operator approvals (`distributor approve --month`), required when `require_approval = true`.
CREATE TABLE payout_approvals (
    month        TEXT PRIMARY KEY,
    report_sha256 TEXT NOT NULL,       -- the report the operator saw and approved
    approved_by  TEXT NOT NULL,
    approved_at  TIMESTAMPTZ NOT NULL DEFAULT now()
);
