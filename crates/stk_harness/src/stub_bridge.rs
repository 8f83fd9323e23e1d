//! One syscall-stub object shared by `solana-sysvar` 4.x (where program-test installs it) and
//! `solana-sysvar` 3.x (through which Anchor's solana-v3 cohort reads sysvars and invokes).
use anchor_lang::solana_program::{
    account_info::AccountInfo, instruction::Instruction, program_error::ProgramResult,
    pubkey::Pubkey,
};
use solana_sysvar_v3::program_stubs as v3;
use solana_sysvar_v4::program_stubs as v4;
use std::sync::{Arc, Once};

/// `Program data: <base64 field> <base64 field>…`, as the runtime logs `sol_log_data`.
pub fn render_program_data(fields: &[&[u8]]) -> String {
    use base64::Engine;
    let engine = base64::engine::general_purpose::STANDARD;
    let encoded: Vec<String> = fields.iter().map(|f| engine.encode(f)).collect();
    format!("Program data: {}", encoded.join(" "))
}

/// Occupies the v4 slot for the instant it takes to lift program-test's stubs out of it.
struct Vacant;
impl v4::SyscallStubs for Vacant {}

/// Forwards every syscall to program-test's own stubs.
struct Forward(Arc<dyn v4::SyscallStubs>);

macro_rules! forward_all {
    () => {
        fn sol_log(&self, message: &str) {
            self.0.sol_log(message)
        }
        fn sol_log_compute_units(&self) {
            self.0.sol_log_compute_units()
        }
        fn sol_remaining_compute_units(&self) -> u64 {
            self.0.sol_remaining_compute_units()
        }
        fn sol_invoke_signed(
            &self,
            instruction: &Instruction,
            account_infos: &[AccountInfo],
            signers_seeds: &[&[&[u8]]],
        ) -> ProgramResult {
            self.0.sol_invoke_signed(instruction, account_infos, signers_seeds)
        }
        fn sol_get_sysvar(&self, id: *const u8, out: *mut u8, offset: u64, len: u64) -> u64 {
            self.0.sol_get_sysvar(id, out, offset, len)
        }
        fn sol_get_clock_sysvar(&self, out: *mut u8) -> u64 {
            self.0.sol_get_clock_sysvar(out)
        }
        fn sol_get_epoch_schedule_sysvar(&self, out: *mut u8) -> u64 {
            self.0.sol_get_epoch_schedule_sysvar(out)
        }
        fn sol_get_fees_sysvar(&self, out: *mut u8) -> u64 {
            self.0.sol_get_fees_sysvar(out)
        }
        fn sol_get_rent_sysvar(&self, out: *mut u8) -> u64 {
            self.0.sol_get_rent_sysvar(out)
        }
        fn sol_get_epoch_rewards_sysvar(&self, out: *mut u8) -> u64 {
            self.0.sol_get_epoch_rewards_sysvar(out)
        }
        fn sol_get_last_restart_slot(&self, out: *mut u8) -> u64 {
            self.0.sol_get_last_restart_slot(out)
        }
        fn sol_get_epoch_stake(&self, vote_address: *const u8) -> u64 {
            self.0.sol_get_epoch_stake(vote_address)
        }
        unsafe fn sol_memcpy(&self, dst: *mut u8, src: *const u8, n: usize) {
            unsafe { self.0.sol_memcpy(dst, src, n) }
        }
        unsafe fn sol_memmove(&self, dst: *mut u8, src: *const u8, n: usize) {
            unsafe { self.0.sol_memmove(dst, src, n) }
        }
        unsafe fn sol_memcmp(&self, a: *const u8, b: *const u8, n: usize, result: *mut i32) {
            unsafe { self.0.sol_memcmp(a, b, n, result) }
        }
        unsafe fn sol_memset(&self, s: *mut u8, c: u8, n: usize) {
            unsafe { self.0.sol_memset(s, c, n) }
        }
        fn sol_get_return_data(&self) -> Option<(Pubkey, Vec<u8>)> {
            self.0.sol_get_return_data()
        }
        fn sol_set_return_data(&self, data: &[u8]) {
            self.0.sol_set_return_data(data)
        }
        fn sol_log_data(&self, fields: &[&[u8]]) {
            // program-test's stubs have no `sol_log_data`; record it the way the runtime's
            // stable log renders it, through `sol_log` (which prefixes "Program log: ").
            self.0.sol_log(&render_program_data(fields))
        }
        fn sol_get_processed_sibling_instruction(&self, index: usize) -> Option<Instruction> {
            self.0.sol_get_processed_sibling_instruction(index)
        }
        fn sol_get_stack_height(&self) -> u64 {
            self.0.sol_get_stack_height()
        }
    };
}

impl v4::SyscallStubs for Forward {
    forward_all!();
}
impl v3::SyscallStubs for Forward {
    forward_all!();
}

/// Installs the bridge once per process. Call after the first program-test context started
/// (program-test installs its v4 stubs then) and before the first transaction. Tests run in
/// parallel threads of one process, hence the `Once`.
pub fn install() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let program_test_stubs: Arc<dyn v4::SyscallStubs> =
            v4::set_syscall_stubs(Box::new(Vacant)).into();
        v4::set_syscall_stubs(Box::new(Forward(program_test_stubs.clone())));
        v3::set_syscall_stubs(Box::new(Forward(program_test_stubs)));
    });
}

/// Installs program-test's syscall stubs and the bridge without keeping a ledger: for a
/// process that runs the programs in another bank (the localnet's validator). program-test
/// installs its stubs only while it sets up a bank, so a bare `ProgramTest` (no programs) is
/// started once on a throwaway runtime in its own thread (callable from inside a runtime) and
/// dropped with it. Idempotent.
pub fn install_standalone() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        std::thread::spawn(|| {
            let runtime = solana_program_test::tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("a runtime for the stub installation");
            runtime.block_on(async {
                drop(solana_program_test::ProgramTest::default().start().await);
            });
        })
        .join()
        .expect("program-test set up its bank");
        install();
    });
}
