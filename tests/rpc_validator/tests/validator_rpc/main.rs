//! The distributor's JSON-RPC backend (`stk_distributor::chain::rpc::RpcBackend`) and the
//! payout engine's generic submit path against a real validator: an in-process
//! `solana-test-validator` serving JSON-RPC on 127.0.0.1, running the real SPL Token-2022 and
//! associated-token-account programs.
//!
//! One validator serves every case (starting one takes seconds and several threads; two at
//! once on two cores would slow both), so this binary has its own small runner
//! (`harness = false`): cases run one after another, a failing case does not stop the others,
//! and the output keeps libtest's `test … ok` / `test result:` lines. Arguments that are not
//! flags filter cases by substring, as with libtest. The ledger and every temporary file the
//! validator makes live in one scratch directory that is removed at the end.
mod fixture;

use anchor_lang::prelude::Pubkey;
use anchor_spl::token_interface::spl_token_2022::{
    error::TokenError,
    extension::{transfer_fee::instruction::withdraw_withheld_tokens_from_accounts, ExtensionType},
    state::Account as TokenAccountState,
};
use fixture::*;
use futures_util::FutureExt;
use solana_commitment_config::CommitmentConfig;
use solana_compute_budget_interface::ComputeBudgetInstruction;
use solana_signature::Signature;
use std::{
    panic::AssertUnwindSafe,
    process::ExitCode,
    sync::{
        atomic::{AtomicUsize, Ordering},
        Arc,
    },
    time::{Duration, Instant},
};
use stk_client::TOKEN_2022;
use stk_distributor::{
    chain::{
        priority::{self, PriorityFeePolicy},
        recording::RecordingBackend,
        rpc::RpcSettings,
        ChainBackend, ChainError, SignatureStatus,
    },
    payout::engine::EngineError,
};

/// Declares the cases, in the order they run, and their dispatcher.
macro_rules! cases {
    ($($case:ident),* $(,)?) => {
        const CASES: &[&str] = &[$(stringify!($case)),*];

        async fn run_case(name: &str, net: &Net) {
            match name {
                $(stringify!($case) => $case(net).await,)*
                _ => unreachable!("unknown case {name}"),
            }
        }
    };
}

cases![
    associated_token_accounts_are_created_once_through_the_engine,
    transfer_fee_transfers_leave_exact_balances_and_withheld_fees,
    program_accounts_find_every_token_account_holding_withheld_fees,
    failed_transactions_are_reported_with_their_custom_code,
    signature_statuses_follow_the_configured_commitment,
    rpc_failures_are_transport_errors_and_reads_give_up_after_their_retries,
    recent_prioritization_fees_price_what_the_engine_sends,
    // Last: it waits for the blockhash taken at start-up to expire (150 blocks, ~60 s).
    expired_blockhash_is_unknown_and_the_resigned_transfer_lands_once,
];

/// Creating recipients' token accounts through `PayoutEngine::submit_until_landed`, as the
/// engine does before paying: the second submission of the same idempotent instructions
/// lands and changes nothing but the fee.
async fn associated_token_accounts_are_created_once_through_the_engine(net: &Net) {
    let mut backend = net.backend(|_| {});
    let fee_mint = FeeMint::create(&mut backend).await;
    let payer = net.payer();
    let owners = wallets(3);
    let ixs = fee_mint.create_accounts_ixs(&payer, &owners);
    let fee = fee_for(&mut backend, &ixs).await;
    // An account of a transfer-fee mint carries ImmutableOwner and TransferFeeAmount.
    let len = ExtensionType::try_calculate_account_len::<TokenAccountState>(&[
        ExtensionType::ImmutableOwner,
        ExtensionType::TransferFeeAmount,
    ])
    .expect("account size");
    assert_eq!(len, 182);
    let rent = backend.client().get_minimum_balance_for_rent_exemption(len).await.expect("rent");
    for (round, created) in [(1, 3), (2, 0)] {
        let before = backend.balance(&payer).await.expect("balance");
        submit(&mut backend, fee_mint.mint, "create token accounts", &ixs)
            .await
            .unwrap_or_else(|e| panic!("round {round}: {e}"));
        let spent = before - backend.balance(&payer).await.expect("balance");
        assert_eq!(spent, fee + created * rent, "round {round}: fee {fee}, rent {rent} each");
        for owner in &owners {
            let address = fee_mint.account_of(owner);
            let expected = Token { owner: *owner, mint: fee_mint.mint, amount: 0, withheld: 0 };
            assert_eq!(token(&mut backend, &address).await, Some(expected));
            let data = backend.account_data(&address).await.expect("read").expect("exists");
            assert_eq!(data.len(), len);
        }
    }
}

