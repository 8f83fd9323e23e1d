-- Where the next month's rank walk resumes. A report stores, for every member who joined
-- before the first week of the following month, the rank held at the start of that week
-- (`checkpoint_week`, a Monday). A later report resumes from the latest *frozen* month
-- computed with the same configuration, so it reads the events since that week instead of
-- all history; frozen months never change, so neither does what resumes from them.
-- Reports computed before this migration have no checkpoints (`checkpoint_week` NULL).
ALTER TABLE monthly_reports ADD COLUMN checkpoint_week DATE;

CREATE TABLE rank_checkpoints (
    month      TEXT     NOT NULL REFERENCES monthly_reports (month) ON DELETE CASCADE,
    member_id  BIGINT   NOT NULL,
    rank       SMALLINT NOT NULL CHECK (rank >= 1),
    PRIMARY KEY (month, member_id)
);
