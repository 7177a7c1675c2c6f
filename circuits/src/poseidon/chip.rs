//! Poseidon digests of tensor groups (`hashed` visibility) on Poseidon lanes.
//!
//! A lane runs permutations in blocks of [`HASH_BLOCK`] rows. The block's first row absorbs:
//! its `w0, w1` are the two message words (copied from the tensor's cells) and the next row's
//! state is `s + (w0, w1, 0)`, or, when the block starts a sponge, `(w0, w1, w2)` with `w2`
//! copied from the capacity constant. Each following row is one round: `w_j = (s_j + rc_j)²`
//! for the S-boxed words and the next row's state is `MDS · ((s + rc) · w²)` (partial rounds
//! S-box the first word only), so every gate stays at degree 4. The round constants and
//! selectors are fixed columns shared by all lanes, which therefore run their blocks in
//! lockstep; a lane with fewer blocks is padded with blocks hashing zeros. The digest is the
//! first state word of the row after a sponge's last block.

use crate::builder::{Builder, Cell, Col, HashLane, HASH_BLOCK};
use crate::poseidon::{round, CHUNK, ROUNDS};
use halo2_proofs::halo2curves::bn256::Fr;
use halo2_proofs::halo2curves::ff::Field;

impl Builder {
    /// One constant-length sponge over `message` at height `level` of its group's tree (see
    /// [`crate::poseidon::capacity`]), on the lane with the fewest blocks.
    fn sponge_cells(&mut self, group: usize, message: &[Cell], level: u32) -> Cell {
        if self.hash.is_empty() {
            self.hash.push(HashLane::default());
        }
        let lane = (0..self.hash.len()).min_by_key(|&l| self.hash[l].blocks()).unwrap_or(0);
        let zero = self.constant(0);
        // Sponges hold at most a chunk of elements, so the length fits; the witness reads the
        // capacity from the constant cell it is copied from, so the two cannot disagree.
        let len = i128::from(u32::try_from(message.len()).unwrap_or(u32::MAX));
        let cap = self.constant((len << 64) + i128::from(level));
        let cap_value = self.field_value(cap);
        let pairs: Vec<[Cell; 2]> = if message.is_empty() {
            vec![[zero, zero]]
        } else {
            message.chunks(2).map(|p| [p[0], p.get(1).copied().unwrap_or(zero)]).collect()
        };
        for (i, [m0, m1]) in pairs.into_iter().enumerate() {
            let m = [self.field_value(m0), self.field_value(m1)];
            let at = self.hash_block(lane, group, i > 0, m, cap_value);
            self.copy(m0, Cell { col: Col::Hash(lane, 3), row: at });
            self.copy(m1, Cell { col: Col::Hash(lane, 4), row: at });
            if i == 0 {
                self.copy(cap, Cell { col: Col::Hash(lane, 5), row: at });
            }
        }
        Cell { col: Col::Hash(lane, 0), row: self.hash[lane].s.len() - 1 }
    }

    /// Appends a block to `lane` and returns its absorb row. The lane always ends in the row
    /// holding the last block's output state, which becomes this block's absorb row.
    fn hash_block(&mut self, lane: usize, group: usize, cont: bool, m: [Fr; 2], cap: Fr) -> usize {
        let known = self.known;
        let l = &mut self.hash[lane];
        if l.s.is_empty() {
            l.s.push([Fr::ZERO; 3]);
            l.w.push([Fr::ZERO; 3]);
        }
        let at = l.s.len() - 1;
        let mut state = if cont {
            let s = l.s[at];
            [s[0] + m[0], s[1] + m[1], s[2]]
        } else {
            [m[0], m[1], cap]
        };
        l.w[at] = [m[0], m[1], if cont { Fr::ZERO } else { cap }];
        for r in 0..ROUNDS {
            // Without a witness (planning, keygen) the values are placeholders: the rows are
            // what counts, and the permutation is most of a large hashed layout's time.
            let (next, squares) = if known { round(state, r) } else { (state, [Fr::ZERO; 3]) };
            l.s.push(state);
            l.w.push(squares);
            state = next;
        }
        l.s.push(state);
        l.w.push([Fr::ZERO; 3]);
        l.cont.push(cont);
        l.group.push(group);
        debug_assert_eq!(l.s.len(), HASH_BLOCK * l.blocks() + 1);
        at
    }
}

/// What the Poseidon lanes offer: the digest of a group of cells, laid out on the lanes
/// `HashLaneConfig` configures.
pub trait HashInstructions {
    /// Lays out the Poseidon digest ([`crate::poseidon::digest`]) of `cells` and returns the
    /// digest's cell. `group` names the hashed tensors in failures.
    fn hash_cells(&mut self, group: &str, cells: &[Cell]) -> Cell;

    /// Pads every Poseidon lane to the same number of blocks (the shared fixed columns switch
    /// the gates on for all lanes at once) with blocks that hash zeros.
    fn pad_hash_lanes(&mut self);
}

impl HashInstructions for Builder {
    fn hash_cells(&mut self, group: &str, cells: &[Cell]) -> Cell {
        self.hash_groups.push(group.to_string());
        let g = self.hash_groups.len() - 1;
        let mut nodes = cells.to_vec();
        let mut level = 0;
        while nodes.len() > CHUNK {
            nodes = nodes.chunks(CHUNK).map(|chunk| self.sponge_cells(g, chunk, level)).collect();
            level += 1;
        }
        self.sponge_cells(g, &nodes, level)
    }

    fn pad_hash_lanes(&mut self) {
        let blocks = self.hash.iter().map(HashLane::blocks).max().unwrap_or(0);
        for lane in 0..self.hash.len() {
            while self.hash[lane].blocks() < blocks {
                let g = self.hash[lane].group.last().copied().unwrap_or(0);
                self.hash_block(lane, g, false, [Fr::ZERO; 2], Fr::ZERO);
            }
        }
    }
}
