//! How many recipients one `distribute_batch` transaction can pay — a benchmark, not a test.
//!
//! ```text
//! cargo bench --workspace --bench batch_size
//! ```
//!
//! For each transaction form it finds the largest batch that fits both the 1,232-byte packet
//! (bincode size of the signed `VersionedTransaction`, which the ledger does not enforce) and
//! the 64-account-lock limit (which the ledger does enforce), makes those batches the month's
//! payout plan (proposed, roots written, approved by the admin), sends each batch for real —
//! the plan page is one of its fixed accounts, no proof travels in the transaction — checks
//! every recipient's balance, and prints recipients per transaction, bytes per transaction and
//! lamports of fees per recipient. The distributor signs alone and pays the fee (one signature).
//! It exits non-zero if the measured maxima differ from the constants the distributor uses
//! (`stk_client::treasury::MAX_RECIPIENTS_*`).
use anchor_lang::prelude::Pubkey;
use solana_instruction::Instruction;
use solana_signer::Signer;
use std::collections::HashMap;
use stk_harness::{
    alt::{self, AddressLookupTableAccount, MAX_TX_ACCOUNT_LOCKS, PACKET_DATA_SIZE},
    stk_client::treasury::{
        self as treasury_ix, MAX_RECIPIENTS_LEGACY, MAX_RECIPIENTS_WITH_LOOKUP_TABLE,
    },
    treasury::{PayoutPlan, TreasurySetup},
    Ledger,
};

/// Recipients prepared (more than any form can fit).
const POOL: usize = 90;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Form {
    /// Legacy transaction, `distribute_batch` only (the default 200k CU per instruction).
    Legacy,
    /// Legacy transaction with `SetComputeUnitLimit` (needed for large batches on SBF).
    LegacyWithComputeLimit,
    /// v0 transaction, every account in a lookup table, with `SetComputeUnitLimit`.
    LookupTable,
}

impl Form {
    fn name(self) -> &'static str {
        match self {
            Form::Legacy => "legacy",
            Form::LegacyWithComputeLimit => "legacy + SetComputeUnitLimit",
            Form::LookupTable => "v0 + lookup table + SetComputeUnitLimit",
        }
    }
}

struct Bench {
    t: TreasurySetup,
    month: u32,
    recipients: Vec<Pubkey>,
    table: AddressLookupTableAccount,
}

impl Bench {
    /// The planned lines of a batch of `n`: the first `n` recipients, `1,000 + i` each.
    fn lines(&self, n: usize) -> Vec<(Pubkey, u64)> {
        self.recipients[..n].iter().zip(0u64..).map(|(r, i)| (*r, 1_000 + i)).collect()
    }

    fn instructions(&self, form: Form, n: usize, batch_index: u16) -> Vec<Instruction> {
        let amounts = (0..n as u64).map(|i| 1_000 + i).collect();
        let batch = treasury_ix::distribute_batch(
            &self.t.distributor.pubkey(),
            self.month,
            batch_index,
            &self.recipients[..n],
            amounts,
        );
        match form {
            Form::Legacy => vec![batch],
            _ => vec![treasury_ix::batch_compute_unit_limit(n), batch],
        }
    }

    fn transaction(
        &self,
        form: Form,
        n: usize,
        batch_index: u16,
        blockhash: solana_hash::Hash,
    ) -> solana_transaction::versioned::VersionedTransaction {
        let ixs = self.instructions(form, n, batch_index);
        match form {
            Form::LookupTable => alt::v0_transaction(
                &self.t.distributor,
                &ixs,
                &[],
                std::slice::from_ref(&self.table),
                blockhash,
            ),
            _ => alt::legacy_transaction(&self.t.distributor, &ixs, &[], blockhash),
        }
    }
}

struct Row {
    form: Form,
    recipients: usize,
    bytes: usize,
    locks: usize,
    binding: &'static str,
    fee_lamports: u64,
    compute_units: u64,
}

const FORMS: [Form; 3] = [Form::Legacy, Form::LegacyWithComputeLimit, Form::LookupTable];

