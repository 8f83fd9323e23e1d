//! `distributor serve`: the members' app (`app/`, built with Vite) and its JSON API over
//! Postgres. Read-only except wallet linking; every `/api` request is rate limited per client
//! IP; nothing secret is ever served (the link secret only verifies member tokens).
//!
//! | route | what |
//! |---|---|
//! | `GET /api/config` | the cluster the page talks to: RPC URL, STK mint, program ids |
//! | `GET /api/me` (member token) | the member, the wallet in force for the next payout, months |
//! | `GET /api/link/nonce?address=…` (member token) | a Sign-In-With-Solana message to sign |
//! | `POST /api/link` `{nonce, address, signature}` | verifies the signature, writes `wallets` |
//! | `GET /api/members/{id}/months/{YYYY-MM}` (that member's token) | the month and its proof |
//! | anything else | the built app (`--app-dir`), `index.html` for unknown pages |
//!
//! The member token ([`token`]) is sent as `Authorization: Bearer <token>`.
pub mod assets;
pub mod limit;
pub mod link;
pub mod month;
pub mod token;

use axum::{
    body::Bytes,
    extract::{ConnectInfo, Path, RawQuery, Request, State},
    http::{header, HeaderMap, HeaderValue, StatusCode},
    middleware::{self, Next},
    response::{IntoResponse, Response},
    routing::{get, post},
    Router,
};
use serde::Serialize;
use sqlx::PgPool;
use std::{net::SocketAddr, path::PathBuf, sync::Arc, time::Duration};
use stk_common::calendar::MonthId;

/// What `distributor serve` is configured with.
#[derive(Debug, Clone)]
pub struct ServeSettings {
    /// Where members reach the app (`https://stk.example.org`): its host is the `domain` of
    /// the messages wallets sign, so a wallet can warn about a look-alike site.
    pub public_url: String,
    /// The secret member tokens are signed with (shared with Aisystant).
    pub link_secret: Vec<u8>,
    /// How long a link challenge may wait for its signature.
    pub nonce_ttl: Duration,
    /// `/api` requests allowed per client IP and minute.
    pub requests_per_minute: u32,
    /// The built app (`app/dist`); `None` serves the API only.
    pub app_dir: Option<PathBuf>,
    /// The JSON-RPC URL the page reads the chain from and sends members' transactions to.
    pub rpc_url: String,
    /// The Wallet Standard chain (`solana:mainnet`, `solana:devnet`, `solana:localnet`).
    pub chain: String,
    /// Behind a reverse proxy: the header it puts the client's address in (`x-forwarded-for`,
    /// `x-real-ip`); its rightmost address is the rate limit's key. `None`: the peer address.
    pub client_ip_header: Option<String>,
}

impl ServeSettings {
    /// `host[:port]` of [`ServeSettings::public_url`].
    pub fn domain(&self) -> String {
        let rest = self.public_url.split_once("://").map(|(_, r)| r).unwrap_or(&self.public_url);
        rest.split('/').next().unwrap_or(rest).to_string()
    }
}

/// The shared state of the handlers.
#[derive(Debug)]
pub struct AppState {
    pub pool: PgPool,
    pub settings: ServeSettings,
    pub limiter: limit::RateLimiter,
}

/// A refusal: HTTP status, a stable code for the page and tests, and words for the member.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiError {
    pub status: StatusCode,
    pub code: &'static str,
    pub message: String,
}

impl ApiError {
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        ApiError { status, code, message: message.into() }
    }

    pub fn bad_request(code: &'static str, message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, code, message)
    }

    /// A database failure: logged in full, shown to the member without detail.
    pub fn internal(e: impl std::fmt::Display) -> Self {
        tracing::error!(error = %e, "members' app: request failed");
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            "the server failed; try again later",
        )
    }
}

impl From<sqlx::Error> for ApiError {
    fn from(e: sqlx::Error) -> Self {
        ApiError::internal(e)
    }
}

