-- Wallet linking from the members' app (`distributor serve`, Sign-In-With-Solana style): one row
-- per challenge handed to a member's page. The page has the member's wallet sign `message`;
-- `POST /api/link` verifies that signature against `address` and, in one transaction, marks the
-- row used and writes the `wallets` row. A used, expired or unknown nonce links nothing.
CREATE TABLE wallet_link_nonces (
    nonce       TEXT        PRIMARY KEY,
    member_id   BIGINT      NOT NULL REFERENCES members (id),
    -- The wallet the challenge was issued for (base58): the message names it.
    address     TEXT        NOT NULL,
    -- The exact text the wallet signs (domain, address, nonce, issued-at, expiry).
    message     TEXT        NOT NULL,
    issued_at   TIMESTAMPTZ NOT NULL,
    expires_at  TIMESTAMPTZ NOT NULL,
    -- Set once, by the link that consumed it: a second use is a replay.
    used_at     TIMESTAMPTZ,
    -- The `wallets` row the link wrote (NULL when the wallet was already the one in force).
    wallet_id   BIGINT      REFERENCES wallets (id),
    CHECK (expires_at > issued_at)
);
CREATE INDEX wallet_link_nonces_expiry ON wallet_link_nonces (expires_at) WHERE used_at IS NULL;
