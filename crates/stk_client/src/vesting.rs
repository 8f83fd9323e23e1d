//! `stk_vesting` instructions, and the sale allowlist builder (CSV → Merkle root + proofs).
//!
//! Account lists, in the order the program expects (for CPI callers such as
//! `stk_startup_fund`, which build the same list with `stk_vesting::cpi`):
//!
//! * `create_grant`: `payer` (signer, writable: rent), `creator` (signer: owns `source`,
//!   becomes the grant's revoke authority; a PDA may sign through `invoke_signed`),
//!   `config` = [`seeds::find_vesting_config`], `mint` = the STK mint, `source` (writable, STK
//!   account owned by `creator`), `grant` (writable) = [`seeds::find_grant`]`(grant_id)`,
//!   `vault` (writable) = [`seeds::find_grant_vault`]`(grant)`, `vesting_authority` =
//!   [`seeds::find_vesting_authority`], `token_program` = Token-2022, `system_program`.
//! * `claim`: `payer`, `beneficiary`, `grant`, `vault`, `mint`, `vesting_authority`,
//!   `destination` (the beneficiary's Token-2022 ATA, created if missing),
//!   `token_program`, `associated_token_program`, `system_program`.
//! * `revoke`: `authority`, `grant`, `vault`, `mint`, `vesting_authority`,
//!   `refund_destination`, `token_program`.
use crate::{anchor_ix, ata, Instruction, TOKEN_2022};
use anchor_lang::prelude::Pubkey;
use stk_common::{
    merkle::{self, MerkleTree},
    seeds,
};
use stk_vesting::{
    accounts, instruction,
    instructions::{CreateGrantArgs, OpenSaleArgs, PurchaseArgs},
};

/// The singleton addresses of `stk_vesting`.
#[derive(Debug, Clone, Copy)]
pub struct VestingAddresses {
    pub config: Pubkey,
    pub vesting_authority: Pubkey,
    pub sale_vault: Pubkey,
    pub sale: Pubkey,
    /// The STK mint.
    pub mint: Pubkey,
}

pub fn addresses() -> VestingAddresses {
    VestingAddresses {
        config: seeds::find_vesting_config(),
        vesting_authority: seeds::find_vesting_authority(),
        sale_vault: seeds::find_sale_vault(),
        sale: seeds::find_sale(),
        mint: seeds::find_stk_mint(),
    }
}

/// A grant's PDA and its vault.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GrantAddresses {
    pub grant: Pubkey,
    pub vault: Pubkey,
}

pub fn grant_addresses(grant_id: &Pubkey) -> GrantAddresses {
    let grant = seeds::find_grant(grant_id);
    GrantAddresses { grant, vault: seeds::find_grant_vault(&grant) }
}

/// The buyer's `SaleMember` record.
pub fn sale_member(wallet: &Pubkey) -> Pubkey {
    seeds::find_sale_member(&seeds::find_sale(), wallet)
}

pub fn initialize(admin: &Pubkey) -> Instruction {
    let a = addresses();
    anchor_ix(
        stk_vesting::ID,
        accounts::Initialize {
            admin: *admin,
            config: a.config,
            mint: a.mint,
            vesting_authority: a.vesting_authority,
            sale_vault: a.sale_vault,
            token_program: TOKEN_2022,
            system_program: anchor_lang::system_program::ID,
            program_data: stk_common::deploy::program_data_address(&stk_vesting::ID),
        },
        instruction::Initialize {},
    )
}

pub fn create_grant(
    payer: &Pubkey,
    creator: &Pubkey,
    source: &Pubkey,
    args: CreateGrantArgs,
) -> Instruction {
    let a = addresses();
    let g = grant_addresses(&args.grant_id);
    anchor_ix(
        stk_vesting::ID,
        accounts::CreateGrant {
            payer: *payer,
            creator: *creator,
            config: a.config,
            mint: a.mint,
            source: *source,
            grant: g.grant,
            vault: g.vault,
            vesting_authority: a.vesting_authority,
            token_program: TOKEN_2022,
            system_program: anchor_lang::system_program::ID,
        },
        instruction::CreateGrant { args },
    )
}

