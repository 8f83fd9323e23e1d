-- The treasury's published quarterly quotes (stk_treasury `QuarterQuote`), captured from the
-- chain by the service (distributor/src/ops/quote.rs `capture`) so that a monthly report can
-- show the quote history from the same database snapshot as everything else it reads: the
-- report stays a function of the database. A published quote never changes on-chain, so a row
-- is written once and never updated.
CREATE TABLE quarter_quotes (
    quarter             INTEGER PRIMARY KEY CHECK (quarter >= 0),
    budget              BIGINT   NOT NULL,
    backing_bps         INTEGER  NOT NULL,
    backing             BIGINT   NOT NULL,
    receipts_recognized BIGINT   NOT NULL,
    cumulative_backing  BIGINT   NOT NULL,
    tokens_issued       BIGINT   NOT NULL,
    -- Fiat units per whole STK × 1e9 (stk_common::fixed).
    price               BIGINT   NOT NULL,
    fiat_decimals       SMALLINT NOT NULL
);
