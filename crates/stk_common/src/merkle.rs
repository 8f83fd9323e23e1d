//! The initial sale's allowlist: a Merkle tree over `(wallet, cap)` pairs.
//!
//! * A **leaf** is `sha256("stk:allowlist:leaf" || wallet || cap_le)`; an inner **node** is
//!   `sha256("stk:allowlist:node" || min(a, b) || max(a, b))`. The two prefixes differ, so
//!   an inner node can never be presented as a leaf (second-preimage attack), and sorting the
//!   pair makes a proof a plain list of siblings with no left/right flags.
//! * An odd node at the end of a level is carried up unchanged.
//!
//! [`verify`] runs on-chain (sha256 through the syscall on SBF); [`MerkleTree`] builds the
//! root and the proofs off-chain. Both use the same [`leaf`] and [`node`] functions.
use anchor_lang::prelude::Pubkey;
use solana_sha256_hasher::hashv;

pub const LEAF_PREFIX: &[u8] = b"stk:allowlist:leaf";
pub const NODE_PREFIX: &[u8] = b"stk:allowlist:node";
/// The longest proof the program accepts: a tree of up to 2^24 (16.7M) wallets.
pub const MAX_PROOF_LEN: usize = 24;

/// The leaf of `wallet` allowed to buy up to `cap` STK base units.
pub fn leaf(wallet: &Pubkey, cap: u64) -> [u8; 32] {
    hashv(&[LEAF_PREFIX, wallet.as_ref(), &cap.to_le_bytes()]).to_bytes()
}

/// The parent of two nodes (order-independent).
pub fn node(a: &[u8; 32], b: &[u8; 32]) -> [u8; 32] {
    let (lo, hi) = if a <= b { (a, b) } else { (b, a) };
    hashv(&[NODE_PREFIX, lo, hi]).to_bytes()
}

/// Whether `proof` leads from `leaf` to `root`. Proofs longer than [`MAX_PROOF_LEN`] are
/// refused (bounded work on-chain).
pub fn verify(proof: &[[u8; 32]], root: &[u8; 32], leaf: [u8; 32]) -> bool {
    if proof.len() > MAX_PROOF_LEN {
        return false;
    }
    let computed = proof.iter().fold(leaf, |acc, sibling| node(&acc, sibling));
    &computed == root
}

/// An allowlist tree built off-chain. Leaves keep the caller's order.
#[derive(Debug, Clone)]
pub struct MerkleTree {
    /// `levels[0]` are the leaves, the last level is `[root]`.
    levels: Vec<Vec<[u8; 32]>>,
}

impl MerkleTree {
    /// Builds the tree over `leaves`; `None` when there are none.
    pub fn new(leaves: Vec<[u8; 32]>) -> Option<Self> {
        if leaves.is_empty() {
            return None;
        }
        let mut levels = vec![leaves];
        while levels.last().map(|l| l.len()).unwrap_or(0) > 1 {
            let below = levels.last().expect("non-empty");
            let above = below
                .chunks(2)
                .map(|pair| match pair {
                    [a, b] => node(a, b),
                    [odd] => *odd,
                    _ => unreachable!("chunks(2)"),
                })
                .collect();
            levels.push(above);
        }
        Some(MerkleTree { levels })
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

    proptest! {
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
