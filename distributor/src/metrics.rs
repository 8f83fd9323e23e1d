//! Health endpoint and Prometheus metrics, served by a minimal HTTP/1.1 responder on the
//! configured address (`GET /healthz`, `GET /metrics`); anything else is a 404.
//!
//! `/healthz` answers `200` when the last pass succeeded and Postgres and the RPC node
//! answered right after it, `503` otherwise (also before the first pass has ended), with one
//! line per check in the body.
use std::sync::{
    atomic::{AtomicU64, Ordering},
    Arc,
};
use tokio::{
    io::{AsyncReadExt, AsyncWriteExt},
    net::TcpListener,
};

/// Counters the service updates; all monotonic except `last_success_unix`.
#[derive(Debug, Default)]
pub struct Metrics {
    pub months_paid: AtomicU64,
    pub batches_confirmed: AtomicU64,
    pub recipients_paid: AtomicU64,
    pub transactions_sent: AtomicU64,
    pub failures: AtomicU64,
    pub lamports_spent: AtomicU64,
    pub last_success_unix: AtomicU64,
    /// Passes observed so far ([`Metrics::record_pass`]); 0 means none has ended yet.
    pub passes: AtomicU64,
    /// 1 when the last pass ended without error.
    pub last_pass_ok: AtomicU64,
    /// Unix time at which the last pass ended.
    pub last_pass_unix: AtomicU64,
    /// 1 when Postgres / the RPC node answered after the last pass.
    pub postgres_up: AtomicU64,
    pub rpc_up: AtomicU64,
    /// The distributor key's SOL balance (lamports), as of the last pass.
    pub sol_balance_lamports: AtomicU64,
    /// Reports computed and not frozen whose exact SHA-256 is not approved.
    pub months_awaiting_approval: AtomicU64,
    /// Planned or sent payout batches not confirmed yet, and the age of the oldest one's plan.
    pub batches_unconfirmed: AtomicU64,
    pub oldest_unconfirmed_batch_age_seconds: AtomicU64,
}

/// The payout backlog read from Postgres after a pass.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Backlog {
    pub months_awaiting_approval: u64,
    pub batches_unconfirmed: u64,
    pub oldest_unconfirmed_batch_age_seconds: u64,
}

/// What was seen after a pass: its outcome and the probes (`None`: did not answer).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PassObservation {
    pub pass_ok: bool,
    pub at_unix: i64,
    pub sol_balance_lamports: Option<u64>,
    pub backlog: Option<Backlog>,
}

impl Metrics {
    /// Records a pass's outcome and probes; a probe that failed keeps its gauges' last values
    /// and marks its `*_up` gauge 0.
    pub fn record_pass(&self, o: PassObservation) {
        let flag = |up: bool| u64::from(up);
        self.last_pass_ok.store(flag(o.pass_ok), Ordering::Relaxed);
        self.last_pass_unix.store(o.at_unix.max(0) as u64, Ordering::Relaxed);
        self.rpc_up.store(flag(o.sol_balance_lamports.is_some()), Ordering::Relaxed);
        if let Some(lamports) = o.sol_balance_lamports {
            self.sol_balance_lamports.store(lamports, Ordering::Relaxed);
        }
        self.postgres_up.store(flag(o.backlog.is_some()), Ordering::Relaxed);
        if let Some(b) = o.backlog {
            self.months_awaiting_approval.store(b.months_awaiting_approval, Ordering::Relaxed);
            self.batches_unconfirmed.store(b.batches_unconfirmed, Ordering::Relaxed);
            self.oldest_unconfirmed_batch_age_seconds
                .store(b.oldest_unconfirmed_batch_age_seconds, Ordering::Relaxed);
        }
        self.passes.fetch_add(1, Ordering::Relaxed);
    }