/// `transfer_checked` withholds the fee (rounded up, capped) from what arrives;
/// `transfer_checked_with_fee` states it, which is how a payout grosses up; the withdraw
/// authority collects the withheld fees.
async fn transfer_fee_transfers_leave_exact_balances_and_withheld_fees(net: &Net) {
    let mut backend = net.backend(|_| {});
    let fm = FeeMint::create(&mut backend).await;
    let payer = net.payer();
    let [a, b, c]: [Pubkey; 3] = wallets(3).try_into().expect("three");
    land(&mut backend, &fm.create_accounts_ixs(&payer, &[a, b, c]), &[]).await;

    // 1 % of 12,345 is 123.45: the fee is rounded up to 124.
    land(&mut backend, &[fm.transfer(&payer, &a, 12_345, None)], &[]).await;
    let a_expected = Token { owner: a, mint: fm.mint, amount: 12_221, withheld: 124 };
    assert_eq!(token(&mut backend, &fm.account_of(&a)).await, Some(a_expected));
    // 1 % of 1,000,000 is 10,000, capped at MAX_FEE.
    land(&mut backend, &[fm.transfer(&payer, &b, 1_000_000, Some(MAX_FEE))], &[]).await;
    let b_expected = Token { owner: b, mint: fm.mint, amount: 995_000, withheld: MAX_FEE };
    assert_eq!(token(&mut backend, &fm.account_of(&b)).await, Some(b_expected));
    // Grossed up so that exactly 10,000 arrive: 10,102 with a fee of ceil(101.02) = 102.
    land(&mut backend, &[fm.transfer(&payer, &c, 10_102, Some(102))], &[]).await;
    let c_expected = Token { owner: c, mint: fm.mint, amount: 10_000, withheld: 102 };
    assert_eq!(token(&mut backend, &fm.account_of(&c)).await, Some(c_expected));

    let sent = 12_345 + 1_000_000 + 10_102;
    let source = token(&mut backend, &fm.source).await.expect("source");
    assert_eq!((source.amount, source.withheld), (SUPPLY - sent, 0));

    let recipients = [fm.account_of(&a), fm.account_of(&b), fm.account_of(&c)];
    let withdraw = withdraw_withheld_tokens_from_accounts(
        &TOKEN_2022,
        &fm.mint,
        &fm.source,
        &payer,
        &[],
        &recipients.iter().collect::<Vec<_>>(),
    )
    .expect("withdraw withheld");
    land(&mut backend, &[withdraw], &[]).await;
    for (address, amount) in recipients.iter().zip([12_221, 995_000, 10_000]) {
        let after = token(&mut backend, address).await.expect("recipient");
        assert_eq!((after.amount, after.withheld), (amount, 0));
    }
    assert_eq!(token_amount(&mut backend, &fm.source).await, SUPPLY - sent + 124 + MAX_FEE + 102);
    assert_eq!(mint_supply(&mut backend, &fm.mint).await, SUPPLY);
}

/// `getProgramAccounts` as the operator's fee harvest (`distributor fees harvest`) uses it:
/// every token account of the mint and none of another mint's, decoded from base64, and among
/// them the ones holding withheld fees, largest first.
async fn program_accounts_find_every_token_account_holding_withheld_fees(net: &Net) {
    use stk_distributor::ops::scan;
    let mut backend = net.backend(|_| {});
    let fm = FeeMint::create(&mut backend).await;
    let other = FeeMint::create(&mut backend).await;
    let payer = net.payer();
    let [a, b, c]: [Pubkey; 3] = wallets(3).try_into().expect("three");
    land(&mut backend, &fm.create_accounts_ixs(&payer, &[a, b, c]), &[]).await;
    land(&mut backend, &other.create_accounts_ixs(&payer, &[a]), &[]).await;
    land(&mut backend, &[fm.transfer(&payer, &a, 12_345, None)], &[]).await; // withholds 124
    land(&mut backend, &[fm.transfer(&payer, &b, 1_000_000, Some(MAX_FEE))], &[]).await;
    land(&mut backend, &[other.transfer(&payer, &a, 1_000_000, Some(MAX_FEE))], &[]).await;

    let found = backend
        .program_accounts(&TOKEN_2022, &scan::token_account_filters(&fm.mint))
        .await
        .expect("getProgramAccounts")
        .expect("a node lists accounts");
    let mut listed: Vec<Pubkey> = found.iter().map(|(address, _)| *address).collect();
    listed.sort();
    let mut expected = vec![fm.source, fm.account_of(&a), fm.account_of(&b), fm.account_of(&c)];
    expected.sort();
    assert_eq!(listed, expected, "every account of the mint, none of the other mint's");
    assert_eq!(
        scan::with_withheld_fees(&found),
        vec![(fm.account_of(&b), MAX_FEE), (fm.account_of(&a), 124)]
    );
}

