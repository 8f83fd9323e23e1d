//! The treasury's payout plan (`programs/stk_treasury/PAYOUT_PLAN.md`): the hashes that bind
//! every payout to the plan the admin approved, shared by the program, the distributor, the
//! harness and the members' app.
//!
//! * A **line** is one recipient of one batch: `(token_account, amount)` at `position` of
//!   batch `batch` of month `month`. Its leaf is
//!   `sha256("stk:payout:leaf" || month || batch || position || token_account || amount)`
//!   (integers little-endian), so a line cannot move to another month, batch or position.
//! * A **batch root** is the Merkle root over the batch's leaves in position order, in the
//!   [`DOMAIN`] of this module (same tree shape as the allowlist, other prefixes).
//! * The **plan hash** `sha256("stk:plan:v1" || month || total || batch_count || report_hash ||
//!   root_0 || … || root_{n-1})` names everything a month pays; the admin approves it.
//! * Batch roots are stored on-chain in **plan pages** of [`PLAN_PAGE_ENTRIES`] entries.
//!
//! Usability of a recipient ([`classify_recipient`]) is decided here too, from the account's
//! owner and data alone, so the program and the distributor agree on who gets skipped.
use crate::merkle::{Domain, MerkleTree};
use anchor_lang::prelude::Pubkey;
use anchor_spl::token_interface::spl_token_2022::{
    extension::{memo_transfer::MemoTransfer, BaseStateWithExtensions, StateWithExtensions},
    state::{Account as TokenAccountState, AccountState},
};
use solana_sha256_hasher::hashv;

pub const LEAF_PREFIX: &[u8] = b"stk:payout:leaf";
pub const NODE_PREFIX: &[u8] = b"stk:payout:node";
pub const PLAN_PREFIX: &[u8] = b"stk:plan:v1";
/// The payout plan's tree domain.
pub const DOMAIN: Domain = Domain { leaf_prefix: LEAF_PREFIX, node_prefix: NODE_PREFIX };

/// Batch roots per plan page: 250 × (32-byte root + 8-byte skipped mask) keeps a page under the
/// 10,240 bytes a program may create in one instruction.
pub const PLAN_PAGE_ENTRIES: usize = 250;
/// The most recipients of one batch: one bit each in the page entry's `u64` skipped mask.
pub const MAX_BATCH_RECIPIENTS: usize = 64;
/// Largest `batch_count` of an epoch (the epoch's paid-batch bitmap holds 4096 bits).
pub const MAX_BATCH_COUNT: u16 = 4096;
/// Pages a plan of [`MAX_BATCH_COUNT`] batches needs.
pub const MAX_PLAN_PAGES: usize = (MAX_BATCH_COUNT as usize).div_ceil(PLAN_PAGE_ENTRIES);

/// The leaf of one payout line.
pub fn leaf(month: u32, batch: u16, position: u8, token_account: &Pubkey, amount: u64) -> [u8; 32] {
    hashv(&[
        LEAF_PREFIX,
        &month.to_le_bytes(),
        &batch.to_le_bytes(),
        &[position],
        token_account.as_ref(),
        &amount.to_le_bytes(),
    ])
    .to_bytes()
}

/// The parent of two nodes of a batch tree (order-independent).
pub fn node(a: &[u8; 32], b: &[u8; 32]) -> [u8; 32] {
    DOMAIN.node(a, b)
}

/// The leaves of a batch, `None` if it is empty or longer than [`MAX_BATCH_RECIPIENTS`].
fn leaves(month: u32, batch: u16, lines: &[(Pubkey, u64)]) -> Option<Vec<[u8; 32]>> {
    if lines.is_empty() || lines.len() > MAX_BATCH_RECIPIENTS {
        return None;
    }
    Some(
        lines
            .iter()
            .zip(0u8..)
            .map(|((account, amount), position)| leaf(month, batch, position, account, *amount))
            .collect(),
    )
}

/// The root of batch `batch` of `month` paying `lines[i] = (token_account, amount)` at position
/// `i`; `None` for an empty batch or one of more than [`MAX_BATCH_RECIPIENTS`] lines (the
/// program refuses both).
pub fn try_batch_root(month: u32, batch: u16, lines: &[(Pubkey, u64)]) -> Option<[u8; 32]> {
    DOMAIN.root_in_place(&mut leaves(month, batch, lines)?)
}

/// [`try_batch_root`], with the all-zero root for a batch that cannot exist (empty or too
/// long): `write_plan_roots` refuses a zero root, so such a plan can never be approved.
pub fn batch_root(month: u32, batch: u16, lines: &[(Pubkey, u64)]) -> [u8; 32] {
    try_batch_root(month, batch, lines).unwrap_or([0; 32])
}