impl From<token::TokenError> for ApiError {
    fn from(e: token::TokenError) -> Self {
        let code = match e {
            token::TokenError::Missing => "token_missing",
            token::TokenError::Malformed => "token_malformed",
            token::TokenError::BadSignature => "token_invalid",
            token::TokenError::Expired => "token_expired",
        };
        ApiError::new(StatusCode::UNAUTHORIZED, code, e.to_string())
    }
}

#[derive(Serialize)]
struct ErrorBody<'a> {
    error: &'a str,
    message: &'a str,
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        json(self.status, &ErrorBody { error: self.code, message: &self.message })
    }
}

/// A JSON response (serde_json; axum's `json` feature is not built).
pub fn json<T: Serialize>(status: StatusCode, body: &T) -> Response {
    match serde_json::to_vec(body) {
        Ok(bytes) => {
            let mut r = (status, bytes).into_response();
            r.headers_mut()
                .insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
            r
        }
        Err(e) => ApiError::internal(e).into_response(),
    }
}

/// A time as the API shows it: RFC 3339, UTC, whole seconds.
pub fn rfc3339(t: chrono::DateTime<chrono::Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

fn now_unix() -> i64 {
    chrono::Utc::now().timestamp()
}

/// The member named by the request's bearer token.
fn member_of(state: &AppState, headers: &HeaderMap) -> Result<i64, ApiError> {
    let token = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .ok_or(token::TokenError::Missing)?;
    Ok(token::check(&state.settings.link_secret, token, now_unix())?)
}

/// One parameter of a query string (values are base58 or digits: no percent-decoding needed;
/// anything percent-encoded is kept as it is and refused by the parser that reads it).
fn query_param<'a>(query: &'a Option<String>, name: &str) -> Option<&'a str> {
    query.as_deref()?.split('&').find_map(|pair| {
        let (k, v) = pair.split_once('=')?;
        (k == name).then_some(v)
    })
}

#[derive(Serialize)]
struct Programs {
    stk_mint: String,
    stk_treasury: String,
    stk_vesting: String,
    stk_staking: String,
    stk_startup_fund: String,
}

#[derive(Serialize)]
struct PublicConfig<'a> {
    rpc_url: &'a str,
    chain: &'a str,
    domain: String,
    mint: String,
    programs: Programs,
}

async fn config(State(state): State<Arc<AppState>>) -> Response {
    use stk_common::ids;
    let s = &state.settings;
    json(
        StatusCode::OK,
        &PublicConfig {
            rpc_url: &s.rpc_url,
            chain: &s.chain,
            domain: s.domain(),
            mint: stk_common::seeds::find_stk_mint().to_string(),
            programs: Programs {
                stk_mint: ids::STK_MINT.to_string(),
                stk_treasury: ids::STK_TREASURY.to_string(),
                stk_vesting: ids::STK_VESTING.to_string(),
                stk_staking: ids::STK_STAKING.to_string(),
                stk_startup_fund: ids::STK_STARTUP_FUND.to_string(),
            },
        },
    )
}

async fn me(State(state): State<Arc<AppState>>, headers: HeaderMap) -> Result<Response, ApiError> {
    let member = member_of(&state, &headers)?;
    Ok(json(StatusCode::OK, &month::member_summary(&state.pool, member).await?))
}

async fn link_nonce(
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Result<Response, ApiError> {
    let member = member_of(&state, &headers)?;
    let address = query_param(&query, "address").ok_or_else(|| {
        ApiError::bad_request("address_missing", "connect a wallet first: no address given")
    })?;
    let reply = link::issue_nonce(&state.pool, &state.settings, member, address).await?;
    Ok(json(StatusCode::OK, &reply))
}

async fn link_post(State(state): State<Arc<AppState>>, body: Bytes) -> Result<Response, ApiError> {
    let request: link::LinkRequest = serde_json::from_slice(&body).map_err(|e| {
        ApiError::bad_request("bad_request", format!("expected {{nonce, address, signature}}: {e}"))
    })?;
    let reply = link::link(&state.pool, &request).await?;
    Ok(json(StatusCode::OK, &reply))
}

async fn member_month(
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
    Path((id, month)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    let member = member_of(&state, &headers)?;
    let id: i64 = id
        .parse()
        .map_err(|_| ApiError::bad_request("bad_member", format!("{id:?} is not a member id")))?;
    if id != member {
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "other_member",
            format!("this link is for member {member}, not {id}"),
        ));
    }
    let month_id = MonthId::parse(&month)
        .ok_or_else(|| ApiError::bad_request("bad_month", format!("{month:?} is not YYYY-MM")))?;
    Ok(json(StatusCode::OK, &month::month_view(&state.pool, member, month_id).await?))
}

