//! Who may initialize a program: the key that deployed it.
//!
//! Each program's `initialize` creates its singleton state at a fixed PDA, so whoever calls it
//! first owns the program. Between `anchor deploy` and the operator's `distributor init` a
//! watcher could step in. Every `initialize` therefore requires the signature of the
//! program's **upgrade authority**, read from the ProgramData account that the upgradeable
//! BPF loader keeps for the program (its address is derived from the program id, and only the
//! loader can write it).
//!
//! The check is pure byte parsing of the loader's account header, so it needs no loader crate
//! and runs the same on SBF and in native tests (where the harness installs the ProgramData
//! accounts that a real deployment has).
use anchor_lang::prelude::*;

/// The upgradeable BPF loader, owner of every ProgramData account.
pub const BPF_LOADER_UPGRADEABLE: Pubkey =
    anchor_lang::pubkey!("BPFLoaderUpgradeab1e11111111111111111111111");

/// Size of the ProgramData header: enum tag (u32), deployment slot (u64), `Option<Pubkey>`.
pub const PROGRAM_DATA_HEADER_LEN: usize = 4 + 8 + 1 + 32;

/// The loader's enum tag of a ProgramData account (`UpgradeableLoaderState::ProgramData`).
const PROGRAM_DATA_TAG: u32 = 3;

/// Why a ProgramData account does not authorize a signer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeployCheck {
    /// The account is not the program's ProgramData address.
    WrongAddress,
    /// The account is not owned by the upgradeable loader.
    WrongOwner,
    /// The bytes are not a ProgramData header.
    NotProgramData,
    /// The program is immutable (no upgrade authority): nobody can initialize it.
    Immutable,
    /// The signer is not the upgrade authority.
    NotUpgradeAuthority,
}

/// The ProgramData address of `program_id`.
pub fn program_data_address(program_id: &Pubkey) -> Pubkey {
    Pubkey::find_program_address(&[program_id.as_ref()], &BPF_LOADER_UPGRADEABLE).0
}

/// The upgrade authority recorded in a ProgramData account's data.
pub fn upgrade_authority(data: &[u8]) -> core::result::Result<Option<Pubkey>, DeployCheck> {
    let header = data.get(..PROGRAM_DATA_HEADER_LEN).ok_or(DeployCheck::NotProgramData)?;
    let tag = u32::from_le_bytes(header[0..4].try_into().map_err(|_| DeployCheck::NotProgramData)?);
    if tag != PROGRAM_DATA_TAG {
        return Err(DeployCheck::NotProgramData);
    }
    match header[12] {
        0 => Ok(None),
        1 => {
            let key: [u8; 32] =
                header[13..45].try_into().map_err(|_| DeployCheck::NotProgramData)?;
            Ok(Some(Pubkey::new_from_array(key)))
        }
        _ => Err(DeployCheck::NotProgramData),
    }
}

/// The header of a ProgramData account deployed at `slot` with `authority` (what the loader
/// writes; the harness uses it to give native test programs their ProgramData accounts).
pub fn program_data_header(slot: u64, authority: Option<&Pubkey>) -> Vec<u8> {
    let mut data = Vec::with_capacity(PROGRAM_DATA_HEADER_LEN);
    data.extend_from_slice(&PROGRAM_DATA_TAG.to_le_bytes());
    data.extend_from_slice(&slot.to_le_bytes());
    match authority {
        Some(key) => {
            data.push(1);
            data.extend_from_slice(key.as_ref());
        }
        None => data.extend_from_slice(&[0; 33]),
    }
    data
}

