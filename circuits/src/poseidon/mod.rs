//! Native Poseidon over BN254's scalar field: the hash a `hashed` tensor group is published as.
//!
//! Width 3, rate 2, x^5 S-box, 8 full and 57 partial rounds (128-bit security on BN254), round
//! constants and MDS matrix from the specification's Grain LFSR (`poseidon-primitives`). Each
//! sponge is the constant-length construction of the Poseidon paper: the capacity starts at
//! `len·2^64 + level`, the message is zero-padded to an even length and the digest is the first
//! state word. A tensor group of more than [`CHUNK`] elements is hashed as a tree: chunks of
//! [`CHUNK`] elements are hashed, then their digests, until one is left. `level` is the
//! sponge's height in the tree (0 for sponges over values), so an inner node never equals the
//! digest of a group that lists the same field elements as values. The definition depends
//! on the values alone (never on the circuit layout), so anyone can recompute a digest.

pub(crate) mod chip;
pub(crate) mod gate;

use halo2_proofs::halo2curves::bn256::Fr;
use halo2_proofs::halo2curves::ff::{Field, PrimeField};
use poseidon_primitives::poseidon::primitives::Spec;
use std::sync::OnceLock;

/// State width.
pub const WIDTH: usize = 3;
/// Full rounds (half before the partial rounds, half after).
pub const FULL_ROUNDS: usize = 8;
/// Partial rounds.
pub const PARTIAL_ROUNDS: usize = 57;
/// Rounds in one permutation.
pub const ROUNDS: usize = FULL_ROUNDS + PARTIAL_ROUNDS;
/// Elements hashed by one leaf sponge of the tree.
pub const CHUNK: usize = 512;

/// The parameter set, for the Grain generator.
#[derive(Debug)]
struct Bn254T3;

impl Spec<Fr, WIDTH, 2> for Bn254T3 {
    fn full_rounds() -> usize {
        FULL_ROUNDS
    }
    fn partial_rounds() -> usize {
        PARTIAL_ROUNDS
    }
    fn sbox(val: Fr) -> Fr {
        val.pow_vartime([5])
    }
    fn secure_mds() -> usize {
        0
    }
}

/// Round constants (one row per round) and the MDS matrix.
pub struct Constants {
    /// `rc[r][j]` is added to state word `j` before round `r`'s S-boxes.
    pub rc: Vec<[Fr; WIDTH]>,
    /// Mixing matrix.
    pub mds: [[Fr; WIDTH]; WIDTH],
}

/// The constants, generated once per process.
pub fn constants() -> &'static Constants {
    static C: OnceLock<Constants> = OnceLock::new();
    C.get_or_init(|| {
        let (rc, mds, _) = Bn254T3::constants();
        Constants { rc, mds }
    })
}

/// Whether round `r` applies the S-box to every word.
#[must_use]
pub fn is_full_round(r: usize) -> bool {
    !(FULL_ROUNDS / 2..FULL_ROUNDS / 2 + PARTIAL_ROUNDS).contains(&r)
}

/// One round: add constants, S-box (every word in a full round, the first in a partial one),
/// mix. Returns the new state and the squares `(s_j + rc_j)²` the circuit witnesses.
#[must_use]
pub fn round(state: [Fr; WIDTH], r: usize) -> ([Fr; WIDTH], [Fr; WIDTH]) {
    let c = constants();
    let full = is_full_round(r);
    let mut u = [Fr::ZERO; WIDTH];
    let mut sq = [Fr::ZERO; WIDTH];
    for j in 0..WIDTH {
        let x = state[j] + c.rc[r][j];
        if full || j == 0 {
            sq[j] = x.square();
            u[j] = x * sq[j].square();
        } else {
            u[j] = x;
        }
    }
    let mut out = [Fr::ZERO; WIDTH];
    for (i, o) in out.iter_mut().enumerate() {
        *o = (0..WIDTH).map(|j| c.mds[i][j] * u[j]).sum();
    }
    (out, sq)
}

/// The Poseidon permutation.
#[must_use]
pub fn permute(mut state: [Fr; WIDTH]) -> [Fr; WIDTH] {
    for r in 0..ROUNDS {
        state = round(state, r).0;
    }
    state
}

/// Initial capacity word of a constant-length sponge over `len` elements at height `level` of
/// a group's tree.
#[must_use]
pub fn capacity(len: usize, level: u32) -> Fr {
    Fr::from_u128(((len as u128) << 64) + u128::from(level))
}

