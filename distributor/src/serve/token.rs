//! The member token: how the members' app knows which community account a page belongs to.
//!
//! Aisystant (or the operator, `distributor member-link`) hands a member a link to the app
//! carrying `v1.<member id>.<expiry unix>.<HMAC-SHA256 hex>`, signed with the secret it shares
//! with `distributor serve`. A bare member id would let anyone link their own wallet to someone
//! else's account and receive that member's payouts; the token cannot be forged without the
//! secret, expires (a link found in a browser history later is useless) and needs no table:
//! Aisystant can mint it itself with the same three lines of HMAC.
use hmac::{Hmac, Mac};
use sha2::Sha256;

/// The shortest secret accepted (bytes).
pub const MIN_SECRET_LEN: usize = 32;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TokenError {
    #[error("the member token is missing: open the app from the link the community sent you")]
    Missing,
    #[error("the member token is malformed")]
    Malformed,
    #[error(
        "the member token's signature is wrong: open the app from the link the community sent you"
    )]
    BadSignature,
    #[error("the member token expired: ask the community for a fresh link")]
    Expired,
}

/// The MAC of a token's fields. `None` never happens for HMAC (any key length is accepted);
/// a caller treats it as a signature that does not verify.
fn mac(secret: &[u8], member_id: i64, expires_unix: i64) -> Option<Hmac<Sha256>> {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret).ok()?;
    mac.update(format!("stk-member-token:v1:{member_id}:{expires_unix}").as_bytes());
    Some(mac)
}

/// The token of `member_id`, valid until `expires_unix`.
pub fn issue(secret: &[u8], member_id: i64, expires_unix: i64) -> String {
    let tag = mac(secret, member_id, expires_unix)
        .map(|m| hex::encode(m.finalize().into_bytes()))
        .unwrap_or_default();
    format!("v1.{member_id}.{expires_unix}.{tag}")
}

/// The member a token names, if it is genuine and not expired at `now_unix`.
pub fn check(secret: &[u8], token: &str, now_unix: i64) -> Result<i64, TokenError> {
    let mut parts = token.trim().split('.');
    let (Some("v1"), Some(member), Some(expires), Some(tag), None) =
        (parts.next(), parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(TokenError::Malformed);
    };
    let member_id: i64 = member.parse().map_err(|_| TokenError::Malformed)?;
    let expires_unix: i64 = expires.parse().map_err(|_| TokenError::Malformed)?;
    let tag = hex::decode(tag).map_err(|_| TokenError::Malformed)?;
    // Constant-time comparison.
    mac(secret, member_id, expires_unix)
        .ok_or(TokenError::BadSignature)?
        .verify_slice(&tag)
        .map_err(|_| TokenError::BadSignature)?;
    if now_unix >= expires_unix {
        return Err(TokenError::Expired);
    }
    Ok(member_id)
}

/// The secret from its file (private: mode 600), at least [`MIN_SECRET_LEN`] bytes after
/// trimming surrounding whitespace.
pub fn load_secret(path: &std::path::Path) -> anyhow::Result<Vec<u8>> {
    let text = crate::keypair::read_private(path, "link secret file")?;
    let secret = text.trim().as_bytes().to_vec();
    if secret.len() < MIN_SECRET_LEN {
        anyhow::bail!(
            "the link secret in {} is shorter than {MIN_SECRET_LEN} bytes (e.g. `openssl rand -hex 32 > {}`)",
            path.display(),
            path.display()
        );
    }
    Ok(secret)
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &[u8] = b"0123456789abcdef0123456789abcdef";

    #[test]
    fn a_token_names_its_member_until_it_expires() {
        let t = issue(SECRET, 42, 1_000);
        assert_eq!(check(SECRET, &t, 999), Ok(42));
        assert_eq!(check(SECRET, &t, 1_000), Err(TokenError::Expired));
        assert_eq!(
            check(b"another secret, just as long......", &t, 1),
            Err(TokenError::BadSignature)
        );
    }

    #[test]
    fn edited_tokens_are_refused() {
        let t = issue(SECRET, 42, 1_000);
        let other_member = t.replacen("v1.42.", "v1.43.", 1);
        assert_eq!(check(SECRET, &other_member, 1), Err(TokenError::BadSignature));
        let later = t.replacen(".1000.", ".9000.", 1);
        assert_eq!(check(SECRET, &later, 1), Err(TokenError::BadSignature));
        let extra = format!("{t}.x");
        for junk in ["", "v1.42", "v2.42.1000.00", "v1.x.1000.00", "v1.42.1000.zz", extra.as_str()]
        {
            assert_eq!(check(SECRET, junk, 1), Err(TokenError::Malformed), "{junk}");
        }
    }
}