async fn run() -> Vec<Row> {
    let mut ledger = Ledger::start().await;
    let (t, month) = TreasurySetup::for_payouts(&mut ledger).await;
    let recipients: Vec<Pubkey> =
        t.create_recipients(&mut ledger, POOL).await.into_iter().map(|(_, a)| a).collect();
    // Batches 0..3 all live in plan page 0.
    let mut table_addresses = treasury_ix::distribute_batch_fixed_accounts(month, 0);
    table_addresses.extend(recipients.iter().copied());
    let table = alt::create_lookup_table(&mut ledger, &table_addresses).await;
    let table_rent = ledger.lamports(&table.key).await;
    let bench = Bench { t, month, recipients, table };

    // Batch i is the largest batch of form i: measure first, then plan and approve them.
    let blockhash = ledger.ctx.get_new_latest_blockhash().await.expect("blockhash");
    let sizes: Vec<usize> = FORMS
        .iter()
        .zip(0u16..)
        .map(|(form, batch_index)| {
            let fits = |n: usize| alt::fits(&bench.transaction(*form, n, batch_index, blockhash));
            (0..POOL).take_while(|n| fits(n + 1)).count()
        })
        .collect();
    let plan = PayoutPlan::new(month, [0; 32], sizes.iter().map(|n| bench.lines(*n)).collect())
        .with_total(1_000_000_000);
    bench.t.open_approved(&mut ledger, &plan).await;

    let mut expected: HashMap<Pubkey, u64> = HashMap::new();
    let mut rows = vec![];
    for ((form, n), batch_index) in FORMS.into_iter().zip(sizes).zip(0u16..) {
        let blockhash = ledger.ctx.get_new_latest_blockhash().await.expect("blockhash");
        let beyond = bench.transaction(form, n + 1, batch_index, blockhash);
        let binding = if alt::wire_size(&beyond) > PACKET_DATA_SIZE {
            "1,232-byte packet"
        } else {
            "64 account locks"
        };
        // One more recipient than the lock limit allows is refused by the bank itself.
        if alt::account_locks(&beyond) > MAX_TX_ACCOUNT_LOCKS {
            let refused = ledger.send_versioned(beyond).await;
            assert!(refused.is_err(), "{} over the lock limit must be refused", form.name());
        }
        let tx = bench.transaction(form, n, batch_index, blockhash);
        let (bytes, locks) = (alt::wire_size(&tx), alt::account_locks(&tx));
        let payer = bench.t.distributor.pubkey();
        let before = ledger.lamports(&payer).await;
        let ok = Ledger::ok(ledger.send_versioned(tx).await);
        let fee_lamports = before - ledger.lamports(&payer).await;
        for (r, amount) in bench.lines(n) {
            *expected.entry(r).or_default() += amount;
        }
        for r in &bench.recipients[..n] {
            assert_eq!(ledger.token_amount(r).await, expected[r], "recipient {r} paid exactly");
        }
        rows.push(Row {
            form,
            recipients: n,
            bytes,
            locks,
            binding,
            fee_lamports,
            compute_units: ok.compute_units,
        });
    }
    println!(
        "lookup table: {} addresses, rent deposit {} lamports (refundable when closed)",
        bench.table.addresses.len(),
        table_rent
    );
    rows
}

fn main() {
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let rows = runtime.block_on(run());
    println!();
    println!(
        "{:<42} {:>13} {:>9} {:>6} {:>10} {:>14} {:>10}  binds",
        "form", "recipients/tx", "bytes/tx", "locks", "fee (lam)", "lam/recipient", "T22 CU"
    );
    for r in &rows {
        println!(
            "{:<42} {:>13} {:>9} {:>6} {:>10} {:>14.1} {:>10}  {}",
            r.form.name(),
            r.recipients,
            r.bytes,
            r.locks,
            r.fee_lamports,
            r.fee_lamports as f64 / r.recipients as f64,
            r.compute_units,
            r.binding
        );
    }
    println!(
        "(T22 CU: compute units of the Token-2022 transfers only; the treasury runs natively here)"
    );
    let measured = |f: Form| rows.iter().find(|r| r.form == f).map(|r| r.recipients).unwrap();
    let legacy = measured(Form::Legacy);
    let with_table = measured(Form::LookupTable);
    if legacy != MAX_RECIPIENTS_LEGACY || with_table != MAX_RECIPIENTS_WITH_LOOKUP_TABLE {
        eprintln!(
            "measured {legacy} / {with_table} but stk_client::treasury says {MAX_RECIPIENTS_LEGACY} / \
             {MAX_RECIPIENTS_WITH_LOOKUP_TABLE}: update the constants"
        );
        std::process::exit(1);
    }
    println!(
        "constants agree: MAX_RECIPIENTS_LEGACY = {legacy}, MAX_RECIPIENTS_WITH_LOOKUP_TABLE = {with_table}"
    );
}
