//! `distributor authority …`: two-step rotations of every program's admin and of the
//! treasury's distributor key — the current holder proposes, the candidate accepts (so a
//! mistyped key can never take or lock a program) — and the startup fund's council, which has
//! no admin: a council change is a proposal the council approves and executes (`authority
//! council`, then `fund approve` / `fund execute`).
use super::{execute, require_account, Mode, Op, OpsError};
use crate::chain::ChainBackend;
use anchor_lang::prelude::Pubkey;
use clap::{Subcommand, ValueEnum};
use std::fmt::Write as _;
use stk_common::seeds;
use stk_treasury::state::AuthorityRole;

/// Which authority a rotation is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Role {
    /// `stk_mint`'s admin (metadata URI).
    Mint,
    /// `stk_treasury`'s admin (plans' approver, quotes, fees, dormancy, holds).
    Treasury,
    /// The treasury's distributor key (the service's hot key).
    Distributor,
    /// `stk_vesting`'s admin (the sale).
    Vesting,
    /// The staking pool's admin (reward rate).
    Staking,
}

#[derive(Subcommand, Debug, Clone)]
pub enum AuthorityCmd {
    /// The current holder proposes `--candidate` (the admin proposes for `distributor`);
    /// `--candidate 11111111111111111111111111111111` withdraws a proposal.
    Propose {
        #[arg(long, value_enum)]
        role: Role,
        #[arg(long)]
        candidate: String,
    },
    /// The candidate takes the role (the candidate's key signs).
    Accept {
        #[arg(long, value_enum)]
        role: Role,
    },
    /// Propose a new startup-fund council (a council member signs; proposing approves; then
    /// `fund approve` by the others and `fund execute`).
    Council {
        /// The new members, comma-separated.
        #[arg(long, value_delimiter = ',', required = true)]
        members: Vec<String>,
        #[arg(long)]
        threshold: u8,
    },
    /// Every program's admin and pending candidate, the distributor key, the council.
    Show,
}

impl AuthorityCmd {
    pub fn signs(&self) -> bool {
        !matches!(self, AuthorityCmd::Show)
    }
}

/// Fraud holds are confirmed and decided by council members other than the treasury admin
/// (`AdminCannotConfirm`). Why a council of `members` at `threshold` could never confirm one
/// while `treasury_admin` holds that role, if so.
pub fn holds_unconfirmable(
    members: &[Pubkey],
    threshold: u8,
    treasury_admin: &Pubkey,
) -> Option<String> {
    let voters = members.iter().filter(|m| *m != treasury_admin).count();
    (voters < usize::from(threshold)).then(|| {
        format!(
            "a council of {} with threshold {threshold} leaves {voters} member(s) who may confirm \
             fraud holds (the treasury admin {treasury_admin} may not)",
            members.len()
        )
    })
}

/// The holder and the pending candidate of every role, in [`Role`] order.
pub async fn holders<B: ChainBackend>(
    backend: &mut B,
) -> Result<Vec<(Role, Pubkey, Pubkey)>, OpsError> {
    let mint: stk_mint::state::MintConfig =
        require_account(backend, &seeds::find_mint_config(), "stk_mint").await?;
    let treasury: stk_treasury::state::Treasury =
        require_account(backend, &seeds::find_treasury(), "stk_treasury").await?;
    let vesting: stk_vesting::state::VestingConfig =
        require_account(backend, &seeds::find_vesting_config(), "stk_vesting").await?;
    let pool: stk_staking::state::StakingPool = require_account(
        backend,
        &seeds::find_staking_pool(&seeds::find_stk_mint()),
        "stk_staking pool",
    )
    .await?;
    Ok(vec![
        (Role::Mint, mint.admin, mint.pending_admin),
        (Role::Treasury, treasury.admin, treasury.pending_admin),
        (Role::Distributor, treasury.distributor, treasury.pending_distributor),
        (Role::Vesting, vesting.admin, vesting.pending_admin),
        (Role::Staking, pool.admin, pool.pending_admin),
    ])
}

/// The instruction proposing `candidate` for `role`, signed by `holder`.
pub fn propose(role: Role, holder: &Pubkey, candidate: &Pubkey) -> stk_client::Instruction {
    let mint = seeds::find_stk_mint();
    match role {
        Role::Mint => stk_client::mint::propose_admin(holder, candidate),
        Role::Treasury => {
            stk_client::treasury::propose_authority(holder, AuthorityRole::Admin, candidate)
        }
        Role::Distributor => {
            stk_client::treasury::propose_authority(holder, AuthorityRole::Distributor, candidate)
        }
        Role::Vesting => stk_client::vesting::propose_admin(holder, candidate),
        Role::Staking => stk_client::staking::propose_admin(holder, &mint, candidate),
    }
}

/// The instruction by which `candidate` accepts `role`.
pub fn accept(role: Role, candidate: &Pubkey) -> stk_client::Instruction {
    match role {
        Role::Mint => stk_client::mint::accept_admin(candidate),
        Role::Treasury => stk_client::treasury::accept_authority(candidate, AuthorityRole::Admin),
        Role::Distributor => {
            stk_client::treasury::accept_authority(candidate, AuthorityRole::Distributor)
        }
        Role::Vesting => stk_client::vesting::accept_admin(candidate),
        Role::Staking => stk_client::staking::accept_admin(candidate, &seeds::find_stk_mint()),
    }
}