/// The proof of line `position` of a batch (siblings from its leaf up to the batch root), for
/// the member who wants to check their payout against the approved plan. Empty when the
/// batch cannot exist or `position` is out of range (a single-line batch's proof is empty too:
/// its leaf is its root).
pub fn batch_proof(
    month: u32,
    batch: u16,
    lines: &[(Pubkey, u64)],
    position: usize,
) -> Vec<[u8; 32]> {
    leaves(month, batch, lines)
        .and_then(|l| MerkleTree::with_domain(DOMAIN, l))
        .and_then(|tree| tree.proof(position))
        .unwrap_or_default()
}

/// Whether `proof` leads from `leaf` to `batch_root`.
pub fn verify_line(proof: &[[u8; 32]], batch_root: &[u8; 32], leaf: [u8; 32]) -> bool {
    DOMAIN.verify(proof, batch_root, leaf)
}

/// The plan hash over the roots given in consecutive chunks (on-chain: one chunk per plan
/// page, so the program hashes the pages without copying them). One SHA-256 over the
/// concatenation, whatever the chunking.
pub fn plan_hash_of_chunks(
    month: u32,
    total: u64,
    batch_count: u16,
    report_hash: &[u8; 32],
    chunks: &[&[[u8; 32]]],
) -> [u8; 32] {
    let (m, t, b) = (month.to_le_bytes(), total.to_le_bytes(), batch_count.to_le_bytes());
    let mut parts: Vec<&[u8]> = Vec::with_capacity(5 + chunks.len());
    parts.extend_from_slice(&[PLAN_PREFIX, &m, &t, &b, report_hash]);
    parts.extend(chunks.iter().map(|c| c.as_flattened()));
    hashv(&parts).to_bytes()
}

/// `sha256("stk:plan:v1" || month || total || batch_count || report_hash || roots…)`.
pub fn plan_hash(
    month: u32,
    total: u64,
    batch_count: u16,
    report_hash: &[u8; 32],
    roots: &[[u8; 32]],
) -> [u8; 32] {
    plan_hash_of_chunks(month, total, batch_count, report_hash, &[roots])
}

/// The page holding batch `batch`, and its entry in that page.
pub fn page_of(batch: u16) -> (u16, usize) {
    (batch / PLAN_PAGE_ENTRIES as u16, batch as usize % PLAN_PAGE_ENTRIES)
}

/// How many pages a plan of `batch_count` batches fills.
pub fn page_count(batch_count: u16) -> u16 {
    (batch_count as usize).div_ceil(PLAN_PAGE_ENTRIES) as u16
}

/// How many of page `page`'s entries a plan of `batch_count` batches uses.
pub fn entries_in_page(batch_count: u16, page: u16) -> usize {
    let first = page as usize * PLAN_PAGE_ENTRIES;
    (batch_count as usize).saturating_sub(first).min(PLAN_PAGE_ENTRIES)
}

/// Why `distribute_batch` skipped a recipient (the `RecipientSkipped` event's `reason`). A
/// skipped line is not paid and stays owed: the distributor carries it as pending.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[repr(u8)]
pub enum SkipReason {
    /// The account is not owned by Token-2022: closed (system-owned, empty) or reassigned.
    NotToken2022 = 1,
    /// Owned by Token-2022 but not an initialized token account (e.g. a mint).
    NotTokenAccount = 2,
    /// A token account of another mint.
    WrongMint = 3,
    /// Frozen: Token-2022 refuses every transfer into it.
    Frozen = 4,
    /// The owner turned on required incoming-transfer memos.
    MemoRequired = 5,
}

impl SkipReason {
    pub const ALL: [SkipReason; 5] = [
        SkipReason::NotToken2022,
        SkipReason::NotTokenAccount,
        SkipReason::WrongMint,
        SkipReason::Frozen,
        SkipReason::MemoRequired,
    ];

    pub fn code(self) -> u8 {
        self as u8
    }

    pub fn from_code(code: u8) -> Option<Self> {
        Self::ALL.into_iter().find(|r| r.code() == code)
    }

    pub fn describe(self) -> &'static str {
        match self {
            SkipReason::NotToken2022 => "account closed or not owned by Token-2022",
            SkipReason::NotTokenAccount => "not an initialized token account",
            SkipReason::WrongMint => "token account of another mint",
            SkipReason::Frozen => "token account frozen",
            SkipReason::MemoRequired => "token account requires incoming-transfer memos",
        }
    }
}