/// With preflight the node refuses a failing transaction (nothing lands, nothing is paid);
/// without it the transaction lands and fails, and the status carries the program's custom
/// code; the engine reports such a failure instead of re-sending.
async fn failed_transactions_are_reported_with_their_custom_code(net: &Net) {
    let mut checked = net.backend(|_| {});
    let mut unchecked = net.backend(|s| s.skip_preflight = true);
    let fm = FeeMint::create(&mut checked).await;
    let payer = net.payer();
    let [to]: [Pubkey; 1] = wallets(1).try_into().expect("one");
    land(&mut checked, &fm.create_accounts_ixs(&payer, &[to]), &[]).await;
    let fee_mismatch = token_error(TokenError::FeeMismatch);
    let insufficient = token_error(TokenError::InsufficientFunds);
    let wrong_fee = fm.transfer(&payer, &to, 12_345, Some(1)); // the fee is 124
    let overdraft = fm.transfer(&payer, &to, SUPPLY + 1, None);
    let lamports_before = checked.balance(&payer).await.expect("balance");

    let (tx, _) = sign(&mut checked, std::slice::from_ref(&wrong_fee), &[]).await;
    match checked.send(&tx).await {
        Err(ChainError::RefusedAtPreflight { error, custom_code }) => {
            let needle = format!("custom program error: {fee_mismatch:#x}");
            assert!(error.contains(&needle), "{error}");
            assert_eq!(custom_code, Some(fee_mismatch));
        }
        other => panic!("expected the node to refuse it, got {other:?}"),
    }
    assert_eq!(
        checked.signature_status(&tx.signatures[0]).await.unwrap(),
        SignatureStatus::Unknown
    );

    let (tx, _) = sign(&mut unchecked, &[overdraft], &[]).await;
    unchecked.send(&tx).await.expect("handed over without preflight");
    match confirm(&mut unchecked, &tx.signatures[0]).await {
        SignatureStatus::Failed { error, custom_code } => {
            assert_eq!(custom_code, Some(insufficient), "{error}");
            assert!(error.contains(&format!("Custom({insufficient})")), "{error}");
        }
        other => panic!("expected a failure, got {other:?}"),
    }

    match submit(&mut unchecked, fm.mint, "wrong fee", std::slice::from_ref(&wrong_fee)).await {
        Err(EngineError::Refused { what, error }) => {
            assert_eq!(what, "wrong fee");
            assert!(error.contains(&format!("Custom({fee_mismatch})")), "{error}");
        }
        other => panic!("expected the engine to report the failure, got {other:?}"),
    }
    // With preflight a program's refusal is the engine's failure at once (nothing landed,
    // no fee), not a transaction to wait out until its blockhash expires.
    let started = Instant::now();
    match submit(&mut checked, fm.mint, "wrong fee", &[wrong_fee]).await {
        Err(EngineError::Refused { what, error }) => {
            assert_eq!(what, "wrong fee");
            assert!(error.contains(&format!("{fee_mismatch:#x}")), "{error}");
        }
        other => panic!("expected the engine to report the refusal, got {other:?}"),
    }
    assert!(started.elapsed() < Duration::from_secs(20), "not waited out: {:?}", started.elapsed());

    assert_eq!(token_amount(&mut checked, &fm.source).await, SUPPLY);
    assert_eq!(token_amount(&mut checked, &fm.account_of(&to)).await, 0);
    // The two that landed and failed paid their fee; the refused one cost nothing.
    let fee = fee_for(&mut checked, &[fm.transfer(&payer, &to, 1, None)]).await;
    assert_eq!(lamports_before - checked.balance(&payer).await.expect("balance"), 2 * fee);
}