/// Claims into the beneficiary's STK ATA (created if missing, `payer` pays its rent).
pub fn claim(payer: &Pubkey, beneficiary: &Pubkey, grant_id: &Pubkey) -> Instruction {
    let a = addresses();
    let g = grant_addresses(grant_id);
    anchor_ix(
        stk_vesting::ID,
        accounts::Claim {
            payer: *payer,
            beneficiary: *beneficiary,
            grant: g.grant,
            vault: g.vault,
            mint: a.mint,
            vesting_authority: a.vesting_authority,
            destination: ata(beneficiary, &a.mint),
            token_program: TOKEN_2022,
            associated_token_program: anchor_spl::associated_token::ID,
            system_program: anchor_lang::system_program::ID,
        },
        instruction::Claim {},
    )
}

pub fn revoke(authority: &Pubkey, grant_id: &Pubkey, refund_destination: &Pubkey) -> Instruction {
    let a = addresses();
    let g = grant_addresses(grant_id);
    anchor_ix(
        stk_vesting::ID,
        accounts::Revoke {
            authority: *authority,
            grant: g.grant,
            vault: g.vault,
            mint: a.mint,
            vesting_authority: a.vesting_authority,
            refund_destination: *refund_destination,
            token_program: TOKEN_2022,
        },
        instruction::Revoke {},
    )
}

pub fn transfer_beneficiary(
    beneficiary: &Pubkey,
    grant_id: &Pubkey,
    new_beneficiary: &Pubkey,
) -> Instruction {
    anchor_ix(
        stk_vesting::ID,
        accounts::TransferBeneficiary {
            beneficiary: *beneficiary,
            grant: grant_addresses(grant_id).grant,
        },
        instruction::TransferBeneficiary { new_beneficiary: *new_beneficiary },
    )
}

/// The sale's unsold destination: the treasury's distribution vault, the only one `open_sale`
/// accepts (so callers cannot name another).
pub fn unsold_destination() -> Pubkey {
    seeds::find_distribution_vault()
}

/// Opens the sale; the unsold destination is [`unsold_destination`] (the treasury's
/// distribution vault, which must exist: the treasury is initialized first).
pub fn open_sale(
    admin: &Pubkey,
    payment_mint: &Pubkey,
    payment_destination: &Pubkey,
    args: OpenSaleArgs,
) -> Instruction {
    let a = addresses();
    anchor_ix(
        stk_vesting::ID,
        accounts::OpenSale {
            admin: *admin,
            config: a.config,
            sale: a.sale,
            sale_vault: a.sale_vault,
            payment_mint: *payment_mint,
            payment_destination: *payment_destination,
            unsold_destination: unsold_destination(),
            system_program: anchor_lang::system_program::ID,
        },
        instruction::OpenSale { args },
    )
}

/// The accounts of a purchase that depend on the payment side.
#[derive(Debug, Clone, Copy)]
pub struct PaymentAccounts {
    pub mint: Pubkey,
    /// The buyer's account of `mint`.
    pub source: Pubkey,
    /// The sale's payment destination.
    pub destination: Pubkey,
    /// SPL Token or Token-2022, whichever owns `mint`.
    pub token_program: Pubkey,
}

pub fn purchase(buyer: &Pubkey, payment: PaymentAccounts, args: PurchaseArgs) -> Instruction {
    let a = addresses();
    let g = grant_addresses(&args.grant_id);
    anchor_ix(
        stk_vesting::ID,
        accounts::Purchase {
            buyer: *buyer,
            sale: a.sale,
            member: sale_member(buyer),
            payment_mint: payment.mint,
            payment_source: payment.source,
            payment_destination: payment.destination,
            payment_token_program: payment.token_program,
            mint: a.mint,
            sale_vault: a.sale_vault,
            grant: g.grant,
            grant_vault: g.vault,
            vesting_authority: a.vesting_authority,
            token_program: TOKEN_2022,
            system_program: anchor_lang::system_program::ID,
        },
        instruction::Purchase { args },
    )
}