/// Whether an STK payout into an account with this `owner` program and `data` can succeed:
/// `None` when usable, else why not. Never fails: every byte string has an answer.
pub fn classify_recipient(owner: &Pubkey, data: &[u8], stk_mint: &Pubkey) -> Option<SkipReason> {
    if *owner != anchor_spl::token_interface::spl_token_2022::ID {
        return Some(SkipReason::NotToken2022);
    }
    let Ok(state) = StateWithExtensions::<TokenAccountState>::unpack(data) else {
        return Some(SkipReason::NotTokenAccount);
    };
    if state.base.mint != *stk_mint {
        return Some(SkipReason::WrongMint);
    }
    if state.base.state == AccountState::Frozen {
        return Some(SkipReason::Frozen);
    }
    if let Ok(memo) = state.get_extension::<MemoTransfer>() {
        if bool::from(memo.require_incoming_transfer_memos) {
            return Some(SkipReason::MemoRequired);
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use anchor_spl::token_interface::spl_token_2022::{
        self as t22,
        extension::{BaseStateWithExtensionsMut, ExtensionType, StateWithExtensionsMut},
    };
    use proptest::prelude::*;

    fn lines(n: usize, salt: u8) -> Vec<(Pubkey, u64)> {
        (0..n)
            .map(|i| (Pubkey::new_from_array([(i as u8).wrapping_add(salt); 32]), 1 + i as u64))
            .collect()
    }

    #[test]
    fn leaf_encoding_is_pinned() {
        let account = Pubkey::new_from_array([5; 32]);
        let by_hand = hashv(&[
            b"stk:payout:leaf",
            &202_701u32.to_le_bytes(),
            &3u16.to_le_bytes(),
            &[7u8],
            &[5u8; 32],
            &42u64.to_le_bytes(),
        ]);
        assert_eq!(leaf(202_701, 3, 7, &account, 42), by_hand.to_bytes());
        let root = [9u8; 32];
        let plan = hashv(&[
            b"stk:plan:v1",
            &1u32.to_le_bytes(),
            &2u64.to_le_bytes(),
            &1u16.to_le_bytes(),
            &[8u8; 32],
            &root,
        ]);
        assert_eq!(plan_hash(1, 2, 1, &[8; 32], &[root]), plan.to_bytes());
    }

    #[test]
    fn every_field_of_a_line_is_bound() {
        let a = Pubkey::new_from_array([1; 32]);
        let base = leaf(10, 2, 3, &a, 100);
        assert_ne!(base, leaf(11, 2, 3, &a, 100));
        assert_ne!(base, leaf(10, 1, 3, &a, 100));
        assert_ne!(base, leaf(10, 2, 4, &a, 100));
        assert_ne!(base, leaf(10, 2, 3, &Pubkey::new_from_array([2; 32]), 100));
        assert_ne!(base, leaf(10, 2, 3, &a, 101));
    }

    #[test]
    fn reordering_or_moving_a_batch_changes_its_root() {
        let l = lines(5, 0);
        let root = batch_root(7, 0, &l);
        let mut swapped = l.clone();
        swapped.swap(0, 1);
        assert_ne!(root, batch_root(7, 0, &swapped));
        assert_ne!(root, batch_root(7, 1, &l), "another batch index");
        assert_ne!(root, batch_root(8, 0, &l), "another month");
        assert_ne!(root, batch_root(7, 0, &l[..4]), "a line dropped");
    }

    #[test]
    fn impossible_batches_have_the_zero_root_and_no_proof() {
        assert_eq!(try_batch_root(1, 0, &[]), None);
        assert_eq!(batch_root(1, 0, &[]), [0; 32]);
        let long = lines(MAX_BATCH_RECIPIENTS + 1, 0);
        assert_eq!(batch_root(1, 0, &long), [0; 32]);
        assert!(batch_proof(1, 0, &long, 0).is_empty());
        assert_ne!(batch_root(1, 0, &long[..MAX_BATCH_RECIPIENTS]), [0; 32]);
    }

    #[test]
    fn pages_hold_250_batches() {
        assert_eq!(page_of(0), (0, 0));
        assert_eq!(page_of(249), (0, 249));
        assert_eq!(page_of(250), (1, 0));
        assert_eq!(page_of(4095), (16, 95));
        assert_eq!(page_count(1), 1);
        assert_eq!(page_count(250), 1);
        assert_eq!(page_count(251), 2);
        assert_eq!(page_count(MAX_BATCH_COUNT) as usize, MAX_PLAN_PAGES);
        assert_eq!(entries_in_page(251, 0), 250);
        assert_eq!(entries_in_page(251, 1), 1);
        assert_eq!(entries_in_page(251, 2), 0);
    }

    #[test]
    fn skip_reason_codes_are_stable() {
        let codes: Vec<u8> = SkipReason::ALL.iter().map(|r| r.code()).collect();
        assert_eq!(codes, vec![1, 2, 3, 4, 5]);
        for r in SkipReason::ALL {
            assert_eq!(SkipReason::from_code(r.code()), Some(r));
        }
        assert_eq!(SkipReason::from_code(0), None);
        assert_eq!(SkipReason::from_code(6), None);
    }

    /// A Token-2022 account of `mint` with the memo-transfer extension, in `state`.
    fn token_account(mint: &Pubkey, state: AccountState, memo: bool) -> Vec<u8> {
        let len = ExtensionType::try_calculate_account_len::<TokenAccountState>(&[
            ExtensionType::MemoTransfer,
        ])
        .unwrap();
        let mut data = vec![0u8; len];
        let mut account =
            StateWithExtensionsMut::<TokenAccountState>::unpack_uninitialized(&mut data).unwrap();
        let ext = account.init_extension::<MemoTransfer>(true).unwrap();
        ext.require_incoming_transfer_memos = memo.into();
        account.base.mint = *mint;
        account.base.owner = Pubkey::new_from_array([3; 32]);
        account.base.state = state;
        account.pack_base();
        account.init_account_type().unwrap();
        data
    }

    #[test]
    fn recipients_are_classified_from_owner_and_data() {
        let stk = Pubkey::new_from_array([1; 32]);
        let other = Pubkey::new_from_array([2; 32]);
        let good = token_account(&stk, AccountState::Initialized, false);
        assert_eq!(classify_recipient(&t22::ID, &good, &stk), None);
        let system = Pubkey::default();
        assert_eq!(classify_recipient(&system, &[], &stk), Some(SkipReason::NotToken2022));
        assert_eq!(classify_recipient(&system, &good, &stk), Some(SkipReason::NotToken2022));
        assert_eq!(classify_recipient(&t22::ID, &[], &stk), Some(SkipReason::NotTokenAccount));
        assert_eq!(
            classify_recipient(&t22::ID, &good[..100], &stk),
            Some(SkipReason::NotTokenAccount)
        );
        let uninitialized = token_account(&stk, AccountState::Uninitialized, false);
        assert_eq!(
            classify_recipient(&t22::ID, &uninitialized, &stk),
            Some(SkipReason::NotTokenAccount)
        );
        assert_eq!(classify_recipient(&t22::ID, &good, &other), Some(SkipReason::WrongMint));
        let frozen = token_account(&stk, AccountState::Frozen, false);
        assert_eq!(classify_recipient(&t22::ID, &frozen, &stk), Some(SkipReason::Frozen));
        let memo = token_account(&stk, AccountState::Initialized, true);
        assert_eq!(classify_recipient(&t22::ID, &memo, &stk), Some(SkipReason::MemoRequired));
    }

    proptest! {
        #[test]
        fn every_line_proves_against_its_batch_root_and_nothing_else(
            n in 1usize..=MAX_BATCH_RECIPIENTS, pick in 0usize..MAX_BATCH_RECIPIENTS, salt: u8,
            month in 0u32..1_000_000, batch: u16,
        ) {
            let l = lines(n, salt);
            let root = batch_root(month, batch, &l);
            prop_assert_eq!(Some(root), try_batch_root(month, batch, &l));
            let i = pick % n;
            let proof = batch_proof(month, batch, &l, i);
            let (account, amount) = l[i];
            prop_assert!(verify_line(&proof, &root, leaf(month, batch, i as u8, &account, amount)));
            prop_assert!(!verify_line(&proof, &root, leaf(month, batch, i as u8, &account, amount + 1)));
            prop_assert!(!verify_line(&proof, &root, leaf(month, batch.wrapping_add(1), i as u8, &account, amount)));
            prop_assert!(batch_proof(month, batch, &l, n).is_empty());
        }

        #[test]
        fn the_plan_hash_ignores_chunking_but_binds_every_root(
            n in 1usize..600, split in 0usize..600, flip in 0usize..600,
        ) {
            let roots: Vec<[u8; 32]> = (0..n).map(|i| [(i % 251) as u8; 32]).collect();
            let whole = plan_hash(3, 1_000, n as u16, &[4; 32], &roots);
            let cut = split % (n + 1);
            let chunked = plan_hash_of_chunks(3, 1_000, n as u16, &[4; 32], &[&roots[..cut], &roots[cut..]]);
            prop_assert_eq!(whole, chunked);
            let mut changed = roots.clone();
            changed[flip % n][0] ^= 1;
            prop_assert_ne!(whole, plan_hash(3, 1_000, n as u16, &[4; 32], &changed));
            prop_assert_ne!(whole, plan_hash(3, 1_001, n as u16, &[4; 32], &roots));
            prop_assert_ne!(whole, plan_hash(3, 1_000, n as u16, &[5; 32], &roots));
        }
    }
}