/// A status counts only at the backend's commitment: right after confirmation a `finalized`
/// backend still reports the transaction as unknown (and the old balance), ~32 slots later
/// as succeeded.
async fn signature_statuses_follow_the_configured_commitment(net: &Net) {
    let mut processed = net.backend(|s| s.commitment = CommitmentConfig::processed());
    let mut confirmed = net.backend(|s| s.commitment = CommitmentConfig::confirmed());
    let mut finalized = net.backend(|s| s.commitment = CommitmentConfig::finalized());
    let payer = net.payer();
    let to = wallets(1)[0];
    let lamports = 2_000_000;
    let ix = solana_system_interface::instruction::transfer(&payer, &to, lamports);
    let signature = land(&mut confirmed, &[ix], &[]).await;

    assert_eq!(processed.signature_status(&signature).await.unwrap(), SignatureStatus::Succeeded);
    assert_eq!(finalized.signature_status(&signature).await.unwrap(), SignatureStatus::Unknown);
    assert_eq!(confirmed.balance(&to).await.unwrap(), lamports);
    assert_eq!(finalized.balance(&to).await.unwrap(), 0);
    let (final_height, confirmed_height) =
        (finalized.block_height().await.unwrap(), confirmed.block_height().await.unwrap());
    assert!(final_height < confirmed_height, "{final_height} vs {confirmed_height}");

    let waited = Instant::now();
    assert_eq!(confirm(&mut finalized, &signature).await, SignatureStatus::Succeeded);
    assert_eq!(finalized.balance(&to).await.unwrap(), lamports);
    println!("    finalized {:.1?} after confirmation", waited.elapsed());
}

/// A dead endpoint: every call is a `Transport` error (outcome unknown) naming the endpoint;
/// reads are retried `read_retries` times with doubling delays, sends never; the engine
/// stops with the transport error.
async fn rpc_failures_are_transport_errors_and_reads_give_up_after_their_retries(net: &Net) {
    let dead = |url: String| {
        move |s: &mut RpcSettings| {
            s.url = url;
            s.read_retries = 3;
            s.initial_backoff = Duration::from_millis(50);
            s.request_timeout = Duration::from_secs(2);
        }
    };
    let payer = net.payer();
    let tx = sign_with(
        &net.payer,
        &[solana_system_interface::instruction::transfer(&payer, &payer, 1)],
        &[],
        net.stale.blockhash,
    );

    // A closed port.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap();
    let mut backend = net.backend(dead(format!("http://{closed}")));
    let started = Instant::now();
    let message = transport(backend.latest_blockhash().await);
    assert!(started.elapsed() >= Duration::from_millis(50 + 100 + 200), "backed off");
    assert!(message.contains(&closed.to_string()), "names the endpoint: {message}");
    assert!(message.contains("getLatestBlockhash"), "names the method: {message}");
    assert!(message.contains("Connection refused"), "names the cause: {message}");
    println!("    {message}");
    transport(backend.block_height().await);
    transport(backend.balance(&payer).await);
    transport(backend.account_data(&payer).await);
    transport(backend.signature_status(&Signature::default()).await);
    transport(backend.send(&tx).await);
    transport(backend.recent_prioritization_fees(&[payer]).await);
    let ix = solana_system_interface::instruction::transfer(&payer, &payer, 1);
    match submit(&mut backend, Pubkey::new_unique(), "transfer", &[ix]).await {
        Err(EngineError::Chain(ChainError::Transport(_))) => {}
        other => panic!("expected the engine to stop with the transport error, got {other:?}"),
    }

    // A server that accepts connections and hangs up: count the attempts.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let attempts = Arc::new(AtomicUsize::new(0));
    let server = tokio::spawn({
        let attempts = attempts.clone();
        async move {
            while let Ok((stream, _)) = listener.accept().await {
                attempts.fetch_add(1, Ordering::SeqCst);
                drop(stream);
            }
        }
    });
    let mut backend = net.backend(dead(format!("http://{address}")));
    println!("    {}", transport(backend.latest_blockhash().await));
    assert_eq!(attempts.load(Ordering::SeqCst), 4, "one attempt and three retries");
    transport(backend.send(&tx).await);
    assert_eq!(attempts.load(Ordering::SeqCst), 5, "a send is never repeated by the backend");
    server.abort();
}

