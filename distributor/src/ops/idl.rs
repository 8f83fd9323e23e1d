//! The committed Anchor IDLs (`idl/*.json`, checked against the code by `scripts/idl.sh
//! --check`) as the operator tools' dictionary: the name of an instruction and of each of its
//! accounts for `--dry-run` and `--sign-with external`, and the name and message of a program
//! error when a transaction is refused.
use anchor_lang::prelude::Pubkey;
use serde::Deserialize;
use std::sync::OnceLock;

#[derive(Debug, Deserialize)]
struct Idl {
    address: String,
    metadata: Metadata,
    instructions: Vec<IdlInstruction>,
    #[serde(default)]
    errors: Vec<IdlError>,
}

#[derive(Debug, Deserialize)]
struct Metadata {
    name: String,
}

#[derive(Debug, Deserialize)]
struct IdlInstruction {
    name: String,
    discriminator: Vec<u8>,
    accounts: Vec<IdlAccountItem>,
}

/// An account of an instruction, or a group of them (a nested accounts struct).
#[derive(Debug, Deserialize)]
struct IdlAccountItem {
    name: String,
    #[serde(default)]
    accounts: Vec<IdlAccountItem>,
}

#[derive(Debug, Deserialize)]
struct IdlError {
    code: u32,
    name: String,
    #[serde(default)]
    msg: Option<String>,
}

const SOURCES: [&str; 5] = [
    include_str!("../../../idl/stk_mint.json"),
    include_str!("../../../idl/stk_treasury.json"),
    include_str!("../../../idl/stk_vesting.json"),
    include_str!("../../../idl/stk_staking.json"),
    include_str!("../../../idl/stk_startup_fund.json"),
];

struct Program {
    id: Pubkey,
    idl: Idl,
}

fn programs() -> &'static [Program] {
    static PROGRAMS: OnceLock<Vec<Program>> = OnceLock::new();
    PROGRAMS.get_or_init(|| {
        SOURCES
            .iter()
            .filter_map(|text| {
                // A committed IDL that does not parse is caught by the unit test below; at run
                // time it only costs the names.
                let idl: Idl = serde_json::from_str(text).ok()?;
                let id = idl.address.parse().ok()?;
                Some(Program { id, idl })
            })
            .collect()
    })
}

fn flatten(items: &[IdlAccountItem], prefix: &str, out: &mut Vec<String>) {
    for item in items {
        if item.accounts.is_empty() {
            out.push(format!("{prefix}{}", item.name));
        } else {
            flatten(&item.accounts, &format!("{prefix}{}.", item.name), out);
        }
    }
}

/// The program's name (`stk_treasury`, …) if it is one of the five.
pub fn program_name(program: &Pubkey) -> Option<&'static str> {
    programs().iter().find(|p| p.id == *program).map(|p| p.idl.metadata.name.as_str())
}

/// The instruction's name and the names of its accounts in order, from its discriminator.
pub fn instruction(program: &Pubkey, data: &[u8]) -> Option<(&'static str, Vec<String>)> {
    let p = programs().iter().find(|p| p.id == *program)?;
    let ix = p.idl.instructions.iter().find(|ix| data.starts_with(&ix.discriminator))?;
    let mut names = vec![];
    flatten(&ix.accounts, "", &mut names);
    Some((ix.name.as_str(), names))
}

/// "ErrorName: message" of custom error `code` of one of `programs`: the program's own
/// errors (from its IDL, 6000 on), else Anchor's (below 6000: an account constraint such as
/// `has_one = admin` without a custom error, raised before the handler runs).
pub fn error(programs_named: &[Pubkey], code: u32) -> Option<String> {
    let ours = programs().iter().filter(|p| programs_named.contains(&p.id));
    let mut named = None;
    for p in ours {
        let program = p.idl.metadata.name.as_str();
        if let Some(e) = p.idl.errors.iter().find(|e| e.code == code) {
            return Some(match &e.msg {
                Some(msg) => format!("{program} error {}: {msg}", e.name),
                None => format!("{program} error {}", e.name),
            });
        }
        named.get_or_insert(program);
    }
    let program = named?;
    let e = framework_error(code)?;
    Some(format!("{program} error {} (an Anchor account check): {e}", e.name()))
}

