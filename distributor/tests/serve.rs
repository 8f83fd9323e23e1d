//! `distributor serve` against real Postgres (and, for a paid month, the embedded ledger): wallet
//! linking with every refusal (each leaves the database as it was), a member's month with the
//! proof of their line checked against the root the treasury holds on-chain, the rate limit,
//! the app's files.
mod common;

use anchor_lang::prelude::Pubkey;
use common::TestDb;
use serde_json::Value;
use solana_keypair::Keypair;
use solana_signer::Signer;
use std::{path::PathBuf, sync::Arc, time::Duration};
use stk_common::{calendar::MonthId, payout_plan};
use stk_distributor::{
    chain::ChainBackend,
    config::Config,
    payout::{
        approved,
        engine::{Approver, EngineSettings, PayoutEngine},
        from_report::{freeze_and_plan, Approval, FreezeRequest},
        limits::TxForm,
        onchain,
        plan::PlanShape,
    },
    report,
    seed::{self, SeedArgs},
    serve::{self, token, ServeSettings},
};

const SECRET: &[u8] = b"test secret of the members' app, 32+ bytes";

fn settings(per_minute: u32, app_dir: Option<PathBuf>) -> ServeSettings {
    ServeSettings {
        public_url: "https://stk.example.org".into(),
        link_secret: SECRET.to_vec(),
        nonce_ttl: Duration::from_secs(300),
        requests_per_minute: per_minute,
        app_dir,
        rpc_url: "http://127.0.0.1:8899".into(),
        chain: "solana:localnet".into(),
        client_ip_header: None,
    }
}

/// A running server on a free port; stopped when the handle drops.
struct Server {
    base: String,
    client: reqwest::Client,
    _stop: tokio::sync::oneshot::Sender<()>,
}

impl Server {
    async fn start(db: &TestDb, settings: ServeSettings) -> Server {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let router = serve::router(db.pool.clone(), settings);
        tokio::spawn(async move {
            serve::serve(listener, router, async move {
                let _ = stopped.await;
            })
            .await
            .unwrap();
        });
        Server { base, client: reqwest::Client::new(), _stop: stop }
    }

    /// `(status, JSON body)` of a GET with an optional member token.
    async fn get(&self, path: &str, token: Option<&str>) -> (u16, Value) {
        let mut request = self.client.get(format!("{}{path}", self.base));
        if let Some(t) = token {
            request = request.header("authorization", format!("Bearer {t}"));
        }
        let response = request.send().await.unwrap();
        let status = response.status().as_u16();
        let text = response.text().await.unwrap();
        let value = serde_json::from_str(&text).ok();
        (status, value.unwrap_or(Value::String(text)))
    }

    async fn post_link(&self, nonce: &str, address: &str, signature: &str) -> (u16, Value) {
        let body =
            serde_json::json!({ "nonce": nonce, "address": address, "signature": signature });
        let response = self
            .client
            .post(format!("{}/api/link", self.base))
            .header("content-type", "application/json")
            .body(body.to_string())
            .send()
            .await
            .unwrap();
        let status = response.status().as_u16();
        (status, serde_json::from_str(&response.text().await.unwrap()).unwrap())
    }
}

fn token_for(member: i64) -> String {
    token::issue(SECRET, member, chrono::Utc::now().timestamp() + 3_600)
}

fn sign(key: &Keypair, message: &str) -> String {
    key.sign_message(message.as_bytes()).to_string()
}

/// The refusal's code, asserting the status.
fn refused(reply: &(u16, Value), status: u16, code: &str) {
    assert_eq!(reply.0, status, "{}", reply.1);
    assert_eq!(reply.1["error"], code, "{}", reply.1);
    assert!(reply.1["message"].as_str().is_some_and(|m| !m.is_empty()), "{}", reply.1);
}

/// Every row of `wallets` and of `wallet_link_nonces` (used or not), to compare before/after.
async fn snapshot(db: &TestDb) -> (Vec<(i64, String)>, Vec<(String, bool)>) {
    let wallets = sqlx::query_as("SELECT member_id, address FROM wallets ORDER BY id")
        .fetch_all(&db.pool)
        .await
        .unwrap();
    let nonces =
        sqlx::query_as("SELECT nonce, used_at IS NOT NULL FROM wallet_link_nonces ORDER BY nonce")
            .fetch_all(&db.pool)
            .await
            .unwrap();
    (wallets, nonces)
}

