//! The treasury's directive quote (DESIGN §5.4) against the **default** emission schedule,
//! through the harness with the real Token-2022 program: the price of a quarter is the
//! backing through that quarter over the STK the schedule issued through that quarter
//! (genesis included), whenever it is published. Invariant 12 of
//! programs/stk_treasury/README.md.
use stk_common::{fixed::format_price, seeds};
use stk_harness::{
    decode_events,
    stk_client::treasury as treasury_ix,
    treasury::{TreasurySetup, TreasurySetupArgs},
    Ledger,
};
use stk_mint::state::MintConfig;
use stk_treasury::{
    events,
    math::{bps_of, quote_price},
    state::QuarterQuote,
};

/// The source's example in STK base units: 500k + 1,000k = 1,500k STK issued.
const SOURCE_TOKENS: u128 = 1_500_000 * 1_000_000;

#[tokio::test]
async fn the_quote_divides_by_what_the_schedule_issued_through_the_quarter() {
    let mut ledger = Ledger::start().await;
    let t = TreasurySetup::initialize(&mut ledger, TreasurySetupArgs::default()).await;
    let (admin, schedule) = (t.admin, t.stk.schedule);
    assert_eq!((schedule.num_quarters, schedule.decay_num, schedule.decay_den), (40, 95, 100));
    assert_eq!(schedule.genesis_bps, 1_000, "the default schedule, 10% genesis");

    // The denominators: genesis counts from quarter 0 on (it is issued STK, sold to members).
    let issued_q0 = schedule.issued_through(0).unwrap();
    let issued_q1 = schedule.issued_through(1).unwrap();
    assert_eq!(issued_q0, schedule.genesis_amount() + schedule.quarter_emission(0).unwrap());
    assert_eq!(issued_q1, issued_q0 + schedule.quarter_emission(1).unwrap());
    assert_eq!(issued_q1 / 1_000_000, 4_214_487, "≈ 2.1M genesis + 1.08M + 1.03M STK");

    // The source's plain example (no one-time receipts): 333k RUB a month this quarter, half
    // backs the token (≈500k), 1,500k of backing from earlier quarters, 1,500k STK issued ->
    // 2,000k / 1,500k ≈ 1.33 RUB per STK. The default schedule has issued ≈4,214k STK by the
    // end of quarter 1 instead of 1,500k, so every rouble amount is scaled by the same factor
    // (issued / 1,500k ≈ 2.81): quarter 0's budget is "3,000k RUB" (its half is the earlier
    // 1,500k of backing) and quarter 1's is "3 × 333k RUB", both scaled, in kopecks.
    let scaled_kopecks = |rub: u64| (rub as u128 * 100 * issued_q1 as u128 / SOURCE_TOKENS) as u64;
    let (budget_q0, budget_q1) = (scaled_kopecks(3_000_000), scaled_kopecks(3 * 333_000));
    let (backing_q0, backing_q1) = (bps_of(budget_q0, 5_000), bps_of(budget_q1, 5_000));
    for (quarter, budget) in [(0, budget_q0), (1, budget_q1)] {
        let ix = treasury_ix::record_quarter_budget(&admin, quarter, budget, 5_000);
        Ledger::ok(ledger.send(&[ix], &[]).await);
    }

    // Quarter 1's quote, published before anything is minted — not even genesis.
    let config: MintConfig = ledger.anchor_account(&seeds::find_mint_config()).await;
    assert_eq!(config.total_minted, 0);
    let ok = Ledger::ok(ledger.send(&[treasury_ix::publish_quote(&admin, 1)], &[]).await);
    let q1: QuarterQuote = ledger.anchor_account(&seeds::find_quarter_quote(1)).await;
    assert_eq!(q1.receipts_recognized, 0);
    assert_eq!(q1.cumulative_backing, backing_q0 + backing_q1);
    assert_eq!(q1.tokens_issued, issued_q1);
    assert_eq!(q1.price, quote_price(backing_q0 + backing_q1, 2, issued_q1, 6).unwrap());
    // 1,999.5k / 1,500k = 1.333 RUB per STK, up to the kopeck rounding of the scaled budgets.
    assert!(q1.price.abs_diff(1_333_000_000) < 100, "{}", format_price(q1.price));
    let ev = decode_events::<events::QuotePublished>(&ok.events);
    assert_eq!((ev[0].quarter, ev[0].tokens_issued, ev[0].price), (1, issued_q1, q1.price));

    // Quarter 0's quote, published after genesis and three quarters were minted: still its
    // own quarter's denominator, not what the mint has issued by now.
    Ledger::ok(t.stk.mint_genesis(&mut ledger).await);
    for q in 0..3 {
        Ledger::ok(t.stk.mint_quarter(&mut ledger, q, true).await);
    }
    let config: MintConfig = ledger.anchor_account(&seeds::find_mint_config()).await;
    assert_eq!(config.total_minted, schedule.issued_through(2).unwrap());
    assert!(config.total_minted > issued_q0);
    Ledger::ok(ledger.send(&[treasury_ix::publish_quote(&admin, 0)], &[]).await);
    let q0: QuarterQuote = ledger.anchor_account(&seeds::find_quarter_quote(0)).await;
    assert_eq!(q0.tokens_issued, issued_q0);
    assert_eq!(q0.price, quote_price(backing_q0, 2, issued_q0, 6).unwrap());
    // 1,500k "earlier" backing over genesis + quarter 0 alone.
    assert!(format_price(q0.price).starts_with("1.32"), "{}", format_price(q0.price));
    // Quarter 1's published quote is history: unchanged by the later mints.
    let q1_again: QuarterQuote = ledger.anchor_account(&seeds::find_quarter_quote(1)).await;
    assert_eq!(
        (q1_again.price, q1_again.tokens_issued, q1_again.published_at),
        (q1.price, q1.tokens_issued, q1.published_at)
    );
}
