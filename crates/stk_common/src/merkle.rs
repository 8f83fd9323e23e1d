//! Merkle trees of the suite: the sale allowlist (here) and the treasury's payout plan
//! ([`crate::payout_plan`]) share one tree shape, each in its own hashing [`Domain`].
//!
//! * A **leaf** of the allowlist is `sha256("stk:allowlist:leaf" || wallet || cap_le)`; an
//!   inner **node** is `sha256(node_prefix || min(a, b) || max(a, b))`. Leaf and node prefixes
//!   differ, so an inner node can never be presented as a leaf (second-preimage attack), and
//!   sorting the pair makes a proof a plain list of siblings with no left/right flags.
//! * An odd node at the end of a level is carried up unchanged.
//!
//! [`verify`] runs on-chain (sha256 through the syscall on SBF); [`MerkleTree`] builds the
//! root and the proofs off-chain; [`Domain::root_in_place`] builds a root without allocating
//! (the payout plan's batch root, recomputed on-chain). All use the same [`Domain::node`].
use anchor_lang::prelude::Pubkey;
use solana_sha256_hasher::hashv;

pub const LEAF_PREFIX: &[u8] = b"stk:allowlist:leaf";
pub const NODE_PREFIX: &[u8] = b"stk:allowlist:node";
/// The longest proof the program accepts: a tree of up to 2^24 (16.7M) wallets.
pub const MAX_PROOF_LEN: usize = 24;

/// The hashing domain of one kind of tree: its leaf and inner-node prefixes. Two trees with
/// different domains never share a node hash, so a proof of one is never a proof of the other.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Domain {
    pub leaf_prefix: &'static [u8],
    pub node_prefix: &'static [u8],
}

/// The sale allowlist's domain.
pub const ALLOWLIST: Domain = Domain { leaf_prefix: LEAF_PREFIX, node_prefix: NODE_PREFIX };

impl Domain {
    /// The parent of two nodes (order-independent).
    pub fn node(&self, a: &[u8; 32], b: &[u8; 32]) -> [u8; 32] {
        let (lo, hi) = if a <= b { (a, b) } else { (b, a) };
        hashv(&[self.node_prefix, lo, hi]).to_bytes()
    }

    /// Whether `proof` leads from `leaf` to `root`. Proofs longer than [`MAX_PROOF_LEN`] are
    /// refused (bounded work on-chain).
    pub fn verify(&self, proof: &[[u8; 32]], root: &[u8; 32], leaf: [u8; 32]) -> bool {
        if proof.len() > MAX_PROOF_LEN {
            return false;
        }
        let computed = proof.iter().fold(leaf, |acc, sibling| self.node(&acc, sibling));
        &computed == root
    }

    /// The root of the tree over `leaves` (in order), computed in place: `leaves` is
    /// overwritten with the upper levels. `None` when there are no leaves. Same shape as
    /// [`MerkleTree`]: pairs left to right, an odd last node carried up.
    pub fn root_in_place(&self, leaves: &mut [[u8; 32]]) -> Option<[u8; 32]> {
        let mut len = leaves.len();
        if len == 0 {
            return None;
        }
        while len > 1 {
            let mut write = 0;
            let mut read = 0;
            while read < len {
                leaves[write] = if read + 1 < len {
                    self.node(&leaves[read], &leaves[read + 1])
                } else {
                    leaves[read]
                };
                write += 1;
                read += 2;
            }
            len = write;
        }
        Some(leaves[0])
    }
}

/// The leaf of `wallet` allowed to buy up to `cap` STK base units.
pub fn leaf(wallet: &Pubkey, cap: u64) -> [u8; 32] {
    hashv(&[ALLOWLIST.leaf_prefix, wallet.as_ref(), &cap.to_le_bytes()]).to_bytes()
}

/// The parent of two allowlist nodes (order-independent).
pub fn node(a: &[u8; 32], b: &[u8; 32]) -> [u8; 32] {
    ALLOWLIST.node(a, b)
}

/// Whether `proof` leads from `leaf` to the allowlist `root` (see [`Domain::verify`]).
pub fn verify(proof: &[[u8; 32]], root: &[u8; 32], leaf: [u8; 32]) -> bool {
    ALLOWLIST.verify(proof, root, leaf)
}

/// A tree built off-chain (the allowlist's by default). Leaves keep the caller's order.
#[derive(Debug, Clone)]
pub struct MerkleTree {
    domain: Domain,
    /// `levels[0]` are the leaves, the last level is `[root]`.
    levels: Vec<Vec<[u8; 32]>>,
}

impl MerkleTree {
    /// Builds the allowlist tree over `leaves`; `None` when there are none.
    pub fn new(leaves: Vec<[u8; 32]>) -> Option<Self> {
        Self::with_domain(ALLOWLIST, leaves)
    }

    /// Builds a tree of `domain` over `leaves`; `None` when there are none.
    pub fn with_domain(domain: Domain, leaves: Vec<[u8; 32]>) -> Option<Self> {
        if leaves.is_empty() {
            return None;
        }
        let mut levels = vec![leaves];
        while levels.last().map(|l| l.len()).unwrap_or(0) > 1 {
            let below = levels.last().expect("non-empty");
            let above = below
                .chunks(2)
                .map(|pair| match pair {
                    [a, b] => domain.node(a, b),
                    [odd] => *odd,
                    _ => unreachable!("chunks(2)"),
                })
                .collect();
            levels.push(above);
        }
        Some(MerkleTree { domain, levels })
    }

    pub fn domain(&self) -> Domain {
        self.domain
    }

