//! Finding withheld transfer fees: which STK token accounts hold some, and how to pack their
//! addresses into as few `harvest_fees` transactions as the cluster's limits allow.
use anchor_lang::prelude::Pubkey;
use anchor_spl::token_interface::spl_token_2022::{
    extension::{transfer_fee::TransferFeeAmount, BaseStateWithExtensions, StateWithExtensions},
    state::Account as TokenAccountState,
};

/// Offset of the account-type byte of an extended Token-2022 account (after the 165-byte base
/// account): every account of a mint with the transfer-fee extension is extended.
pub const ACCOUNT_TYPE_OFFSET: usize = 165;
/// The account-type byte of a token account (a mint's is 1).
pub const ACCOUNT_TYPE_ACCOUNT: u8 = 2;

/// The memcmp filters selecting the Token-2022 token accounts of `mint` (owner: Token-2022).
pub fn token_account_filters(mint: &Pubkey) -> Vec<(usize, Vec<u8>)> {
    vec![(0, mint.to_bytes().to_vec()), (ACCOUNT_TYPE_OFFSET, vec![ACCOUNT_TYPE_ACCOUNT])]
}

/// Transfer fees withheld in a token account (0 without the extension, `None` if `data` is not
/// a token account).
pub fn withheld_amount(data: &[u8]) -> Option<u64> {
    let state = StateWithExtensions::<TokenAccountState>::unpack(data).ok()?;
    Some(
        state
            .get_extension::<TransferFeeAmount>()
            .map(|f| u64::from(f.withheld_amount))
            .unwrap_or(0),
    )
}

/// The accounts among `accounts` that hold withheld fees, largest first (so a partial harvest
/// takes the most), with their amounts.
pub fn with_withheld_fees(accounts: &[(Pubkey, Vec<u8>)]) -> Vec<(Pubkey, u64)> {
    let mut found: Vec<(Pubkey, u64)> = accounts
        .iter()
        .filter_map(|(address, data)| Some((*address, withheld_amount(data)?)))
        .filter(|(_, withheld)| *withheld > 0)
        .collect();
    found.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    found
}

/// Splits `sources` into consecutive groups, each as large as `fits` accepts (greedy, order
/// kept). A single source that does not fit is an error: no transaction could carry it.
pub fn pack<F: FnMut(&[Pubkey]) -> bool>(
    sources: &[Pubkey],
    mut fits: F,
) -> Result<Vec<Vec<Pubkey>>, String> {
    let mut groups: Vec<Vec<Pubkey>> = vec![];
    let mut current: Vec<Pubkey> = vec![];
    for source in sources {
        current.push(*source);
        if fits(&current) {
            continue;
        }
        current.pop();
        if current.is_empty() {
            return Err(format!("a harvest of the single account {source} does not fit"));
        }
        groups.push(std::mem::take(&mut current));
        current.push(*source);
        if !fits(&current) {
            return Err(format!("a harvest of the single account {source} does not fit"));
        }
    }
    if !current.is_empty() {
        groups.push(current);
    }
    Ok(groups)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn packing_keeps_every_source_once_in_order_and_fills_groups(n in 0usize..200, cap in 1usize..40) {
            let sources: Vec<Pubkey> = (0..n).map(|_| Pubkey::new_unique()).collect();
            let groups = pack(&sources, |g| g.len() <= cap).unwrap();
            let flat: Vec<Pubkey> = groups.iter().flatten().copied().collect();
            prop_assert_eq!(&flat, &sources);
            for (i, g) in groups.iter().enumerate() {
                prop_assert!(g.len() <= cap && !g.is_empty());
                if i + 1 < groups.len() {
                    prop_assert_eq!(g.len(), cap, "only the last group may be short");
                }
            }
        }
    }

    #[test]
    fn a_source_that_never_fits_is_an_error() {
        let sources = [Pubkey::new_unique()];
        assert!(pack(&sources, |_| false).unwrap_err().contains("does not fit"));
        assert_eq!(pack(&[], |_| false).unwrap(), Vec::<Vec<Pubkey>>::new());
    }

    #[test]
    fn the_filters_select_token_accounts_of_the_mint_only() {
        use crate::chain::matches_filters;
        let mint = Pubkey::new_unique();
        let filters = token_account_filters(&mint);
        let mut data = vec![0u8; 200];
        data[..32].copy_from_slice(mint.as_ref());
        data[ACCOUNT_TYPE_OFFSET] = ACCOUNT_TYPE_ACCOUNT;
        assert!(matches_filters(&data, &filters));
        assert!(!matches_filters(&data, &token_account_filters(&Pubkey::new_unique())));
        data[ACCOUNT_TYPE_OFFSET] = 1; // a mint
        assert!(!matches_filters(&data, &filters));
        assert!(!matches_filters(&data[..100], &filters));
        assert_eq!(withheld_amount(&[1, 2, 3]), None);
    }
}