/// Issue 18.10 over JSON-RPC: the price is the configured percentile of the node's recent
/// prioritization fees for the accounts the transaction writes, at least the floor, at most
/// the cap, raised by half at the next attempt; the engine's transaction carries it
/// (`SetComputeUnitPrice`) and pays exactly the fee the node quotes for it.
async fn recent_prioritization_fees_price_what_the_engine_sends(net: &Net) {
    let mut backend = net.backend(|_| {});
    let payer = net.payer();
    let to = wallets(1)[0];
    let transfer = solana_system_interface::instruction::transfer(&payer, &to, 1_000_000);
    // Three slots write `to` at no priority, then one at 7,000 micro-lamports per CU.
    for _ in 0..3 {
        land(&mut backend, std::slice::from_ref(&transfer), &[]).await;
    }
    let priced = [
        ComputeBudgetInstruction::set_compute_unit_limit(10_000),
        ComputeBudgetInstruction::set_compute_unit_price(7_000),
        transfer.clone(),
    ];
    let fee = fee_for(&mut backend, &priced).await;
    let base = fee_for(&mut backend, std::slice::from_ref(&transfer)).await;
    assert_eq!(fee - base, 70, "7,000 micro-lamports x 10,000 CU");
    let before = backend.balance(&payer).await.unwrap();
    land(&mut backend, &priced, &[]).await;
    assert_eq!(before - backend.balance(&payer).await.unwrap(), fee + 1_000_000);

    let policy = |percentile, floor_micro_lamports, cap_micro_lamports| PriorityFeePolicy {
        percentile,
        floor_micro_lamports,
        cap_micro_lamports,
        raise_percent_per_attempt: 50,
    };
    let probe = std::slice::from_ref(&transfer);
    let mut top = net.backend(|s| s.priority_fee = policy(100, 0, 1_000_000));
    let deadline = Deadline::new("the node's recent prioritization fees", Duration::from_secs(90));
    while priority::price_for(&mut top, probe, 0).await != 7_000 {
        deadline.tick().await;
    }
    assert_eq!(priority::price_for(&mut top, probe, 1).await, 10_500, "raised at the next attempt");
    let mut capped = net.backend(|s| s.priority_fee = policy(100, 0, 2_500));
    assert_eq!(priority::price_for(&mut capped, probe, 0).await, 2_500, "capped");
    let mut median = net.backend(|s| s.priority_fee = policy(50, 0, 1_000_000));
    assert_eq!(priority::price_for(&mut median, probe, 0).await, 0, "median");
    let mut floored = net.backend(|s| s.priority_fee = policy(50, 300, 1_000_000));
    assert_eq!(priority::price_for(&mut floored, probe, 0).await, 300, "floor");
    let mut off = net.backend(|_| {});
    assert_eq!(priority::price_for(&mut off, probe, 0).await, 0, "off by default");

    // The engine's transaction carries the price and pays what the node quotes for it.
    let quoted = fee_for(
        &mut top,
        &priority::budget(None, 7_000).into_iter().chain([transfer.clone()]).collect::<Vec<_>>(),
    )
    .await;
    assert!(quoted > base, "{quoted} > {base}");
    let mut recording = RecordingBackend::new(top);
    let before = recording.balance(&payer).await.unwrap();
    submit(&mut recording, Pubkey::new_unique(), "priced transfer", probe).await.expect("lands");
    let after = recording.balance(&payer).await.unwrap();
    assert_eq!(recording.sent.len(), 1);
    assert_eq!(priority::price_of(&recording.sent[0]), Some(7_000));
    assert_eq!(recording.fee_queries, vec![vec![payer, to]], "asked for the written accounts");
    assert_eq!(before - after, quoted + 1_000_000);
}

