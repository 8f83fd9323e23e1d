//! Emitting Anchor events so that they are observable both on-chain and in native tests.
//!
//! Anchor's `emit!` calls `sol_log_data`, which off-chain is compiled to a no-op: a natively
//! run program's events would vanish and no test could assert them. [`emit`] writes the same
//! bytes (discriminator + borsh) through the real syscall on SBF, and through the syscall
//! stubs off-chain, where the harness's bridge records them in the transaction log.
use anchor_lang::Event;

/// Emits `event` exactly as `emit!` would on-chain.
pub fn emit<E: Event>(event: &E) {
    let data = event.data();
    #[cfg(target_os = "solana")]
    anchor_lang::solana_program::log::sol_log_data(&[&data]);
    #[cfg(not(target_os = "solana"))]
    solana_sysvar_v3::program_stubs::sol_log_data(&[&data]);
}
