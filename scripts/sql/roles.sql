-- Database roles of an STK deployment. NOT a migration: roles are cluster-wide objects and
-- their logins are the operator's business. Apply it once per database, after
-- `distributor migrate`, as a superuser or the owner of the schema:
--
--     psql "$DATABASE_URL" -v ON_ERROR_STOP=1 -f scripts/sql/roles.sql
--     psql "$DATABASE_URL" -c "ALTER ROLE aisystant LOGIN PASSWORD '…'"   -- or GRANT aisystant TO <login role>
--
-- Re-running it is harmless (it resets the role's table privileges to exactly the contract).
--
-- `aisystant`: the community's assistant. It reads and writes the integration contract
-- (migrations/0001_aisystant_contract.sql) and has no privilege on anything else: the
-- distributor's tables (reports, allocations, walks, payouts, approvals, lookup tables, the
-- migration history) are refused, and so is every table a later migration adds, since
-- nothing is granted by default. It cannot DELETE or TRUNCATE contract rows either.
--
-- The distributor itself connects as the role that ran the migrations (the schema's owner).

DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'aisystant') THEN
        CREATE ROLE aisystant NOLOGIN;
    END IF;
END
$$;

-- Start from nothing, then grant exactly the contract.
REVOKE ALL ON ALL TABLES IN SCHEMA public FROM aisystant;
REVOKE ALL ON ALL SEQUENCES IN SCHEMA public FROM aisystant;
GRANT USAGE ON SCHEMA public TO aisystant;

GRANT SELECT, INSERT, UPDATE
    ON members, subscriptions, qualification_grants, wallets, activity_events,
       activity_event_duplicates
    TO aisystant;
-- The BIGSERIAL ids of the contract tables. (activity_event_duplicates is filled by the
-- insert trigger on activity_events, which runs with the inserting role's privileges.)
GRANT USAGE
    ON SEQUENCE subscriptions_id_seq, qualification_grants_id_seq, wallets_id_seq,
       activity_events_id_seq, activity_event_duplicates_id_seq
    TO aisystant;