    /// Whether the service is healthy, and one line per check.
    pub fn health(&self) -> (bool, String) {
        if self.passes.load(Ordering::Relaxed) == 0 {
            return (false, "starting: no pass has ended yet\n".into());
        }
        let checks = [
            ("last pass", self.last_pass_ok.load(Ordering::Relaxed) == 1, "ok", "failed"),
            ("postgres", self.postgres_up.load(Ordering::Relaxed) == 1, "up", "unreachable"),
            ("rpc", self.rpc_up.load(Ordering::Relaxed) == 1, "up", "unreachable"),
        ];
        let mut body = String::new();
        for (name, good, yes, no) in checks {
            body.push_str(&format!("{name}: {}\n", if good { yes } else { no }));
        }
        body.push_str(&format!(
            "last pass ended at unix {}\n",
            self.last_pass_unix.load(Ordering::Relaxed)
        ));
        (checks.iter().all(|c| c.1), body)
    }

    /// The Prometheus text exposition of every metric.
    pub fn render(&self) -> String {
        let rows: [(&str, &str, &str, &AtomicU64); 15] = [
            (
                "stk_distributor_months_paid_total",
                "counter",
                "Months whose payout completed",
                &self.months_paid,
            ),
            (
                "stk_distributor_batches_confirmed_total",
                "counter",
                "Payout batches confirmed",
                &self.batches_confirmed,
            ),
            (
                "stk_distributor_recipients_paid_total",
                "counter",
                "Recipients paid",
                &self.recipients_paid,
            ),
            (
                "stk_distributor_transactions_sent_total",
                "counter",
                "Transactions sent",
                &self.transactions_sent,
            ),
            (
                "stk_distributor_failures_total",
                "counter",
                "Payout runs that ended in an error",
                &self.failures,
            ),
            (
                "stk_distributor_lamports_spent_total",
                "counter",
                "Lamports spent on fees and rent",
                &self.lamports_spent,
            ),
            (
                "stk_distributor_last_success_timestamp_seconds",
                "gauge",
                "Unix time of the last successful payout",
                &self.last_success_unix,
            ),
            (
                "stk_distributor_last_pass_ok",
                "gauge",
                "1 when the last pass ended without error",
                &self.last_pass_ok,
            ),
            (
                "stk_distributor_last_pass_timestamp_seconds",
                "gauge",
                "Unix time at which the last pass ended",
                &self.last_pass_unix,
            ),
            (
                "stk_distributor_postgres_up",
                "gauge",
                "1 when Postgres answered after the last pass",
                &self.postgres_up,
            ),
            (
                "stk_distributor_rpc_up",
                "gauge",
                "1 when the RPC node answered after the last pass",
                &self.rpc_up,
            ),
            (
                "stk_distributor_sol_balance_lamports",
                "gauge",
                "SOL balance of the distributor key (lamports)",
                &self.sol_balance_lamports,
            ),
            (
                "stk_distributor_months_awaiting_approval",
                "gauge",
                "Computed reports whose exact SHA-256 is not approved yet",
                &self.months_awaiting_approval,
            ),
            (
                "stk_distributor_batches_unconfirmed",
                "gauge",
                "Planned or sent payout batches not confirmed yet",
                &self.batches_unconfirmed,
            ),
            (
                "stk_distributor_oldest_unconfirmed_batch_age_seconds",
                "gauge",
                "Age of the plan of the oldest unconfirmed payout batch",
                &self.oldest_unconfirmed_batch_age_seconds,
            ),
        ];
        let mut out = String::new();
        for (name, kind, help, value) in rows {
            out.push_str(&format!(
                "# HELP {name} {help}\n# TYPE {name} {kind}\n{name} {}\n",
                value.load(Ordering::Relaxed)
            ));
        }
        out
    }
}

fn response(status: &str, content_type: &str, body: &str) -> String {
    format!(
        "HTTP/1.1 {status}\r\ncontent-type: {content_type}\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
        body.len()
    )
}

