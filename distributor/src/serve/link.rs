//! Linking a wallet to a member, Sign-In-With-Solana style.
//!
//! 1. The page (holding the member token) asks `GET /api/link/nonce?address=W` for the wallet
//!    it connected; the server writes a challenge: a fresh nonce, the exact message (domain,
//!    address, member, nonce, issued-at, expiry) and its expiry.
//! 2. The wallet signs the message (`solana:signMessage`); the page posts
//!    `{nonce, address, signature}` to `POST /api/link`.
//! 3. In one Postgres transaction the server checks the challenge (known, unused, unexpired,
//!    issued for this address), the ed25519 signature over the stored message, the member
//!    (has a subscription) and the wallet (an ordinary on-curve key, not another member's wallet
//!    in force), then marks the nonce used and writes the `wallets` row. Any refusal rolls the
//!    transaction back: nothing is written, and a refused attempt does not burn the nonce.
use super::{rfc3339, ApiError, ServeSettings};
use axum::http::StatusCode;
use chrono::{DateTime, Utc};
use ed25519_dalek::{Signature, VerifyingKey};
use serde::{Deserialize, Serialize};
use sqlx::{PgConnection, PgPool};

/// Serializes links (two members racing for one wallet): one advisory lock key.
const LINK_LOCK: i64 = 0x5354_4b5f_4c49_4e4b; // "STK_LINK"

/// The challenge handed to the page.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct NonceReply {
    pub member_id: i64,
    pub address: String,
    pub nonce: String,
    pub domain: String,
    pub message: String,
    pub issued_at: String,
    pub expires_at: String,
}

/// What the page posts back.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct LinkRequest {
    pub nonce: String,
    pub address: String,
    /// The 64-byte ed25519 signature of the message, base58 (as wallets and explorers show it).
    pub signature: String,
}

/// The link made (or confirmed).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct LinkReply {
    pub member_id: i64,
    pub address: String,
    pub registered_at: String,
    /// The `wallets` row written; `None` when this wallet already was the one in force.
    pub wallet_id: Option<i64>,
    pub already_in_force: bool,
}

/// The wallet's verifying key: base58 of 32 bytes that is a point on the ed25519 curve.
/// Program-derived addresses are off the curve by construction: nobody can sign for them and a
/// payout to one could never be moved, so they are refused with their own message.
pub fn wallet_key(address: &str) -> Result<VerifyingKey, ApiError> {
    let pubkey = crate::wallet::parse_wallet(address).map_err(|why| {
        ApiError::bad_request("bad_address", format!("{address:?} is not a Solana address ({why})"))
    })?;
    VerifyingKey::from_bytes(&pubkey.to_bytes()).map_err(|_| {
        ApiError::bad_request(
            "off_curve_address",
            format!(
                "{address} is off the ed25519 curve (a program-derived address): no wallet can \
                 sign for it, link an ordinary wallet"
            ),
        )
    })
}

/// The text the wallet signs (the Sign-In-With-Solana layout, EIP-4361's lines).
pub fn message(
    settings: &ServeSettings,
    address: &str,
    member_id: i64,
    nonce: &str,
    issued_at: DateTime<Utc>,
    expires_at: DateTime<Utc>,
) -> String {
    format!(
        "{domain} wants you to sign in with your Solana account:\n{address}\n\n\
         Link this wallet to STK member {member_id}: the member's STK payouts go to it from the \
         next report on.\n\n\
         URI: {uri}\nVersion: 1\nChain ID: {chain}\nNonce: {nonce}\n\
         Issued At: {issued}\nExpiration Time: {expires}",
        domain = settings.domain(),
        uri = settings.public_url,
        chain = settings.chain.strip_prefix("solana:").unwrap_or(&settings.chain),
        issued = rfc3339(issued_at),
        expires = rfc3339(expires_at),
    )
}

fn random_nonce() -> Result<String, ApiError> {
    let mut bytes = [0u8; 16];
    getrandom::getrandom(&mut bytes).map_err(ApiError::internal)?;
    Ok(hex::encode(bytes))
}

