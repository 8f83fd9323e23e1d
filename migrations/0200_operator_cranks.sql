-- The service's periodic operator cranks (distributor/src/ops/cranks.rs): when each last ran,
-- so the cadence survives restarts.
CREATE TABLE operator_cranks (
    name        TEXT PRIMARY KEY,
    -- Unix seconds of the service's clock at the last completed run.
    last_run_at BIGINT NOT NULL
);