async fn nonce(server: &Server, member: i64, address: &str) -> (String, String) {
    let reply =
        server.get(&format!("/api/link/nonce?address={address}"), Some(&token_for(member))).await;
    assert_eq!(reply.0, 200, "{}", reply.1);
    (reply.1["nonce"].as_str().unwrap().into(), reply.1["message"].as_str().unwrap().into())
}

#[tokio::test]
async fn linking_a_wallet_and_every_refusal_writes_nothing() {
    let db = TestDb::new("serve_link").await;
    let (k1, k2, k3) = (Keypair::new(), Keypair::new(), Keypair::new());
    db.member(1, "2027-01-01", Some("2027-12-31"), None).await;
    db.member(2, "2027-01-01", Some("2027-12-31"), Some(&k2.pubkey().to_string())).await;
    db.member(3, "2027-01-01", None, None).await; // a free user
    db.member(4, "2027-01-01", Some("2027-12-31"), None).await;
    let server = Server::start(&db, settings(1_000, None)).await;
    let a1 = k1.pubkey().to_string();

    // The member token: missing, forged, expired.
    refused(
        &server.get(&format!("/api/link/nonce?address={a1}"), None).await,
        401,
        "token_missing",
    );
    let forged = token_for(1).replacen("v1.1.", "v1.2.", 1);
    refused(&server.get("/api/me", Some(&forged)).await, 401, "token_invalid");
    let expired = token::issue(SECRET, 1, chrono::Utc::now().timestamp() - 1);
    refused(&server.get("/api/me", Some(&expired)).await, 401, "token_expired");

    // Addresses that cannot hold a payout, and a free user: no challenge is even written.
    let pda = stk_common::seeds::find_treasury().to_string();
    let t1 = token_for(1);
    refused(
        &server.get(&format!("/api/link/nonce?address={pda}"), Some(&t1)).await,
        400,
        "off_curve_address",
    );
    refused(&server.get("/api/link/nonce?address=0xdead", Some(&t1)).await, 400, "bad_address");
    refused(
        &server.get(&format!("/api/link/nonce?address={a1}"), Some(&token_for(3))).await,
        403,
        "no_subscription",
    );
    refused(
        &server.get(&format!("/api/link/nonce?address={a1}"), Some(&token_for(99))).await,
        404,
        "unknown_member",
    );
    assert!(snapshot(&db).await.1.is_empty(), "no challenge written");

    // The challenge names the domain, the wallet, the member, the nonce and both times.
    let (n1, m1) = nonce(&server, 1, &a1).await;
    assert!(m1.starts_with("stk.example.org wants you to sign in with your Solana account:\n"));
    for part in [
        format!("\n{a1}\n"),
        "STK member 1".into(),
        format!("Nonce: {n1}"),
        "URI: https://stk.example.org".into(),
        "Chain ID: localnet".into(),
        "Issued At: ".into(),
        "Expiration Time: ".into(),
    ] {
        assert!(m1.contains(&part), "{part:?} in {m1}");
    }

    let before = snapshot(&db).await;
    // A signature by another key, of another text, malformed; an off-curve address; the
    // challenge of another wallet; an unknown nonce. Each refused, nothing written, the nonce
    // still usable.
    refused(&server.post_link(&n1, &a1, &sign(&k2, &m1)).await, 401, "bad_signature");
    refused(&server.post_link(&n1, &a1, &sign(&k1, &format!("{m1} "))).await, 401, "bad_signature");
    refused(&server.post_link(&n1, &a1, "not-base58!").await, 400, "bad_signature_format");
    refused(&server.post_link(&n1, &pda, &sign(&k1, &m1)).await, 400, "off_curve_address");
    let a3 = k3.pubkey().to_string();
    refused(&server.post_link(&n1, &a3, &sign(&k3, &m1)).await, 400, "address_mismatch");
    refused(&server.post_link("feed", &a1, &sign(&k1, &m1)).await, 400, "unknown_nonce");
    assert_eq!(snapshot(&db).await, before, "refusals write nothing");

    // The right signature links: one wallets row, the nonce used, /api/me shows the wallet.
    let linked = server.post_link(&n1, &a1, &sign(&k1, &m1)).await;
    assert_eq!(linked.0, 200, "{}", linked.1);
    assert_eq!(linked.1["member_id"], 1);
    assert_eq!(linked.1["already_in_force"], false);
    let after = snapshot(&db).await;
    assert_eq!(after.0.len(), before.0.len() + 1);
    assert_eq!(after.0.last().unwrap(), &(1, a1.clone()));
    assert_eq!(after.1, vec![(n1.clone(), true)]);
    let me = server.get("/api/me", Some(&t1)).await;
    assert_eq!(me.1["wallet"]["address"], a1.as_str(), "{}", me.1);
    assert_eq!(me.1["subscribed"], true);

    // Replay of the same signed message.
    refused(&server.post_link(&n1, &a1, &sign(&k1, &m1)).await, 409, "nonce_used");
    assert_eq!(snapshot(&db).await, after, "a replay writes nothing");

    // An expired challenge.
    let (n2, m2) = nonce(&server, 1, &a3).await;
    db.exec(&format!(
        "UPDATE wallet_link_nonces SET issued_at = now() - interval '1 hour',
         expires_at = now() - interval '1 second' WHERE nonce = '{n2}'"
    ))
    .await;
    let before = snapshot(&db).await;
    refused(&server.post_link(&n2, &a3, &sign(&k3, &m2)).await, 400, "nonce_expired");
    assert_eq!(snapshot(&db).await, before);

    // Member 2's wallet in force, signed by its own key, for member 1: refused.
    let a2 = k2.pubkey().to_string();
    let (n3, m3) = nonce(&server, 1, &a2).await;
    let before = snapshot(&db).await;
    refused(&server.post_link(&n3, &a2, &sign(&k2, &m3)).await, 409, "wallet_taken");
    assert_eq!(snapshot(&db).await, before);

    // A subscription that disappears between challenge and signature (Aisystant corrected it).
    let (n4, m4) = nonce(&server, 4, &a3).await;
    db.exec("DELETE FROM subscriptions WHERE member_id = 4").await;
    let before = snapshot(&db).await;
    refused(&server.post_link(&n4, &a3, &sign(&k3, &m4)).await, 403, "no_subscription");
    assert_eq!(snapshot(&db).await, before);

    // Linking the wallet already in force writes no second row; a new wallet replaces it.
    let (n5, m5) = nonce(&server, 1, &a1).await;
    let again = server.post_link(&n5, &a1, &sign(&k1, &m5)).await;
    assert_eq!((again.0, &again.1["already_in_force"]), (200, &Value::Bool(true)), "{}", again.1);
    assert_eq!(snapshot(&db).await.0, after.0);
    let (n6, m6) = nonce(&server, 1, &a3).await;
    assert_eq!(server.post_link(&n6, &a3, &sign(&k3, &m6)).await.0, 200);
    let me = server.get("/api/me", Some(&t1)).await;
    assert_eq!(me.1["wallet"]["address"], a3.as_str(), "the latest link is in force");
    db.drop_db().await;
}

