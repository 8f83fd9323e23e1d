//! The main job on an embedded local ledger: the five programs run natively inside a
//! program-test bank, with the real Token-2022 program.
use anchor_lang::prelude::Pubkey;
use anchor_spl::token_interface::{
    spl_token_2022::{
        extension::{
            transfer_fee::TransferFeeConfig, BaseStateWithExtensions, StateWithExtensions,
        },
        state::Mint as MintState,
    },
    spl_token_metadata_interface::state::TokenMetadata,
};
use anyhow::{anyhow, Context};
use stk_common::{calendar::MonthId, fixed, schedule::ScheduleParams};
use stk_harness::{Ledger, StkMintSetup, StkMintSetupArgs};

#[derive(clap::Args, Debug)]
pub struct DemoArgs {
    /// First month of the emission schedule (YYYY-MM).
    #[arg(long, default_value = "2027-01")]
    pub start: String,
    /// How many quarters to crank on the ledger.
    #[arg(long, default_value_t = 4)]
    pub quarters: u16,
}

fn whole(amount: u64, decimals: u8) -> String {
    let unit = 10u64.pow(decimals as u32);
    format!("{}.{:0width$}", amount / unit, amount % unit, width = decimals as usize)
}

pub async fn run(args: DemoArgs) -> anyhow::Result<()> {
    let start = MonthId::parse(&args.start)
        .ok_or_else(|| anyhow!("--start must be YYYY-MM, got {:?}", args.start))?;
    let mut setup = StkMintSetupArgs::default();
    setup.schedule = ScheduleParams::default_for(start, setup.decimals);
    let schedule = setup.schedule;
    if args.quarters > schedule.num_quarters {
        return Err(anyhow!("--quarters must be at most {}", schedule.num_quarters));
    }

    tracing::info!("starting the embedded ledger (program-test bank, real Token-2022)");
    let mut ledger = Ledger::start().await;
    let stk = StkMintSetup::initialize(&mut ledger, setup).await;
    let d = stk.decimals;

    let data = ledger.mint_data(&stk.addresses.mint).await;
    let mint = StateWithExtensions::<MintState>::unpack(&data).context("reading the STK mint")?;
    let metadata = mint.get_variable_len_extension::<TokenMetadata>().context("token metadata")?;
    let fee = mint.get_extension::<TransferFeeConfig>().context("transfer fee config")?;
    println!("STK mint            {}", stk.addresses.mint);
    println!("  name / symbol     {} / {}", metadata.name, metadata.symbol);
    println!("  metadata URI      {}", metadata.uri);
    println!("  decimals          {}", mint.base.decimals);
    println!("  mint authority    {} (PDA of stk_mint)", stk.addresses.mint_authority);
    println!(
        "  transfer fee      {} bps, at most {} STK per transfer",
        u16::from(fee.newer_transfer_fee.transfer_fee_basis_points),
        whole(u64::from(fee.newer_transfer_fee.maximum_fee), d)
    );
    println!("  cap               {} STK", whole(schedule.cap, d));
    println!();
    println!(
        "Emission schedule: {} quarters from {}, r = {}/{} per quarter, genesis {}%, startup fund {}%",
        schedule.num_quarters,
        start,
        schedule.decay_num,
        schedule.decay_den,
        schedule.genesis_bps as f64 / 100.0,
        schedule.startup_fund_bps as f64 / 100.0
    );
    println!(
        "{:>3}  {:>7}  {:>22}  {:>20}  {:>22}  {:>22}",
        "q", "starts", "emission STK", "startup fund STK", "members STK", "cumulative STK"
    );
    println!(
        "{:>3}  {:>7}  {:>22}  {:>20}  {:>22}  {:>22}",
        "-",
        "genesis",
        whole(schedule.genesis_amount(), d),
        "",
        "",
        whole(schedule.genesis_amount(), d)
    );
    for q in 0..schedule.num_quarters {
        let e = schedule.quarter_emission(q)?;
        let (fund, members) = schedule.split(e);
        println!(
            "{:>3}  {:>7}  {:>22}  {:>20}  {:>22}  {:>22}",
            q,
            MonthId(schedule.start_month + q as u32 * schedule.months_per_quarter as u32),
            whole(e, d),
            whole(fund, d),
            whole(members, d),
            whole(schedule.cumulative_through(q)?, d)
        );
    }
    println!();

    Ledger::ok(stk.mint_genesis(&mut ledger).await);
    println!(
        "genesis minted: {} STK to the sale vault {}",
        whole(schedule.genesis_amount(), d),
        stk.genesis_destination
    );
    for q in 0..args.quarters {
        Ledger::ok(stk.mint_quarter(&mut ledger, q, true).await);
        let supply = ledger.mint_supply(&stk.addresses.mint).await;
        println!("quarter {q} minted on-chain; supply now {} STK", whole(supply, d));
    }
    let balances: [(&str, Pubkey); 3] = [
        ("sale vault (genesis)", stk.genesis_destination),
        ("startup fund", stk.startup_fund_destination),
        ("treasury distribution", stk.distribution_destination),
    ];
    println!();
    for (name, account) in balances {
        println!("{name:<24} {account}  {:>22} STK", whole(ledger.token_amount(&account).await, d));
    }
    let supply = ledger.mint_supply(&stk.addresses.mint).await;
    let percent = fixed::ratio_to_price(supply as u128 * 100, schedule.cap as u128).unwrap_or(0);
    println!(
        "supply {} STK of the {} STK cap ({}%)",
        whole(supply, d),
        whole(schedule.cap, d),
        fixed::format_price(percent)
    );
    Ok(())
}
