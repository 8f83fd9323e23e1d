//! Progress of a payout for the operator: a bar on a terminal, periodic log lines elsewhere.
//!
//! The watcher reads the batch states that the engine persists in Postgres (`payout_batches`)
//! instead of hooking into the engine: the figures it shows are exactly what a crash would
//! leave on record, and it works the same for every chain backend.
use sqlx::PgPool;
use std::{
    io::{IsTerminal, Write},
    time::Duration,
};
use stk_common::calendar::MonthId;
use tokio::{sync::watch, task::JoinHandle};

/// Batches of one month by state, and the recipients of the confirmed ones.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct PayoutProgress {
    pub batches: u64,
    pub confirmed: u64,
    pub sent: u64,
    pub recipients: u64,
    pub recipients_confirmed: u64,
}

impl PayoutProgress {
    /// Reads the month's progress; a month without a plan reads as all zeros.
    pub async fn read(db: &PgPool, month: MonthId) -> Result<Self, sqlx::Error> {
        let (batches, confirmed, sent, recipients, recipients_confirmed): (
            i64,
            i64,
            i64,
            i64,
            i64,
        ) = sqlx::query_as(
            "SELECT count(*),
                    count(*) FILTER (WHERE b.state = 'confirmed'),
                    count(*) FILTER (WHERE b.state = 'sent'),
                    coalesce(sum(r.n), 0)::bigint,
                    coalesce(sum(r.n) FILTER (WHERE b.state = 'confirmed'), 0)::bigint
             FROM payout_batches b
             JOIN (SELECT batch_index, count(*) AS n FROM payout_recipients
                   WHERE month = $1 GROUP BY batch_index) r USING (batch_index)
             WHERE b.month = $1",
        )
        .bind(month.to_string())
        .fetch_one(db)
        .await?;
        let n = |v: i64| u64::try_from(v).unwrap_or(0);
        Ok(PayoutProgress {
            batches: n(batches),
            confirmed: n(confirmed),
            sent: n(sent),
            recipients: n(recipients),
            recipients_confirmed: n(recipients_confirmed),
        })
    }

    /// One line: `[#########...........]  12/30 batches  228/570 recipients  1 in flight`.
    pub fn render(&self, width: usize) -> String {
        let filled = if self.batches == 0 {
            0
        } else {
            // `confirmed <= batches`, so this never exceeds `width`.
            (self.confirmed.min(self.batches) as u128 * width as u128 / self.batches as u128)
                as usize
        };
        format!(
            "[{}{}] {:>5}/{} batches  {:>7}/{} recipients  {} in flight",
            "#".repeat(filled),
            ".".repeat(width - filled),
            self.confirmed,
            self.batches,
            self.recipients_confirmed,
            self.recipients,
            self.sent,
        )
    }
}

/// A background task that shows a month's payout progress until [`ProgressWatcher::finish`].
pub struct ProgressWatcher {
    stop: watch::Sender<bool>,
    task: JoinHandle<()>,
}

/// Width of the bar in characters.
const BAR_WIDTH: usize = 30;

impl ProgressWatcher {
    /// Starts watching. On a terminal the bar is redrawn on stderr every `interval`; otherwise
    /// (a service log, a pipe) a `tracing` line is written whenever the figures change.
    pub fn start(db: PgPool, month: MonthId, interval: Duration) -> Self {
        let (stop, mut stopped) = watch::channel(false);
        let on_terminal = std::io::stderr().is_terminal();
        let task = tokio::spawn(async move {
            let mut last = None;
            loop {
                if let Ok(progress) = PayoutProgress::read(&db, month).await {
                    if last != Some(progress) {
                        show(month, &progress, on_terminal);
                        last = Some(progress);
                    }
                }
                tokio::select! {
                    _ = tokio::time::sleep(interval) => {}
                    _ = stopped.changed() => break,
                }
            }
            // The final figures, then a newline so the bar stays on screen.
            if let Ok(progress) = PayoutProgress::read(&db, month).await {
                if last != Some(progress) {
                    show(month, &progress, on_terminal);
                }
            }
            if on_terminal {
                eprintln!();
            }
        });
        ProgressWatcher { stop, task }
    }

    /// Stops the watcher after drawing the final state.
    pub async fn finish(self) {
        let _ = self.stop.send(true);
        let _ = self.task.await;
    }
}

fn show(month: MonthId, progress: &PayoutProgress, on_terminal: bool) {
    if on_terminal {
        let mut err = std::io::stderr().lock();
        let _ = write!(err, "\r{month} {}", progress.render(BAR_WIDTH));
        let _ = err.flush();
    } else {
        tracing::info!(
            %month,
            confirmed = progress.confirmed,
            batches = progress.batches,
            recipients_confirmed = progress.recipients_confirmed,
            recipients = progress.recipients,
            in_flight = progress.sent,
            "payout progress"
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn progress(batches: u64, confirmed: u64) -> PayoutProgress {
        PayoutProgress {
            batches,
            confirmed,
            sent: 1,
            recipients: batches * 19,
            recipients_confirmed: confirmed * 19,
        }
    }

    #[test]
    fn the_bar_fills_in_proportion_to_confirmed_batches() {
        assert!(progress(10, 0).render(10).starts_with("[..........]"));
        assert!(progress(10, 5).render(10).starts_with("[#####.....]"));
        assert!(progress(10, 10).render(10).starts_with("[##########]"));
        // Rounds down: a batch short of the end never shows a full bar.
        assert!(progress(3, 2).render(10).starts_with("[######....]"));
        let line = progress(30, 12).render(20);
        assert!(line.contains("12/30 batches"), "{line}");
        assert!(line.contains("228/570 recipients"), "{line}");
        assert!(line.contains("1 in flight"), "{line}");
    }

    #[test]
    fn an_empty_or_inconsistent_plan_never_overflows_the_bar() {
        assert!(PayoutProgress::default().render(8).starts_with("[........]"));
        // More confirmed than planned cannot happen in the store; the bar still stays bounded.
        let odd = PayoutProgress { batches: 2, confirmed: 5, ..Default::default() };
        assert!(odd.render(8).starts_with("[########]"));
    }
}