fn hex32(text: &str) -> [u8; 32] {
    hex::decode(text).unwrap().try_into().unwrap()
}

#[tokio::test]
async fn a_member_sees_their_paid_month_and_its_proof_matches_the_chain() {
    let db = TestDb::new("serve_month").await;
    let config = Config::default_config();
    let jan = MonthId::new(2027, 1).unwrap();
    let args = SeedArgs {
        members: 40,
        events: 1_600,
        seed: 5,
        from: "2027-01".into(),
        months: 1,
        bad: 0,
        free_users: 0,
    };
    seed::seed(&db.pool, &config, &args).await.unwrap();
    let (mut backend, treasury, month, admin) = common::payout_world().await;
    assert_eq!(month, jan);
    let outcome = report::run(&db.pool, &config, jan, None).await.unwrap();
    approved::approve(&db.pool, jan, &outcome.sha256, "op").await.unwrap();
    let mint = treasury.mint();
    let request = FreezeRequest {
        month: jan,
        first_month: jan,
        mint,
        shape: PlanShape::sized(TxForm::Legacy, 0),
        approval: Approval::Required,
    };
    freeze_and_plan(&db.pool, &mut backend, request).await.unwrap();
    let engine =
        EngineSettings { approver: Some(Approver(Arc::clone(&admin))), ..Default::default() };
    PayoutEngine::new(&mut backend, &db.pool, mint, engine).run(jan).await.unwrap();

    let server = Server::start(&db, settings(1_000, None)).await;
    // Every paid member's line proves against the root read from the treasury's plan page.
    let paid: Vec<_> = outcome.report.members.iter().filter(|l| l.payable > 0).collect();
    assert!(paid.len() >= 5, "a real month: {} paid", paid.len());
    for line in &paid {
        let id = line.member_id;
        let (status, view) =
            server.get(&format!("/api/members/{id}/months/2027-01"), Some(&token_for(id))).await;
        assert_eq!(status, 200, "{view}");
        assert_eq!(view["report"]["sha256"], outcome.sha256.as_str());
        assert_eq!(view["report"]["frozen"], true);
        assert_eq!(view["report"]["approved"], true);
        let l = &view["line"];
        assert_eq!(l["points"], line.points);
        assert_eq!(l["credit"], line.credit);
        assert_eq!(l["allocation"], line.allocation);
        assert_eq!(l["payable"], line.payable);
        assert_eq!(l["days_active"], line.days_active);
        assert_eq!(l["weeks"].as_array().unwrap().len(), line.weeks.len());
        assert_eq!(l["weeks"][0]["rank_end"], line.weeks[0].rank_end);
        let p = &view["payout"];
        assert_eq!(p["epoch_state"], "closed", "{view}");
        assert_eq!(p["batch_state"], "confirmed");
        assert_eq!(p["amount"], line.payable);
        let wallet: Pubkey = line.wallet.as_deref().unwrap().parse().unwrap();
        assert_eq!(p["token_account"], stk_client::ata(&wallet, &mint).to_string().as_str());
        let batch = p["batch_index"].as_u64().unwrap() as i32;
        let stored_sig: String = sqlx::query_scalar(
            "SELECT signature FROM payout_batches WHERE month = '2027-01' AND batch_index = $1",
        )
        .bind(batch)
        .fetch_one(&db.pool)
        .await
        .unwrap();
        assert_eq!(p["signature"], stored_sig.as_str());

        // Recompute as the page does: the leaf from its fields, up the siblings, and compare
        // with the root in the PlanPage account on the ledger.
        let proof = &p["proof"];
        let leaf = &proof["leaf"];
        let account: Pubkey = leaf["token_account"].as_str().unwrap().parse().unwrap();
        let computed = payout_plan::leaf(
            leaf["month_id"].as_u64().unwrap() as u32,
            leaf["batch"].as_u64().unwrap() as u16,
            leaf["position"].as_u64().unwrap() as u8,
            &account,
            leaf["amount"].as_u64().unwrap(),
        );
        assert_eq!(hex::encode(computed), leaf["hash"].as_str().unwrap());
        let siblings: Vec<[u8; 32]> = proof["siblings"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| hex32(s.as_str().unwrap()))
            .collect();
        let page: Pubkey = proof["plan_page"].as_str().unwrap().parse().unwrap();
        assert_eq!(page, onchain::plan_page_of(jan, batch as u32));
        let data = backend.account_data(&page).await.unwrap().expect("plan page on-chain");
        let entries = onchain::decode_plan_page(&data).unwrap();
        let on_chain = entries[proof["entry"].as_u64().unwrap() as usize].root;
        assert_eq!(hex::encode(on_chain), proof["batch_root"].as_str().unwrap());
        assert!(payout_plan::verify_line(&siblings, &on_chain, computed));
        // One unit more and the proof fails: the page's check is not a formality.
        let forged = payout_plan::leaf(
            jan.0,
            batch as u16,
            leaf["position"].as_u64().unwrap() as u8,
            &account,
            line.payable + 1,
        );
        assert!(!payout_plan::verify_line(&siblings, &on_chain, forged));
    }

    // Someone else's month, a malformed month, a month without a report.
    let id = paid[0].member_id;
    let other = paid[1].member_id;
    let t = token_for(id);
    refused(
        &server.get(&format!("/api/members/{other}/months/2027-01"), Some(&t)).await,
        403,
        "other_member",
    );
    refused(
        &server.get(&format!("/api/members/{id}/months/2027-13"), Some(&t)).await,
        400,
        "bad_month",
    );
    refused(
        &server.get(&format!("/api/members/{id}/months/2027-02"), Some(&t)).await,
        404,
        "no_report",
    );
    // A stored line edited after payout is never served as a valid proof.
    db.exec(&format!(
        "UPDATE payout_recipients SET amount = amount + 1 WHERE month = '2027-01' AND member_id = {id}"
    ))
    .await;
    refused(
        &server.get(&format!("/api/members/{id}/months/2027-01"), Some(&t)).await,
        500,
        "internal",
    );
    db.drop_db().await;
}

