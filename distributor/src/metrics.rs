//! Health endpoint and Prometheus metrics, served by a minimal HTTP/1.1 responder on the
//! configured address (`GET /healthz`, `GET /metrics`); anything else is a 404.
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
}

impl Metrics {
    /// The Prometheus text exposition of every metric.
    pub fn render(&self) -> String {
        let rows: [(&str, &str, &str, &AtomicU64); 7] = [
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
                "/healthz" => response("200 OK", "text/plain", "ok\n"),
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
