//! The token metadata JSON that wallets (Phantom, Solflare) fetch from the URI stored in the
//! STK mint: `name`, `symbol`, `description`, `image`. The repository ships the one operators
//! host (`assets/stk.json`, with `assets/logo.svg` and `assets/logo-512.png`); `distributor
//! init` fetches `--metadata-uri` first and refuses a JSON whose name or symbol differ from the
//! mint's ([`stk_common::TOKEN_NAME`], [`stk_common::TOKEN_SYMBOL`]), and says so — without
//! stopping — when the URI cannot be read (hosting often comes after deployment).
use serde::Deserialize;
use std::time::Duration;

/// How long `init` waits for the metadata URI.
pub const FETCH_TIMEOUT: Duration = Duration::from_secs(5);

/// The fields wallets read.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
pub struct TokenJson {
    pub name: String,
    pub symbol: String,
    pub description: String,
    pub image: String,
}

#[derive(Debug, Clone, thiserror::Error, PartialEq, Eq)]
pub enum MetadataError {
    #[error("the metadata is not the JSON wallets read (name, symbol, description, image): {0}")]
    Format(String),
    #[error("the metadata's {field} is {found:?}, but the mint's is {expected:?}")]
    Mismatch { field: &'static str, found: String, expected: &'static str },
    #[error("the metadata's {0} is empty")]
    Empty(&'static str),
    #[error("the metadata's image {0:?} is not an http(s) URL wallets can load")]
    Image(String),
}

/// Checks a metadata JSON against the mint's name and symbol and the fields wallets need.
pub fn check_token_json(text: &str) -> Result<TokenJson, MetadataError> {
    let json: TokenJson =
        serde_json::from_str(text).map_err(|e| MetadataError::Format(e.to_string()))?;
    for (field, found, expected) in [
        ("name", &json.name, stk_common::TOKEN_NAME),
        ("symbol", &json.symbol, stk_common::TOKEN_SYMBOL),
    ] {
        if found != expected {
            return Err(MetadataError::Mismatch { field, found: found.clone(), expected });
        }
    }
    if json.description.trim().is_empty() {
        return Err(MetadataError::Empty("description"));
    }
    if !(json.image.starts_with("https://") || json.image.starts_with("http://")) {
        return Err(MetadataError::Image(json.image.clone()));
    }
    Ok(json)
}

/// What the pre-`init` check found at the URI.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UriCheck {
    /// Served a valid JSON with the mint's name and symbol.
    Matches(TokenJson),
    /// Served something wrong: `init` stops.
    Wrong(MetadataError),
    /// Could not be read (down, not hosted yet, not http(s)): `init` goes on and says so.
    Unreachable(String),
}

/// Fetches `uri` (http or https, within `timeout`) and checks what it serves.
pub async fn check_uri(uri: &str, timeout: Duration) -> UriCheck {
    if !(uri.starts_with("https://") || uri.starts_with("http://")) {
        return UriCheck::Unreachable(format!("{uri:?} is not an http(s) URI; not checked"));
    }
    let client = match reqwest::Client::builder().timeout(timeout).build() {
        Ok(c) => c,
        Err(e) => return UriCheck::Unreachable(format!("no HTTP client: {e}")),
    };
    let response = match client.get(uri).send().await {
        Ok(r) => r,
        Err(e) => return UriCheck::Unreachable(format!("{uri}: {e}")),
    };
    let status = response.status();
    if !status.is_success() {
        return UriCheck::Unreachable(format!("{uri} answered HTTP {status}"));
    }
    match response.text().await {
        Ok(text) => match check_token_json(&text) {
            Ok(json) => UriCheck::Matches(json),
            Err(e) => UriCheck::Wrong(e),
        },
        Err(e) => UriCheck::Unreachable(format!("{uri}: {e}")),
    }
}

/// The check `init` runs before sending anything: an error when the URI serves wrong
/// metadata; the message to print otherwise.
pub async fn preflight(uri: &str) -> Result<String, MetadataError> {
    match check_uri(uri, FETCH_TIMEOUT).await {
        UriCheck::Matches(json) => {
            Ok(format!("metadata at {uri}: {} ({}), image {}", json.name, json.symbol, json.image))
        }
        UriCheck::Wrong(e) => Err(e),
        UriCheck::Unreachable(why) => Ok(format!(
            "WARNING: could not read the metadata at {uri} ({why}); wallets will show no name \
             or logo until it serves assets/stk.json (fix later with update_metadata_uri)"
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str =
        r#"{"name":"SysTok","symbol":"STK","description":"d","image":"https://x/logo-512.png"}"#;

    #[test]
    fn accepts_the_mints_name_and_symbol_with_the_fields_wallets_read() {
        assert_eq!(check_token_json(GOOD).unwrap().symbol, "STK");
    }

    #[test]
    fn refuses_another_name_or_symbol_and_missing_fields() {
        let wrong = GOOD.replace("\"STK\"", "\"STKX\"");
        assert_eq!(
            check_token_json(&wrong),
            Err(MetadataError::Mismatch { field: "symbol", found: "STKX".into(), expected: "STK" })
        );
        let wrong = GOOD.replace("SysTok", "Systok");
        assert!(matches!(
            check_token_json(&wrong),
            Err(MetadataError::Mismatch { field: "name", .. })
        ));
        let missing = r#"{"name":"SysTok","symbol":"STK","image":"https://x/l.png"}"#;
        assert!(matches!(check_token_json(missing), Err(MetadataError::Format(_))));
        let relative = GOOD.replace("https://x/logo-512.png", "logo-512.png");
        assert!(matches!(check_token_json(&relative), Err(MetadataError::Image(_))));
        assert!(matches!(check_token_json("<html>"), Err(MetadataError::Format(_))));
    }
}