/// Closes an ended (or sold-out) sale: the unsold rest goes to [`unsold_destination`].
pub fn close_sale(cranker: &Pubkey) -> Instruction {
    let a = addresses();
    anchor_ix(
        stk_vesting::ID,
        accounts::CloseSale {
            cranker: *cranker,
            sale: a.sale,
            sale_vault: a.sale_vault,
            mint: a.mint,
            vesting_authority: a.vesting_authority,
            unsold_destination: unsold_destination(),
            token_program: TOKEN_2022,
        },
        instruction::CloseSale {},
    )
}

// ---- allowlist ------------------------------------------------------------------------------

/// One allowlisted wallet and its cap in STK base units.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AllowlistEntry {
    pub wallet: Pubkey,
    pub cap: u64,
}

/// Why an allowlist could not be built. `line` is 1-based.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AllowlistError {
    /// A row is not `wallet,cap`.
    Malformed { line: usize, reason: String },
    /// The same wallet appears twice (its cap would be ambiguous).
    Duplicate { line: usize, wallet: Pubkey },
    /// No wallet at all.
    Empty,
}

impl std::fmt::Display for AllowlistError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            AllowlistError::Malformed { line, reason } => {
                write!(f, "allowlist line {line}: {reason} (expected `wallet,cap`)")
            }
            AllowlistError::Duplicate { line, wallet } => {
                write!(f, "allowlist line {line}: wallet {wallet} is listed twice")
            }
            AllowlistError::Empty => write!(f, "allowlist has no wallets"),
        }
    }
}

impl std::error::Error for AllowlistError {}

/// The sale allowlist: entries in input order and their Merkle tree.
#[derive(Debug, Clone)]
pub struct Allowlist {
    entries: Vec<AllowlistEntry>,
    tree: MerkleTree,
}

impl Allowlist {
    /// Builds the tree; refuses duplicates and an empty list.
    pub fn new(entries: Vec<AllowlistEntry>) -> Result<Self, AllowlistError> {
        let mut seen = std::collections::HashSet::new();
        for (i, e) in entries.iter().enumerate() {
            if !seen.insert(e.wallet) {
                return Err(AllowlistError::Duplicate { line: i + 1, wallet: e.wallet });
            }
        }
        let tree =
            MerkleTree::new(entries.iter().map(|e| merkle::leaf(&e.wallet, e.cap)).collect())
                .ok_or(AllowlistError::Empty)?;
        Ok(Allowlist { entries, tree })
    }

    /// Parses `wallet,cap` lines (cap in STK base units). Blank lines and lines starting
    /// with `#` are skipped; a first row `wallet,cap` is taken as a header. Errors name the
    /// line.
    pub fn from_csv(text: &str) -> Result<Self, AllowlistError> {
        let mut entries = Vec::new();
        let mut seen = std::collections::HashSet::new();
        let mut first_row = true;
        for (index, raw) in text.lines().enumerate() {
            let line = index + 1;
            let row = raw.trim();
            if row.is_empty() || row.starts_with('#') {
                continue;
            }
            let fields: Vec<&str> = row.split(',').map(str::trim).collect();
            let is_header = first_row
                && fields.len() == 2
                && fields[0].eq_ignore_ascii_case("wallet")
                && fields[1].eq_ignore_ascii_case("cap");
            first_row = false;
            if is_header {
                continue;
            }
            let malformed = |reason: String| AllowlistError::Malformed { line, reason };
            if fields.len() != 2 {
                return Err(malformed(format!("{} fields", fields.len())));
            }
            let wallet: Pubkey = fields[0].parse().map_err(|_| {
                malformed(format!("`{}` is not a base58 wallet address", fields[0]))
            })?;
            let cap: u64 = fields[1].parse().map_err(|_| {
                malformed(format!("`{}` is not a whole number of base units", fields[1]))
            })?;
            if cap == 0 {
                return Err(malformed("cap is zero".to_string()));
            }
            if !seen.insert(wallet) {
                return Err(AllowlistError::Duplicate { line, wallet });
            }
            entries.push(AllowlistEntry { wallet, cap });
        }
        Self::new(entries)
    }