/// Anchor's errors that an account list or instruction data can raise (`anchor_lang::error::
/// ErrorCode`, codes 100–3999), by code.
fn framework_error(code: u32) -> Option<anchor_lang::error::ErrorCode> {
    use anchor_lang::error::ErrorCode as E;
    const KNOWN: [E; 32] = [
        E::InstructionMissing,
        E::InstructionFallbackNotFound,
        E::InstructionDidNotDeserialize,
        E::ConstraintMut,
        E::ConstraintHasOne,
        E::ConstraintSigner,
        E::ConstraintRaw,
        E::ConstraintOwner,
        E::ConstraintRentExempt,
        E::ConstraintSeeds,
        E::ConstraintExecutable,
        E::ConstraintAssociated,
        E::ConstraintAssociatedInit,
        E::ConstraintClose,
        E::ConstraintAddress,
        E::ConstraintZero,
        E::ConstraintTokenMint,
        E::ConstraintTokenOwner,
        E::ConstraintSpace,
        E::ConstraintTokenTokenProgram,
        E::ConstraintMintTokenProgram,
        E::ConstraintAssociatedTokenTokenProgram,
        E::ConstraintDuplicateMutableAccount,
        E::RequireViolated,
        E::AccountDiscriminatorNotFound,
        E::AccountDiscriminatorMismatch,
        E::AccountDidNotDeserialize,
        E::AccountNotEnoughKeys,
        E::AccountNotMutable,
        E::AccountOwnedByWrongProgram,
        E::AccountNotSigner,
        E::AccountNotInitialized,
    ];
    KNOWN.into_iter().find(|e| u32::from(*e) == code)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_committed_idl_parses_and_names_its_program() {
        assert_eq!(programs().len(), SOURCES.len(), "an idl/*.json did not parse");
        for (id, name) in [
            (stk_mint::ID, "stk_mint"),
            (stk_treasury::ID, "stk_treasury"),
            (stk_vesting::ID, "stk_vesting"),
            (stk_staking::ID, "stk_staking"),
            (stk_startup_fund::ID, "stk_startup_fund"),
        ] {
            assert_eq!(program_name(&id), Some(name));
        }
    }

    #[test]
    fn names_an_instruction_and_its_accounts_from_the_client_builder() {
        let admin = Pubkey::new_unique();
        let ix = stk_client::treasury::publish_quote(&admin, 3);
        let (name, accounts) = instruction(&ix.program_id, &ix.data).unwrap();
        assert_eq!(name, "publish_quote");
        assert_eq!(accounts.len(), ix.accounts.len());
        assert_eq!(accounts[0], "admin");
        assert!(instruction(&ix.program_id, &[0u8; 8]).is_none());
    }

    #[test]
    fn explains_a_custom_error_code() {
        let code = 6000 + stk_treasury::errors::TreasuryError::NotAdmin as u32;
        let text = error(&[stk_treasury::ID], code).unwrap();
        assert!(text.starts_with("stk_treasury error NotAdmin"), "{text}");
        assert!(error(&[stk_mint::ID], 1).is_none());
        // Anchor's own: `has_one = admin` without a custom error (stk_staking's rate).
        let code = u32::from(anchor_lang::error::ErrorCode::ConstraintHasOne);
        let text = error(&[stk_staking::ID], code).unwrap();
        assert!(text.starts_with("stk_staking error ConstraintHasOne"), "{text}");
        assert!(text.contains("has one constraint"), "{text}");
        // Not ours: not explained.
        assert!(error(&[Pubkey::new_unique()], code).is_none());
    }
}