/// Serves `/healthz` and `/metrics` on `listener` until the task is dropped.
pub async fn serve(listener: TcpListener, metrics: Arc<Metrics>) {
    loop {
        let Ok((mut socket, _)) = listener.accept().await else { continue };
        let metrics = metrics.clone();
        tokio::spawn(async move {
            let mut buf = [0u8; 2048];
            let n = match tokio::time::timeout(
                std::time::Duration::from_secs(5),
                socket.read(&mut buf),
            )
            .await
            {
                Ok(Ok(n)) => n,
                _ => return,
            };
            let request = String::from_utf8_lossy(&buf[..n]);
            let path = request.split_whitespace().nth(1).unwrap_or("");
            let reply = match path {
                "/healthz" => match metrics.health() {
                    (true, body) => response("200 OK", "text/plain", &format!("ok\n{body}")),
                    (false, body) => response(
                        "503 Service Unavailable",
                        "text/plain",
                        &format!("unhealthy\n{body}"),
                    ),
                },
                "/metrics" => response("200 OK", "text/plain; version=0.0.4", &metrics.render()),
                _ => response("404 Not Found", "text/plain", "not found\n"),
            };
            let _ = socket.write_all(reply.as_bytes()).await;
            let _ = socket.shutdown().await;
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn get(addr: std::net::SocketAddr, path: &str) -> String {
        let mut s = tokio::net::TcpStream::connect(addr).await.unwrap();
        s.write_all(format!("GET {path} HTTP/1.1\r\nhost: x\r\n\r\n").as_bytes()).await.unwrap();
        let mut out = String::new();
        s.read_to_string(&mut out).await.unwrap();
        out
    }

    #[tokio::test]
    async fn health_and_metrics_endpoints_answer() {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let metrics = Arc::new(Metrics::default());
        metrics.batches_confirmed.fetch_add(53, Ordering::Relaxed);
        metrics.recipients_paid.fetch_add(1_000, Ordering::Relaxed);
        let server = tokio::spawn(serve(listener, metrics.clone()));
        let starting = get(addr, "/healthz").await;
        assert!(starting.starts_with("HTTP/1.1 503"), "{starting}");
        assert!(starting.contains("no pass has ended yet"), "{starting}");
        let backlog = Backlog {
            months_awaiting_approval: 2,
            batches_unconfirmed: 7,
            oldest_unconfirmed_batch_age_seconds: 3_600,
        };
        let good = PassObservation {
            pass_ok: true,
            at_unix: 1_800_000_000,
            sol_balance_lamports: Some(2_500_000_000),
            backlog: Some(backlog),
        };
        metrics.record_pass(good);
        let healthy = get(addr, "/healthz").await;
        assert!(healthy.starts_with("HTTP/1.1 200 OK"), "{healthy}");
        // Each check on its own makes the service unhealthy, and says which.
        let bad = [
            (PassObservation { pass_ok: false, ..good }, "last pass: failed"),
            (PassObservation { backlog: None, ..good }, "postgres: unreachable"),
            (PassObservation { sol_balance_lamports: None, ..good }, "rpc: unreachable"),
        ];
        for (observation, line) in bad {
            metrics.record_pass(observation);
            let reply = get(addr, "/healthz").await;
            assert!(reply.starts_with("HTTP/1.1 503"), "{reply}");
            assert!(reply.contains(line), "{reply}");
        }
        // A failed probe keeps the last values of its gauges.
        let body = get(addr, "/metrics").await;
        assert!(body.contains("stk_distributor_sol_balance_lamports 2500000000\n"), "{body}");
        assert!(body.contains("stk_distributor_months_awaiting_approval 2\n"), "{body}");
        assert!(body.contains("stk_distributor_oldest_unconfirmed_batch_age_seconds 3600\n"));
        assert!(body.contains("stk_distributor_rpc_up 0\n"), "{body}");
        metrics.record_pass(good);
        assert!(get(addr, "/healthz").await.starts_with("HTTP/1.1 200 OK"));
        let body = get(addr, "/metrics").await;
        assert!(body.contains("stk_distributor_batches_confirmed_total 53\n"), "{body}");
        assert!(body.contains("stk_distributor_recipients_paid_total 1000\n"));
        assert!(body.contains("# TYPE stk_distributor_last_success_timestamp_seconds gauge"));
        assert!(get(addr, "/nope").await.starts_with("HTTP/1.1 404"));
        server.abort();
    }
}

/// Peak resident memory of this process in KiB (`VmHWM` of `/proc/self/status`; 0 elsewhere).
pub fn vm_hwm_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1).and_then(|v| v.parse().ok()))
        })
        .unwrap_or(0)
}