fn role_name(role: Role) -> &'static str {
    match role {
        Role::Mint => "mint admin",
        Role::Treasury => "treasury admin",
        Role::Distributor => "distributor key",
        Role::Vesting => "vesting admin",
        Role::Staking => "staking admin",
    }
}

/// Runs an `authority` subcommand; returns what to print.
pub async fn run<B: ChainBackend>(
    backend: &mut B,
    mode: &Mode,
    cmd: &AuthorityCmd,
) -> Result<String, OpsError> {
    let signer = mode.signer(backend);
    let op = match cmd {
        AuthorityCmd::Show => {
            let mut text = String::new();
            for (role, holder, pending) in holders(backend).await? {
                let pending = if pending == Pubkey::default() {
                    String::new()
                } else {
                    format!("  (proposed: {pending})")
                };
                let _ = writeln!(text, "{:<16} {holder}{pending}", role_name(role));
            }
            let fund: stk_startup_fund::state::Fund =
                require_account(backend, &seeds::find_fund(), "stk_startup_fund").await?;
            super::fund::council_lines(&mut text, "fund council    ", &fund);
            return Ok(text);
        }
        AuthorityCmd::Propose { role, candidate } => {
            let candidate = super::parse_pubkey("--candidate", candidate)?;
            let holders = holders(backend).await?;
            let holder = holders.iter().find(|(r, _, _)| r == role).map(|(_, h, _)| *h);
            // The distributor key is proposed by the treasury admin.
            let proposer = match role {
                Role::Distributor => {
                    holders.iter().find(|(r, _, _)| *r == Role::Treasury).map(|h| h.1)
                }
                _ => holder,
            };
            if proposer.is_some_and(|p| p != signer) {
                return Err(OpsError::usage(format!(
                    "the {} is proposed by {}, not by the signer {signer}",
                    role_name(*role),
                    proposer.unwrap_or_default()
                )));
            }
            // The treasury admin may not confirm fraud holds: handing the role to a council
            // member must leave the others enough to reach the threshold.
            if *role == Role::Treasury && candidate != Pubkey::default() {
                let fund: stk_startup_fund::state::Fund =
                    require_account(backend, &seeds::find_fund(), "stk_startup_fund").await?;
                if let Some(why) = holds_unconfirmable(fund.members(), fund.threshold, &candidate) {
                    return Err(OpsError::usage(format!(
                        "{why}: change the council first (`authority council`) or propose a \
                         key outside it"
                    )));
                }
            }
            let what = if candidate == Pubkey::default() {
                format!("withdraw the proposed {}", role_name(*role))
            } else {
                format!("propose {candidate} as the {}", role_name(*role))
            };
            Op::new(what, vec![propose(*role, &signer, &candidate)])
        }
        AuthorityCmd::Accept { role } => {
            let pending = holders(backend)
                .await?
                .into_iter()
                .find(|(r, _, _)| r == role)
                .map(|(_, _, p)| p)
                .unwrap_or_default();
            if pending != signer {
                return Err(OpsError::usage(format!(
                    "{signer} is not the proposed {} (proposed: {})",
                    role_name(*role),
                    if pending == Pubkey::default() {
                        "nobody".into()
                    } else {
                        pending.to_string()
                    }
                )));
            }
            Op::new(
                format!("accept the role of {}", role_name(*role)),
                vec![accept(*role, &signer)],
            )
        }
        AuthorityCmd::Council { members, threshold } => {
            let members = members
                .iter()
                .map(|m| super::parse_pubkey("--members", m))
                .collect::<Result<Vec<_>, _>>()?;
            let treasury: stk_treasury::state::Treasury =
                require_account(backend, &seeds::find_treasury(), "stk_treasury").await?;
            if let Some(why) = holds_unconfirmable(&members, *threshold, &treasury.admin) {
                return Err(OpsError::usage(format!(
                    "{why}: name at least {threshold} members besides the treasury admin"
                )));
            }
            let fund: stk_startup_fund::state::Fund =
                require_account(backend, &seeds::find_fund(), "stk_startup_fund").await?;
            let id = fund.next_proposal_id;
            Op::new(
                format!(
                    "propose council change #{id}: {} members, threshold {threshold}",
                    members.len()
                ),
                vec![stk_client::startup_fund::propose_council_change(
                    &signer, id, members, *threshold,
                )],
            )
        }
    };
    Ok(execute(backend, mode, &op).await?.describe(&op.what))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_council_must_confirm_holds_without_the_treasury_admin() {
        let [admin, a, b] = [Pubkey::new_unique(), Pubkey::new_unique(), Pubkey::new_unique()];
        assert_eq!(holds_unconfirmable(&[admin, a, b], 2, &admin), None);
        assert_eq!(holds_unconfirmable(&[a, b], 2, &admin), None);
        let why = holds_unconfirmable(&[admin, a], 2, &admin).unwrap();
        assert!(why.contains("a council of 2 with threshold 2 leaves 1 member(s)"), "{why}");
        assert!(holds_unconfirmable(&[admin], 1, &admin).is_some(), "the admin alone");
        // Handing the treasury to a council member counts the same way.
        assert!(holds_unconfirmable(&[a, b], 2, &a).is_some());
        assert_eq!(holds_unconfirmable(&[a, b], 1, &a), None);
    }
}