/// The client's address: the peer, or the rightmost address of the configured proxy header
/// (what the trusted proxy itself appended; anything left of it is the client's to forge).
fn client_ip(settings: &ServeSettings, peer: SocketAddr, headers: &HeaderMap) -> std::net::IpAddr {
    settings
        .client_ip_header
        .as_deref()
        .and_then(|name| headers.get(name))
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.rsplit(',').next())
        .and_then(|ip| ip.trim().parse().ok())
        .unwrap_or(peer.ip())
}

/// Refuses a client over its per-minute budget with 429 and `Retry-After`.
async fn rate_limited(
    State(state): State<Arc<AppState>>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    request: Request,
    next: Next,
) -> Response {
    let ip = client_ip(&state.settings, peer, request.headers());
    match state.limiter.check(ip, std::time::Instant::now()) {
        Ok(()) => {
            let mut response = next.run(request).await;
            response
                .headers_mut()
                .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
            response
        }
        Err(retry_after) => {
            let mut response = ApiError::new(
                StatusCode::TOO_MANY_REQUESTS,
                "rate_limited",
                format!("too many requests from this address; try again in {retry_after} s"),
            )
            .into_response();
            if let Ok(v) = HeaderValue::from_str(&retry_after.to_string()) {
                response.headers_mut().insert(header::RETRY_AFTER, v);
            }
            response
        }
    }
}

/// Headers of every response: no sniffing, no framing, and a content security policy that
/// lets the page talk to this server and the configured RPC node only.
async fn security_headers(
    State(state): State<Arc<AppState>>,
    request: Request,
    next: Next,
) -> Response {
    let mut response = next.run(request).await;
    let h = response.headers_mut();
    h.insert("x-content-type-options", HeaderValue::from_static("nosniff"));
    h.insert("x-frame-options", HeaderValue::from_static("DENY"));
    h.insert("referrer-policy", HeaderValue::from_static("no-referrer"));
    // The page confirms transactions by polling over HTTP: no WebSocket to allow.
    let rpc = state.settings.rpc_url.trim_end_matches('/');
    let csp = format!(
        "default-src 'self'; connect-src 'self' {rpc}; img-src 'self' data:; \
         style-src 'self'; script-src 'self'; frame-ancestors 'none'; base-uri 'none'"
    );
    if let Ok(v) = HeaderValue::from_str(&csp) {
        h.insert("content-security-policy", v);
    }
    response
}

/// The app's routes over `pool`.
pub fn router(pool: PgPool, settings: ServeSettings) -> Router {
    let state = Arc::new(AppState {
        pool,
        limiter: limit::RateLimiter::new(settings.requests_per_minute),
        settings,
    });
    let api = Router::new()
        .route("/api/config", get(config))
        .route("/api/me", get(me))
        .route("/api/link/nonce", get(link_nonce))
        .route("/api/link", post(link_post))
        .route("/api/members/{id}/months/{month}", get(member_month))
        .route("/api/{*rest}", get(assets::api_not_found))
        .layer(middleware::from_fn_with_state(state.clone(), rate_limited));
    api.fallback(assets::static_file)
        .layer(middleware::from_fn_with_state(state.clone(), security_headers))
        .with_state(state)
}

/// Serves `router` on `listener` until `shutdown` resolves (client IPs for the rate limit).
pub async fn serve(
    listener: tokio::net::TcpListener,
    router: Router,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    axum::serve(listener, router.into_make_service_with_connect_info::<SocketAddr>())
        .with_graceful_shutdown(shutdown)
        .await
}