#[tokio::test]
async fn the_api_is_rate_limited_serves_no_secret_and_serves_the_app() {
    let db = TestDb::new("serve_limit").await;
    let dir = std::env::temp_dir().join(format!("stk-serve-app-{}", std::process::id()));
    std::fs::create_dir_all(dir.join("assets")).unwrap();
    std::fs::write(dir.join("index.html"), "<!doctype html><title>STK</title>").unwrap();
    std::fs::write(dir.join("assets/app-1.js"), "console.log(1)").unwrap();
    let server = Server::start(&db, settings(5, Some(dir.clone()))).await;

    let (status, config) = server.get("/api/config", None).await;
    assert_eq!(status, 200);
    assert_eq!(config["mint"], stk_common::seeds::find_stk_mint().to_string().as_str());
    assert_eq!(config["rpc_url"], "http://127.0.0.1:8899");
    assert_eq!(config["domain"], "stk.example.org");
    let secret = String::from_utf8_lossy(SECRET).to_string();
    assert!(!config.to_string().contains(&secret), "the link secret is never served");

    // Four more API requests in the minute, then 429 with Retry-After; the page still loads.
    for _ in 0..4 {
        assert_ne!(server.get("/api/config", None).await.0, 429);
    }
    let response = server.client.get(format!("{}/api/config", server.base)).send().await.unwrap();
    assert_eq!(response.status().as_u16(), 429);
    let wait: u64 = response.headers()["retry-after"].to_str().unwrap().parse().unwrap();
    assert!((1..=60).contains(&wait), "{wait}");
    let body: Value = serde_json::from_str(&response.text().await.unwrap()).unwrap();
    assert_eq!(body["error"], "rate_limited");

    // Behind a proxy, each client's forwarded address has its own budget; what a client puts
    // left of the proxy's own entry does not count.
    let proxied = Server::start(
        &db,
        ServeSettings { client_ip_header: Some("x-forwarded-for".into()), ..settings(2, None) },
    )
    .await;
    let from = |ip: &'static str| {
        proxied
            .client
            .get(format!("{}/api/config", proxied.base))
            .header("x-forwarded-for", ip)
            .send()
    };
    for _ in 0..2 {
        assert_eq!(from("203.0.113.9, 198.51.100.1").await.unwrap().status().as_u16(), 200);
    }
    assert_eq!(from("1.2.3.4, 198.51.100.1").await.unwrap().status().as_u16(), 429);
    assert_eq!(from("198.51.100.2").await.unwrap().status().as_u16(), 200);

    let page = server.client.get(format!("{}/", server.base)).send().await.unwrap();
    assert_eq!(page.status().as_u16(), 200);
    let csp = page.headers()["content-security-policy"].to_str().unwrap().to_string();
    assert!(csp.contains("connect-src 'self' http://127.0.0.1:8899"), "{csp}");
    assert!(page.text().await.unwrap().contains("<title>STK</title>"));
    let view = server.client.get(format!("{}/verify", server.base)).send().await.unwrap();
    assert!(view.text().await.unwrap().contains("<title>STK</title>"), "a view gets the page");
    let js = server.client.get(format!("{}/assets/app-1.js", server.base)).send().await.unwrap();
    assert!(js.headers()["content-type"].to_str().unwrap().starts_with("text/javascript"));
    let missing =
        server.client.get(format!("{}/assets/none.js", server.base)).send().await.unwrap();
    assert_eq!(missing.status().as_u16(), 404);
    // A path climbing out of the app's folder (sent raw: clients normalize `..` away).
    std::fs::write(dir.parent().unwrap().join("stk-serve-secret.txt"), "secret").unwrap();
    let raw = {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let addr = server.base.trim_start_matches("http://");
        let mut s = tokio::net::TcpStream::connect(addr).await.unwrap();
        let req = "GET /../stk-serve-secret.txt HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n";
        s.write_all(req.as_bytes()).await.unwrap();
        let mut out = String::new();
        s.read_to_string(&mut out).await.unwrap();
        out
    };
    assert!(raw.starts_with("HTTP/1.1 404"), "{raw}");
    assert!(!raw.contains("secret\n") && !raw.ends_with("secret"), "{raw}");
    std::fs::remove_dir_all(&dir).ok();
    db.drop_db().await;
}
