//! `distributor fund …`: the startup fund — the deposit crank, the council's investment
//! proposals (paid directly or as non-revocable vesting grants), approvals and executions,
//! returns, and a status with the locked tranches and their unlock dates.
use super::{
    cluster_time, execute, read_account, require_account, stk_decimals, units, Mode, Op, OpsError,
};
use crate::chain::ChainBackend;
use anchor_lang::prelude::Pubkey;
use clap::Subcommand;
use std::fmt::Write as _;
use stk_common::seeds;
use stk_startup_fund::state::{Fund, Project, Proposal, ProposalAction, ProposalStatus};
use stk_vesting::curve::VestingSchedule;

const DAY: i64 = 86_400;

#[derive(Subcommand, Debug, Clone)]
pub enum FundCmd {
    /// Record what arrived in the fund's vault as a locked tranche (permissionless; the
    /// service runs it after every quarter it mints).
    RecordDeposits,
    /// Register a project the fund may invest in (a council member signs).
    RegisterProject {
        /// The project's id (any public key the council chooses for it).
        #[arg(long)]
        project: String,
        /// The project's key that alone may record its returns (`record-return`).
        #[arg(long)]
        returner: String,
    },
    /// Propose paying `--amount` STK from unlocked funds to a token account (a council member
    /// signs; proposing approves).
    Propose {
        #[arg(long)]
        project: String,
        /// The recipient's STK token account.
        #[arg(long)]
        recipient: String,
        /// Amount in STK the recipient receives.
        #[arg(long)]
        amount: String,
    },
    /// Propose paying `--amount` STK as a non-revocable vesting grant to a wallet.
    ProposeGrant {
        #[arg(long)]
        project: String,
        /// The wallet that will claim the grant.
        #[arg(long)]
        beneficiary: String,
        #[arg(long)]
        amount: String,
        /// Vesting start, unix seconds (default: the cluster's current time).
        #[arg(long)]
        start: Option<i64>,
        /// Days from the start before anything vests.
        #[arg(long, default_value_t = 0)]
        cliff_days: i64,
        /// Days from the start until everything has vested.
        #[arg(long)]
        duration_days: i64,
        /// Unlock step in days.
        #[arg(long, default_value_t = 30)]
        period_days: i64,
    },
    /// Approve a pending proposal (a council member signs).
    Approve {
        #[arg(long)]
        proposal: u64,
    },
    /// Execute an approved proposal (a member of the current council signs; a grant's rent is
    /// paid by the signer).
    Execute {
        #[arg(long)]
        proposal: u64,
        /// Salt of the grant id of an investment grant (default: derived from the clock).
        #[arg(long)]
        salt: Option<u64>,
    },
    /// Return STK from a project to the fund (the token account's owner signs).
    RecordReturn {
        #[arg(long)]
        project: String,
        #[arg(long)]
        amount: String,
        /// The STK token account paying (default: the signer's associated account).
        #[arg(long)]
        from: Option<String>,
    },
    /// Totals, the council, the locked tranches with their unlock dates, and proposals.
    Status,
}

impl FundCmd {
    pub fn signs(&self) -> bool {
        !matches!(self, FundCmd::Status)
    }
}

/// A unix time as `YYYY-MM-DD HH:MM UTC`.
pub fn utc(ts: i64) -> String {
    chrono::DateTime::from_timestamp(ts, 0)
        .map(|t| t.format("%Y-%m-%d %H:%M UTC").to_string())
        .unwrap_or_else(|| ts.to_string())
}

async fn fund_state<B: ChainBackend>(backend: &mut B) -> Result<Fund, OpsError> {
    require_account(backend, &seeds::find_fund(), "stk_startup_fund").await
}

fn stk_amount(text: &str, decimals: u8) -> Result<u64, OpsError> {
    super::parse_stk("--amount", text, decimals)
}

/// The vesting schedule of a grant proposal, validated like the program does (early, with a
/// message that names the options).
pub fn grant_schedule(
    start: i64,
    cliff_days: i64,
    duration_days: i64,
    period_days: i64,
) -> Result<VestingSchedule, OpsError> {
    let at = |days: i64| days.checked_mul(DAY).and_then(|s| start.checked_add(s));
    let (Some(cliff), Some(end), Some(period)) =
        (at(cliff_days), at(duration_days), period_days.checked_mul(DAY))
    else {
        return Err(OpsError::Usage("the vesting dates overflow".into()));
    };
    if duration_days <= 0 || cliff_days < 0 || cliff_days > duration_days {
        return Err(OpsError::Usage(
            "need --duration-days > 0 and 0 <= --cliff-days <= --duration-days".into(),
        ));
    }
    if period <= 0 || period > end - start {
        return Err(OpsError::Usage("need 0 < --period-days <= --duration-days".into()));
    }
    Ok(VestingSchedule { start, cliff, end, period })
}