    pub fn root(&self) -> [u8; 32] {
        self.tree.root()
    }

    pub fn entries(&self) -> &[AllowlistEntry] {
        &self.entries
    }

    /// The wallet's cap and proof, `None` if it is not listed.
    pub fn proof(&self, wallet: &Pubkey) -> Option<(u64, Vec<[u8; 32]>)> {
        let index = self.entries.iter().position(|e| &e.wallet == wallet)?;
        Some((self.entries[index].cap, self.tree.proof(index)?))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn wallet(n: u8) -> Pubkey {
        Pubkey::new_from_array([n; 32])
    }

    #[test]
    fn csv_round_trip_proves_every_wallet() {
        let csv = format!(
            "# initial sale\nwallet,cap\n{},1000\n\n  {} , 2500 \n{},7\n",
            wallet(1),
            wallet(2),
            wallet(3)
        );
        let list = Allowlist::from_csv(&csv).unwrap();
        assert_eq!(list.entries().len(), 3);
        for (n, cap) in [(1, 1000), (2, 2500), (3, 7)] {
            let (got_cap, proof) = list.proof(&wallet(n)).unwrap();
            assert_eq!(got_cap, cap);
            assert!(merkle::verify(&proof, &list.root(), merkle::leaf(&wallet(n), cap)));
        }
        assert!(list.proof(&wallet(9)).is_none());
    }

    #[test]
    fn malformed_rows_name_their_line() {
        let ok = wallet(1).to_string();
        let cases = [
            (ok.clone(), 1, "1 fields"),
            (format!("wallet,cap\n{ok},1,2"), 2, "3 fields"),
            ("\nnot-a-key,5".to_string(), 2, "not a base58"),
            (format!("{ok},-5"), 1, "whole number"),
            (format!("{ok},1.5"), 1, "whole number"),
            (format!("{ok},0"), 1, "zero"),
        ];
        for (csv, want_line, want_reason) in cases {
            match Allowlist::from_csv(&csv) {
                Err(AllowlistError::Malformed { line, reason }) => {
                    assert_eq!(line, want_line, "{csv}");
                    assert!(reason.contains(want_reason), "{reason} / {want_reason}");
                }
                other => panic!("{csv}: {other:?}"),
            }
        }
    }

    #[test]
    fn duplicates_and_empty_lists_are_refused() {
        let csv = format!("{},1\n{},2\n{},3", wallet(1), wallet(2), wallet(1));
        assert_eq!(
            Allowlist::from_csv(&csv).unwrap_err(),
            AllowlistError::Duplicate { line: 3, wallet: wallet(1) }
        );
        assert_eq!(
            Allowlist::from_csv("# nothing\nwallet,cap\n").unwrap_err(),
            AllowlistError::Empty
        );
        let err = AllowlistError::Malformed { line: 4, reason: "x".into() };
        assert!(err.to_string().contains("line 4"));
    }
}

/// The admin proposes `candidate` as its successor (`Pubkey::default()` withdraws).
pub fn propose_admin(admin: &Pubkey, candidate: &Pubkey) -> Instruction {
    anchor_ix(
        stk_vesting::ID,
        accounts::ProposeAdmin { admin: *admin, config: addresses().config },
        instruction::ProposeAdmin { candidate: *candidate },
    )
}

/// The proposed admin takes the role.
pub fn accept_admin(candidate: &Pubkey) -> Instruction {
    anchor_ix(
        stk_vesting::ID,
        accounts::AcceptAdmin { candidate: *candidate, config: addresses().config },
        instruction::AcceptAdmin {},
    )
}
