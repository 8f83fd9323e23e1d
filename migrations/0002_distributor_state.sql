-- The distributor's own tables. Everything here is derived from the contract tables and the
-- configuration by `distributor report`, and recomputed (replaced) on every run for a month
-- until that month's report is frozen. Months are 'YYYY-MM' text (ordered as text).

-- One row per computed month: the epoch a payout (part 2) will execute. Once `frozen`, the
-- report, its allocations and its pending rows are immutable and `report_sha256` is what
-- goes on-chain with the epoch.
CREATE TABLE monthly_reports (
    month            TEXT PRIMARY KEY CHECK (month ~ '^[0-9]{4}-[0-9]{2}$'),
    config_sha256    TEXT    NOT NULL,
    report_sha256    TEXT    NOT NULL,
    pool             BIGINT  NOT NULL CHECK (pool >= 0),
    allocated_total  BIGINT  NOT NULL CHECK (allocated_total >= 0),
    payable_total    BIGINT  NOT NULL CHECK (payable_total >= 0),
    pending_total    BIGINT  NOT NULL CHECK (pending_total >= 0),
    members_credited INTEGER NOT NULL,
    quarantined      INTEGER NOT NULL,
    frozen           BOOLEAN NOT NULL DEFAULT false,
    computed_at      TIMESTAMPTZ NOT NULL DEFAULT now()
);

-- Per member and month: the credit, this month's allocation, the pending amount carried in
-- and, if the member has a valid wallet, what the payout must transfer (`payable`).
-- Part 2 plans payout batches over the rows with payable > 0.
CREATE TABLE allocations (
    month       TEXT    NOT NULL REFERENCES monthly_reports (month) ON DELETE CASCADE,
    member_id   BIGINT  NOT NULL,
    credit      BIGINT  NOT NULL CHECK (credit >= 0),
    allocation  BIGINT  NOT NULL CHECK (allocation >= 0),
    pending_in  BIGINT  NOT NULL CHECK (pending_in >= 0),
    payable     BIGINT  NOT NULL CHECK (payable >= 0),
    wallet      TEXT,
    PRIMARY KEY (month, member_id)
);

-- Allocations of members without a valid wallet. Carried month to month (never lost) and
-- settled into the first month whose report finds a valid wallet.
CREATE TABLE pending_allocations (
    member_id      BIGINT NOT NULL,
    origin_month   TEXT   NOT NULL,
    amount         BIGINT NOT NULL CHECK (amount > 0),
    settled_month  TEXT,
    PRIMARY KEY (member_id, origin_month),
    CHECK (settled_month IS NULL OR settled_month > origin_month)
);
CREATE INDEX pending_allocations_open ON pending_allocations (member_id) WHERE settled_month IS NULL;

-- The weekly rank walk of every member over the weeks that touch the month.
CREATE TABLE weekly_ranks (
    month        TEXT     NOT NULL REFERENCES monthly_reports (month) ON DELETE CASCADE,
    member_id    BIGINT   NOT NULL,
    week_start   DATE     NOT NULL,
    rank_start   SMALLINT NOT NULL,
    rank_end     SMALLINT NOT NULL,
    paid_days    SMALLINT NOT NULL,
    active_days  SMALLINT NOT NULL,
    PRIMARY KEY (month, member_id, week_start)
);

-- Input rows the distributor refused for a month, with the reason. Nothing is dropped silently.
CREATE TABLE quarantined_inputs (
    month         TEXT   NOT NULL REFERENCES monthly_reports (month) ON DELETE CASCADE,
    source_table  TEXT   NOT NULL,
    source_id     BIGINT NOT NULL,
    member_id     BIGINT,
    reason        TEXT   NOT NULL,
    detail        TEXT   NOT NULL DEFAULT '',
    PRIMARY KEY (month, source_table, source_id, reason)
);
