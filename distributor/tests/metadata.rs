//! The token's face: the metadata JSON and logo operators host (`assets/`), checked against
//! what `stk_mint` writes into the mint, and `init`'s check of `--metadata-uri` against a real
//! local HTTP server serving good, wrong and broken JSON (and a port nobody listens on).
use std::path::PathBuf;
use stk_distributor::metadata::{check_token_json, check_uri, preflight, MetadataError, UriCheck};
use tokio::{
    io::{AsyncReadExt, AsyncWriteExt},
    net::TcpListener,
};

fn asset(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../assets").join(name)
}

#[test]
fn the_shipped_json_is_what_wallets_read_and_names_the_mint_as_stk_mint_does() {
    let text = std::fs::read_to_string(asset("stk.json")).unwrap();
    let json = check_token_json(&text).unwrap();
    // The constants stk_mint's `initialize` writes into the Token-2022 metadata.
    assert_eq!(json.name, stk_common::TOKEN_NAME);
    assert_eq!(json.symbol, stk_common::TOKEN_SYMBOL);
    assert!(json.image.ends_with("/logo-512.png"), "{}", json.image);
    assert!(json.description.len() >= 40);
    // Token-2022 stores name and symbol as borsh strings; wallets truncate long ones.
    assert!(json.name.len() <= 32 && json.symbol.len() <= 10);
    // The files the JSON lists are the ones shipped.
    let value: serde_json::Value = serde_json::from_str(&text).unwrap();
    for file in value["properties"]["files"].as_array().unwrap() {
        let uri = file["uri"].as_str().unwrap();
        let name = uri.rsplit('/').next().unwrap();
        assert!(asset(name).exists(), "{uri} is not in assets/");
    }
}

#[test]
fn the_logo_png_is_512_by_512_and_the_svg_matches_its_size() {
    let png = std::fs::read(asset("logo-512.png")).unwrap();
    assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n");
    assert_eq!(&png[12..16], b"IHDR");
    let width = u32::from_be_bytes(png[16..20].try_into().unwrap());
    let height = u32::from_be_bytes(png[20..24].try_into().unwrap());
    assert_eq!((width, height), (512, 512));
    let svg = std::fs::read_to_string(asset("logo.svg")).unwrap();
    assert!(svg.starts_with("<svg") && svg.contains("viewBox=\"0 0 512 512\""), "{svg}");
    assert!(svg.trim_end().ends_with("</svg>"));
}

/// Serves `routes` (path → (status line, body)) over HTTP/1.1 on 127.0.0.1 until dropped.
async fn serve(routes: Vec<(&'static str, &'static str, String)>) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(async move {
        loop {
            let Ok((mut stream, _)) = listener.accept().await else { return };
            let mut request = vec![0u8; 4096];
            let n = stream.read(&mut request).await.unwrap_or(0);
            let request = String::from_utf8_lossy(&request[..n]).to_string();
            let path = request.split_whitespace().nth(1).unwrap_or("/").to_string();
            let (status, body) = routes
                .iter()
                .find(|(p, _, _)| *p == path)
                .map(|(_, s, b)| (*s, b.clone()))
                .unwrap_or(("404 Not Found", String::new()));
            let response = format!(
                "HTTP/1.1 {status}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                body.len()
            );
            let _ = stream.write_all(response.as_bytes()).await;
        }
    });
    format!("http://{address}")
}

#[tokio::test]
async fn init_checks_the_metadata_uri_and_says_so_when_it_cannot() {
    let good = std::fs::read_to_string(asset("stk.json")).unwrap();
    let wrong = good.replace("\"STK\"", "\"XYZ\"");
    let base = serve(vec![
        ("/stk.json", "200 OK", good),
        ("/wrong.json", "200 OK", wrong),
        ("/broken.json", "200 OK", "{\"name\": \"SysTok\"".to_string()),
    ])
    .await;
    let timeout = std::time::Duration::from_secs(5);

    assert!(
        matches!(check_uri(&format!("{base}/stk.json"), timeout).await, UriCheck::Matches(j) if j.symbol == "STK")
    );
    let note = preflight(&format!("{base}/stk.json")).await.unwrap();
    assert!(note.contains("SysTok (STK)"), "{note}");

    // Another token's symbol: init stops before sending anything.
    let wrong = preflight(&format!("{base}/wrong.json")).await.unwrap_err();
    assert_eq!(
        wrong,
        MetadataError::Mismatch { field: "symbol", found: "XYZ".into(), expected: "STK" }
    );
    assert!(matches!(
        check_uri(&format!("{base}/broken.json"), timeout).await,
        UriCheck::Wrong(MetadataError::Format(_))
    ));

    // Not hosted yet (404), nobody listening, not http: init goes on and says so.
    for uri in [
        format!("{base}/missing.json"),
        closed_port_uri().await,
        "ipfs://bafy/stk.json".to_string(),
    ] {
        let note = preflight(&uri).await.unwrap();
        assert!(note.starts_with("WARNING: could not read the metadata"), "{uri}: {note}");
    }
}

/// An http URI on a loopback port that was just free.
async fn closed_port_uri() -> String {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    drop(listener);
    format!("http://{address}/stk.json")
}