/// Checks that `program_data` is `program_id`'s ProgramData account and that `signer` is its
/// upgrade authority. The caller maps the reason to its own error code.
pub fn check_upgrade_authority(
    program_id: &Pubkey,
    program_data: &AccountInfo,
    signer: &Pubkey,
) -> core::result::Result<(), DeployCheck> {
    if *program_data.key != program_data_address(program_id) {
        return Err(DeployCheck::WrongAddress);
    }
    if *program_data.owner != BPF_LOADER_UPGRADEABLE {
        return Err(DeployCheck::WrongOwner);
    }
    let data = program_data.try_borrow_data().map_err(|_| DeployCheck::NotProgramData)?;
    match upgrade_authority(&data)? {
        None => Err(DeployCheck::Immutable),
        Some(authority) if authority == *signer => Ok(()),
        Some(_) => Err(DeployCheck::NotUpgradeAuthority),
    }
}

/// [`check_upgrade_authority`] for an `initialize` handler: logs why a caller is refused and
/// returns the program's own error.
pub fn require_upgrade_authority(
    program_id: &Pubkey,
    program_data: &AccountInfo,
    signer: &Pubkey,
    refused: impl Into<anchor_lang::error::Error>,
) -> Result<()> {
    check_upgrade_authority(program_id, program_data, signer).map_err(|reason| {
        msg!("initialize refused: {:?} (sign with the program's upgrade authority)", reason);
        refused.into()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_header_round_trips_and_matches_the_loader_layout() {
        let key = Pubkey::new_unique();
        let data = program_data_header(42, Some(&key));
        assert_eq!(data.len(), PROGRAM_DATA_HEADER_LEN);
        assert_eq!(&data[0..4], &[3, 0, 0, 0]);
        assert_eq!(&data[4..12], &42u64.to_le_bytes());
        assert_eq!(upgrade_authority(&data), Ok(Some(key)));
        // The program's bytes follow the header in a real account.
        let mut with_code = data.clone();
        with_code.extend_from_slice(&[0x7f; 100]);
        assert_eq!(upgrade_authority(&with_code), Ok(Some(key)));
        assert_eq!(upgrade_authority(&program_data_header(7, None)), Ok(None));
    }

    #[test]
    fn anything_else_is_not_program_data() {
        let key = Pubkey::new_unique();
        let good = program_data_header(1, Some(&key));
        assert_eq!(upgrade_authority(&good[..44]), Err(DeployCheck::NotProgramData));
        let mut program_state = good.clone();
        program_state[0] = 2; // `UpgradeableLoaderState::Program`
        assert_eq!(upgrade_authority(&program_state), Err(DeployCheck::NotProgramData));
        let mut bad_option = good;
        bad_option[12] = 2;
        assert_eq!(upgrade_authority(&bad_option), Err(DeployCheck::NotProgramData));
    }

    fn check(
        program: &Pubkey,
        address: Pubkey,
        owner: Pubkey,
        data: Vec<u8>,
        signer: &Pubkey,
    ) -> core::result::Result<(), DeployCheck> {
        let mut lamports = 1;
        let mut data = data;
        let info =
            AccountInfo::new(&address, false, false, &mut lamports, &mut data, &owner, false);
        check_upgrade_authority(program, &info, signer)
    }

    #[test]
    fn only_the_upgrade_authority_of_this_program_passes() {
        let program = Pubkey::new_unique();
        let authority = Pubkey::new_unique();
        let stranger = Pubkey::new_unique();
        let address = program_data_address(&program);
        let header = program_data_header(5, Some(&authority));
        let loader = BPF_LOADER_UPGRADEABLE;
        assert_eq!(check(&program, address, loader, header.clone(), &authority), Ok(()));
        assert_eq!(
            check(&program, address, loader, header.clone(), &stranger),
            Err(DeployCheck::NotUpgradeAuthority)
        );
        // Another program's ProgramData, even with the same authority.
        let other = program_data_address(&Pubkey::new_unique());
        assert_eq!(
            check(&program, other, loader, header.clone(), &authority),
            Err(DeployCheck::WrongAddress)
        );
        // The right address but forged by someone other than the loader.
        assert_eq!(
            check(&program, address, Pubkey::new_unique(), header, &authority),
            Err(DeployCheck::WrongOwner)
        );
        assert_eq!(
            check(&program, address, loader, program_data_header(5, None), &authority),
            Err(DeployCheck::Immutable)
        );
    }
}
