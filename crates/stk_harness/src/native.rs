//! Native processors for the five programs.
//!
//! Anchor's generated `entry` takes one `'info` lifetime for the program id, the accounts and
//! the data, while program-test's `ProcessInstruction` is generic over four. The runtime keeps
//! all three alive for the whole call, so narrowing them to one lifetime is sound: the adapter
//! changes lifetimes only, never layouts.
use anchor_lang::solana_program::{
    account_info::AccountInfo, entrypoint::ProgramResult, pubkey::Pubkey,
};
use solana_program_runtime::invoke_context::BuiltinFunctionRegisterer;
use solana_program_test::{processor, ProgramTest};

macro_rules! native_processor {
    ($fn_name:ident, $program:ident) => {
        fn $fn_name<'a, 'b, 'c, 'd>(
            program_id: &'a Pubkey,
            accounts: &'b [AccountInfo<'c>],
            data: &'d [u8],
        ) -> ProgramResult {
            // SAFETY: see the module documentation; only lifetimes are narrowed.
            let accounts: &'c [AccountInfo<'c>] = unsafe { std::mem::transmute(accounts) };
            let program_id: &'c Pubkey = unsafe { std::mem::transmute(program_id) };
            let data: &'c [u8] = unsafe { std::mem::transmute(data) };
            $program::entry(program_id, accounts, data)
        }
    };
}

native_processor!(stk_mint_processor, stk_mint);
native_processor!(stk_treasury_processor, stk_treasury);
native_processor!(stk_vesting_processor, stk_vesting);
native_processor!(stk_staking_processor, stk_staking);
native_processor!(stk_startup_fund_processor, stk_startup_fund);

/// One of the five programs as a native builtin: what a bank needs to run it.
#[derive(Clone, Copy)]
pub struct NativeProgram {
    pub name: &'static str,
    pub id: Pubkey,
    /// Registers the program's native processor (through the lifetime adapter above) with a
    /// bank's builtin table, as `ProgramTest::add_program` or `Bank::add_builtin` take it.
    pub register: BuiltinFunctionRegisterer,
}

/// The five programs as native builtins: the harness loads them into program-test, the
/// localnet (`crates/stk_localnet`) into a real validator's bank.
pub fn programs() -> [NativeProgram; 5] {
    // `processor!` needs a function path (it builds a type around it), hence one line each.
    let native = |name: &'static str, id: Pubkey, register: Option<BuiltinFunctionRegisterer>| {
        NativeProgram {
            name,
            id,
            register: register.expect("processor! always yields a registerer"),
        }
    };
    [
        native("stk_mint", stk_mint::ID, processor!(stk_mint_processor)),
        native("stk_treasury", stk_treasury::ID, processor!(stk_treasury_processor)),
        native("stk_vesting", stk_vesting::ID, processor!(stk_vesting_processor)),
        native("stk_staking", stk_staking::ID, processor!(stk_staking_processor)),
        native("stk_startup_fund", stk_startup_fund::ID, processor!(stk_startup_fund_processor)),
    ]
}

/// A `ProgramTest` with the five programs loaded natively and mainnet's account-lock limit.
pub fn program_test() -> ProgramTest {
    let mut pt = ProgramTest::default();
    pt.prefer_bpf(false);
    for program in programs() {
        pt.add_program(program.name, program.id, Some(program.register));
    }
    // program-test enables every feature (128 account locks); mainnet allows 64. Batch sizes
    // measured here must hold on mainnet.
    pt.set_transaction_account_lock_limit(64);
    pt
}