    pub fn root(&self) -> [u8; 32] {
        self.levels.last().expect("at least one level")[0]
    }

    pub fn len(&self) -> usize {
        self.levels[0].len()
    }

    pub fn is_empty(&self) -> bool {
        self.levels[0].is_empty()
    }

    /// The proof of the `index`-th leaf, `None` when out of range.
    pub fn proof(&self, mut index: usize) -> Option<Vec<[u8; 32]>> {
        if index >= self.len() {
            return None;
        }
        let mut proof = Vec::new();
        for level in &self.levels[..self.levels.len() - 1] {
            let sibling = index ^ 1;
            // An odd last node has no sibling: it is carried up and adds nothing to the proof.
            if sibling < level.len() {
                proof.push(level[sibling]);
            }
            index /= 2;
        }
        Some(proof)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn wallets(n: usize) -> Vec<(Pubkey, u64)> {
        (0..n)
            .map(|i| (Pubkey::new_from_array([i as u8 + 1; 32]), 1_000 * (i as u64 + 1)))
            .collect()
    }

    #[test]
    fn every_leaf_proves_and_nothing_else_does() {
        for n in 1..=9 {
            let list = wallets(n);
            let tree = MerkleTree::new(list.iter().map(|(w, c)| leaf(w, *c)).collect()).unwrap();
            for (i, (w, c)) in list.iter().enumerate() {
                let proof = tree.proof(i).unwrap();
                assert!(verify(&proof, &tree.root(), leaf(w, *c)), "n={n} i={i}");
                // Another cap, or another wallet, with the same proof fails.
                assert!(!verify(&proof, &tree.root(), leaf(w, c + 1)));
                let stranger = Pubkey::new_from_array([200; 32]);
                assert!(!verify(&proof, &tree.root(), leaf(&stranger, *c)));
            }
            assert!(tree.proof(n).is_none());
        }
    }

    #[test]
    fn single_leaf_tree_has_the_leaf_as_root_and_an_empty_proof() {
        let (w, c) = wallets(1)[0];
        let tree = MerkleTree::new(vec![leaf(&w, c)]).unwrap();
        assert_eq!(tree.root(), leaf(&w, c));
        assert!(tree.proof(0).unwrap().is_empty());
        assert!(MerkleTree::new(vec![]).is_none());
    }

    #[test]
    fn an_inner_node_is_not_a_leaf() {
        // Domain separation: the hash of a node is never equal to a leaf built from its bytes,
        // so presenting a subtree root with a shortened proof fails.
        let list = wallets(4);
        let tree = MerkleTree::new(list.iter().map(|(w, c)| leaf(w, *c)).collect()).unwrap();
        let inner = node(&leaf(&list[0].0, list[0].1), &leaf(&list[1].0, list[1].1));
        let proof = tree.proof(0).unwrap();
        assert!(verify(&proof[1..], &tree.root(), inner), "the raw node does verify");
        // ... but a wallet cannot turn those bytes into a leaf: leaf() always re-hashes.
        let forged_wallet = Pubkey::new_from_array(inner);
        assert!(!verify(&proof[1..], &tree.root(), leaf(&forged_wallet, 0)));
    }

    #[test]
    fn overlong_proofs_are_refused() {
        let (w, c) = wallets(1)[0];
        let root = leaf(&w, c);
        assert!(!verify(&[[0u8; 32]; MAX_PROOF_LEN + 1], &root, leaf(&w, c)));
    }

    #[test]
    fn leaf_and_node_prefixes_differ() {
        assert_ne!(LEAF_PREFIX, NODE_PREFIX);
        let a = [1u8; 32];
        let b = [2u8; 32];
        assert_eq!(node(&a, &b), node(&b, &a));
    }

    #[test]
    fn allowlist_hashes_are_pinned() {
        // The generalization over domains must not change a single allowlist byte: these are
        // the hashes written out by hand (prefix || fields).
        let w = Pubkey::new_from_array([9; 32]);
        let by_hand = hashv(&[b"stk:allowlist:leaf", w.as_ref(), &77u64.to_le_bytes()]);
        assert_eq!(leaf(&w, 77), by_hand.to_bytes());
        let (a, b) = ([1u8; 32], [2u8; 32]);
        let node_by_hand = hashv(&[b"stk:allowlist:node", &a, &b]);
        assert_eq!(node(&b, &a), node_by_hand.to_bytes());
    }

    proptest! {
        #[test]
        fn root_in_place_equals_the_tree_root(n in 1usize..80, salt: u8) {
            let leaves: Vec<[u8; 32]> = (0..n).map(|i| [(i as u8).wrapping_add(salt); 32]).collect();
            let tree = MerkleTree::new(leaves.clone()).unwrap();
            let mut scratch = leaves;
            prop_assert_eq!(ALLOWLIST.root_in_place(&mut scratch), Some(tree.root()));
        }

        #[test]
        fn random_lists_prove_every_member(n in 1usize..64, pick in 0usize..64) {
            let list: Vec<(Pubkey, u64)> =
                (0..n).map(|i| (Pubkey::new_from_array([(i % 251) as u8 + 1; 32]), i as u64)).collect();
            let tree = MerkleTree::new(list.iter().map(|(w, c)| leaf(w, *c)).collect()).unwrap();
            let i = pick % n;
            let proof = tree.proof(i).unwrap();
            prop_assert!(proof.len() <= MAX_PROOF_LEN);
            prop_assert!(verify(&proof, &tree.root(), leaf(&list[i].0, list[i].1)));
        }
    }
}