async fn member_exists(conn: &mut PgConnection, member_id: i64) -> Result<(), ApiError> {
    let found: Option<i64> = sqlx::query_scalar("SELECT id FROM members WHERE id = $1")
        .bind(member_id)
        .fetch_optional(&mut *conn)
        .await?;
    match found {
        Some(_) => Ok(()),
        None => Err(ApiError::new(
            StatusCode::NOT_FOUND,
            "unknown_member",
            format!("member {member_id} is not known to the community"),
        )),
    }
}

/// Refuses members who never had a subscription: free users earn nothing, so a wallet would
/// receive nothing. (A member whose subscription lapsed may still be owed pending amounts and
/// may link.)
async fn require_subscription(conn: &mut PgConnection, member_id: i64) -> Result<(), ApiError> {
    let subscribed: bool =
        sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM subscriptions WHERE member_id = $1)")
            .bind(member_id)
            .fetch_one(&mut *conn)
            .await?;
    if subscribed {
        Ok(())
    } else {
        Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "no_subscription",
            format!(
                "member {member_id} has no subscription: STK is earned by subscribed members, \
                 so there is nothing to pay to a wallet"
            ),
        ))
    }
}

/// The member whose wallet in force (latest registration) is `address`, other than `member_id`.
async fn other_holder(
    conn: &mut PgConnection,
    member_id: i64,
    address: &str,
) -> Result<Option<i64>, ApiError> {
    Ok(sqlx::query_scalar(
        "SELECT member_id FROM (
             SELECT DISTINCT ON (member_id) member_id, address FROM wallets
             WHERE member_id IN (SELECT member_id FROM wallets WHERE address = $1)
             ORDER BY member_id, registered_at DESC, id DESC
         ) latest WHERE address = $1 AND member_id <> $2 LIMIT 1",
    )
    .bind(address)
    .bind(member_id)
    .fetch_optional(&mut *conn)
    .await?)
}

/// The wallet in force of a member: `(address, registered_at)`.
pub async fn wallet_in_force(
    conn: &mut PgConnection,
    member_id: i64,
) -> Result<Option<(String, DateTime<Utc>)>, sqlx::Error> {
    sqlx::query_as(
        "SELECT address, registered_at FROM wallets WHERE member_id = $1
         ORDER BY registered_at DESC, id DESC LIMIT 1",
    )
    .bind(member_id)
    .fetch_optional(&mut *conn)
    .await
}

