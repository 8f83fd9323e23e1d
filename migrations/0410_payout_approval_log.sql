-- Every approval ever given (`distributor approve`), never rewritten: `payout_approvals` holds
-- the one in force per month (a later approval of a recomputed report replaces it), this log
-- keeps who approved which report and when, in order.
CREATE TABLE payout_approval_log (
    id            BIGSERIAL PRIMARY KEY,
    month         TEXT        NOT NULL,
    report_sha256 TEXT        NOT NULL,
    approved_by   TEXT        NOT NULL,
    approved_at   TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX payout_approval_log_month ON payout_approval_log (month, id);

-- The approvals in force when this migration runs are the first entries.
INSERT INTO payout_approval_log (month, report_sha256, approved_by, approved_at)
SELECT month, report_sha256, approved_by, approved_at FROM payout_approvals ORDER BY approved_at;