/// One constant-length sponge over values (tree height 0).
#[must_use]
pub fn sponge(message: &[Fr]) -> Fr {
    sponge_at(message, 0)
}

/// One constant-length sponge at height `level` of a group's tree.
#[must_use]
pub fn sponge_at(message: &[Fr], level: u32) -> Fr {
    let mut state = [Fr::ZERO, Fr::ZERO, capacity(message.len(), level)];
    for pair in message.chunks(2) {
        state[0] += pair[0];
        state[1] += pair.get(1).copied().unwrap_or(Fr::ZERO);
        state = permute(state);
    }
    if message.is_empty() {
        state = permute(state);
    }
    state[0]
}

/// The digest of a tensor group: one sponge up to [`CHUNK`] elements, a tree of sponges above.
#[must_use]
pub fn digest(values: &[Fr]) -> Fr {
    let mut nodes = values.to_vec();
    let mut level = 0;
    while nodes.len() > CHUNK {
        nodes = nodes.chunks(CHUNK).map(|c| sponge_at(c, level)).collect();
        level += 1;
    }
    sponge_at(&nodes, level)
}

/// [`digest`] of integers (negative values are field elements `r − |v|`, as in the circuit).
#[must_use]
pub fn digest_ints(values: &[i128]) -> Fr {
    digest(&values.iter().map(|&v| crate::field::fe(v)).collect::<Vec<_>>())
}

#[cfg(test)]
mod tests {
    use super::*;
    use poseidon_primitives::poseidon::primitives::{ConstantLength, Hash};

    fn reference<const L: usize>(m: [Fr; L]) -> Fr {
        Hash::<Fr, Bn254T3, ConstantLength<L>, WIDTH, 2>::init().hash(m)
    }

    #[test]
    fn permutation_matches_the_reference_implementation() {
        let x = [Fr::from(1), Fr::from(2), Fr::from(3)];
        let mut expected = x;
        Hash::<Fr, Bn254T3, ConstantLength<2>, WIDTH, 2>::init().permute(&mut expected);
        assert_eq!(permute(x), expected);
    }

    fn hex(f: Fr) -> String {
        format!("{f:?}")
    }

    /// The Poseidon authors' test vector for this parameter set (`poseidonperm_x5_254_3`),
    /// and two digests pinned so the published definition cannot drift.
    #[test]
    fn known_answers() {
        let out = permute([Fr::from(0), Fr::from(1), Fr::from(2)]);
        assert_eq!(
            out.map(hex),
            [
                "0x115cc0f5e7d690413df64c6b9662e9cf2a3617f2743245519e19607a4417189a",
                "0x0fca49b798923ab0239de1c9e7a4a9a2210312b6a2f616d18b5a87f9b628ae29",
                "0x0e7ae82e40091e63cbd4f16a6d16310b3729d4b6e138fcf54110e2867045a30c",
            ]
        );
        assert_eq!(
            hex(digest_ints(&[1, 2, 3])),
            "0x264f7d330904158e85a103eb842527d2f2d8165df37c1d4bb04aa5755f31ebe6"
        );
        assert_eq!(
            hex(sponge(&[])),
            "0x2098f5fb9e239eab3ceac3f27b81e481dc3124d55ffed523a839ee8446b64864"
        );
    }

    #[test]
    fn sponge_matches_the_reference_constant_length_hash() {
        let m: Vec<Fr> = (0..5u64).map(|i| Fr::from(i * 7 + 1)).collect();
        assert_eq!(sponge(&m[..1]), reference([m[0]]));
        assert_eq!(sponge(&m[..2]), reference([m[0], m[1]]));
        assert_eq!(sponge(&m[..5]), reference([m[0], m[1], m[2], m[3], m[4]]));
        assert_ne!(sponge(&m[..2]), sponge(&[m[0], m[1], Fr::ZERO]), "length is bound");
    }

    #[test]
    fn large_groups_hash_as_a_tree_of_chunks() {
        let v: Vec<Fr> = (0..(CHUNK as u64 + 3)).map(Fr::from).collect();
        let leaves = [sponge(&v[..CHUNK]), sponge(&v[CHUNK..])];
        assert_eq!(digest(&v), sponge_at(&leaves, 1));
        // An inner node is not the digest of a group whose values are the leaf digests.
        assert_ne!(digest(&v), digest(&leaves));
        assert_eq!(digest(&v[..CHUNK]), sponge(&v[..CHUNK]));
        assert_eq!(digest_ints(&[-1]), sponge(&[-Fr::ONE]));
    }
}