/// Step 1: a challenge for `member_id` and the wallet `address`.
pub async fn issue_nonce(
    pool: &PgPool,
    settings: &ServeSettings,
    member_id: i64,
    address: &str,
) -> Result<NonceReply, ApiError> {
    wallet_key(address)?;
    let mut conn = pool.acquire().await?;
    member_exists(&mut *conn, member_id).await?;
    require_subscription(&mut *conn, member_id).await?;
    let nonce = random_nonce()?;
    // Whole seconds: the message shows them, and the stored times equal what was shown.
    let issued_at = DateTime::<Utc>::from_timestamp(Utc::now().timestamp(), 0).unwrap_or_default();
    let ttl = chrono::Duration::from_std(settings.nonce_ttl)
        .unwrap_or(chrono::Duration::minutes(5))
        .max(chrono::Duration::seconds(1));
    let expires_at = issued_at + ttl;
    let text = message(settings, address, member_id, &nonce, issued_at, expires_at);
    // Challenges never signed are of no use a day after they expired (used ones stay: they
    // record which signed message wrote which wallets row).
    sqlx::query(
        "DELETE FROM wallet_link_nonces WHERE used_at IS NULL AND expires_at < now() - interval '1 day'",
    )
    .execute(&mut *conn)
    .await?;
    sqlx::query(
        "INSERT INTO wallet_link_nonces (nonce, member_id, address, message, issued_at, expires_at)
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(&nonce)
    .bind(member_id)
    .bind(address)
    .bind(&text)
    .bind(issued_at)
    .bind(expires_at)
    .execute(&mut *conn)
    .await?;
    tracing::info!(member = member_id, wallet = %address, "wallet link challenge issued");
    Ok(NonceReply {
        member_id,
        address: address.to_string(),
        nonce,
        domain: settings.domain(),
        message: text,
        issued_at: rfc3339(issued_at),
        expires_at: rfc3339(expires_at),
    })
}

fn signature_of(text: &str) -> Result<Signature, ApiError> {
    let bad =
        || ApiError::bad_request("bad_signature_format", "the signature is not base58 of 64 bytes");
    let bytes = bs58::decode(text.trim()).into_vec().map_err(|_| bad())?;
    let bytes: [u8; 64] = bytes.try_into().map_err(|_| bad())?;
    Ok(Signature::from_bytes(&bytes))
}

/// Step 3: verifies and writes the link (see the module documentation).
pub async fn link(pool: &PgPool, request: &LinkRequest) -> Result<LinkReply, ApiError> {
    let key = wallet_key(&request.address)?;
    let signature = signature_of(&request.signature)?;
    let mut tx = pool.begin().await?;
    sqlx::query("SELECT pg_advisory_xact_lock($1)").bind(LINK_LOCK).execute(&mut *tx).await?;
    let row: Option<(i64, String, String, bool, bool)> = sqlx::query_as(
        "SELECT member_id, address, message, used_at IS NOT NULL, expires_at <= now()
         FROM wallet_link_nonces WHERE nonce = $1 FOR UPDATE",
    )
    .bind(request.nonce.trim())
    .fetch_optional(&mut *tx)
    .await?;
    let Some((member_id, address, text, used, expired)) = row else {
        return Err(ApiError::bad_request(
            "unknown_nonce",
            "this link request is unknown: start the link again",
        ));
    };
    if used {
        return Err(ApiError::new(
            StatusCode::CONFLICT,
            "nonce_used",
            "this signed message was already used (a replay): start the link again",
        ));
    }
    if expired {
        return Err(ApiError::bad_request(
            "nonce_expired",
            "this link request expired before it was signed: start the link again",
        ));
    }
    if address != request.address {
        return Err(ApiError::bad_request(
            "address_mismatch",
            format!(
                "the message was issued for wallet {address}, not {}: start the link again",
                request.address
            ),
        ));
    }
    if key.verify_strict(text.as_bytes(), &signature).is_err() {
        return Err(ApiError::new(
            StatusCode::UNAUTHORIZED,
            "bad_signature",
            format!("the signature is not {address}'s signature of the message: nothing linked"),
        ));
    }
    require_subscription(&mut *tx, member_id).await?;
    if let Some(other) = other_holder(&mut *tx, member_id, &address).await? {
        return Err(ApiError::new(
            StatusCode::CONFLICT,
            "wallet_taken",
            format!(
                "wallet {address} is already linked to another member (member {other}): each \
                 wallet receives one member's payouts"
            ),
        ));
    }
    let current = wallet_in_force(&mut *tx, member_id).await?;
    let (wallet_id, registered_at, already) = match current {
        Some((current, at)) if current == address => (None, at, true),
        _ => {
            let (id, at): (i64, DateTime<Utc>) = sqlx::query_as(
                "INSERT INTO wallets (member_id, address, registered_at) VALUES ($1, $2, now())
                 RETURNING id, registered_at",
            )
            .bind(member_id)
            .bind(&address)
            .fetch_one(&mut *tx)
            .await?;
            (Some(id), at, false)
        }
    };
    sqlx::query("UPDATE wallet_link_nonces SET used_at = now(), wallet_id = $2 WHERE nonce = $1")
        .bind(request.nonce.trim())
        .bind(wallet_id)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    tracing::info!(member = member_id, wallet = %address, written = !already, "wallet linked");
    Ok(LinkReply {
        member_id,
        address,
        registered_at: rfc3339(registered_at),
        wallet_id,
        already_in_force: already,
    })
}