/// The instruction executing proposal `id`, chosen by its action.
fn execute_instruction(
    executor: &Pubkey,
    id: u64,
    proposal: &Proposal,
    salt: u64,
) -> stk_client::Instruction {
    match &proposal.action {
        ProposalAction::Investment { project_id, recipient, .. } => {
            stk_client::startup_fund::execute_investment(executor, id, project_id, recipient)
        }
        ProposalAction::InvestmentGrant { project_id, .. } => {
            stk_client::startup_fund::execute_investment_grant(executor, id, project_id, salt)
        }
        ProposalAction::CouncilChange { .. } => {
            stk_client::startup_fund::execute_council_change(executor, id)
        }
    }
}

fn describe_action(action: &ProposalAction, decimals: u8) -> String {
    let stk = |v: &u64| units::format_units(*v, decimals);
    match action {
        ProposalAction::Investment { project_id, recipient, amount } => {
            format!("invest {} STK in {project_id}, paid to {recipient}", stk(amount))
        }
        ProposalAction::InvestmentGrant { project_id, beneficiary, amount, schedule } => format!(
            "invest {} STK in {project_id} as a grant to {beneficiary}, vesting {} .. {}",
            stk(amount),
            utc(schedule.start),
            utc(schedule.end)
        ),
        ProposalAction::CouncilChange { len, threshold, .. } => {
            format!("change the council to {len} members, threshold {threshold}")
        }
    }
}

/// "`label` M of N (epoch E)" and the council's members, one a line.
pub fn council_lines(text: &mut String, label: &str, fund: &Fund) {
    let _ = writeln!(
        text,
        "{label} {} of {} (epoch {})",
        fund.threshold, fund.council_len, fund.council_epoch
    );
    for member in fund.members() {
        let _ = writeln!(text, "  {member}");
    }
}

/// `fund status`: totals, council, tranches with unlock dates, proposals.
pub async fn status<B: ChainBackend>(backend: &mut B) -> Result<String, OpsError> {
    let fund = fund_state(backend).await?;
    let decimals = stk_decimals(backend).await?;
    let now = cluster_time(backend).await?;
    let stk = |v: u64| units::format_units(v, decimals);
    let unlocked = fund.unlocked(now).map_err(|e| OpsError::BadAccount {
        address: seeds::find_fund(),
        what: "fund",
        error: e.to_string(),
    })?;
    let mut text = String::new();
    let _ = writeln!(text, "as of              {}", utc(now));
    let _ = writeln!(text, "deposited          {} STK", stk(fund.total_deposited));
    let _ = writeln!(text, "invested           {} STK", stk(fund.total_invested));
    let _ = writeln!(text, "returned           {} STK", stk(fund.total_returned));
    let _ = writeln!(text, "unlocked, unspent  {} STK", stk(unlocked));
    let _ = writeln!(text, "matured tranches   {} STK", stk(fund.tranches.matured));
    council_lines(&mut text, "council           ", &fund);
    let pending = fund.tranches.pending();
    let _ = writeln!(text, "locked tranches    {}", pending.len());
    for t in pending {
        let state = if t.unlock_ts <= now { "unlocked" } else { "locked" };
        let _ =
            writeln!(text, "  {:>22} STK  unlocks {}  ({state})", stk(t.amount), utc(t.unlock_ts));
    }
    let _ = writeln!(text, "proposals          {}", fund.next_proposal_id);
    for id in 0..fund.next_proposal_id {
        let Some(p): Option<Proposal> =
            read_account(backend, &seeds::find_proposal(id), "proposal").await?
        else {
            continue;
        };
        let status = match p.status {
            ProposalStatus::Pending => "pending",
            ProposalStatus::Executed => "executed",
            ProposalStatus::Cancelled => "cancelled",
        };
        let _ = writeln!(
            text,
            "  #{id} {status}, {} approvals: {}",
            p.approvals.count_ones(),
            describe_action(&p.action, decimals)
        );
    }
    Ok(text)
}

