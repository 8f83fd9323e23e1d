//! `distributor run` as a real process: it serves `/healthz` on the address it was given,
//! and SIGTERM stops it at once and cleanly — even while it waits (here at start, reading
//! `stk_mint`'s schedule) on
//! an RPC node that accepted the request and never answers.
mod common;

use common::TestDb;
use std::{
    io::{BufRead, BufReader, Read, Write},
    net::{TcpListener, TcpStream},
    os::unix::fs::PermissionsExt,
    process::{Command, Stdio},
    sync::mpsc,
    time::{Duration, Instant},
};

/// Lines of the child's output, as they come.
fn lines_of(stream: impl Read + Send + 'static, tx: mpsc::Sender<String>) {
    std::thread::spawn(move || {
        for line in BufReader::new(stream).lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                break;
            }
        }
    });
}

/// Waits for a line containing `needle`, keeping every line seen in `seen`.
fn wait_for(rx: &mpsc::Receiver<String>, seen: &mut Vec<String>, needle: &str) -> String {
    let deadline = Instant::now() + Duration::from_secs(60);
    while Instant::now() < deadline {
        if let Ok(line) = rx.recv_timeout(Duration::from_millis(200)) {
            seen.push(line.clone());
            if line.contains(needle) {
                return line;
            }
        }
    }
    panic!("no line containing {needle:?}; output so far:\n{}", seen.join("\n"));
}

fn http_get(addr: &str, path: &str) -> String {
    let mut stream = TcpStream::connect(addr).expect("connect to the metrics endpoint");
    write!(stream, "GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n").unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    response
}

#[tokio::test]
async fn sigterm_stops_the_service_mid_tick_and_cleanly() {
    let db = TestDb::new("signal").await;
    let dir = std::env::temp_dir().join(format!("stk-signal-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let key_path = dir.join("distributor.json");
    let key = solana_keypair::Keypair::new();
    std::fs::write(&key_path, format!("{:?}", key.to_bytes().to_vec())).unwrap();
    std::fs::set_permissions(&key_path, std::fs::Permissions::from_mode(0o600)).unwrap();

    // A silent "RPC node": it accepts connections, reads nothing and never answers, so the
    // service hangs on its first request (reading stk_mint's schedule at start).
    let node = TcpListener::bind("127.0.0.1:0").unwrap();
    let node_url = format!("http://{}", node.local_addr().unwrap());
    let (accepted_tx, accepted) = mpsc::channel();
    std::thread::spawn(move || {
        let mut held = vec![];
        for stream in node.incoming().map_while(Result::ok) {
            held.push(stream);
            let _ = accepted_tx.send(());
        }
    });
    // An API key in the URL's path and query, as providers hand them out.
    let node_url = format!("{node_url}/v2/PATHKEY?api-key=QUERYKEY");
    let mut child = Command::new(env!("CARGO_BIN_EXE_distributor"))
        .args(["run", "--rpc-url", &node_url, "--metrics-addr", "127.0.0.1:0"])
        .args(["--poll-seconds", "1", "--out"])
        .arg(dir.join("reports"))
        .arg("--keypair")
        .arg(&key_path)
        .env("DATABASE_URL", db.url())
        .env("RUST_LOG", "info")
        .env_remove("STK_LOG_FORMAT")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start distributor run");
    let (tx, rx) = mpsc::channel();
    lines_of(child.stdout.take().unwrap(), tx.clone());
    lines_of(child.stderr.take().unwrap(), tx);
    let mut seen = vec![];

    // The log names the address actually bound (port 0 asked for any free port).
    let started = wait_for(&rx, &mut seen, "distributor service started");
    let addr = started
        .split("metrics_addr=")
        .nth(1)
        .and_then(|rest| rest.split_whitespace().next())
        .unwrap_or_else(|| panic!("no metrics_addr in {started:?}"))
        .to_string();
    // No pass has ended (the node never answers): not healthy, and it says why.
    let health = http_get(&addr, "/healthz");
    assert!(health.starts_with("HTTP/1.1 503"), "{health}");
    assert!(health.contains("no pass has ended yet"), "{health}");
    let metrics = http_get(&addr, "/metrics");
    assert!(metrics.contains("stk_distributor_failures_total"), "{metrics}");

    // The service is now waiting on the silent node.
    accepted.recv_timeout(Duration::from_secs(60)).expect("the service called its RPC node");
    let signalled = Instant::now();
    let status = Command::new("kill").args(["-TERM", &child.id().to_string()]).status().unwrap();
    assert!(status.success());
    let deadline = signalled + Duration::from_secs(30);
    let exit = loop {
        if let Some(exit) = child.try_wait().unwrap() {
            break exit;
        }
        assert!(Instant::now() < deadline, "still running 30 s after SIGTERM");
        std::thread::sleep(Duration::from_millis(50));
    };
    while let Ok(line) = rx.recv_timeout(Duration::from_millis(500)) {
        seen.push(line);
    }
    let output = seen.join("\n");
    assert!(exit.success(), "exit {exit:?}; output:\n{output}");
    assert!(
        !output.contains("PATHKEY") && !output.contains("QUERYKEY"),
        "an API key was logged:\n{output}"
    );
    assert!(started.contains("rpc=http://127.0.0.1:"), "{started}");
    assert!(
        seen.iter().any(|l| l.contains("stopping") && l.contains("SIGTERM")),
        "no stop line; output:\n{output}"
    );
    // It stopped while waiting: nothing got to report a failure.
    assert!(
        !seen.iter().any(|l| l.contains("tick failed")),
        "the signal waited for the tick to end; output:\n{output}"
    );
    std::fs::remove_dir_all(&dir).unwrap();
    db.drop_db().await;
}