/// A transfer signed with a blockhash past its last valid block height: the node refuses it
/// at preflight; without preflight it is handed over but never lands, and the backend keeps
/// reporting it unknown while the block height is past the limit — the engine's cue to sign
/// again. The re-signed transfer lands, and the recipient is paid exactly once.
async fn expired_blockhash_is_unknown_and_the_resigned_transfer_lands_once(net: &Net) {
    let mut checked = net.backend(|_| {});
    let mut unchecked = net.backend(|s| s.skip_preflight = true);
    let fm = FeeMint::create(&mut checked).await;
    let payer = net.payer();
    let to = wallets(1)[0];
    land(&mut checked, &fm.create_accounts_ixs(&payer, &[to]), &[]).await;

    let stale = net.stale;
    let deadline = Deadline::new("the start-up blockhash to expire", Duration::from_secs(180));
    while checked.block_height().await.unwrap() <= stale.last_valid_block_height {
        deadline.tick().await;
    }
    let transfer = fm.transfer(&payer, &to, 12_345, None);
    let old = sign_with(&net.payer, std::slice::from_ref(&transfer), &[], stale.blockhash);
    match checked.send(&old).await {
        Err(ChainError::Rejected(message)) => {
            assert!(message.to_lowercase().contains("blockhash not found"), "{message}")
        }
        other => panic!("expected the node to refuse an expired blockhash, got {other:?}"),
    }
    unchecked.send(&old).await.expect("handed over without preflight");
    for _ in 0..10 {
        assert_eq!(
            unchecked.signature_status(&old.signatures[0]).await.unwrap(),
            SignatureStatus::Unknown
        );
        assert!(unchecked.block_height().await.unwrap() > stale.last_valid_block_height);
        unchecked.wait().await;
    }

    let (new, _) = sign(&mut unchecked, &[transfer], &[]).await;
    assert_ne!(new.signatures[0], old.signatures[0]);
    unchecked.send(&new).await.expect("send");
    assert_eq!(confirm(&mut unchecked, &new.signatures[0]).await, SignatureStatus::Succeeded);
    assert_eq!(
        unchecked.signature_status(&old.signatures[0]).await.unwrap(),
        SignatureStatus::Unknown
    );
    let paid = Token { owner: to, mint: fm.mint, amount: 12_221, withheld: 124 };
    assert_eq!(token(&mut checked, &fm.account_of(&to)).await, Some(paid));
    assert_eq!(token_amount(&mut checked, &fm.source).await, SUPPLY - 12_345);
}

/// The message of a `Transport` error; panics on anything else.
fn transport<T: std::fmt::Debug>(result: Result<T, ChainError>) -> String {
    match result {
        Err(error @ ChainError::Transport(_)) => error.to_string(),
        other => panic!("expected a transport error, got {other:?}"),
    }
}

fn main() -> ExitCode {
    let (filters, list) = parse_args();
    let selected: Vec<&str> = CASES
        .iter()
        .copied()
        .filter(|case| filters.is_empty() || filters.iter().any(|f| case.contains(f.as_str())))
        .collect();
    if list {
        selected.iter().for_each(|case| println!("{case}: test"));
        return ExitCode::SUCCESS;
    }
    let filtered_out = CASES.len() - selected.len();
    println!("\nrunning {} tests", selected.len());
    let started = Instant::now();
    let mut failed = vec![];
    if !selected.is_empty() {
        // One scratch directory for the ledger and every temporary file of the validator
        // (set before any thread starts), removed at the end.
        let scratch =
            std::env::temp_dir().join(format!(".tmp-stk-rpc-validator-{}", std::process::id()));
        std::fs::create_dir_all(scratch.join("tmp")).expect("scratch directory");
        std::env::set_var("TMPDIR", scratch.join("tmp"));
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .expect("runtime");
        let net = runtime.block_on(async {
            let net = Net::start(&scratch.join("ledger")).await;
            for case in &selected {
                let case_started = Instant::now();
                let outcome = AssertUnwindSafe(run_case(case, &net)).catch_unwind().await;
                let verdict = if outcome.is_ok() { "ok" } else { "FAILED" };
                println!("test {case} ... {verdict} ({:.1?})", case_started.elapsed());
                if outcome.is_err() {
                    failed.push(*case);
                }
            }
            net
        });
        // Outside the runtime: the validator joins its own threads and runtimes.
        net.stop();
        drop(runtime);
        std::fs::remove_dir_all(&scratch).expect("remove the scratch directory");
    }
    let verdict = if failed.is_empty() { "ok" } else { "FAILED" };
    if !failed.is_empty() {
        println!("\nfailures:");
        failed.iter().for_each(|case| println!("    {case}"));
    }
    println!(
        "\ntest result: {verdict}. {} passed; {} failed; 0 ignored; 0 measured; {filtered_out} \
         filtered out; finished in {:.2}s\n",
        selected.len() - failed.len(),
        failed.len(),
        started.elapsed().as_secs_f64()
    );
    if failed.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

/// libtest-style arguments: bare words filter by substring, `--list` lists; other flags (and
/// the values of those that take one) are accepted and ignored.
fn parse_args() -> (Vec<String>, bool) {
    let mut filters = vec![];
    let mut list = false;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--list" => list = true,
            "--test-threads" | "--format" | "--color" | "--logfile" | "--skip" | "-Z" => {
                args.next();
            }
            flag if flag.starts_with('-') => {}
            filter => filters.push(filter.to_string()),
        }
    }
    (filters, list)
}
