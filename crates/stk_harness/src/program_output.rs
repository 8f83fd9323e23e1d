//! Where the natively run programs' log lines go.
//!
//! On SBF, `msg!` is a syscall whose text lands in the transaction's log. Run natively (here and
//! in the localnet), Anchor's `msg!` reaches solana-msg's off-chain `sol_log`, which is a plain
//! `println!`: "Instruction: DistributeBatch" and friends on the process's standard output, from
//! whichever thread executes the transaction. A process that shows its own output (the main
//! job, `stk-localnet`) moves file descriptor 1 elsewhere and writes its own text to the
//! [`Console`] it keeps — the only way to separate the two, since Rust offers no stable output
//! capture.
use std::{
    fs::File,
    io::Write,
    os::fd::{AsRawFd, FromRawFd},
    path::Path,
};

/// The process's original standard output, kept aside while descriptor 1 is diverted.
#[derive(Debug)]
pub struct Console(pub File);

impl Console {
    /// One line on the original standard output.
    pub fn say(&self, text: std::fmt::Arguments<'_>) {
        let mut out = &self.0;
        let _ = writeln!(out, "{text}");
        let _ = out.flush();
    }
}

/// Moves descriptor 1 to `sink` (appended; `None`: /dev/null) and returns the original
/// standard output. Call once, before threads that print start.
pub fn divert(sink: Option<&Path>) -> std::io::Result<Console> {
    let sink = match sink {
        Some(path) => std::fs::OpenOptions::new().create(true).append(true).open(path)?,
        None => std::fs::OpenOptions::new().write(true).open("/dev/null")?,
    };
    std::io::stdout().flush()?;
    // SAFETY: plain descriptor calls; the duplicate is owned by the returned File alone.
    let saved = unsafe { libc::dup(1) };
    if saved < 0 {
        return Err(std::io::Error::last_os_error());
    }
    let console = unsafe { File::from_raw_fd(saved) };
    if unsafe { libc::dup2(sink.as_raw_fd(), 1) } < 0 {
        return Err(std::io::Error::last_os_error());
    }
    Ok(Console(console))
}