/// Runs a `fund` subcommand; returns what to print.
pub async fn run<B: ChainBackend>(
    backend: &mut B,
    mode: &Mode,
    cmd: &FundCmd,
) -> Result<String, OpsError> {
    use stk_client::startup_fund as sf;
    let signer = mode.signer(backend);
    let key = |option: &str, text: &str| super::parse_pubkey(option, text);
    let op = match cmd {
        FundCmd::Status => return status(backend).await,
        FundCmd::RecordDeposits => {
            Op::new("record the fund's deposits", vec![sf::record_deposits()])
        }
        FundCmd::RegisterProject { project, returner } => {
            let (project, returner) = (key("--project", project)?, key("--returner", returner)?);
            // A project is registered once: the program's `init` would refuse again with the
            // system program's bare "already in use".
            let address = seeds::find_project(&project);
            if let Some(p) = read_account::<_, Project>(backend, &address, "project").await? {
                return Err(OpsError::usage(format!(
                    "project {project} is already registered (returner {}); nothing to do",
                    p.returner
                )));
            }
            Op::new(
                format!("register project {project}"),
                vec![sf::register_project(&signer, &project, &returner)],
            )
        }
        FundCmd::Propose { project, recipient, amount } => {
            let (project, recipient) = (key("--project", project)?, key("--recipient", recipient)?);
            let amount = stk_amount(amount, stk_decimals(backend).await?)?;
            let id = fund_state(backend).await?.next_proposal_id;
            Op::new(
                format!("propose investment #{id}"),
                vec![sf::propose_investment(&signer, id, &project, &recipient, amount)],
            )
        }
        FundCmd::ProposeGrant {
            project,
            beneficiary,
            amount,
            start,
            cliff_days,
            duration_days,
            period_days,
        } => {
            let (project, beneficiary) =
                (key("--project", project)?, key("--beneficiary", beneficiary)?);
            let amount = stk_amount(amount, stk_decimals(backend).await?)?;
            let start = match start {
                Some(s) => *s,
                None => cluster_time(backend).await?,
            };
            let schedule = grant_schedule(start, *cliff_days, *duration_days, *period_days)?;
            let id = fund_state(backend).await?.next_proposal_id;
            Op::new(
                format!("propose investment grant #{id}"),
                vec![sf::propose_investment_grant(
                    &signer,
                    id,
                    &project,
                    &beneficiary,
                    amount,
                    schedule,
                )],
            )
        }
        FundCmd::Approve { proposal } => {
            Op::new(format!("approve proposal #{proposal}"), vec![sf::approve(&signer, *proposal)])
        }
        FundCmd::Execute { proposal, salt } => {
            let p: Proposal =
                require_account(backend, &seeds::find_proposal(*proposal), "proposal").await?;
            // A fresh salt per attempt (the grant id must be unused); the clock is enough.
            let salt = salt.unwrap_or_else(|| {
                std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .map(|d| d.as_nanos() as u64)
                    .unwrap_or(0)
            });
            Op::new(
                format!("execute proposal #{proposal}"),
                vec![execute_instruction(&signer, *proposal, &p, salt)],
            )
        }
        FundCmd::RecordReturn { project, amount, from } => {
            let project = key("--project", project)?;
            let amount = stk_amount(amount, stk_decimals(backend).await?)?;
            let source = match from {
                Some(text) => key("--from", text)?,
                None => stk_client::ata(&signer, &seeds::find_stk_mint()),
            };
            Op::new(
                format!("record a return to project {project}"),
                vec![sf::record_return(&signer, &project, &source, amount)],
            )
        }
    };
    Ok(execute(backend, mode, &op).await?.describe(&op.what))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_grant_schedule_is_built_in_days_and_refused_when_inconsistent() {
        let s = grant_schedule(1_000, 30, 360, 30).unwrap();
        assert_eq!(
            s,
            VestingSchedule {
                start: 1_000,
                cliff: 1_000 + 30 * DAY,
                end: 1_000 + 360 * DAY,
                period: 30 * DAY
            }
        );
        assert!(grant_schedule(0, 400, 360, 30).is_err());
        assert!(grant_schedule(0, 0, 0, 30).is_err());
        assert!(grant_schedule(0, 0, 10, 0).is_err());
        assert!(grant_schedule(0, 0, 10, 11).is_err());
        assert!(grant_schedule(i64::MAX, 0, 10, 1).is_err());
    }

    #[test]
    fn dates_are_shown_in_utc() {
        assert_eq!(utc(1_798_761_600), "2027-01-01 00:00 UTC");
    }
}
