//! The operator commands that move tokens or need a council, a sale or a member's account,
//! over JSON-RPC as the CLI runs them (`ops::run_cli`, each signer its own keypair file):
//! staking funds, the startup fund's council, projects, proposals and returns, the initial
//! sale from its allowlist to its close, fraud holds and dormancy notices.
//!
//! The tokens come from `holder`, a key this test holds that the first month paid as a
//! member's wallet (`a_full_month_over_json_rpc`). The cluster's clock is the wall clock
//! here, so what waits for days (a hold's time lock, a notice's deadline, the cooldown
//! before closing a notice) is asserted as the refusal it is today, by the program's error
//! name or the command's own words; those later steps land on the embedded ledger, which can
//! move its clock (`distributor/tests/ops.rs`). The sale is opened with a window that ends
//! a minute later, so its close lands here too.
use super::{key_file, Env};
use anchor_lang::prelude::Pubkey;
use anchor_spl::token_interface::spl_token_2022;
use anyhow::{anyhow, ensure, Context as _};
use solana_keypair::Keypair;
use solana_signer::Signer;
use spl_associated_token_account_interface::{
    address::get_associated_token_address_with_program_id as associated_account,
    instruction::create_associated_token_account_idempotent as create_associated_account,
};
use std::{path::PathBuf, time::Duration};
use stk_common::seeds;
use stk_distributor::ops::{
    self,
    authority::AuthorityCmd,
    dormancy::DormancyCmd,
    fund::FundCmd,
    holds::HoldCmd,
    sale::{AllowlistFile, SaleCmd},
    staking::StakingCmd,
    Context, Group, OpsError, SignArgs, SignWith,
};

/// The signers as `--keypair` files (the CLI's signing options), and a scratch directory
/// removed on drop.
pub struct Signers {
    pub dir: PathBuf,
    pub admin: SignArgs,
    pub distributor: SignArgs,
    pub holder: SignArgs,
    pub councillor: SignArgs,
}

impl Signers {
    pub fn new(env: &Env, tag: &str) -> anyhow::Result<Signers> {
        let dir = std::env::temp_dir().join(format!(".tmp-stk-ops-{tag}-{}", std::process::id()));
        std::fs::create_dir_all(&dir)?;
        let signed_by = |key: PathBuf| SignArgs {
            rpc_url: env.net.rpc_url.clone(),
            keypair: Some(key),
            sign_with: SignWith::Local,
            authority: None,
            dry_run: false,
            priority_fee: Default::default(),
        };
        Ok(Signers {
            admin: signed_by(key_file(&dir, "admin.json", &env.admin)?),
            distributor: signed_by(key_file(&dir, "distributor.json", &env.distributor)?),
            holder: signed_by(key_file(&dir, "holder.json", &env.holder)?),
            councillor: signed_by(key_file(&dir, "councillor.json", &env.councillor)?),
            dir,
        })
    }
}

