//! Redaction of endpoint URLs for logs and error messages.
//!
//! RPC providers put API keys in the URL: in the query (`?api-key=…`), in the path
//! (`/v2/<key>`, `/<token>/`) or as user info (`user:pass@`). Only the scheme, host and port
//! are kept; anything after them is replaced by `…`, so a log line or an error stored in
//! Postgres never carries a key, while still naming the node.

/// `scheme://host[:port]`, followed by `/…` when the URL had a path, query or fragment
/// beyond `/`. User info is dropped. Text that is not `scheme://…` is masked entirely.
pub fn url(text: &str) -> String {
    let Some((scheme, rest)) = text.split_once("://") else {
        return "…".into();
    };
    if scheme.is_empty() || !scheme.chars().all(|c| c.is_ascii_alphanumeric() || "+.-".contains(c))
    {
        return "…".into();
    }
    let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let (authority, tail) = rest.split_at(end);
    // User info ends at the last `@` of the authority (a password may contain `@` escaped,
    // never a raw `/`, `?` or `#`).
    let host = authority.rsplit_once('@').map_or(authority, |(_, host)| host);
    let mut out = format!("{scheme}://{host}");
    if !(tail.is_empty() || tail == "/") {
        out.push_str("/…");
    }
    out
}

/// `text` with every `http(s)://` or `ws(s)://` URL in it redacted by [`url`] (for error
/// messages of HTTP clients, which quote the URL they called).
pub fn urls_in(text: &str) -> String {
    const SCHEMES: [&str; 4] = ["https://", "http://", "wss://", "ws://"];
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    loop {
        let next = SCHEMES.iter().filter_map(|s| rest.find(s)).min();
        let Some(start) = next else {
            out.push_str(rest);
            return out;
        };
        out.push_str(&rest[..start]);
        let tail = &rest[start..];
        let len =
            tail.find(|c: char| c.is_whitespace() || "()<>\"'`".contains(c)).unwrap_or(tail.len());
        out.push_str(&url(&tail[..len]));
        rest = &tail[len..];
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_scheme_host_and_port_only() {
        assert_eq!(url("http://127.0.0.1:8899"), "http://127.0.0.1:8899");
        assert_eq!(url("http://127.0.0.1:8899/"), "http://127.0.0.1:8899");
        assert_eq!(
            url("https://mainnet.helius-rpc.com/?api-key=0123-secret"),
            "https://mainnet.helius-rpc.com/…"
        );
        assert_eq!(
            url("https://solana-mainnet.g.alchemy.com/v2/SECRETKEY"),
            "https://solana-mainnet.g.alchemy.com/…"
        );
        assert_eq!(url("https://x.quiknode.pro/SECRET/"), "https://x.quiknode.pro/…");
        assert_eq!(
            url("https://user:SECRET@rpc.example.com:443/x"),
            "https://rpc.example.com:443/…"
        );
        assert_eq!(url("https://rpc.example.com#SECRET"), "https://rpc.example.com/…");
        assert_eq!(url("rpc.example.com/SECRET"), "…");
        assert_eq!(url("://SECRET"), "…");
    }

    #[test]
    fn redacts_every_url_in_a_message() {
        let message = "getLatestBlockhash: error sending request for url \
            (https://rpc.example.com/?api-key=SECRET): connection refused; \
            retried http://u:SECRET@10.0.0.1:8899/SECRET2 and wss://n.example/ws?token=SECRET3";
        let redacted = urls_in(message);
        assert!(!redacted.contains("SECRET"), "{redacted}");
        assert_eq!(
            redacted,
            "getLatestBlockhash: error sending request for url \
            (https://rpc.example.com/…): connection refused; \
            retried http://10.0.0.1:8899/… and wss://n.example/…"
        );
        assert_eq!(urls_in("no url here"), "no url here");
    }
}
