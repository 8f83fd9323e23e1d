-- The integration contract: the tables Aisystant (the community's assistant) writes and the
-- distributor only reads. Operators whose Aisystant schema differs map it onto these names
-- with views. Amounts never appear here; times are timestamptz; the community's days, weeks
-- and months are cut in the configured time zone by the distributor.

-- Everyone known to Aisystant: paying members and free users alike (a free user is a member
-- row without a covering subscription).
CREATE TABLE members (
    id            BIGINT PRIMARY KEY,
    display_name  TEXT        NOT NULL DEFAULT '',
    joined_at     TIMESTAMPTZ NOT NULL
);

-- Paid "Infinite development" periods, as local calendar dates, both ends inclusive.
CREATE TABLE subscriptions (
    id         BIGSERIAL PRIMARY KEY,
    member_id  BIGINT NOT NULL REFERENCES members (id),
    starts_on  DATE   NOT NULL,
    ends_on    DATE   NOT NULL,
    CHECK (ends_on >= starts_on)
);
CREATE INDEX subscriptions_member ON subscriptions (member_id);

-- Qualifications granted by the community (never revoked). `qualification` is a ladder name
-- from the configuration; unknown names are quarantined.
CREATE TABLE qualification_grants (
    id             BIGSERIAL PRIMARY KEY,
    member_id      BIGINT      NOT NULL REFERENCES members (id),
    qualification  TEXT        NOT NULL,
    granted_at     TIMESTAMPTZ NOT NULL
);
CREATE INDEX qualification_grants_member ON qualification_grants (member_id);

-- Wallet registrations; a member's latest row (by registered_at, id) is the wallet in force.
CREATE TABLE wallets (
    id             BIGSERIAL PRIMARY KEY,
    member_id      BIGINT      NOT NULL REFERENCES members (id),
    address        TEXT        NOT NULL,
    registered_at  TIMESTAMPTZ NOT NULL
);
CREATE INDEX wallets_member ON wallets (member_id, registered_at, id);

-- Activity. No foreign key on member_id on purpose: an event for an unknown member is
-- quarantined by the distributor (with a reason, counted in the report), not lost by a
-- failed insert. `recorded_at` is when Aisystant wrote the row; an event that claims to have
-- happened after it was recorded (beyond the configured skew) is quarantined as "future".
CREATE TABLE activity_events (
    id               BIGSERIAL PRIMARY KEY,
    member_id        BIGINT      NOT NULL,
    action_type      TEXT        NOT NULL,
    category         TEXT        NOT NULL,
    occurred_at      TIMESTAMPTZ NOT NULL,
    recorded_at      TIMESTAMPTZ NOT NULL DEFAULT now(),
    source           TEXT        NOT NULL,
    idempotency_key  TEXT        NOT NULL,
    payload          JSONB       NOT NULL DEFAULT '{}'::jsonb,
    CONSTRAINT activity_events_idempotency_key UNIQUE (idempotency_key)
);
CREATE INDEX activity_events_occurred_at ON activity_events (occurred_at);

-- A second insert with an idempotency key already present is not an error for Aisystant and
-- is not silently dropped: the trigger below diverts it here, where the distributor
-- quarantines and counts it. (Two racing inserts of the same new key: the loser gets a
-- unique violation and retries, which then lands here.)
CREATE TABLE activity_event_duplicates (
    id                 BIGSERIAL PRIMARY KEY,
    original_event_id  BIGINT      NOT NULL,
    member_id          BIGINT      NOT NULL,
    action_type        TEXT        NOT NULL,
    category           TEXT        NOT NULL,
    occurred_at        TIMESTAMPTZ NOT NULL,
    recorded_at        TIMESTAMPTZ NOT NULL,
    source             TEXT        NOT NULL,
    idempotency_key    TEXT        NOT NULL,
    payload            JSONB       NOT NULL
);
CREATE INDEX activity_event_duplicates_occurred_at ON activity_event_duplicates (occurred_at);

CREATE FUNCTION divert_duplicate_activity_event() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    original BIGINT;
BEGIN
    SELECT id INTO original FROM activity_events WHERE idempotency_key = NEW.idempotency_key;
    IF original IS NULL THEN
        RETURN NEW;
    END IF;
    INSERT INTO activity_event_duplicates (original_event_id, member_id, action_type, category,
        occurred_at, recorded_at, source, idempotency_key, payload)
    VALUES (original, NEW.member_id, NEW.action_type, NEW.category, NEW.occurred_at,
        COALESCE(NEW.recorded_at, now()), NEW.source, NEW.idempotency_key,
        COALESCE(NEW.payload, '{}'::jsonb));
    RETURN NULL;
END;
$$;

CREATE TRIGGER activity_events_divert_duplicates
    BEFORE INSERT ON activity_events
    FOR EACH ROW EXECUTE FUNCTION divert_duplicate_activity_event();
