//! Anchor events out of transaction logs: `Program data: <base64>` lines on a real cluster, the
//! same line behind `Program log: ` when a native program emitted it through the stub bridge.
use anchor_lang::{AnchorDeserialize, Discriminator};
use base64::Engine;

/// The raw `Program data:` payloads of a transaction, in log order.
#[derive(Debug, Clone, Default)]
pub struct EventLog(pub Vec<Vec<u8>>);

impl EventLog {
    pub fn from_logs(logs: &[String]) -> Self {
        let engine = base64::engine::general_purpose::STANDARD;
        EventLog(
            logs.iter()
                .filter_map(|l| {
                    let l = l.strip_prefix("Program log: ").unwrap_or(l);
                    l.strip_prefix("Program data: ")
                })
                .filter_map(|b64| engine.decode(b64.trim()).ok())
                .collect(),
        )
    }
}

/// Every event of type `E` in the log, decoded.
pub fn decode_events<E: AnchorDeserialize + Discriminator>(log: &EventLog) -> Vec<E> {
    log.0
        .iter()
        .filter(|d| d.starts_with(E::DISCRIMINATOR))
        .filter_map(|d| E::deserialize(&mut &d[E::DISCRIMINATOR.len()..]).ok())
        .collect()
}
