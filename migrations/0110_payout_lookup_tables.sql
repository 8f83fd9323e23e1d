-- Lookup-table payouts (issue #8). The transaction form and batch size of a month's payout are
-- fixed when its plan is written; the lookup tables of the month, their on-chain addresses and
-- the in-flight create/extend transaction are recorded before anything is sent.

ALTER TABLE payout_epochs
    -- 'legacy': legacy transactions, every account a full key;
    -- 'lookup_table': v0 transactions resolving accounts through the month's lookup tables.
    ADD COLUMN tx_form TEXT NOT NULL DEFAULT 'legacy' CHECK (tx_form IN ('legacy', 'lookup_table')),
    -- Largest batch of the plan (informational; the batches themselves are the plan).
    ADD COLUMN recipients_per_batch INTEGER,
    -- 'lookup_table' only: consecutive batches sharing one table (a table holds 256 addresses).
    ADD COLUMN batches_per_table INTEGER CHECK (batches_per_table IS NULL OR batches_per_table > 0);

CREATE TABLE payout_lookup_tables (
    month                    TEXT    NOT NULL REFERENCES payout_epochs (month),
    table_index              INTEGER NOT NULL CHECK (table_index >= 0),
    -- The table's address, derived from the authority (the distributor key) and recent_slot.
    -- Written BEFORE the create transaction is sent; replaced only once that transaction can
    -- no longer land and the account does not exist (so no table is ever orphaned).
    address                  TEXT    NOT NULL,
    authority                TEXT    NOT NULL,
    recent_slot              BIGINT  NOT NULL CHECK (recent_slot >= 0),
    create_attempts          INTEGER NOT NULL DEFAULT 0,
    -- The create or extend transaction that may still land (write-ahead, like batches).
    pending_signature        TEXT,
    pending_last_valid_block_height BIGINT,
    -- Addresses the table holds on-chain as last read (the chain is the final word).
    addresses_extended       INTEGER NOT NULL DEFAULT 0,
    state                    TEXT    NOT NULL DEFAULT 'creating'
                             CHECK (state IN ('creating', 'ready', 'deactivated', 'closed')),
    updated_at               TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (month, table_index)
);
