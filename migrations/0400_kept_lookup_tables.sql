-- Lookup tables kept across months (issue 18, point 12).
--
-- Until now every month created its own tables (the month's epoch and plan page first, then the
-- recipients of 4 batches) and closed them after the epoch: ≈1,820 create/extend transactions a
-- month for 50,000 members. Members' token accounts rarely change, so the tables now outlive the
-- month: each holds the month-independent accounts of `distribute_batch`, then recipients'
-- token accounts in the order they first needed one. A month extends
-- them with newcomers only; a table none of whose recipients is paid any more is retired
-- (deactivated, then closed with its rent back to the distributor). The month's own accounts
-- (epoch, plan page) are named in the transaction itself.
--
-- Pre-launch change: the per-month tables of 0110 are dropped. An installation that paid months
-- with them closes them with the earlier version (`distributor submit` reclaims them once their
-- epochs are closed) before upgrading.
DROP TABLE payout_lookup_tables;

CREATE TABLE lookup_tables (
    -- Order of creation: newcomers are appended to the newest table with room.
    id                       SERIAL  PRIMARY KEY,
    -- The table's address, derived from the authority (the distributor key) and recent_slot.
    -- NULL while only planned; written BEFORE the create transaction is sent and replaced only
    -- once that transaction can no longer land and the account does not exist.
    address                  TEXT    UNIQUE,
    authority                TEXT,
    recent_slot              BIGINT  CHECK (recent_slot IS NULL OR recent_slot >= 0),
    create_attempts          INTEGER NOT NULL DEFAULT 0,
    -- The create or extend transaction that may still land (write-ahead, like batches).
    pending_signature        TEXT,
    pending_last_valid_block_height BIGINT,
    -- Entries the table holds on-chain as last read (the chain is the final word).
    addresses_extended       INTEGER NOT NULL DEFAULT 0,
    -- 'planned': entries recorded, nothing sent; 'creating'/'extending': a transaction may be in
    -- flight or entries are missing on-chain; 'ready': every entry on-chain; 'retiring': no
    -- recipient of an unfinished or the latest plan uses it, to be deactivated; 'deactivated',
    -- 'closed' (rent returned).
    state                    TEXT    NOT NULL DEFAULT 'planned'
                             CHECK (state IN ('planned', 'creating', 'extending', 'ready', 'retiring', 'deactivated', 'closed')),
    -- The month whose plan first needed the table.
    created_for              TEXT    NOT NULL,
    retired_after            TEXT,
    -- Lamports the table held when last read (its rent), for the month's costs.
    rent_lamports            BIGINT  NOT NULL DEFAULT 0,
    updated_at               TIMESTAMPTZ NOT NULL DEFAULT now()
);

-- A table's entries in on-chain order. Recorded before the transaction that appends them is
-- sent, so the chain always holds a prefix of them.
CREATE TABLE lookup_table_entries (
    table_id   INTEGER NOT NULL REFERENCES lookup_tables (id),
    position   INTEGER NOT NULL CHECK (position >= 0 AND position < 256),
    address    TEXT    NOT NULL,
    PRIMARY KEY (table_id, position)
);
CREATE INDEX lookup_table_entries_address ON lookup_table_entries (address);

-- What paying each month cost, summed over its engine runs (`status`, the report page).
CREATE TABLE payout_costs (
    month                    TEXT    PRIMARY KEY REFERENCES payout_epochs (month),
    runs                     INTEGER NOT NULL DEFAULT 0,
    transactions_sent        BIGINT  NOT NULL DEFAULT 0,
    -- Fees: every lamport the distributor key and the rent payer spent, less the rent they
    -- deposited into accounts that still hold it.
    fee_lamports             BIGINT  NOT NULL DEFAULT 0,
    token_accounts_created   BIGINT  NOT NULL DEFAULT 0,
    -- Rent of the recipients' token accounts created for the month (the members keep it).
    token_account_rent       BIGINT  NOT NULL DEFAULT 0,
    -- Net rent moved into lookup tables (negative when retired tables returned more).
    lookup_table_rent        BIGINT  NOT NULL DEFAULT 0,
    -- Rent of the month's epoch account and plan pages.
    epoch_rent               BIGINT  NOT NULL DEFAULT 0,
    lookup_tables_created    INTEGER NOT NULL DEFAULT 0,
    lookup_table_extensions  INTEGER NOT NULL DEFAULT 0,
    updated_at               TIMESTAMPTZ NOT NULL DEFAULT now()
);

-- Kept tables serve every month: no batches-per-table grouping any more. A month's plan fixes
-- instead whether missing recipients' token accounts are created (the default) or the members
-- stay pending until they create one themselves (`payout.token_accounts = "leave_pending"`).
ALTER TABLE payout_epochs
    DROP COLUMN batches_per_table,
    ADD COLUMN token_accounts TEXT NOT NULL DEFAULT 'create'
        CHECK (token_accounts IN ('create', 'leave_pending'));