impl Drop for Signers {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// The command sent its transactions and saw each confirmed.
fn confirmed(what: &str, result: Result<String, OpsError>) -> anyhow::Result<String> {
    let text = result.map_err(|e| anyhow!("{what}: {e}"))?;
    ensure!(text.contains(": confirmed, signature "), "{what} sent nothing:\n{text}");
    Ok(text)
}

/// The cluster refused the command's transaction at preflight with the program error `name`.
fn refused(what: &str, result: Result<String, OpsError>, name: &str) -> anyhow::Result<()> {
    match result {
        Err(OpsError::Refused { explained, .. }) if explained.contains(name) => Ok(()),
        other => Err(anyhow!("{what}: expected the refusal {name}, got {other:?}")),
    }
}

/// The command refused before signing, saying `words`.
fn told(what: &str, result: Result<String, OpsError>, words: &str) -> anyhow::Result<()> {
    match result {
        Err(OpsError::Usage(m)) if m.contains(words) => Ok(()),
        other => Err(anyhow!("{what}: expected {words:?} before signing, got {other:?}")),
    }
}

/// STK base units per whole STK.
fn stk(env: &Env, whole: u64) -> u64 {
    whole * 10u64.pow(env.config.emission.decimals as u32)
}

fn holder_account(env: &Env) -> Pubkey {
    stk_client::ata(&env.holder.pubkey(), &seeds::find_stk_mint())
}

/// Signs `instructions` with `signers` (the first pays) and waits until it is confirmed.
async fn send(
    env: &Env,
    instructions: &[solana_instruction::Instruction],
    signers: &[&Keypair],
) -> anyhow::Result<()> {
    let client = env.net.client();
    let blockhash = client.get_latest_blockhash().await?;
    let tx = solana_transaction::Transaction::new_signed_with_payer(
        instructions,
        Some(&signers[0].pubkey()),
        signers,
        blockhash,
    );
    client.send_and_confirm_transaction(&tx).await?;
    Ok(())
}

async fn anchor_account<T: anchor_lang::AccountDeserialize>(
    env: &Env,
    address: &Pubkey,
) -> anyhow::Result<T> {
    let data = env.net.client().get_account_data(address).await?;
    Ok(T::try_deserialize(&mut data.as_slice())?)
}

async fn account_exists(env: &Env, address: &Pubkey) -> anyhow::Result<bool> {
    let found = env
        .net
        .client()
        .get_account_with_commitment(
            address,
            solana_commitment_config::CommitmentConfig::confirmed(),
        )
        .await?;
    Ok(found.value.is_some())
}

/// `staking credit` of tokens sent straight to the reward vault, and `staking fund` from the
/// holder's account.
pub async fn staking_funds_over_json_rpc(env: &Env) -> anyhow::Result<()> {
    let keys = Signers::new(env, "staking")?;
    let pool: Pubkey = seeds::find_staking_pool(&seeds::find_stk_mint());
    let reward_vault = seeds::find_reward_vault(&pool);
    let holder = holder_account(env);
    let (held, _) = env.token(&holder).await?;
    ensure!(held >= stk(env, 100), "the first month paid the holder {held}: too little to go on");

    // Tokens sent straight to the reward vault (as the fee split pays it, or a donor would)
    // are booked by `staking credit`: afterwards the books cover exactly what the vault holds.
    // A second credit is refused by name, as nothing more arrived.
    let mint = seeds::find_stk_mint();
    send(
        env,
        &[spl_token_2022::instruction::transfer_checked(
            &spl_token_2022::ID,
            &holder,
            &mint,
            &reward_vault,
            &env.holder.pubkey(),
            &[],
            stk(env, 3),
            env.config.emission.decimals,
        )?],
        &[&env.holder],
    )
    .await?;
    let before: stk_staking::state::StakingPool = anchor_account(env, &pool).await?;
    let (vault, _) = env.token(&reward_vault).await?;
    confirmed(
        "staking credit",
        ops::run_cli(&keys.distributor, &Group::Staking(StakingCmd::Credit)).await,
    )?;
    let credited: stk_staking::state::StakingPool = anchor_account(env, &pool).await?;
    let booked =
        |p: &stk_staking::state::StakingPool| p.rewards.unreleased + p.rewards.released_unclaimed;
    ensure!(
        booked(&credited) == vault && credited.total_funded > before.total_funded,
        "credit booked {} → {} of {vault} in the vault (funded {} → {})",
        booked(&before),
        booked(&credited),
        before.total_funded,
        credited.total_funded
    );
    ensure!(
        credited.total_funded - before.total_funded >= stk(env, 3) - stk(env, 3) / 100,
        "the 3 STK sent (less the transfer fee) were booked"
    );
    ensure!(env.token(&reward_vault).await?.0 == vault, "crediting moves no token");
    refused(
        "staking credit again",
        ops::run_cli(&keys.distributor, &Group::Staking(StakingCmd::Credit)).await,
        "NothingArrived",
    )?;
    let again: stk_staking::state::StakingPool = anchor_account(env, &pool).await?;
    ensure!(again.total_funded == credited.total_funded, "nothing is booked twice");
    let held = held - stk(env, 3);

    // Funding from the holder's own account: the holder pays 5 STK; the pool books what the
    // vault received (the transfer fee is withheld in the vault, not booked).
    let fund = Group::Staking(StakingCmd::Fund { amount: "5".into(), from: None });
    confirmed("staking fund", ops::run_cli(&keys.holder, &fund).await)?;
    let funded: stk_staking::state::StakingPool = anchor_account(env, &pool).await?;
    ensure!(env.token(&holder).await?.0 == held - stk(env, 5), "the holder paid 5 STK");
    let (vault_after, _) = env.token(&reward_vault).await?;
    ensure!(
        funded.total_funded - again.total_funded == vault_after - vault,
        "booked {} for {} received",
        funded.total_funded - again.total_funded,
        vault_after - vault
    );
    ensure!(vault_after - vault > stk(env, 4), "the vault received most of the 5 STK");
    let show = ops::run_cli(&keys.distributor, &Group::Staking(StakingCmd::Show)).await?;
    ensure!(show.contains("runway"), "{show}");
    println!(
        "  staking: a plain transfer to the vault credited once; funded from a member's account"
    );
    Ok(())
}

/// The council grows to two of three (`authority council`, then `fund execute`; a council
/// that leaves the treasury admin's fellows short of the threshold is refused), deposits are
/// recorded, a project is registered and returns STK, and an investment and a grant each
/// need a second member's `fund approve` before `fund execute` lands.
pub async fn council_and_fund_over_json_rpc(env: &Env) -> anyhow::Result<()> {
    let keys = Signers::new(env, "fund")?;
    let fund_address = seeds::find_fund();
    let fund_state = || anchor_account::<stk_startup_fund::state::Fund>(env, &fund_address);
    let run = |sign: &SignArgs, cmd: FundCmd| {
        let sign = sign.clone();
        async move { ops::run_cli(&sign, &Group::Fund(cmd)).await }
    };

    // The council: the admin alone proposes [admin, distributor, councillor] with threshold
    // 2; proposing approves, so the one-member council executes it at once. The admin is the
    // treasury admin, who may not confirm fraud holds: [admin, distributor] at 2 could never
    // confirm one and is refused before signing.
    let fund = fund_state().await?;
    ensure!(fund.members() == [env.admin.pubkey()], "the council init set: {:?}", fund.members());
    let change = fund.next_proposal_id;
    let council = |members: &[Pubkey]| {
        Group::Authority(AuthorityCmd::Council {
            members: members.iter().map(|m| m.to_string()).collect(),
            threshold: 2,
        })
    };
    let (admin, distributor, councillor) =
        (env.admin.pubkey(), env.distributor.pubkey(), env.councillor.pubkey());
    told(
        "a council that cannot confirm holds",
        ops::run_cli(&keys.admin, &council(&[admin, distributor])).await,
        "leaves 1 member(s) who may confirm fraud holds",
    )?;
    ensure!(fund_state().await?.next_proposal_id == change, "nothing was proposed");
    let members = [admin, distributor, councillor];
    confirmed("authority council", ops::run_cli(&keys.admin, &council(&members)).await)?;
    // Executing is a council member's act: the distributor key, not yet a member, is refused.
    let execute_change = FundCmd::Execute { proposal: change, salt: None };
    refused(
        "fund execute by a non-member",
        run(&keys.distributor, execute_change.clone()).await,
        "NotCouncilMember",
    )?;
    confirmed("fund execute (council)", run(&keys.admin, execute_change).await)?;
    let fund = fund_state().await?;
    ensure!(
        fund.members() == members && fund.threshold == 2,
        "the new council: {:?}, threshold {}",
        fund.members(),
        fund.threshold
    );

    // The deposits so far are recorded as locked tranches (permissionless).
    let schedule = env.config.schedule();
    let now = ops::cluster_time(&mut env.backend(&env.distributor)).await?;
    let mut deposited = 0;
    for q in 0..schedule.num_quarters {
        if schedule.quarter_start_ts(q).is_ok_and(|t| t <= now) {
            deposited += schedule.split(schedule.quarter_emission(q)?).0;
        }
    }
    // Everything in the vault is a deposit so far (nothing returned or invested yet): the
    // quarters' shares and the fee split's startup-fund share.
    let text = run(&keys.distributor, FundCmd::RecordDeposits).await?;
    let fund = fund_state().await?;
    let (in_vault, _) = env.token(&fund.vault).await?;
    ensure!(
        fund.total_deposited == in_vault && fund.total_deposited >= deposited,
        "recorded {} of {in_vault} in the vault (the quarters' share {deposited}):\n{text}",
        fund.total_deposited
    );
    let status = run(&keys.distributor, FundCmd::Status).await?;
    ensure!(status.contains("(locked)"), "{status}");

    // A project whose returns the holder records; registering it twice is refused before
    // signing.
    let project = Pubkey::new_unique();
    let register = || FundCmd::RegisterProject {
        project: project.to_string(),
        returner: env.holder.pubkey().to_string(),
    };
    confirmed("fund register-project", run(&keys.admin, register()).await)?;
    told("register again", run(&keys.admin, register()).await, "is already registered")?;
    let holder = holder_account(env);
    let (held, _) = env.token(&holder).await?;
    let ret =
        FundCmd::RecordReturn { project: project.to_string(), amount: "10".into(), from: None };
    confirmed("fund record-return", run(&keys.holder, ret).await)?;
    ensure!(env.token(&holder).await?.0 == held - stk(env, 10), "the holder returned 10 STK");
    let fund = fund_state().await?;
    ensure!(fund.total_returned > stk(env, 9), "returned {}", fund.total_returned);

    // An investment out of the unlocked return: the admin proposes, executing needs the
    // distributor's approval too; the admin approving again is refused by name.
    let investment = fund_state().await?.next_proposal_id;
    let propose = FundCmd::Propose {
        project: project.to_string(),
        recipient: holder.to_string(),
        amount: "2".into(),
    };
    confirmed("fund propose", run(&keys.admin, propose).await)?;
    let execute = || FundCmd::Execute { proposal: investment, salt: None };
    refused(
        "execute with one approval",
        run(&keys.distributor, execute()).await,
        "ThresholdNotMet",
    )?;
    refused(
        "the proposer approving again",
        run(&keys.admin, FundCmd::Approve { proposal: investment }).await,
        "AlreadyApproved",
    )?;
    confirmed(
        "fund approve",
        run(&keys.distributor, FundCmd::Approve { proposal: investment }).await,
    )?;
    let (before, _) = env.token(&holder).await?;
    confirmed("fund execute", run(&keys.distributor, execute()).await)?;
    ensure!(env.token(&holder).await?.0 == before + stk(env, 2), "the recipient received 2 STK");

    // A grant: proposed, approved, executed with a chosen salt; the grant's vault holds it.
    let grant = fund_state().await?.next_proposal_id;
    let beneficiary = Keypair::new().pubkey();
    let propose_grant = FundCmd::ProposeGrant {
        project: project.to_string(),
        beneficiary: beneficiary.to_string(),
        amount: "1".into(),
        start: None,
        cliff_days: 0,
        duration_days: 30,
        period_days: 30,
    };
    confirmed("fund propose-grant", run(&keys.admin, propose_grant).await)?;
    confirmed(
        "fund approve (grant)",
        run(&keys.distributor, FundCmd::Approve { proposal: grant }).await,
    )?;
    confirmed(
        "fund execute (grant)",
        run(&keys.admin, FundCmd::Execute { proposal: grant, salt: Some(11) }).await,
    )?;
    let grant_vault =
        stk_client::vesting::grant_addresses(&stk_client::startup_fund::grant_id(grant, 11)).vault;
    ensure!(env.token(&grant_vault).await?.0 == stk(env, 1), "the grant holds 1 STK");
    let status = run(&keys.distributor, FundCmd::Status).await?;
    ensure!(status.matches(" executed,").count() >= 3, "council, investment, grant:\n{status}");
    println!(
        "  fund: a 2-of-3 council, deposits recorded, a return, an investment and a grant approved by two"
    );
    Ok(())
}

/// The payment mint of the sale (a plain Token-2022 mint the admin issues), the admin's
/// account receiving payments and the holder's paying account holding `units`.
async fn payment_setup(env: &Env, units: u64) -> anyhow::Result<(Pubkey, Pubkey, Pubkey)> {
    use spl_token_2022::{extension::ExtensionType, state::Mint};
    let mint = Keypair::new();
    let len = ExtensionType::try_calculate_account_len::<Mint>(&[])?;
    let rent = env.net.client().get_minimum_balance_for_rent_exemption(len).await?;
    let admin = env.admin.pubkey();
    let holder = env.holder.pubkey();
    let program = spl_token_2022::ID;
    let destination = associated_account(&admin, &mint.pubkey(), &program);
    let source = associated_account(&holder, &mint.pubkey(), &program);
    send(
        env,
        &[
            solana_system_interface::instruction::create_account(
                &admin,
                &mint.pubkey(),
                rent,
                len as u64,
                &program,
            ),
            spl_token_2022::instruction::initialize_mint2(
                &program,
                &mint.pubkey(),
                &admin,
                None,
                6,
            )?,
            create_associated_account(&admin, &admin, &mint.pubkey(), &program),
            create_associated_account(&admin, &holder, &mint.pubkey(), &program),
            spl_token_2022::instruction::mint_to(
                &program,
                &mint.pubkey(),
                &source,
                &admin,
                &[],
                units,
            )?,
        ],
        &[&env.admin, &mint],
    )
    .await?;
    Ok((mint.pubkey(), destination, source))
}

/// `sale allowlist` from Postgres (the holder's member is on it), `sale open` with a window
/// ending a minute from now, the holder's `sale buy`, `sale status`, `sale close` refused
/// while the window runs and landing after it.
pub async fn the_sale_over_json_rpc(env: &Env) -> anyhow::Result<()> {
    let keys = Signers::new(env, "sale")?;
    let ctx = Context { db: Some(env.pool.clone()), config: Some(env.config.clone()) };
    let mut reader = env.backend(&env.distributor);

    // A day the holder's member pays on: the end of its latest subscription, or today.
    let as_of: String = sqlx::query_scalar(
        "SELECT to_char(LEAST(MAX(s.ends_on), CURRENT_DATE), 'YYYY-MM-DD')
           FROM subscriptions s JOIN wallets w ON w.member_id = s.member_id
          WHERE w.address = $1",
    )
    .bind(env.holder.pubkey().to_string())
    .fetch_one(&env.pool)
    .await?;
    let out = keys.dir.join("sale");
    let allowlist =
        Group::Sale(SaleCmd::Allowlist { as_of: Some(as_of.clone()), out: out.clone() });
    let text = ops::run_cli_with(&keys.distributor, &allowlist, &ctx).await?;
    let path = out.join("allowlist.json");
    let (file, list) = AllowlistFile::load(&path)?;
    ensure!(text.contains(&format!("root {}", file.root)), "{text}");
    let line = file
        .members
        .iter()
        .find(|m| m.wallet == env.holder.pubkey().to_string())
        .with_context(|| format!("the holder is not on the allowlist of {as_of}:\n{text}"))?;
    ensure!(line.cap >= stk(env, 10), "the holder's cap {}", line.cap);

    // Open: 0.5 payment units per STK, a window that started a day ago less a minute.
    let (payment_mint, destination, source) = payment_setup(env, 100_000_000).await?;
    let now = ops::cluster_time(&mut reader).await?;
    let open = Group::Sale(SaleCmd::Open {
        allowlist: path.clone(),
        payment_mint: payment_mint.to_string(),
        payment_destination: destination.to_string(),
        price: "0.5".into(),
        start: Some(now - 86_400 + 60),
        days: 1,
        total: None,
        vesting_days: None,
        cliff_days: None,
        period_days: None,
    });
    confirmed("sale open", ops::run_cli_with(&keys.admin, &open, &ctx).await)?;
    told(
        "sale open again",
        ops::run_cli_with(&keys.admin, &open, &ctx).await,
        "the sale was already opened",
    )?;
    let sale: stk_vesting::state::Sale = anchor_account(env, &seeds::find_sale()).await?;
    ensure!(sale.allowlist_root == list.root(), "the root opened is the allowlist's");
    ensure!(sale.unsold_destination == seeds::find_distribution_vault(), "unsold goes back");

    // The holder buys 10 STK into a grant and pays 5 units.
    let grant_id = Pubkey::new_unique();
    let buy = Group::Sale(SaleCmd::Buy {
        allowlist: path.clone(),
        amount: "10".into(),
        from: None,
        grant_id: Some(grant_id.to_string()),
    });
    confirmed("sale buy", ops::run_cli_with(&keys.holder, &buy, &ctx).await)?;
    let member: stk_vesting::state::SaleMember =
        anchor_account(env, &stk_client::vesting::sale_member(&env.holder.pubkey())).await?;
    ensure!(member.purchased == stk(env, 10), "purchased {}", member.purchased);
    ensure!(env.token(&destination).await?.0 == 5_000_000, "the treasury was paid 5 units");
    ensure!(env.token(&source).await?.0 == 95_000_000, "the holder paid 5 units");
    let grant_vault = stk_client::vesting::grant_addresses(&grant_id).vault;
    ensure!(env.token(&grant_vault).await?.0 >= stk(env, 10), "the grant holds the purchase");
    let status = Group::Sale(SaleCmd::Status { allowlist: Some(path.clone()) });
    let status = ops::run_cli_with(&keys.distributor, &status, &ctx).await?;
    ensure!(status.contains("state              open"), "{status}");
    ensure!(
        status
            .lines()
            .any(|l| l.contains(&env.holder.pubkey().to_string()) && l.contains(" 10 of ")),
        "{status}"
    );

    // Closing while the window runs is refused by name; once the cluster's clock passes the
    // end, it lands and the unsold rest leaves the sale vault.
    let close = Group::Sale(SaleCmd::Close);
    let sale: stk_vesting::state::Sale = anchor_account(env, &seeds::find_sale()).await?;
    if ops::cluster_time(&mut reader).await? < sale.end {
        refused(
            "sale close before the end",
            ops::run_cli(&keys.distributor, &close).await,
            "SaleStillOpen",
        )?;
    }
    let deadline = std::time::Instant::now() + Duration::from_secs(180);
    while ops::cluster_time(&mut reader).await? < sale.end {
        ensure!(
            std::time::Instant::now() < deadline,
            "the cluster's clock did not reach the sale's end"
        );
        tokio::time::sleep(Duration::from_secs(2)).await;
    }
    confirmed("sale close", ops::run_cli(&keys.distributor, &close).await)?;
    ensure!(env.token(&seeds::find_sale_vault()).await?.0 == 0, "the sale vault is empty");
    let sale: stk_vesting::state::Sale = anchor_account(env, &seeds::find_sale()).await?;
    ensure!(sale.closed, "the sale is closed");
    let again = ops::run_cli(&keys.distributor, &close).await?;
    ensure!(again.contains("already closed"), "{again}");
    println!("  sale: allowlist of {as_of}, opened, bought by a member, closed after its window");
    Ok(())
}

/// A fraud hold on the holder's account: placed, listed, confirmed by the two council members
/// who are not the treasury admin (the admin is refused), not executable before its time lock,
/// not votable before it is escrowed, withdrawn and closed. Then a dormancy notice: flagged
/// (once), listed with its deadline, nothing to reintegrate before it, not closable while
/// pending, voided by anyone once the holder's balance moved, and not closable during the
/// cooldown.
pub async fn holds_and_dormancy_over_json_rpc(env: &Env) -> anyhow::Result<()> {
    let keys = Signers::new(env, "holds")?;
    let holder = holder_account(env);
    let account = holder.to_string();
    let hold = |cmd: HoldCmd| Group::Hold(cmd);

    let reason = keys.dir.join("reason.txt");
    std::fs::write(&reason, "a chargeback on the member's subscription")?;
    let place = hold(HoldCmd::Place {
        token_account: account.clone(),
        amount: "1".into(),
        reason_code: 2,
        reason_file: reason,
    });
    confirmed("hold place", ops::run_cli(&keys.admin, &place).await)?;
    told("hold place again", ops::run_cli(&keys.admin, &place).await, "already has a fraud hold")?;
    let list = ops::run_cli(&keys.distributor, &hold(HoldCmd::List)).await?;
    ensure!(list.starts_with("1 holds") && list.contains(&account), "{list}");
    let confirm = hold(HoldCmd::Confirm { token_account: account.clone() });
    refused(
        "the treasury admin confirming",
        ops::run_cli(&keys.admin, &confirm).await,
        "AdminCannotConfirm",
    )?;
    let address = seeds::find_fraud_hold(&holder);
    let text = confirmed("hold confirm", ops::run_cli(&keys.distributor, &confirm).await)?;
    ensure!(text.contains("1 approvals"), "{text}");
    let state: stk_treasury::state::FraudHold = anchor_account(env, &address).await?;
    ensure!(state.confirmed_at == 0, "one approval of a threshold of 2 confirms nothing");
    refused("confirming twice", ops::run_cli(&keys.distributor, &confirm).await, "AlreadyVoted")?;
    let text = confirmed("hold confirm (second)", ops::run_cli(&keys.councillor, &confirm).await)?;
    ensure!(text.contains("2 approvals"), "{text}");
    let state: stk_treasury::state::FraudHold = anchor_account(env, &address).await?;
    ensure!(state.confirmed_at > 0, "two council members confirmed the hold");
    refused(
        "hold execute before its time lock",
        ops::run_cli(&keys.distributor, &hold(HoldCmd::Execute { token_account: account.clone() }))
            .await,
        "HoldLocked",
    )?;
    let release = hold(HoldCmd::Release { token_account: account.clone(), holder_account: None });
    let forfeit = hold(HoldCmd::Forfeit { token_account: account.clone() });
    refused(
        "hold release before escrow",
        ops::run_cli(&keys.distributor, &release).await,
        "HoldWrongStatus",
    )?;
    refused(
        "hold forfeit before escrow",
        ops::run_cli(&keys.distributor, &forfeit).await,
        "HoldWrongStatus",
    )?;
    let close_hold = hold(HoldCmd::Close { token_account: account.clone() });
    refused(
        "hold close while placed",
        ops::run_cli(&keys.admin, &close_hold).await,
        "HoldWrongStatus",
    )?;
    confirmed(
        "hold withdraw",
        ops::run_cli(&keys.admin, &hold(HoldCmd::Withdraw { token_account: account.clone() }))
            .await,
    )?;
    confirmed("hold close", ops::run_cli(&keys.admin, &close_hold).await)?;
    ensure!(!account_exists(env, &address).await?, "the closed hold's account is gone");

    // Dormancy.
    let flag = Group::Dormancy(DormancyCmd::Flag {
        token_accounts: vec![account.clone()],
        reason_code: None,
    });
    confirmed("dormancy flag", ops::run_cli(&keys.admin, &flag).await)?;
    told(
        "dormancy flag again",
        ops::run_cli(&keys.admin, &flag).await,
        "already has a dormancy notice",
    )?;
    let notice_address = seeds::find_dormancy_notice(&holder);
    let notice: stk_treasury::state::DormancyNotice = anchor_account(env, &notice_address).await?;
    let deadline = ops::fund::utc(notice.notice_ends_at);
    let notices =
        ops::run_cli(&keys.distributor, &Group::Dormancy(DormancyCmd::Notices { csv: None }))
            .await?;
    ensure!(
        notices.starts_with("1 notices")
            && notices.contains(&account)
            && notices.contains(&deadline),
        "{notices}"
    );
    let reintegrate = |accounts: Vec<String>| {
        Group::Dormancy(DormancyCmd::Reintegrate { token_accounts: accounts })
    };
    let text = ops::run_cli(&keys.distributor, &reintegrate(vec![account.clone()])).await?;
    ensure!(text.contains("nothing to do") && text.contains(&deadline), "{text}");
    let text = ops::run_cli(&keys.distributor, &reintegrate(vec![])).await?;
    ensure!(text.contains("no notice is due"), "{text}");
    let close = Group::Dormancy(DormancyCmd::Close { token_account: account.clone() });
    refused(
        "dormancy close while pending",
        ops::run_cli(&keys.admin, &close).await,
        "NoticePending",
    )?;
    let void = Group::Dormancy(DormancyCmd::Void { token_account: account.clone() });
    refused(
        "void an unchanged account",
        ops::run_cli(&keys.distributor, &void).await,
        "NoticeAccountUnchanged",
    )?;

    // The holder moves one base unit: the account is no longer the flagged one.
    let mint = seeds::find_stk_mint();
    let admin_account = stk_client::ata(&env.admin.pubkey(), &mint);
    send(
        env,
        &[
            create_associated_account(
                &env.holder.pubkey(),
                &env.admin.pubkey(),
                &mint,
                &spl_token_2022::ID,
            ),
            spl_token_2022::instruction::transfer_checked(
                &spl_token_2022::ID,
                &holder,
                &mint,
                &admin_account,
                &env.holder.pubkey(),
                &[],
                1,
                env.config.emission.decimals,
            )?,
        ],
        &[&env.holder],
    )
    .await?;
    confirmed("dormancy void", ops::run_cli(&keys.distributor, &void).await)?;
    let notice: stk_treasury::state::DormancyNotice = anchor_account(env, &notice_address).await?;
    ensure!(notice.status == stk_treasury::state::NoticeStatus::Voided, "{:?}", notice.status);
    refused(
        "dormancy close in the cooldown",
        ops::run_cli(&keys.admin, &close).await,
        "NoticeCooldown",
    )?;
    println!(
        "  holds: placed, confirmed, withdrawn, closed; dormancy: flagged, listed, voided; time locks refused by name"
    );
    Ok(())
}
